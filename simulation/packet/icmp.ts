/**
 * ICMP (RFC 792) header view; ICMPv6 (RFC 4443) shares the first four octets.
 *
 * MidoNet keys ICMP by type and code (carried in the match's srcPort/dstPort, as
 * OVS does), by the echo identifier for echo request/reply, and by the quoted
 * packet for errors: `isError` names the types whose body is "IP header + 64 bits
 * of the original datagram" (unreachable, source quench, redirect, time exceeded,
 * parameter problem). The kernel needs the full 8-byte header to key ICMP.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |     Type      |     Code      |          Checksum             |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |   Identifier (echo) / unused  |  Sequence (echo) / MTU (3/4) |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |     Data: echo payload, or the quoted IP header + 8 octets    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */

export const TYPE = 0;
export const CODE = 1;
export const CHECKSUM = 2;
export const ID = 4;
export const SEQ = 6;
/** Also the offset of the data (echo payload or quoted packet). */
export const HEADER_LENGTH = 8;

export const TYPE_ECHO_REPLY = 0;
export const TYPE_UNREACH = 3;
export const TYPE_SOURCE_QUENCH = 4;
export const TYPE_REDIRECT = 5;
export const TYPE_ECHO_REQUEST = 8;
export const TYPE_TIME_EXCEEDED = 11;
export const TYPE_PARAMETER_PROBLEM = 12;

export const CODE_UNREACH_NET = 0;
export const CODE_UNREACH_HOST = 1;
export const CODE_UNREACH_PROTOCOL = 2;
export const CODE_UNREACH_PORT = 3;
export const CODE_UNREACH_FRAG_NEEDED = 4;
export const CODE_UNREACH_FILTER_PROHIB = 13;
export const CODE_EXCEEDED_TTL = 0;

export function isValid(_b: Uint8Array, _off: number, len: number): boolean {
  return len >= HEADER_LENGTH;
}

export function isEcho(t: number): boolean {
  return t === TYPE_ECHO_REQUEST || t === TYPE_ECHO_REPLY;
}
export function isError(t: number): boolean {
  return (
    t === TYPE_UNREACH ||
    t === TYPE_SOURCE_QUENCH ||
    t === TYPE_REDIRECT ||
    t === TYPE_TIME_EXCEEDED ||
    t === TYPE_PARAMETER_PROBLEM
  );
}

export function type(b: Uint8Array, off: number): number {
  return b[off + TYPE]!;
}
export function code(b: Uint8Array, off: number): number {
  return b[off + CODE]!;
}
export function checksum(b: Uint8Array, off: number): number {
  return (b[off + CHECKSUM]! << 8) | b[off + CHECKSUM + 1]!;
}
export function id(b: Uint8Array, off: number): number {
  return (b[off + ID]! << 8) | b[off + ID + 1]!;
}
export function seq(b: Uint8Array, off: number): number {
  return (b[off + SEQ]! << 8) | b[off + SEQ + 1]!;
}

export function setType(b: Uint8Array, off: number, v: number): void {
  b[off + TYPE] = v & 0xff;
}
export function setCode(b: Uint8Array, off: number, v: number): void {
  b[off + CODE] = v & 0xff;
}
export function setChecksum(b: Uint8Array, off: number, v: number): void {
  b[off + CHECKSUM] = (v >> 8) & 0xff;
  b[off + CHECKSUM + 1] = v & 0xff;
}
export function setId(b: Uint8Array, off: number, v: number): void {
  b[off + ID] = (v >> 8) & 0xff;
  b[off + ID + 1] = v & 0xff;
}
export function setSeq(b: Uint8Array, off: number, v: number): void {
  b[off + SEQ] = (v >> 8) & 0xff;
  b[off + SEQ + 1] = v & 0xff;
}
