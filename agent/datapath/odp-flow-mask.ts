/**
 * The megaflow mask (OVS_FLOW_ATTR_MASK) of a simulated packet: which key bits
 * the installed flow must match, derived from the FlowMatch's seen ∧ present
 * fields exactly as datapath.md §2.2 (MidoNet's FlowMask.calculateFor) says.
 *
 * Rules, in the order the mask attributes are written:
 *  - IN_PORT: always exact.
 *  - TUNNEL: when any tunnel field is seen; per-field all-ones (id 64 bits, src,
 *    dst, tos, ttl); flags never masked.
 *  - ETHERNET: eth src/dst per seen when the highest seen layer ≥ 2; for an
 *    802.2/802.3 frame (no ethertype) with nothing seen above L1, both MACs exact
 *    so a drop flow cannot swallow everything.
 *  - ETHERTYPE: exact when the highest seen layer ≥ 3 or the ethertype was seen.
 *  - IPV4 (ethertype IPv4, layer ≥ 3): frag always exact; src/dst/tos/ttl per
 *    seen; proto when layer 4 or proto seen. ARP: sip/tip/op per seen (sha/tha
 *    never). IPV6: all-zero (MidoNet never masks IPv6 fields).
 *  - TCP/UDP/ICMP (IPv4, layer 4): ports / type ("src port") / code ("dst
 *    port") per seen. Skipped for later fragments, which carry no L4 key (the
 *    kernel rejects a mask attribute its key does not have).
 *  - any SET of ipv4/ipv6/tcp/udp/icmp: ethertype and IP proto forced exact,
 *    because the kernel validates SETs against the masked key.
 *
 * VLAN frames (a kernel requirement MidoNet's flat mask glossed over): the inner
 * ethertype and L3/L4 masks live inside ENCAP, and a mask with ENCAP must carry
 * the TPID exact and a VLAN mask with the CFI bit. So each tag level writes
 * ETHERTYPE 0xffff, VLAN (0xffff when VLAN was seen, else 0x1000), then ENCAP
 * if anything inside is masked. The kernel matches the TCI exactly by default
 * when no VLAN mask is given, which is the safe direction.
 *
 * Contract: reads with peek()/isSeen() only; writes the attribute list, not the
 * container. Allocation-free.
 */

import type { NlWriter } from './nl-writer.js';
import {
  EtherType, Field, FlowMatch, IpFrag, IpProto,
} from '../../simulation/packet/flow-match.js';
import {
  OVS_KEY_ATTR_ARP, OVS_KEY_ATTR_ENCAP, OVS_KEY_ATTR_ETHERNET, OVS_KEY_ATTR_ETHERTYPE,
  OVS_KEY_ATTR_ICMP, OVS_KEY_ATTR_IN_PORT, OVS_KEY_ATTR_IPV4, OVS_KEY_ATTR_IPV6,
  OVS_KEY_ATTR_TCP, OVS_KEY_ATTR_TUNNEL, OVS_KEY_ATTR_UDP, OVS_KEY_ATTR_VLAN,
  OVS_TUNNEL_KEY_ATTR_ID, OVS_TUNNEL_KEY_ATTR_IPV4_DST, OVS_TUNNEL_KEY_ATTR_IPV4_SRC,
  OVS_TUNNEL_KEY_ATTR_TOS, OVS_TUNNEL_KEY_ATTR_TTL, VLAN_CFI,
  type OdpAction,
} from './odp-types.js';

const L2 = Field.ETH_SRC | Field.ETH_DST | Field.ETHER_TYPE | Field.VLAN;
const L3 = Field.NW_SRC | Field.NW_DST | Field.NW_PROTO | Field.NW_TOS | Field.NW_TTL |
  Field.NW_FRAG | Field.ARP_SHA | Field.ARP_THA;
const L4 = Field.SRC_PORT | Field.DST_PORT | Field.ICMP_ID | Field.ICMP_DATA | Field.USERSPACE_MARK;
const TUNNEL = Field.TUNNEL_KEY | Field.TUNNEL_SRC | Field.TUNNEL_DST | Field.TUNNEL_TOS | Field.TUNNEL_TTL;
const ALL_ONES_64 = 0xffff_ffff_ffff_ffffn;

/** MidoNet's highestLayerSeen: over seen ∧ present fields, 1..4 (0: nothing). */
export function highestLayerSeen(m: FlowMatch): number {
  const used = m.seen & m.present;
  if (used & L4) return 4;
  if (used & L3) return 3;
  if (used & L2) return 2;
  return used !== 0 ? 1 : 0;
}

/** True when the action list rewrites an L3/L4 header (forces ethertype + proto). */
export function hasL3L4Set(actions: readonly OdpAction[]): boolean {
  for (let i = 0; i < actions.length; i++) {
    const a = actions[i]!;
    if (a.kind !== 'set') continue;
    const k = a.key.kind;
    if (k === 'ipv4' || k === 'ipv6' || k === 'tcp' || k === 'udp' || k === 'icmp') return true;
  }
  return false;
}

