/**
 * NlWriter: builds netlink messages in place, in the shape of OVS's nl_msg
 * (`nl_msg_put_u32`, `nl_msg_start_nested`). No sockets: the bytes it produces
 * are handed to the native addon by the dpif layer.
 *
 * Words:
 *  - message: `beginMessage(type, flags, seq, pid)` … `endMessage()`; the
 *    nlmsghdr length is patched at the end. Several messages may be written
 *    back to back into one writer (a batch for sendmsg); each starts 4-aligned.
 *  - attribute: `putU32(type, v)` etc. write header + payload + padding to 4.
 *    `len` in the header counts the header and the payload, never the padding.
 *  - nest: `const n = w.beginNested(type)` … `w.endNested(n)`; the nest's length
 *    is patched at the end. MidoNet ORs NLA_F_NESTED (0x8000) into every container
 *    it writes except ENCAP; `beginNested(type, false)` writes it bare.
 *  - byte order: `putU16/U32/U64` are host order, `putBe16/Be32/Be64` network
 *    order, exactly as the UAPI types them (datapath.md §1).
 *
 * Contract: the writer owns its buffer when it grew it; when constructed over a
 * caller's Uint8Array it never reallocates and throws RangeError on overflow
 * (the caller sized it). `bytes()` is a view, valid until the next write/reset.
 * 64-bit values may be given as numbers (exact below 2^53) or bigints.
 */

import {
  GENL_HDRLEN,
  HOST_LITTLE_ENDIAN as LE,
  NLA_F_NESTED,
  NLA_HDRLEN,
  NLMSG_HDRLEN,
  nlAlign,
} from './nl-constants.js';

const TWO_32 = 0x1_0000_0000;

export class NlWriter {
  private _buf: Uint8Array;
  private _view: DataView;
  private _pos = 0;
  private _msgStart = -1;
  private readonly fixed: boolean;

  /** `init`: initial capacity (growable, default 4096) or a caller buffer (fixed). */
  constructor(init: number | Uint8Array = 4096) {
    if (typeof init === 'number') {
      this._buf = new Uint8Array(Math.max(64, init));
      this.fixed = false;
    } else {
      this._buf = init;
      this.fixed = true;
    }
    this._view = new DataView(this._buf.buffer, this._buf.byteOffset, this._buf.byteLength);
  }

  /** The underlying buffer (may be replaced when the writer grows). */
  get buf(): Uint8Array {
    return this._buf;
  }
  get view(): DataView {
    return this._view;
  }
  /** Bytes written so far. */
  get length(): number {
    return this._pos;
  }

  /** Forgets everything written; keeps the buffer. */
  reset(): void {
    this._pos = 0;
    this._msgStart = -1;
  }

  /** The bytes written so far, as a view over the writer's buffer. */
  bytes(): Uint8Array {
    return this._buf.subarray(0, this._pos);
  }

  /** Makes room for `n` more bytes; returns the offset where they start. */
  reserve(n: number): number {
    const need = this._pos + n;
    if (need > this._buf.length) this.grow(need);
    const at = this._pos;
    this._pos = need;
    return at;
  }

