/**
 * Netlink reading over offsets: iterate the messages of a receive buffer, iterate
 * the attributes of a payload, read scalars, and parse an attribute list once
 * against a policy into a flat record (OVS's nl_policy_parse).
 *
 * Words:
 *  - NlMessages: a cursor over the nlmsghdrs of one receive buffer. `next()`
 *    moves to the next message and exposes its header fields and payload span;
 *    NLMSG_ERROR carries `errno` (positive; 0 = an ACK), NLMSG_DONE ends a dump,
 *    NLM_F_MULTI marks dump parts.
 *  - NlAttrs: a cursor over the attributes in [off, off+len). `type` has the
 *    NLA_F_NESTED / NLA_F_NET_BYTEORDER bits cleared (the kernel clears both);
 *    `off`/`len` are the payload's. The last attribute may be unpadded.
 *  - policy: `{ [attrType]: { name, kind, optional?, minLen? } }`. `parseAttrs`
 *    returns `{ ok: true, value }` with one field per policy entry (scalars as
 *    numbers, strings decoded, nested/bytes as `NlSpan` offsets) or
 *    `{ ok: false, reason }` when a required attribute is missing or one is too
 *    short: a reply is taken whole or rejected whole. Unknown types are ignored.
 *
 * Contract: nothing here copies the buffer; spans and cursors are offsets into
 * the caller's bytes and are valid as long as those bytes are. Cursors are
 * reusable (`reset`) so a receive loop allocates nothing per message.
 * u64 getters return numbers (exact below 2^53: counters, tunnel ids); use the
 * *Big variants when all 64 bits matter.
 */

import {
  HOST_LITTLE_ENDIAN as LE,
  NLA_F_NESTED,
  NLA_HDRLEN,
  NLA_TYPE_MASK,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_HDRLEN,
  NLM_F_MULTI,
  nlAlign,
} from './nl-constants.js';

// --- scalar getters (no DataView allocation) ----------------------------------

export function getU8(b: Uint8Array, o: number): number {
  return b[o]!;
}
export function getU16(b: Uint8Array, o: number): number {
  return LE ? b[o]! | (b[o + 1]! << 8) : (b[o]! << 8) | b[o + 1]!;
}
export function getU32(b: Uint8Array, o: number): number {
  return LE
    ? (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0
    : getBe32(b, o);
}
export function getI32(b: Uint8Array, o: number): number {
  return getU32(b, o) | 0;
}
export function getU64(b: Uint8Array, o: number): number {
  return LE ? getU32(b, o + 4) * 0x1_0000_0000 + getU32(b, o) : getU32(b, o) * 0x1_0000_0000 + getU32(b, o + 4);
}
export function getBe16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}
export function getBe32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}
export function getBe64(b: Uint8Array, o: number): number {
  return getBe32(b, o) * 0x1_0000_0000 + getBe32(b, o + 4);
}
export function getU64Big(b: Uint8Array, o: number): bigint {
  const lo = BigInt(LE ? getU32(b, o) : getU32(b, o + 4));
  const hi = BigInt(LE ? getU32(b, o + 4) : getU32(b, o));
  return (hi << 32n) | lo;
}
export function getBe64Big(b: Uint8Array, o: number): bigint {
  return (BigInt(getBe32(b, o)) << 32n) | BigInt(getBe32(b, o + 4));
}
/** A string attribute's text, without the trailing NUL(s). */
export function getString(b: Uint8Array, off: number, len: number): string {
  let end = off + len;
  while (end > off && b[end - 1] === 0) end--;
  let ascii = true;
  for (let i = off; i < end; i++) if (b[i]! > 0x7f) ascii = false;
  if (!ascii) return new TextDecoder().decode(b.subarray(off, end));
  let s = '';
  for (let i = off; i < end; i++) s += String.fromCharCode(b[i]!);
  return s;
}

// --- messages --------------------------------------------------------------

/** Cursor over the netlink messages in one receive buffer. */
export class NlMessages {
  private buf: Uint8Array = new Uint8Array(0);
  private nextOff = 0;
  private end = 0;
  /** Offset of the current message's nlmsghdr. */
  off = 0;
  len = 0;
  type = 0;
  flags = 0;
  seq = 0;
  pid = 0;
  /** Set when the buffer ended inside a header or a message. */
  truncated = false;

  constructor(buf?: Uint8Array, off = 0, len?: number) {
    if (buf) this.reset(buf, off, len ?? buf.length - off);
  }

  reset(buf: Uint8Array, off = 0, len = buf.length - off): this {
    this.buf = buf;
    this.nextOff = off;
    this.end = off + len;
    this.truncated = false;
    return this;
  }

  /** Advances to the next message; false at the end or on a truncated one. */
  next(): boolean {
    const b = this.buf;
    const o = this.nextOff;
    if (o + NLMSG_HDRLEN > this.end) {
      this.truncated = o < this.end;
      return false;
    }
    const len = getU32(b, o);
    if (len < NLMSG_HDRLEN || o + len > this.end) {
      this.truncated = true;
      return false;
    }
    this.off = o;
    this.len = len;
    this.type = getU16(b, o + 4);
    this.flags = getU16(b, o + 6);
    this.seq = getU32(b, o + 8);
    this.pid = getU32(b, o + 12);
    this.nextOff = o + nlAlign(len);
    return true;
  }

