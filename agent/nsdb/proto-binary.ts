/**
 * Binary protobuf wire format for the few MidoNet messages stored or sent as
 * bytes: ZoomObject provenance in `{root}/zoom/0/objects/…` and the flow-state
 * minion's StateRequest/StateResponse. Table-driven from the same schema as the
 * text codec, on the same ProtoMessage shape (text-format.ts).
 *
 * Wire format (proto2): each field is a tag varint `(number << 3) | wireType`
 * followed by a varint (0: int*, uint*, sint* zigzag, bool, enum), 8 bytes LE
 * (1: fixed64, sfixed64, double), a length-prefixed body (2: string, bytes,
 * messages, packed repeated scalars) or 4 bytes LE (5: fixed32, sfixed32, float).
 * Encoding follows protobuf-java: fields in number order, repeated scalars
 * unpacked (proto2 default), negative int32 as a 10-byte varint, kept unknown
 * fields last. Decoding accepts packed and unpacked repeated scalars.
 *
 * Unknown fields (and enum numbers the schema lacks) are kept raw in the
 * message's `unknown` entries as `#bin <hex of tag+value>` — a text-format
 * comment, so such a message still prints as valid text — and re-emitted.
 * Groups (wire types 3/4) do not occur in MidoNet protos and are rejected.
 */
import { ProtoBinaryError, ProtoValueError } from './proto-errors.js';
import { enumType, messageType, resolveMessage, type FieldDesc, type MessageDesc } from './proto/index.js';
import type { ProtoMessage, ProtoValue } from './text-format.js';
import { utf8Bytes, utf8String } from './text-format-scalars.js';

const BIN_PREFIX = '#bin ';