  private grow(need: number): void {
    if (this.fixed) throw new RangeError(`nl-writer: buffer of ${this._buf.length} bytes too small (need ${need})`);
    let cap = this._buf.length * 2;
    while (cap < need) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this._buf.subarray(0, this._pos));
    this._buf = nb;
    this._view = new DataView(nb.buffer);
  }

  /** Writes zero bytes up to the next 4-byte boundary. */
  private pad(): void {
    const aligned = nlAlign(this._pos);
    if (aligned !== this._pos) {
      const at = this.reserve(aligned - this._pos);
      this._buf.fill(0, at, aligned);
    }
  }

  // --- messages -----------------------------------------------------------

  /** Starts a message; returns its offset in the buffer. */
  beginMessage(type: number, flags: number, seq: number, pid: number): number {
    if (this._msgStart >= 0) throw new Error('nl-writer: beginMessage inside an open message');
    this.pad();
    const at = this.reserve(NLMSG_HDRLEN);
    const v = this._view;
    v.setUint32(at, 0, LE);
    v.setUint16(at + 4, type, LE);
    v.setUint16(at + 6, flags, LE);
    v.setUint32(at + 8, seq >>> 0, LE);
    v.setUint32(at + 12, pid >>> 0, LE);
    this._msgStart = at;
    return at;
  }

  /** genlmsghdr: cmd u8, version u8, reserved u16 = 0. */
  putGenlHeader(cmd: number, version: number): void {
    const at = this.reserve(GENL_HDRLEN);
    this._buf[at] = cmd;
    this._buf[at + 1] = version;
    this._buf[at + 2] = 0;
    this._buf[at + 3] = 0;
  }

  /** struct ovs_header: int dp_ifindex (0 = addressed by name). */
  putOvsHeader(dpIfindex: number): void {
    const at = this.reserve(4);
    this._view.setInt32(at, dpIfindex | 0, LE);
  }

  /** Patches the message length; returns it (header included, no trailing pad). */
  endMessage(): number {
    const start = this._msgStart;
    if (start < 0) throw new Error('nl-writer: endMessage without beginMessage');
    const len = this._pos - start;
    this._view.setUint32(start, len, LE);
    this._msgStart = -1;
    return len;
  }

  // --- attributes ---------------------------------------------------------

  /**
   * Writes an attribute header for a `payloadLen`-byte payload and reserves the
   * padded payload (pad bytes zeroed); returns the payload offset so a codec can
   * fill a struct in place through `buf`/`view`.
   */
  putAttrHeader(type: number, payloadLen: number): number {
    const total = nlAlign(NLA_HDRLEN + payloadLen);
    const at = this.reserve(total);
    this._view.setUint16(at, NLA_HDRLEN + payloadLen, LE);
    this._view.setUint16(at + 2, type, LE);
    // At most 3 pad bytes: a loop beats TypedArray.fill's call overhead here.
    const b = this._buf;
    for (let i = at + NLA_HDRLEN + payloadLen; i < at + total; i++) b[i] = 0;
    return at + NLA_HDRLEN;
  }

  putU8(type: number, v: number): void {
    const p = this.putAttrHeader(type, 1);
    this._buf[p] = v & 0xff;
  }
  putU16(type: number, v: number): void {
    this._view.setUint16(this.putAttrHeader(type, 2), v & 0xffff, LE);
  }
  putU32(type: number, v: number): void {
    this._view.setUint32(this.putAttrHeader(type, 4), v >>> 0, LE);
  }
  putU64(type: number, v: number | bigint): void {
    this.setU64(this.putAttrHeader(type, 8), v, LE);
  }
  putBe16(type: number, v: number): void {
    this._view.setUint16(this.putAttrHeader(type, 2), v & 0xffff, false);
  }
  putBe32(type: number, v: number): void {
    this._view.setUint32(this.putAttrHeader(type, 4), v >>> 0, false);
  }
  putBe64(type: number, v: number | bigint): void {
    this.setU64(this.putAttrHeader(type, 8), v, false);
  }
  /** A flag attribute: header only. */
  putFlag(type: number): void {
    this.putAttrHeader(type, 0);
  }
  /** A NUL-terminated string (ASCII fast path, UTF-8 otherwise). */
  putString(type: number, s: string): void {
    let ascii = true;
    for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) ascii = false;
    if (ascii) {
      const p = this.putAttrHeader(type, s.length + 1);
      for (let i = 0; i < s.length; i++) this._buf[p + i] = s.charCodeAt(i);
      this._buf[p + s.length] = 0;
    } else {
      const enc = new TextEncoder().encode(s);
      const p = this.putAttrHeader(type, enc.length + 1);
      this._buf.set(enc, p);
      this._buf[p + enc.length] = 0;
    }
  }
  /** Raw payload bytes (e.g. a packet, a copied key list). */
  putBytes(type: number, bytes: Uint8Array, off = 0, len = bytes.length - off): void {
    const p = this.putAttrHeader(type, len);
    this._buf.set(bytes.subarray(off, off + len), p);
  }

  /** Opens a container attribute; returns the handle `endNested` needs. */
  beginNested(type: number, nestedFlag = true): number {
    const at = this.reserve(NLA_HDRLEN);
    this._view.setUint16(at, 0, LE);
    this._view.setUint16(at + 2, nestedFlag ? type | NLA_F_NESTED : type, LE);
    return at;
  }
  /** Closes a container: patches its length (children are already padded). */
  endNested(handle: number): void {
    this._view.setUint16(handle, this._pos - handle, LE);
  }
  /** Closes a container and drops it again if it ended up empty. */
  endNestedOrCancel(handle: number): boolean {
    if (this._pos === handle + NLA_HDRLEN) {
      this._pos = handle;
      return false;
    }
    this.endNested(handle);
    return true;
  }

  // --- raw struct helpers (for in-place payloads) ---------------------------

  setU64(off: number, v: number | bigint, littleEndian: boolean): void {
    let hi: number;
    let lo: number;
    if (typeof v === 'bigint' && v >= 0n && v <= 0x1f_ffff_ffff_ffffn) v = Number(v); // no bigint temporaries
    if (typeof v === 'bigint') {
      hi = Number((v >> 32n) & 0xffffffffn);
      lo = Number(v & 0xffffffffn);
    } else {
      hi = Math.floor(v / TWO_32) >>> 0;
      lo = v >>> 0;
    }
    if (littleEndian) {
      this._view.setUint32(off, lo, true);
      this._view.setUint32(off + 4, hi, true);
    } else {
      this._view.setUint32(off, hi, false);
      this._view.setUint32(off + 4, lo, false);
    }
  }
}
