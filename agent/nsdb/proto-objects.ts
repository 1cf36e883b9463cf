/**
 * Proto messages ↔ plain topology objects (simulation/topology/objects.ts).
 *
 * Words:
 *  - a *plain object* is a proto message with MidoNet's three value messages
 *    collapsed to their text forms, the shape of TopologyObjects and of the
 *    topology file: `UUID{msb,lsb}` → canonical lowercase UUID string,
 *    `IPAddress{version,address}` → the address, `IPSubnet{version,address,
 *    prefix_length}` → `address/prefix_length` (just `address` when the length is
 *    absent); 64-bit integers → number. Everything else (enums by name, nested
 *    messages, repeated arrays, the `unknown` entries) is carried over as is.
 *  - going back, an IP's version is V6 iff the text contains `:`.
 *
 * Contract: for every message type, not only the classes of CLASS_OF (HostState
 * and PortState state values use the same functions). Text MidoNet printed →
 * object → text is byte-identical, with two documented exceptions that MidoNet
 * never produces: unknown fields inside UUID/IPAddress/IPSubnet, and an IP whose
 * `version` disagrees with its address. 64-bit values beyond 2^53 lose precision
 * as numbers; the two that matter — 2^63−1 (Java Long.MAX_VALUE, the REST API's
 * default TraceRequest.limit) and 2^64−1 — round to 2^63 and 2^64 and are mapped
 * back exactly. Bad plain values throw ProtoValueError naming the field path.
 */
import type { TopologyClassKey, TopologyObjects } from '../../simulation/topology/objects.js';
import { CLASS_OF } from '../../simulation/topology/objects.js';
import { ProtoValueError } from './proto-errors.js';
import { INT64_TYPES, messageType, resolveMessage, type FieldDesc, type MessageDesc } from './proto/index.js';
import { parseMessage, printMessage, type ProtoMessage, type ProtoValue } from './text-format.js';

export type PlainValue = string | number | bigint | boolean | Uint8Array | PlainObject;
export interface PlainObject {
  readonly [field: string]: PlainValue | readonly PlainValue[] | undefined;
}

/** A topology object of class key `K` (`Port` for `ports`). */
export type TopologyObject<K extends TopologyClassKey> = TopologyObjects[K][number];

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// ---- UUID and IP value messages ---------------------------------------------

export function uuidToProto(uuid: string, path = ''): ProtoMessage {
  const s = uuid.toLowerCase();
  if (!UUID_RE.test(s)) throw new ProtoValueError(path, `not a UUID: ${JSON.stringify(uuid)}`);
  const hex = s.replaceAll('-', '');
  return { msb: BigInt('0x' + hex.slice(0, 16)), lsb: BigInt('0x' + hex.slice(16)) };
}

export function uuidFromProto(msg: ProtoMessage, path = ''): string {
  const half = (name: 'msb' | 'lsb'): string => {
    const v = msg[name];
    if (typeof v !== 'bigint' && typeof v !== 'number') {
      throw new ProtoValueError(path, `UUID without ${name}`);
    }
    return BigInt.asUintN(64, BigInt(v)).toString(16).padStart(16, '0');
  };
  const h = half('msb') + half('lsb');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function ipVersion(address: string): 'V4' | 'V6' {
  return address.includes(':') ? 'V6' : 'V4';
}

export function ipToProto(address: string): ProtoMessage {
  return { version: ipVersion(address), address };
}

export function subnetToProto(subnet: string, path = ''): ProtoMessage {
  const slash = subnet.lastIndexOf('/');
  if (slash < 0) return { version: ipVersion(subnet), address: subnet };
  const address = subnet.slice(0, slash);
  const len = subnet.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(len)) throw new ProtoValueError(path, `bad prefix length in ${JSON.stringify(subnet)}`);
  return { version: ipVersion(address), address, prefix_length: Number(len) };
}

function subnetFromProto(msg: ProtoMessage): string {
  const address = typeof msg['address'] === 'string' ? msg['address'] : '';
  const len = msg['prefix_length'];
  return typeof len === 'number' ? `${address}/${len}` : address;
}

// ---- generic conversion -----------------------------------------------------

/** Proto message of `type` → plain object. */
export function plainFromProto(type: MessageDesc | string, msg: ProtoMessage, path = ''): PlainObject {
  const desc = resolveMessage(type);
  const out: Record<string, PlainValue | PlainValue[]> = {};
  for (const f of desc.fields) {
    const v = msg[f.name];
    if (v === undefined) continue;
    const fpath = path === '' ? f.name : `${path}.${f.name}`;
    out[f.name] = Array.isArray(v)
      ? (v as readonly ProtoValue[]).map((e, i) => valueFromProto(f, e, `${fpath}[${i}]`))
      : valueFromProto(f, v as ProtoValue, fpath);
  }
  const unknown = msg['unknown'];
  if (Array.isArray(unknown) && unknown.length > 0) out['unknown'] = [...(unknown as string[])];
  return out;
}