  get payloadOff(): number {
    return this.off + NLMSG_HDRLEN;
  }
  get payloadLen(): number {
    return this.len - NLMSG_HDRLEN;
  }
  isError(): boolean {
    return this.type === NLMSG_ERROR;
  }
  isDone(): boolean {
    return this.type === NLMSG_DONE;
  }
  isMulti(): boolean {
    return (this.flags & NLM_F_MULTI) !== 0;
  }
  /**
   * For NLMSG_ERROR: the positive errno (0 for an ACK); -1 if the error payload
   * is too short to hold one.
   */
  errno(): number {
    if (this.payloadLen < 4) return -1;
    return (-getI32(this.buf, this.payloadOff)) | 0;
  }
  /** For NLMSG_ERROR: the seq of the request it answers (from the echoed header). */
  erroredSeq(): number {
    return this.payloadLen >= 4 + NLMSG_HDRLEN ? getU32(this.buf, this.payloadOff + 4 + 8) : this.seq;
  }
}

// --- attributes ------------------------------------------------------------

/** Cursor over the attributes in [off, off+len). */
export class NlAttrs {
  private buf: Uint8Array = new Uint8Array(0);
  private nextOff = 0;
  private end = 0;
  /** Attribute type with flag bits cleared. */
  type = 0;
  /** True when the writer set NLA_F_NESTED. */
  nested = false;
  /** Payload offset and length. */
  off = 0;
  len = 0;
  /** Set when an attribute header was inconsistent with the span. */
  malformed = false;

  constructor(buf?: Uint8Array, off = 0, len?: number) {
    if (buf) this.reset(buf, off, len ?? buf.length - off);
  }

  reset(buf: Uint8Array, off: number, len: number): this {
    this.buf = buf;
    this.nextOff = off;
    this.end = off + len;
    this.malformed = false;
    return this;
  }

  next(): boolean {
    const o = this.nextOff;
    if (o + NLA_HDRLEN > this.end) {
      // Fewer than 4 trailing bytes: padding of an unaligned last attribute.
      return false;
    }
    const alen = getU16(this.buf, o);
    if (alen < NLA_HDRLEN || o + alen > this.end) {
      this.malformed = true;
      return false;
    }
    const rawType = getU16(this.buf, o + 2);
    this.type = rawType & NLA_TYPE_MASK;
    this.nested = (rawType & NLA_F_NESTED) !== 0;
    this.off = o + NLA_HDRLEN;
    this.len = alen - NLA_HDRLEN;
    this.nextOff = o + nlAlign(alen);
    return true;
  }
}

/** Finds the first attribute of `type` in a span; its payload span or null. */
export function findAttr(buf: Uint8Array, off: number, len: number, type: number): NlSpan | null {
  const it = new NlAttrs(buf, off, len);
  while (it.next()) if (it.type === type) return { off: it.off, len: it.len };
  return null;
}

// --- policies --------------------------------------------------------------

/** A payload span inside the buffer that was parsed. */
export interface NlSpan {
  readonly off: number;
  readonly len: number;
}

export type NlAttrKind =
  | 'u8' | 'u16' | 'u32' | 'u64' | 'be16' | 'be32' | 'be64'
  | 'string' | 'flag' | 'nested' | 'bytes';

export interface NlPolicyEntry {
  readonly name: string;
  readonly kind: NlAttrKind;
  readonly optional?: boolean;
  /** Minimum payload length (for 'bytes'/'nested'; scalars check their width). */
  readonly minLen?: number;
}

export type NlPolicy = { readonly [attrType: number]: NlPolicyEntry };

type KindValue<K> = K extends 'string' ? string : K extends 'flag' ? true : K extends 'nested' | 'bytes' ? NlSpan : number;
type Entry<P> = P[keyof P];
/** The flat record `parseAttrs` yields for policy P (optional entries optional). */
export type NlParsed<P extends NlPolicy> = {
  readonly [E in Entry<P> as E extends { optional: true } ? never : E extends NlPolicyEntry ? E['name'] : never]: E extends NlPolicyEntry ? KindValue<E['kind']> : never;
} & {
  readonly [E in Entry<P> as E extends { optional: true } ? (E extends NlPolicyEntry ? E['name'] : never) : never]?: E extends NlPolicyEntry ? KindValue<E['kind']> : never;
};

export type NlParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const WIDTH: Partial<Record<NlAttrKind, number>> = { u8: 1, u16: 2, u32: 4, u64: 8, be16: 2, be32: 4, be64: 8 };

/**
 * Parses the attributes in [off, off+len) against `policy`. The last occurrence
 * of a duplicated attribute wins (as the kernel's nla_parse does).
 */
export function parseAttrs<P extends NlPolicy>(buf: Uint8Array, off: number, len: number, policy: P): NlParseResult<NlParsed<P>> {
  const out: Record<string, unknown> = {};
  const it = new NlAttrs(buf, off, len);
  while (it.next()) {
    const e = policy[it.type];
    if (e === undefined) continue;
    const min = WIDTH[e.kind] ?? e.minLen ?? 0;
    if (it.len < min) return { ok: false, reason: `attr ${e.name}(${it.type}) too short: ${it.len} < ${min}` };
    out[e.name] = readKind(buf, it.off, it.len, e.kind);
  }
  if (it.malformed) return { ok: false, reason: 'malformed attribute header' };
  for (const k in policy) {
    const e = policy[k]!;
    if (!e.optional && !(e.name in out)) return { ok: false, reason: `missing attr ${e.name}(${k})` };
  }
  return { ok: true, value: out as NlParsed<P> };
}

function readKind(b: Uint8Array, o: number, len: number, kind: NlAttrKind): unknown {
  switch (kind) {
    case 'u8': return b[o]!;
    case 'u16': return getU16(b, o);
    case 'u32': return getU32(b, o);
    case 'u64': return getU64(b, o);
    case 'be16': return getBe16(b, o);
    case 'be32': return getBe32(b, o);
    case 'be64': return getBe64(b, o);
    case 'string': return getString(b, o, len);
    case 'flag': return true;
    case 'nested':
    case 'bytes': return { off: o, len };
  }
}
