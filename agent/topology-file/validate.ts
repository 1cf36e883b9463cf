/**
 * Checks one topology-file object against the MidoNet schema tables
 * (agent/nsdb/proto) — the same tables the ZooKeeper codec uses, so a file the
 * loader accepts is exactly what could be stored in ZOOM.
 *
 * Plain form (the TopologyObjects shape): UUID, IP address, IP subnet and MAC as
 * strings; enums by proto value name; Int32Range as `{ start, end }`; nested
 * messages as objects; repeated fields as arrays; integers range-checked by
 * proto type (64-bit ones must be safe JS integers). An `unknown` array of
 * strings is accepted: it carries fields a ZooKeeper export did not recognise.
 *
 * Contract: returns a normalized copy (UUIDs and MACs lowercased, keys in field
 * number order) or throws TopologyFileError at the first problem, naming the
 * field path and what was expected.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { enumType, messageType, type FieldDesc, type MessageDesc } from '../nsdb/proto/index.js';
import { describeJson, TopologyFileError, type TopologyFileErrorWhere } from './errors.js';

export type JsonObject = { [key: string]: unknown };

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

const INT_RANGE: Readonly<Record<string, readonly [number, number]>> = {
  int32: [-(2 ** 31), 2 ** 31 - 1], sint32: [-(2 ** 31), 2 ** 31 - 1], sfixed32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1], fixed32: [0, 2 ** 32 - 1],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  sint64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  sfixed64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint64: [0, Number.MAX_SAFE_INTEGER], fixed64: [0, Number.MAX_SAFE_INTEGER],
};

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isUuid(s: string): boolean {
  return UUID_RE.test(s);
}

/** Validates `obj` as message `desc`; `where` locates the object for errors. */
export function validateMessage(desc: MessageDesc, obj: JsonObject, where: TopologyFileErrorWhere, path = ''): JsonObject {
  const fail = (field: string, problem: string): never => {
    throw new TopologyFileError({ ...where, field }, problem);
  };
  for (const key of Object.keys(obj)) {
    if (key === 'unknown' || desc.byName.has(key)) continue;
    const hint = suggest(key, [...desc.byName.keys()]);
    throw new TopologyFileError(where,
      `unknown field "${join(path, key)}" in ${desc.name}${hint === undefined ? '' : ` (did you mean "${join(path, hint)}"?)`}`);
  }
  const out: JsonObject = {};
  const oneofs = new Map<string, string>();
  for (const f of desc.fields) {
    const v = obj[f.name];
    if (v === undefined) continue;
    const fpath = join(path, f.name);
    if (f.oneof !== undefined) {
      const other = oneofs.get(f.oneof);
      if (other !== undefined) {
        throw new TopologyFileError(where, `fields "${join(path, other)}" and "${fpath}" are alternatives ` +
          `(oneof ${f.oneof}); set at most one`);
      }
      oneofs.set(f.oneof, f.name);
    }
    if (f.label === 'repeated') {
      if (!Array.isArray(v)) fail(fpath, `expected an array of ${expected(f)}, got ${describeJson(v)}`);
      out[f.name] = (v as unknown[]).map((e, i) => validateValue(f, e, where, `${fpath}[${i}]`));
    } else {
      out[f.name] = validateValue(f, v, where, fpath);
    }
  }
  const unknown = obj['unknown'];
  if (unknown !== undefined) {
    if (!Array.isArray(unknown) || !unknown.every((e) => typeof e === 'string')) {
      fail(join(path, 'unknown'), `expected an array of strings (kept protobuf text), got ${describeJson(unknown)}`);
    }
    out['unknown'] = [...(unknown as string[])];
  }
  return out;
}

function validateValue(f: FieldDesc, v: unknown, where: TopologyFileErrorWhere, path: string): unknown {
  const bad = (): never => {
    throw new TopologyFileError({ ...where, field: path }, `expected ${expected(f)}, got ${describeJson(v)}`);
  };
  if (f.kind === 'enum') {
    if (typeof v !== 'string' || !enumType(f.type).byName.has(v)) bad();
    return v;
  }
  if (f.kind === 'message') {
    switch (f.type) {
      case 'UUID':
        if (typeof v !== 'string' || !UUID_RE.test(v)) bad();
        return (v as string).toLowerCase();
      case 'IPAddress':
        if (typeof v !== 'string' || !(isIPv4(v) || isIPv6(v))) bad();
        return v;
      case 'IPSubnet':
        if (typeof v !== 'string' || !isSubnet(v)) bad();
        return v;
      default:
        if (!isJsonObject(v)) bad();
        return validateMessage(messageType(f.type), v as JsonObject, where, path);
    }
  }
  if (f.format === 'mac') {
    if (typeof v !== 'string' || !MAC_RE.test(v)) bad();
    return (v as string).toLowerCase();
  }
  switch (f.type) {
    case 'string': if (typeof v !== 'string') bad(); return v;
    case 'bool': if (typeof v !== 'boolean') bad(); return v;
    case 'float': case 'double': if (typeof v !== 'number') bad(); return v;
    default: {
      const range = INT_RANGE[f.type];
      if (range === undefined || typeof v !== 'number' || !Number.isInteger(v) || v < range[0] || v > range[1]) bad();
      return v;
    }
  }
}

function isSubnet(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0) return false;
  const addr = s.slice(0, slash);
  const len = s.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(len)) return false;
  if (isIPv4(addr)) return Number(len) <= 32;
  return isIPv6(addr) && Number(len) <= 128;
}

/** What a field wants, in words a user understands. */
export function expected(f: FieldDesc): string {
  if (f.kind === 'enum') {
    const names = enumType(f.type).values.map((v) => v.name);
    return `one of ${names.join(', ')}`;
  }
  if (f.kind === 'message') {
    switch (f.type) {
      case 'UUID': return 'a UUID like "4a2e6b0c-1f3d-4b5a-9c8d-7e6f5a4b3c2d"';
      case 'IPAddress': return 'an IP address like "10.0.0.1" or "2001:db8::1"';
      case 'IPSubnet': return 'an IP subnet like "10.0.0.0/24"';
      case 'Int32Range': return 'a range object like { "start": 80, "end": 90 }';
      default: return `a ${f.type} object`;
    }
  }
  if (f.format === 'mac') return 'a MAC address like "02:00:00:aa:bb:cc"';
  switch (f.type) {
    case 'string': return 'a string';
    case 'bool': return 'true or false';
    case 'float': case 'double': return 'a number';
    default: {
      const r = INT_RANGE[f.type]!;
      return `an integer from ${r[0]} to ${r[1]} (${f.type})`;
    }
  }
}

function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

/** The closest known name, if one is close enough to be a typo. */
export function suggest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  for (const k of known) {
    const d = distance(name, k);
    if (d < bestDist) {
      best = k;
      bestDist = d;
    }
  }
  return best !== undefined && bestDist <= Math.max(2, Math.floor(name.length / 4)) ? best : undefined;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