class Writer {
  private buf = new Uint8Array(64);
  len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  varint(v: bigint): void {
    let x = BigInt.asUintN(64, v);
    this.ensure(10);
    while (x >= 0x80n) {
      this.buf[this.len++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.buf[this.len++] = Number(x);
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  fixed(v: bigint, size: 4 | 8): void {
    this.ensure(size);
    for (let i = 0; i < size; i++) this.buf[this.len++] = Number((v >> BigInt(8 * i)) & 0xffn);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

const WIRE: Readonly<Record<string, number>> = {
  double: 1, fixed64: 1, sfixed64: 1, float: 5, fixed32: 5, sfixed32: 5,
  string: 2, bytes: 2,
};

function wireType(f: FieldDesc): number {
  if (f.kind === 'message') return 2;
  return WIRE[f.type] ?? 0;
}

/** Encodes `msg` as message `type`. Throws ProtoValueError for bad values. */
export function encodeBinary(type: MessageDesc | string, msg: ProtoMessage): Uint8Array {
  const w = new Writer();
  writeMessage(w, resolveMessage(type), msg, '');
  return w.finish();
}

function writeMessage(w: Writer, desc: MessageDesc, msg: ProtoMessage, path: string): void {
  for (const f of desc.fields) {
    const v = msg[f.name];
    if (v === undefined) continue;
    const fpath = path === '' ? f.name : `${path}.${f.name}`;
    const values = Array.isArray(v) ? (v as readonly ProtoValue[]) : [v as ProtoValue];
    for (const e of values) {
      w.varint(BigInt((f.number << 3) | wireType(f)));
      writeValue(w, f, e, fpath);
    }
  }
  const unknown = msg['unknown'];
  if (Array.isArray(unknown)) {
    for (const e of unknown) {
      if (typeof e === 'string' && e.startsWith(BIN_PREFIX)) w.bytes(hexToBytes(e.slice(BIN_PREFIX.length)));
    }
  }
}

function writeValue(w: Writer, f: FieldDesc, v: ProtoValue, path: string): void {
  if (f.kind === 'message') {
    if (typeof v !== 'object' || v instanceof Uint8Array) throw new ProtoValueError(path, `expected ${f.type}`);
    const inner = new Writer();
    writeMessage(inner, messageType(f.type), v, path);
    w.varint(BigInt(inner.len));
    w.bytes(inner.finish());
    return;
  }
  if (f.kind === 'enum') {
    const n = typeof v === 'number' ? v : enumType(f.type).byName.get(String(v));
    if (n === undefined) throw new ProtoValueError(path, `${String(v)} is not a value of ${f.type}`);
    w.varint(BigInt(n));
    return;
  }
  switch (f.type) {
    case 'string':
    case 'bytes': {
      const b = typeof v === 'string' ? utf8Bytes(v) : v instanceof Uint8Array ? v : null;
      if (b === null) throw new ProtoValueError(path, 'expected a string');
      w.varint(BigInt(b.length));
      w.bytes(b);
      return;
    }
    case 'bool':
      w.varint(v === true ? 1n : 0n);
      return;
    case 'double':
    case 'float': {
      const dv = new DataView(new ArrayBuffer(8));
      if (f.type === 'double') dv.setFloat64(0, Number(v), true);
      else dv.setFloat32(0, Number(v), true);
      w.bytes(new Uint8Array(dv.buffer, 0, f.type === 'double' ? 8 : 4));
      return;
    }
    default: {
      if (typeof v !== 'number' && typeof v !== 'bigint') throw new ProtoValueError(path, 'expected an integer');
      const b = BigInt(v);
      if (f.type === 'sint32' || f.type === 'sint64') w.varint(b >= 0n ? b << 1n : (-b << 1n) - 1n);
      else if (f.type === 'fixed32' || f.type === 'sfixed32') w.fixed(BigInt.asUintN(32, b), 4);
      else if (f.type === 'fixed64' || f.type === 'sfixed64') w.fixed(BigInt.asUintN(64, b), 8);
      else w.varint(b);
    }
  }
}

// ---- decoding --------------------------------------------------------------

class Reader {
  pos: number;
  constructor(readonly buf: Uint8Array, start: number, readonly end: number) {
    this.pos = start;
  }

  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.end) throw new ProtoBinaryError(this.pos, 'truncated varint');
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, result);
    }
    throw new ProtoBinaryError(this.pos, 'varint longer than 10 bytes');
  }

  take(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.end) throw new ProtoBinaryError(this.pos, `truncated field (${n} bytes)`);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}

/** Decodes bytes as message `type`. Throws ProtoBinaryError on malformed input. */
export function decodeBinary(type: MessageDesc | string, bytes: Uint8Array): ProtoMessage {
  return readMessage(new Reader(bytes, 0, bytes.length), resolveMessage(type), 0);
}

function readMessage(r: Reader, desc: MessageDesc, depth: number): ProtoMessage {
  if (depth > 64) throw new ProtoBinaryError(r.pos, 'message nesting too deep');
  const out: Record<string, ProtoValue | ProtoValue[]> = {};
  const unknown: string[] = [];
  while (r.pos < r.end) {
    const start = r.pos;
    const tag = r.varint();
    const number = Number(tag >> 3n);
    const wt = Number(tag & 7n);
    const f = desc.byNumber.get(number);
    const packed = f !== undefined && f.label === 'repeated' && wt === 2 && wireType(f) !== 2;
    if (f === undefined || (wt !== wireType(f) && !packed)) {
      skipValue(r, wt, start);
      unknown.push(BIN_PREFIX + bytesToHex(r.buf.subarray(start, r.pos)));
      continue;
    }
    const values: ProtoValue[] = [];
    if (packed) {
      const len = Number(r.varint());
      const body = new Reader(r.buf, r.pos, r.pos + len);
      r.take(len);
      while (body.pos < body.end) values.push(readValue(body, f, depth));
    } else {
      values.push(readValue(r, f, depth));
    }
    for (const v of values) {
      if (f.kind === 'enum' && typeof v === 'number') {
        // An enum number this schema lacks: protobuf-java keeps it as unknown.
        const name = enumType(f.type).byNumber.get(v);
        if (name === undefined) {
          const w = new Writer();
          w.varint(BigInt(number << 3));
          w.varint(BigInt(v));
          unknown.push(BIN_PREFIX + bytesToHex(w.finish()));
          continue;
        }
        store(out, f, name);
      } else {
        store(out, f, v);
      }
    }
  }
  if (unknown.length > 0) out['unknown'] = unknown;
  return out;
}

function store(out: Record<string, ProtoValue | ProtoValue[]>, f: FieldDesc, v: ProtoValue): void {
  if (f.label !== 'repeated') {
    // Java merges a repeated singular sub-message; MidoNet never writes one twice.
    out[f.name] = v;
    return;
  }
  const list = out[f.name];
  if (Array.isArray(list)) list.push(v);
  else out[f.name] = [v];
}

function readValue(r: Reader, f: FieldDesc, depth: number): ProtoValue {
  if (f.kind === 'message') {
    const len = Number(r.varint());
    const start = r.pos;
    r.take(len);
    return readMessage(new Reader(r.buf, start, start + len), messageType(f.type), depth + 1);
  }
  if (f.kind === 'enum') return Number(BigInt.asIntN(32, r.varint()));
  switch (f.type) {
    case 'string': return utf8String(r.take(Number(r.varint())));
    case 'bytes': return r.take(Number(r.varint())).slice();
    case 'bool': return r.varint() !== 0n;
    case 'double':
    case 'float': {
      const size = f.type === 'double' ? 8 : 4;
      const b = r.take(size);
      const dv = new DataView(b.buffer, b.byteOffset, size);
      return size === 8 ? dv.getFloat64(0, true) : dv.getFloat32(0, true);
    }
    case 'fixed32': case 'sfixed32': case 'fixed64': case 'sfixed64': {
      const size = f.type.endsWith('32') ? 4 : 8;
      const b = r.take(size);
      let v = 0n;
      for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
      if (f.type === 'fixed32') return Number(v);
      if (f.type === 'sfixed32') return Number(BigInt.asIntN(32, v));
      return f.type === 'sfixed64' ? BigInt.asIntN(64, v) : v;
    }
    default: {
      const v = r.varint();
      switch (f.type) {
        case 'int32': return Number(BigInt.asIntN(32, v));
        case 'uint32': return Number(BigInt.asUintN(32, v));
        case 'sint32': return Number((v >> 1n) ^ -(v & 1n));
        case 'int64': return BigInt.asIntN(64, v);
        case 'sint64': return (v >> 1n) ^ -(v & 1n);
        default: return v; // uint64
      }
    }
  }
}

function skipValue(r: Reader, wt: number, start: number): void {
  switch (wt) {
    case 0: r.varint(); return;
    case 1: r.take(8); return;
    case 2: r.take(Number(r.varint())); return;
    case 5: r.take(4); return;
    default: throw new ProtoBinaryError(start, `unsupported wire type ${wt}`);
  }
}

function bytesToHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

function hexToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}
