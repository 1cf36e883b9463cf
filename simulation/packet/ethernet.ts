/**
 * Ethernet II header view: functions over a Uint8Array at an offset, no objects.
 *
 * Contract (gVisor style): call `isValid(b, off, len)` once; the other accessors
 * then read without bounds checks. `len` is always the number of bytes available
 * from `off` onwards.
 *
 * A frame whose type field is below 0x0600 is an IEEE 802.3 frame carrying a
 * length; Open vSwitch keys those as 802.2 (ETH_P_802_2, shown by MidoNet and
 * ovs-dpctl as dl_type 0x05ff) unless an LLC/SNAP header with a zero OUI names a
 * real EtherType, which the kernel then uses (net/openvswitch/flow.c,
 * parse_ethertype). `snapType` implements that rule.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                  Destination MAC (6 octets)                   |
 *   +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                               |                               |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 *   |                    Source MAC (6 octets)                      |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |     EtherType / Length        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */

import { readMac, writeMac } from './addr.js';

export const DST = 0;
export const SRC = 6;
export const TYPE = 12;
export const HEADER_LENGTH = 14;

/** Smallest value of the type field that is an EtherType rather than a length. */
export const TYPE_MIN = 0x0600;

/*
 * LLC/SNAP after an 802.3 length field:
 *   DSAP 0xaa | SSAP 0xaa | control 0x03 | OUI (3 octets) | EtherType (2 octets)
 */
export const SNAP_LENGTH = 8;
const SNAP_SAP = 0xaa;

export function isValid(_b: Uint8Array, _off: number, len: number): boolean {
  return len >= HEADER_LENGTH;
}

export function dst(b: Uint8Array, off: number): number {
  return readMac(b, off + DST);
}
export function src(b: Uint8Array, off: number): number {
  return readMac(b, off + SRC);
}
export function type(b: Uint8Array, off: number): number {
  return (b[off + TYPE]! << 8) | b[off + TYPE + 1]!;
}

export function setDst(b: Uint8Array, off: number, mac: number): void {
  writeMac(b, off + DST, mac);
}
export function setSrc(b: Uint8Array, off: number, mac: number): void {
  writeMac(b, off + SRC, mac);
}
export function setType(b: Uint8Array, off: number, t: number): void {
  b[off + TYPE] = (t >> 8) & 0xff;
  b[off + TYPE + 1] = t & 0xff;
}

/** True when a type field value is an 802.3 length, not an EtherType. */
export function isLength(typeField: number): boolean {
  return typeField < TYPE_MIN;
}

/**
 * The EtherType named by an LLC/SNAP header at `off` (just after an 802.3 length
 * field), or -1 when the bytes are not a SNAP header with a zero OUI naming a
 * real EtherType. `len` is the bytes available from `off`.
 */
export function snapType(b: Uint8Array, off: number, len: number): number {
  if (len < SNAP_LENGTH) return -1;
  if (b[off] !== SNAP_SAP || b[off + 1] !== SNAP_SAP) return -1;
  if ((b[off + 3]! | b[off + 4]! | b[off + 5]!) !== 0) return -1;
  const t = (b[off + 6]! << 8) | b[off + 7]!;
  return t >= TYPE_MIN ? t : -1;
}