function valueFromProto(f: FieldDesc, v: ProtoValue, path: string): PlainValue {
  if (f.kind === 'message') {
    if (typeof v !== 'object' || v instanceof Uint8Array) throw new ProtoValueError(path, `expected ${f.type}`);
    switch (f.type) {
      case 'UUID': return uuidFromProto(v, path);
      case 'IPAddress': return typeof v['address'] === 'string' ? v['address'] : '';
      case 'IPSubnet': return subnetFromProto(v);
      default: return plainFromProto(messageType(f.type), v, path);
    }
  }
  if (typeof v === 'bigint' && INT64_TYPES.has(f.type)) return Number(v);
  return v;
}

/** Plain object → proto message of `type`. Throws ProtoValueError on bad values. */
export function protoFromPlain(type: MessageDesc | string, plain: PlainObject, path = ''): ProtoMessage {
  const desc = resolveMessage(type);
  const out: Record<string, ProtoValue | ProtoValue[]> = {};
  for (const key of Object.keys(plain)) {
    if (key !== 'unknown' && !desc.byName.has(key) && plain[key] !== undefined) {
      throw new ProtoValueError(path === '' ? key : `${path}.${key}`, `no field ${key} in ${desc.name}`);
    }
  }
  for (const f of desc.fields) {
    const v = plain[f.name];
    if (v === undefined) continue;
    const fpath = path === '' ? f.name : `${path}.${f.name}`;
    if (f.label === 'repeated') {
      if (!Array.isArray(v)) throw new ProtoValueError(fpath, 'expected an array');
      out[f.name] = (v as readonly PlainValue[]).map((e, i) => valueToProto(f, e, `${fpath}[${i}]`));
    } else {
      if (Array.isArray(v)) throw new ProtoValueError(fpath, 'expected a single value, got an array');
      out[f.name] = valueToProto(f, v as PlainValue, fpath);
    }
  }
  const unknown = plain['unknown'];
  if (unknown !== undefined) {
    if (!Array.isArray(unknown) || !unknown.every((e) => typeof e === 'string')) {
      throw new ProtoValueError(path === '' ? 'unknown' : `${path}.unknown`, 'expected an array of strings');
    }
    if (unknown.length > 0) out['unknown'] = [...(unknown as string[])];
  }
  return out;
}

function valueToProto(f: FieldDesc, v: PlainValue, path: string): ProtoValue {
  if (f.kind === 'message') {
    if (f.type === 'UUID' || f.type === 'IPAddress' || f.type === 'IPSubnet') {
      if (typeof v !== 'string') throw new ProtoValueError(path, `expected a ${f.type} string`);
      return f.type === 'UUID' ? uuidToProto(v, path)
        : f.type === 'IPAddress' ? ipToProto(v)
        : subnetToProto(v, path);
    }
    if (typeof v !== 'object' || v instanceof Uint8Array) throw new ProtoValueError(path, `expected a ${f.type} object`);
    return protoFromPlain(messageType(f.type), v, path);
  }
  if (typeof v === 'number' && INT64_TYPES.has(f.type)) return int64FromNumber(v, f.type, path);
  return v as ProtoValue;
}

const TWO_63 = 2 ** 63;
const TWO_64 = 2 ** 64;

function int64FromNumber(n: number, type: string, path: string): bigint {
  if (!Number.isInteger(n)) throw new ProtoValueError(path, `expected an integer, got ${n}`);
  if (Number.isSafeInteger(n)) return BigInt(n);
  // A double cannot hold Long.MAX_VALUE or 2^64-1; they arrive rounded up.
  if (n === TWO_63) return 2n ** 63n - 1n;
  if (n === TWO_64 && (type === 'uint64' || type === 'fixed64')) return 2n ** 64n - 1n;
  return BigInt(n);
}

// ---- text shortcuts ------------------------------------------------------------

/** Plain object → protobuf text, e.g. `printPlain('PortState', { host_id, tunnel_key })`. */
export function printPlain(type: MessageDesc | string, plain: PlainObject): string {
  return printMessage(type, protoFromPlain(type, plain));
}

/** Protobuf text (or UTF-8 bytes) → plain object. */
export function parsePlain(type: MessageDesc | string, text: string | Uint8Array): PlainObject {
  return plainFromProto(type, parseMessage(type, text));
}

/** The topology class key of a ZOOM class name (`Port` → `ports`), if the simulation has one. */
export function classKeyOf(className: string): TopologyClassKey | undefined {
  for (const [key, cls] of Object.entries(CLASS_OF)) if (cls === className) return key as TopologyClassKey;
  return undefined;
}

/** A topology object as the text MidoNet stores at `models/{CLASS_OF[key]}/{id}`. */
export function topologyObjectToText<K extends TopologyClassKey>(key: K, obj: TopologyObject<K>): string {
  return printPlain(CLASS_OF[key], obj as unknown as PlainObject);
}

/** Text from `models/{CLASS_OF[key]}/{id}` → topology object. Throws ProtoTextError. */
export function topologyObjectFromText<K extends TopologyClassKey>(key: K, text: string | Uint8Array): TopologyObject<K> {
  const cls = CLASS_OF[key];
  const plain = parsePlain(cls, text);
  if (typeof plain['id'] !== 'string') throw new ProtoValueError('id', `${cls} without id`);
  return plain as unknown as TopologyObject<K>;
}
