/**
 * ARP header view (RFC 826), for the only flavour the datapath keys: Ethernet
 * hardware addresses and IPv4 protocol addresses. `isValid` checks both the length
 * and that flavour; a well-sized ARP of another flavour is `isSupported` false and
 * the kernel keys it without ARP fields (net/openvswitch/flow.c).
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |      Hardware type (1)        |     Protocol type (0x0800)    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  HW len (6)   | Proto len (4) |           Opcode              |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                Sender hardware address (6)                    |
 *   +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                               |  Sender protocol address (4)  |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                               |                               |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 *   |                Target hardware address (6)                    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                Target protocol address (4)                    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */

import { readIpv4, readMac } from './addr.js';

export const HTYPE = 0;
export const PTYPE = 2;
export const HLEN = 4;
export const PLEN = 5;
export const OPER = 6;
export const SHA = 8;
export const SPA = 14;
export const THA = 18;
export const TPA = 24;
/** Length of an Ethernet/IPv4 ARP packet. */
export const LENGTH = 28;
/** Fixed part common to every ARP flavour (up to the opcode). */
export const FIXED_LENGTH = 8;

export const HTYPE_ETHERNET = 1;
export const PTYPE_IPV4 = 0x0800;
export const OP_REQUEST = 1;
export const OP_REPLY = 2;

/** Enough bytes for the fixed part and, for the Ethernet/IPv4 flavour, the addresses. */
export function isValid(b: Uint8Array, off: number, len: number): boolean {
  if (len < FIXED_LENGTH) return false;
  return !isSupported(b, off) || len >= LENGTH;
}

/** Ethernet/IPv4 flavour (needs FIXED_LENGTH bytes). */
export function isSupported(b: Uint8Array, off: number): boolean {
  return (
    htype(b, off) === HTYPE_ETHERNET &&
    ptype(b, off) === PTYPE_IPV4 &&
    b[off + HLEN] === 6 &&
    b[off + PLEN] === 4
  );
}

export function htype(b: Uint8Array, off: number): number {
  return (b[off + HTYPE]! << 8) | b[off + HTYPE + 1]!;
}
export function ptype(b: Uint8Array, off: number): number {
  return (b[off + PTYPE]! << 8) | b[off + PTYPE + 1]!;
}
export function opcode(b: Uint8Array, off: number): number {
  return (b[off + OPER]! << 8) | b[off + OPER + 1]!;
}
export function sha(b: Uint8Array, off: number): number {
  return readMac(b, off + SHA);
}
export function spa(b: Uint8Array, off: number): number {
  return readIpv4(b, off + SPA);
}
export function tha(b: Uint8Array, off: number): number {
  return readMac(b, off + THA);
}
export function tpa(b: Uint8Array, off: number): number {
  return readIpv4(b, off + TPA);
}
