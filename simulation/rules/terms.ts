/**
 * Condition terms: the small reads a rule condition is made of, shared by the
 * reference matcher (condition.ts) and the compiled one (compile.ts) so both
 * read the packet the same way (MidoNet's Condition.matchX helpers).
 *
 * Every helper reads the working match through its getters, and only the
 * fields it needs: the fields read become the installed flow's wildcard, so a
 * term that decides on a field must read it, and a term that is not set must
 * read nothing.
 *
 * Sentinels: an IPv4 address is a u32, so -1 stands for "the packet has no
 * IPv4 address here" (not IPv4/ARP, no ICMP data) without allocating.
 */

import { readIpv4 } from '../packet/addr.js';
import type { Ipv4Subnet } from '../packet/addr.js';
import { EtherType, IpFrag, IpProto } from '../packet/flow-match.js';
import type { FlowMatch } from '../packet/flow-match.js';
import type { FragmentPolicy } from '../topology/objects.js';

/** `fragment_policy`; ANY reads nothing (the kernel keeps frag exact anyway). */
export function fragmentAccepts(m: FlowMatch, policy: FragmentPolicy): boolean {
  if (policy === 'ANY') return true;
  const f = m.nwFrag;
  switch (policy) {
    case 'HEADER':
      return f !== IpFrag.LATER;
    case 'NONHEADER':
      return f === IpFrag.LATER;
    case 'UNFRAGMENTED':
      return f === IpFrag.NONE;
  }
}

/**
 * The packet's IPv4 source for matching, or -1. ARP counts: MidoNet keeps the
 * sender protocol address in the network source. IPv6 never matches an IPv4
 * subnet, not even 0/0.
 */
export function packetNwSrc(m: FlowMatch): number {
  const t = m.etherType;
  if (t !== EtherType.IPV4 && t !== EtherType.ARP) return -1;
  return m.nwSrc;
}

export function packetNwDst(m: FlowMatch): number {
  const t = m.etherType;
  if (t !== EtherType.IPV4 && t !== EtherType.ARP) return -1;
  return m.nwDst;
}

/** Subnet containment with the -1 sentinel never contained. */
export function subnetHas(sn: Ipv4Subnet, ip: number): boolean {
  if (ip < 0) return false;
  return ((ip & sn.mask) >>> 0) === ((sn.address & sn.mask) >>> 0);
}

const TWO32 = 0x100000000;

/** 48-bit masked MAC equality, split in 16 high and 32 low bits (JS bit ops are 32-bit). */
export function macEqualsMasked(a: number, b: number, mask: number): boolean {
  const mh = Math.floor(mask / TWO32);
  const ml = mask % TWO32;
  if ((Math.floor(a / TWO32) & mh) !== (Math.floor(b / TWO32) & mh)) return false;
  return ((a % TWO32 & ml) >>> 0) === ((b % TWO32 & ml) >>> 0);
}

/**
 * The IPv4 address at `offset` of the IP header quoted in an ICMP error, or -1.
 * Like MidoNet's getIcmpData, a non-ICMP packet answers without touching the
 * data (only the protocol is read); an ICMP one reads the data, which makes
 * the flow userspace-only.
 */
export function quotedIpv4(m: FlowMatch, offset: number): number {
  if (m.nwProto !== IpProto.ICMP) return -1;
  const d = m.icmpData;
  if (d === null || d.length < offset + 4) return -1;
  return readIpv4(d, offset);
}

/** Offsets of the source and destination address in the quoted IP header. */
export const QUOTED_SRC = 12;
export const QUOTED_DST = 16;

/** Port group membership; an empty packet list is "not a member". */
export function inGroups(groups: readonly string[], id: string): boolean {
  for (let i = 0; i < groups.length; i++) if (groups[i] === id) return true;
  return false;
}
