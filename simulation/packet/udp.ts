/**
 * UDP header view (RFC 768). A zero checksum over IPv4 means "not computed" and
 * must stay zero through rewrites; a computed checksum that comes out as zero is
 * sent as 0xffff.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |          Source Port          |       Destination Port        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |            Length             |           Checksum            |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */

export const SRC_PORT = 0;
export const DST_PORT = 2;
export const LENGTH = 4;
export const CHECKSUM = 6;
export const HEADER_LENGTH = 8;

export function isValid(_b: Uint8Array, _off: number, len: number): boolean {
  return len >= HEADER_LENGTH;
}

export function srcPort(b: Uint8Array, off: number): number {
  return (b[off + SRC_PORT]! << 8) | b[off + SRC_PORT + 1]!;
}
export function dstPort(b: Uint8Array, off: number): number {
  return (b[off + DST_PORT]! << 8) | b[off + DST_PORT + 1]!;
}
export function length(b: Uint8Array, off: number): number {
  return (b[off + LENGTH]! << 8) | b[off + LENGTH + 1]!;
}
export function checksum(b: Uint8Array, off: number): number {
  return (b[off + CHECKSUM]! << 8) | b[off + CHECKSUM + 1]!;
}

export function setSrcPort(b: Uint8Array, off: number, p: number): void {
  b[off + SRC_PORT] = (p >> 8) & 0xff;
  b[off + SRC_PORT + 1] = p & 0xff;
}
export function setDstPort(b: Uint8Array, off: number, p: number): void {
  b[off + DST_PORT] = (p >> 8) & 0xff;
  b[off + DST_PORT + 1] = p & 0xff;
}
export function setLength(b: Uint8Array, off: number, v: number): void {
  b[off + LENGTH] = (v >> 8) & 0xff;
  b[off + LENGTH + 1] = v & 0xff;
}
export function setChecksum(b: Uint8Array, off: number, v: number): void {
  b[off + CHECKSUM] = (v >> 8) & 0xff;
  b[off + CHECKSUM + 1] = v & 0xff;
}
