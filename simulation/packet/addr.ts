/**
 * Address values and their text forms: MACs as 48-bit integers, IPv4 addresses as
 * unsigned 32-bit integers, IPv4 subnets as (address, prefix length).
 *
 * Text forms are MidoNet's: MAC lowercase `aa:bb:cc:dd:ee:ff`, IPv4 dotted quad,
 * subnet `a.b.c.d/len`. Parsers return null on bad input; callers that face users
 * turn that into a located error.
 */

const HEX = '0123456789abcdef';

export function macToString(mac: number): string {
  let s = '';
  for (let shift = 40; shift >= 0; shift -= 8) {
    const b = Math.floor(mac / 2 ** shift) & 0xff;
    s += HEX[b >> 4]! + HEX[b & 0xf]!;
    if (shift > 0) s += ':';
  }
  return s;
}

export function parseMac(s: string): number | null {
  const parts = s.split(/[:-]/);
  if (parts.length !== 6) return null;
  let v = 0;
  for (const p of parts) {
    if (!/^[0-9a-fA-F]{1,2}$/.test(p)) return null;
    v = v * 256 + parseInt(p, 16);
  }
  return v;
}

/** Reads a MAC from 6 bytes at `off`. */
export function readMac(b: Uint8Array, off: number): number {
  return (
    (b[off]! * 0x10000 + b[off + 1]! * 0x100 + b[off + 2]!) * 0x1000000 +
    ((b[off + 3]! << 16) | (b[off + 4]! << 8) | b[off + 5]!)
  );
}

export function writeMac(b: Uint8Array, off: number, mac: number): void {
  const hi = Math.floor(mac / 0x1000000);
  const lo = mac % 0x1000000;
  b[off] = (hi >> 16) & 0xff;
  b[off + 1] = (hi >> 8) & 0xff;
  b[off + 2] = hi & 0xff;
  b[off + 3] = (lo >> 16) & 0xff;
  b[off + 4] = (lo >> 8) & 0xff;
  b[off + 5] = lo & 0xff;
}

export const BROADCAST_MAC = 0xffffffffffff;

/** Group (multicast or broadcast) address: the I/G bit of the first octet. */
export function isGroupMac(mac: number): boolean {
  return (Math.floor(mac / 0x10000000000) & 1) === 1;
}

export function ipv4ToString(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 0xff}.${(ip >>> 8) & 0xff}.${ip & 0xff}`;
}

export function parseIpv4(s: string): number | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = v * 256 + n;
  }
  return v >>> 0;
}

export function readIpv4(b: Uint8Array, off: number): number {
  return ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
}

export function writeIpv4(b: Uint8Array, off: number, ip: number): void {
  b[off] = ip >>> 24;
  b[off + 1] = (ip >>> 16) & 0xff;
  b[off + 2] = (ip >>> 8) & 0xff;
  b[off + 3] = ip & 0xff;
}

/** An IPv4 subnet. `mask` is derived once so containment is one AND. */
export interface Ipv4Subnet {
  readonly address: number;
  readonly prefixLen: number;
  readonly mask: number;
}

export function prefixMask(len: number): number {
  return len <= 0 ? 0 : (0xffffffff << (32 - Math.min(len, 32))) >>> 0;
}

export function makeSubnet(address: number, prefixLen: number): Ipv4Subnet {
  return Object.freeze({ address: address >>> 0, prefixLen, mask: prefixMask(prefixLen) });
}

/** Parses `a.b.c.d/len` (a bare address is a /32). */
export function parseIpv4Subnet(s: string): Ipv4Subnet | null {
  const slash = s.indexOf('/');
  const addr = parseIpv4(slash < 0 ? s : s.slice(0, slash));
  if (addr === null) return null;
  let len = 32;
  if (slash >= 0) {
    const l = s.slice(slash + 1);
    if (!/^\d{1,2}$/.test(l)) return null;
    len = Number(l);
    if (len > 32) return null;
  }
  return makeSubnet(addr, len);
}

export function subnetContains(sn: Ipv4Subnet, ip: number): boolean {
  return ((ip & sn.mask) >>> 0) === ((sn.address & sn.mask) >>> 0);
}

export function subnetToString(sn: Ipv4Subnet): string {
  return `${ipv4ToString(sn.address)}/${sn.prefixLen}`;
}

/** The subnet's broadcast address (all host bits set). */
export function subnetBroadcast(sn: Ipv4Subnet): number {
  return ((sn.address & sn.mask) | (~sn.mask >>> 0)) >>> 0;
}

export function isMulticastIpv4(ip: number): boolean {
  return ip >>> 28 === 0xe;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Canonical lowercase UUID, or null. MidoNet keys every object by this form. */
export function canonicalUuid(s: string): string | null {
  const l = s.toLowerCase();
  return UUID_RE.test(l) ? l : null;
}
