/**
 * IPv6 header view (RFC 8200) and the extension-header walk that finds the upper
 * layer.
 *
 * The base header is fixed (40 bytes). Extension headers chain through their
 * first octet (next header). The walk follows hop-by-hop, routing, fragment,
 * destination options and AH, the headers the kernel's ipv6_skip_exthdr skips,
 * and stops at anything else (that value is the upper-layer protocol: TCP, UDP,
 * ICMPv6, ESP, no-next-header...). A fragment header with a non-zero offset ends
 * the walk too: later fragments carry no L4 header, so the fragment's next header
 * becomes the protocol and there is no L4 offset.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version| Traffic Class |           Flow Label                  |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |         Payload Length        |  Next Header  |   Hop Limit   |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                 Source Address (16 octets)                    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |              Destination Address (16 octets)                  |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Extension header shapes (offsets from the extension header):
 *   generic (0, 43, 60): next header | hdr ext len (8-octet units, minus 1) | ...
 *   AH (51):             next header | payload len (4-octet units, minus 2) | ...
 *   fragment (44):       next header | reserved | offset(13) res(2) M(1) | id(32)
 */

import { IpFrag, type IpFragType } from './flow-match.js';

export const VERSION_TC_FLOW = 0;
export const PAYLOAD_LENGTH = 4;
export const NEXT_HEADER = 6;
export const HOP_LIMIT = 7;
export const SRC = 8;
export const DST = 24;
export const HEADER_LENGTH = 40;
export const ADDRESS_LENGTH = 16;

export const NH_HOP_BY_HOP = 0;
export const NH_ROUTING = 43;
export const NH_FRAGMENT = 44;
export const NH_ESP = 50;
export const NH_AH = 51;
export const NH_NONE = 59;
export const NH_DEST_OPTS = 60;

export const FRAGMENT_HEADER_LENGTH = 8;
/** Fragment header: offset field position and masks within the 16-bit word at +2. */
const FRAG_OFFSET_WORD = 2;
const FRAG_OFFSET_MASK = 0xfff8;
const FRAG_MORE = 0x0001;

/** Null when the base header at `off` is usable, else ipv6-truncated / ipv6-bad-version. */
export function validate(b: Uint8Array, off: number, len: number): string | null {
  if (len < HEADER_LENGTH) return 'ipv6-truncated';
  if (b[off]! >> 4 !== 6) return 'ipv6-bad-version';
  return null;
}

export function isValid(b: Uint8Array, off: number, len: number): boolean {
  return validate(b, off, len) === null;
}

export function trafficClass(b: Uint8Array, off: number): number {
  return ((b[off]! & 0x0f) << 4) | (b[off + 1]! >> 4);
}
export function flowLabel(b: Uint8Array, off: number): number {
  return ((b[off + 1]! & 0x0f) << 16) | (b[off + 2]! << 8) | b[off + 3]!;
}
export function payloadLength(b: Uint8Array, off: number): number {
  return (b[off + PAYLOAD_LENGTH]! << 8) | b[off + PAYLOAD_LENGTH + 1]!;
}
export function nextHeader(b: Uint8Array, off: number): number {
  return b[off + NEXT_HEADER]!;
}
export function hopLimit(b: Uint8Array, off: number): number {
  return b[off + HOP_LIMIT]!;
}
/** Copies the 16-byte source address into `out` (no allocation). */
export function copySrc(b: Uint8Array, off: number, out: Uint8Array): void {
  for (let i = 0; i < ADDRESS_LENGTH; i++) out[i] = b[off + SRC + i]!;
}
export function copyDst(b: Uint8Array, off: number, out: Uint8Array): void {
  for (let i = 0; i < ADDRESS_LENGTH; i++) out[i] = b[off + DST + i]!;
}

export function isExtension(nh: number): boolean {
  return (
    nh === NH_HOP_BY_HOP ||
    nh === NH_ROUTING ||
    nh === NH_FRAGMENT ||
    nh === NH_DEST_OPTS ||
    nh === NH_AH
  );
}

/**
 * The result of one extension-header walk; one instance is reused per parser.
 * `error` is null or a stable reason (ipv6-ext-truncated).
 */
export class Ipv6ExtWalk {
  /** Upper-layer protocol (last next-header value). */
  proto = 0;
  /** Absolute offset of the upper-layer header, -1 for later fragments or errors. */
  l4Offset = -1;
  frag: IpFragType = IpFrag.NONE;
  /** Number of extension headers crossed. */
  extCount = 0;
  error: string | null = null;
}

/**
 * Walks the extension headers of the validated base header at `off`, with `end`
 * the absolute end of the usable bytes. Fills `w`; never reads past `end`.
 */
export function walkExtensions(b: Uint8Array, off: number, end: number, w: Ipv6ExtWalk): void {
  let nh = b[off + NEXT_HEADER]!;
  let i = off + HEADER_LENGTH;
  w.frag = IpFrag.NONE;
  w.extCount = 0;
  w.error = null;
  w.l4Offset = -1;
  while (isExtension(nh)) {
    if (i + 2 > end) {
      w.proto = nh;
      w.error = 'ipv6-ext-truncated';
      return;
    }
    let hl: number;
    if (nh === NH_FRAGMENT) {
      hl = FRAGMENT_HEADER_LENGTH;
    } else if (nh === NH_AH) {
      hl = (b[i + 1]! + 2) << 2;
    } else {
      hl = (b[i + 1]! + 1) << 3;
    }
    if (i + hl > end) {
      w.proto = nh;
      w.error = 'ipv6-ext-truncated';
      return;
    }
    w.extCount++;
    const next = b[i]!;
    if (nh === NH_FRAGMENT) {
      const word = (b[i + FRAG_OFFSET_WORD]! << 8) | b[i + FRAG_OFFSET_WORD + 1]!;
      if ((word & FRAG_OFFSET_MASK) !== 0) {
        w.frag = IpFrag.LATER;
        w.proto = next;
        return;
      }
      if ((word & FRAG_MORE) !== 0) w.frag = IpFrag.FIRST;
    }
    nh = next;
    i += hl;
  }
  w.proto = nh;
  w.l4Offset = i;
}