/** Writes the mask attribute list for `m` (no container). */
export function encodeFlowMask(w: NlWriter, m: FlowMatch, actions: readonly OdpAction[]): void {
  const used = m.seen & m.present;
  const layer = highestLayerSeen(m);
  const forceProto = hasL3L4Set(actions);

  w.putU32(OVS_KEY_ATTR_IN_PORT, 0xffffffff);
  if (used & TUNNEL) {
    const t = w.beginNested(OVS_KEY_ATTR_TUNNEL);
    if (used & Field.TUNNEL_KEY) w.putBe64(OVS_TUNNEL_KEY_ATTR_ID, ALL_ONES_64);
    if (used & Field.TUNNEL_SRC) w.putBe32(OVS_TUNNEL_KEY_ATTR_IPV4_SRC, 0xffffffff);
    if (used & Field.TUNNEL_DST) w.putBe32(OVS_TUNNEL_KEY_ATTR_IPV4_DST, 0xffffffff);
    if (used & Field.TUNNEL_TOS) w.putU8(OVS_TUNNEL_KEY_ATTR_TOS, 0xff);
    if (used & Field.TUNNEL_TTL) w.putU8(OVS_TUNNEL_KEY_ATTR_TTL, 0xff);
    w.endNested(t);
  }
  const noEtherType = m.peek(Field.ETHER_TYPE) === EtherType.NONE;
  if (layer >= 2) {
    const src = (used & Field.ETH_SRC) !== 0;
    const dst = (used & Field.ETH_DST) !== 0;
    if (src || dst) putEthMask(w, src, dst);
  } else if (noEtherType) {
    putEthMask(w, true, true);
  }
  if (layer >= 2 || forceProto) maskTagLevel(w, m, used, layer, forceProto, 0);
}

function putEthMask(w: NlWriter, src: boolean, dst: boolean): void {
  const p = w.putAttrHeader(OVS_KEY_ATTR_ETHERNET, 12);
  const b = w.buf;
  const s = src ? 0xff : 0;
  const d = dst ? 0xff : 0;
  for (let i = 0; i < 6; i++) {
    b[p + i] = s;
    b[p + 6 + i] = d;
  }
}

/** One VLAN level (or the untagged/innermost level when depth = #tags). */
function maskTagLevel(w: NlWriter, m: FlowMatch, used: number, layer: number, forceProto: boolean, depth: number): void {
  const tags = m.vlanCount();
  if (depth < tags) {
    const vlanSeen = (used & Field.VLAN) !== 0;
    const inner = layer >= 3 || (used & Field.ETHER_TYPE) !== 0 || forceProto || depth + 1 < tags;
    if (!vlanSeen && !inner) return;
    w.putBe16(OVS_KEY_ATTR_ETHERTYPE, 0xffff);
    w.putBe16(OVS_KEY_ATTR_VLAN, vlanSeen ? 0xffff : VLAN_CFI);
    if (!inner) return;
    const e = w.beginNested(OVS_KEY_ATTR_ENCAP, false);
    maskTagLevel(w, m, used, layer, forceProto, depth + 1);
    w.endNested(e);
    return;
  }
  const et = m.peek(Field.ETHER_TYPE);
  if (layer >= 3 || forceProto) {
    if (et !== EtherType.NONE) w.putBe16(OVS_KEY_ATTR_ETHERTYPE, 0xffff);
    maskL3(w, m, used, layer, forceProto, et);
  } else if (used & Field.ETHER_TYPE) {
    w.putBe16(OVS_KEY_ATTR_ETHERTYPE, 0xffff);
  }
}

function maskL3(w: NlWriter, m: FlowMatch, used: number, layer: number, forceProto: boolean, et: number): void {
  const v = w.view;
  if (et === EtherType.IPV4) {
    const p = w.putAttrHeader(OVS_KEY_ATTR_IPV4, 12);
    v.setUint32(p, used & Field.NW_SRC ? 0xffffffff : 0, false);
    v.setUint32(p + 4, used & Field.NW_DST ? 0xffffffff : 0, false);
    w.buf[p + 8] = layer >= 4 || used & Field.NW_PROTO || forceProto ? 0xff : 0;
    w.buf[p + 9] = used & Field.NW_TOS ? 0xff : 0;
    w.buf[p + 10] = used & Field.NW_TTL ? 0xff : 0;
    w.buf[p + 11] = 0xff; // frag: always exact (datapath.md §3.5)
    if (layer >= 4 && m.peek(Field.NW_FRAG) !== IpFrag.LATER) maskL4(w, m, used);
  } else if (et === EtherType.ARP) {
    const p = w.putAttrHeader(OVS_KEY_ATTR_ARP, 24);
    v.setUint32(p, used & Field.NW_SRC ? 0xffffffff : 0, false);
    v.setUint32(p + 4, used & Field.NW_DST ? 0xffffffff : 0, false);
    v.setUint16(p + 8, used & Field.NW_PROTO ? 0xffff : 0, false);
    w.buf.fill(0, p + 10, p + 24);
  } else if (et === EtherType.IPV6) {
    const p = w.putAttrHeader(OVS_KEY_ATTR_IPV6, 40);
    w.buf.fill(0, p, p + 40);
    if (forceProto) w.buf[p + 36] = 0xff;
  }
}

function maskL4(w: NlWriter, m: FlowMatch, used: number): void {
  const proto = m.peek(Field.NW_PROTO);
  const src = (used & Field.SRC_PORT) !== 0;
  const dst = (used & Field.DST_PORT) !== 0;
  if (proto === IpProto.TCP || proto === IpProto.UDP) {
    const p = w.putAttrHeader(proto === IpProto.TCP ? OVS_KEY_ATTR_TCP : OVS_KEY_ATTR_UDP, 4);
    w.view.setUint16(p, src ? 0xffff : 0, false);
    w.view.setUint16(p + 2, dst ? 0xffff : 0, false);
  } else if (proto === IpProto.ICMP) {
    const p = w.putAttrHeader(OVS_KEY_ATTR_ICMP, 2);
    w.buf[p] = src ? 0xff : 0;
    w.buf[p + 1] = dst ? 0xff : 0;
  }
}
