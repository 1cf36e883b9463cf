/**
 * TCP header view (RFC 9293). `isValid` demands the fixed header and a data
 * offset that is at least 5 words and inside the available bytes, which is the
 * kernel's tcphdr_ok: a header failing it is keyed without ports.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |          Source Port          |       Destination Port        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                        Sequence Number                        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    Acknowledgment Number                      |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Data |  Res  |C|E|U|A|P|R|S|F|                               |
 *   | Offset|     |N|W|C|R|C|S|S|Y|I|            Window             |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |           Checksum            |         Urgent Pointer        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * `flags` returns the 12 bits OVS keys as tcp_flags: the low nibble of the data
 * offset octet (reserved bits and NS) and the eight classic flags.
 */

export const SRC_PORT = 0;
export const DST_PORT = 2;
export const SEQ = 4;
export const ACK = 8;
export const DATA_OFFSET = 12;
export const FLAGS = 13;
export const WINDOW = 14;
export const CHECKSUM = 16;
export const URGENT = 18;
export const MIN_HEADER_LENGTH = 20;

export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK_FLAG = 0x10;
export const URG = 0x20;

export function isValid(b: Uint8Array, off: number, len: number): boolean {
  if (len < MIN_HEADER_LENGTH) return false;
  const hl = headerLength(b, off);
  return hl >= MIN_HEADER_LENGTH && hl <= len;
}

export function srcPort(b: Uint8Array, off: number): number {
  return (b[off + SRC_PORT]! << 8) | b[off + SRC_PORT + 1]!;
}
export function dstPort(b: Uint8Array, off: number): number {
  return (b[off + DST_PORT]! << 8) | b[off + DST_PORT + 1]!;
}
export function seq(b: Uint8Array, off: number): number {
  return ((b[off + SEQ]! << 24) | (b[off + SEQ + 1]! << 16) | (b[off + SEQ + 2]! << 8) | b[off + SEQ + 3]!) >>> 0;
}
/** Header length in bytes (data offset × 4). */
export function headerLength(b: Uint8Array, off: number): number {
  return (b[off + DATA_OFFSET]! >> 4) << 2;
}
export function flags(b: Uint8Array, off: number): number {
  return ((b[off + DATA_OFFSET]! & 0x0f) << 8) | b[off + FLAGS]!;
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
export function setChecksum(b: Uint8Array, off: number, v: number): void {
  b[off + CHECKSUM] = (v >> 8) & 0xff;
  b[off + CHECKSUM + 1] = v & 0xff;
}
