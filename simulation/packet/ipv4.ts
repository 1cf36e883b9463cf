/**
 * IPv4 header view (RFC 791), options and fragmentation fields included.
 *
 * `validate(b, off, len)` returns null for a header the parser may trust, or a
 * stable drop reason; after it, the accessors read without bounds checks. What is
 * validated is the header itself (version, IHL, options within the frame, total
 * length not shorter than the header). A total length longer than the frame is
 * accepted (the L4 parse then stops at the frame end), as the kernel does; a total
 * length of zero is read as "the rest of the frame", which is how segmentation
 * offload (TSO, Linux BIG TCP) leaves the field and how Wireshark reads it.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version|  IHL  |Type of Service|          Total Length         |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |         Identification        |Flags|      Fragment Offset    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Time to Live |    Protocol   |         Header Checksum       |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                       Source Address                          |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    Destination Address                        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    Options                    |    Padding    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */

import { readIpv4, writeIpv4 } from './addr.js';

export const VERSION_IHL = 0;
export const TOS = 1;
export const TOTAL_LENGTH = 2;
export const ID = 4;
export const FLAGS_FRAGMENT = 6;
export const TTL = 8;
export const PROTOCOL = 9;
export const CHECKSUM = 10;
export const SRC = 12;
export const DST = 16;
export const OPTIONS = 20;
export const MIN_HEADER_LENGTH = 20;
export const MAX_HEADER_LENGTH = 60;

/** Flag bits in the 16-bit flags/fragment word. */
export const FLAG_DF = 0x4000;
export const FLAG_MF = 0x2000;
export const FRAGMENT_OFFSET_MASK = 0x1fff;

/** Option types with no length octet. */
export const OPT_END = 0;
export const OPT_NOP = 1;

/**
 * Null when the header at `off` is usable; otherwise the drop reason:
 * ipv4-truncated, ipv4-bad-version, ipv4-bad-ihl, ipv4-bad-total-length.
 */
export function validate(b: Uint8Array, off: number, len: number): string | null {
  if (len < MIN_HEADER_LENGTH) return 'ipv4-truncated';
  const vi = b[off]!;
  if (vi >> 4 !== 4) return 'ipv4-bad-version';
  const hl = (vi & 0x0f) << 2;
  if (hl < MIN_HEADER_LENGTH) return 'ipv4-bad-ihl';
  if (hl > len) return 'ipv4-truncated';
  const tl = totalLength(b, off);
  // Zero is what TSO/BIG TCP packets carry (the length comes from the buffer).
  if (tl !== 0 && tl < hl) return 'ipv4-bad-total-length';
  return null;
}

export function isValid(b: Uint8Array, off: number, len: number): boolean {
  return validate(b, off, len) === null;
}

export function version(b: Uint8Array, off: number): number {
  return b[off + VERSION_IHL]! >> 4;
}
/** Header length in bytes (IHL × 4). */
export function headerLength(b: Uint8Array, off: number): number {
  return (b[off + VERSION_IHL]! & 0x0f) << 2;
}
export function tos(b: Uint8Array, off: number): number {
  return b[off + TOS]!;
}
export function totalLength(b: Uint8Array, off: number): number {
  return (b[off + TOTAL_LENGTH]! << 8) | b[off + TOTAL_LENGTH + 1]!;
}
export function id(b: Uint8Array, off: number): number {
  return (b[off + ID]! << 8) | b[off + ID + 1]!;
}
export function flagsFragment(b: Uint8Array, off: number): number {
  return (b[off + FLAGS_FRAGMENT]! << 8) | b[off + FLAGS_FRAGMENT + 1]!;
}
export function moreFragments(b: Uint8Array, off: number): boolean {
  return (flagsFragment(b, off) & FLAG_MF) !== 0;
}
export function dontFragment(b: Uint8Array, off: number): boolean {
  return (flagsFragment(b, off) & FLAG_DF) !== 0;
}
/** Fragment offset in bytes (the field counts 8-byte units). */
/** End (absolute) of the IP packet in a validated header, bounded by `frameEnd`. */
export function packetEnd(b: Uint8Array, off: number, frameEnd: number): number {
  const tl = totalLength(b, off);
  return tl === 0 ? frameEnd : Math.min(frameEnd, off + tl);
}
export function fragmentOffset(b: Uint8Array, off: number): number {
  return (flagsFragment(b, off) & FRAGMENT_OFFSET_MASK) << 3;
}
export function ttl(b: Uint8Array, off: number): number {
  return b[off + TTL]!;
}
export function protocol(b: Uint8Array, off: number): number {
  return b[off + PROTOCOL]!;
}
export function checksum(b: Uint8Array, off: number): number {
  return (b[off + CHECKSUM]! << 8) | b[off + CHECKSUM + 1]!;
}
export function src(b: Uint8Array, off: number): number {
  return readIpv4(b, off + SRC);
}
export function dst(b: Uint8Array, off: number): number {
  return readIpv4(b, off + DST);
}

export function setTos(b: Uint8Array, off: number, v: number): void {
  b[off + TOS] = v & 0xff;
}
export function setTotalLength(b: Uint8Array, off: number, v: number): void {
  b[off + TOTAL_LENGTH] = (v >> 8) & 0xff;
  b[off + TOTAL_LENGTH + 1] = v & 0xff;
}
export function setTtl(b: Uint8Array, off: number, v: number): void {
  b[off + TTL] = v & 0xff;
}
export function setChecksum(b: Uint8Array, off: number, v: number): void {
  b[off + CHECKSUM] = (v >> 8) & 0xff;
  b[off + CHECKSUM + 1] = v & 0xff;
}
export function setSrc(b: Uint8Array, off: number, ip: number): void {
  writeIpv4(b, off + SRC, ip);
}
export function setDst(b: Uint8Array, off: number, ip: number): void {
  writeIpv4(b, off + DST, ip);
}

/**
 * Offset (absolute) of the first option of `type` in a validated header, or -1 if
 * absent. Also -1 if the option list is malformed before reaching it: options
 * are type-length-value except END and NOP, and a length below 2 or running past
 * the header ends the walk.
 */
export function findOption(b: Uint8Array, off: number, optType: number): number {
  const end = off + headerLength(b, off);
  let i = off + OPTIONS;
  while (i < end) {
    const t = b[i]!;
    if (t === optType) return i;
    if (t === OPT_END) return -1;
    if (t === OPT_NOP) {
      i++;
      continue;
    }
    if (i + 1 >= end) return -1;
    const l = b[i + 1]!;
    if (l < 2 || i + l > end) return -1;
    i += l;
  }
  return -1;
}

/** True when the option list of a validated header is well-formed TLV. */
export function optionsValid(b: Uint8Array, off: number): boolean {
  const end = off + headerLength(b, off);
  let i = off + OPTIONS;
  while (i < end) {
    const t = b[i]!;
    if (t === OPT_END) return true;
    if (t === OPT_NOP) {
      i++;
      continue;
    }
    if (i + 1 >= end) return false;
    const l = b[i + 1]!;
    if (l < 2 || i + l > end) return false;
    i += l;
  }
  return true;
}
