/**
 * FlowMatch ↔ kernel flow key (OVS_KEY_ATTR_* list), the hot-path codec.
 *
 * Words:
 *  - key list: the attributes inside OVS_FLOW_ATTR_KEY / OVS_PACKET_ATTR_KEY.
 *    `encodeFlowKey` writes the list only; the caller opens and closes the
 *    container (`w.beginNested(OVS_FLOW_ATTR_KEY)` … `w.endNested(k)`).
 *  - order written: in_port, [tunnel], eth, then per VLAN tag
 *    eth_type(tpid), vlan(tci|CFI), encap{…}, and inside the innermost level
 *    eth_type, ipv4|ipv6|arp, tcp|udp|icmp|icmpv6(+nd). That is the order the
 *    kernel itself dumps. tpid is 0x8100 for the innermost tag and 0x88a8 for
 *    outer ones (MidoNet). An 802.2/802.3 frame (etherType NONE) has no eth_type.
 *  - fitness (OVS odp_key_fitness), graded by `decodeFlowKey`:
 *      ERROR      malformed attribute, bad length, VLAN TCI without CFI and ≠ 0;
 *      TOO_LITTLE an attribute the packet implies is missing (eth_type IPv4 and
 *                 no ipv4 key, TCP with no tcp key, a VLAN tpid without vlan or
 *                 encap, ...); dominates TOO_MUCH, as in OVS;
 *      TOO_MUCH   attributes we do not model, or kernel metadata we model only as
 *                 "unused" carrying a non-zero value (recirc_id ≠ 0, ct_state ≠ 0,
 *                 mpls, nsh, tunnel IPv6 or options ...). Decoding continues;
 *      PERFECT    otherwise.
 *    The kernel puts recirc_id, dp_hash, skb_priority, skb_mark and ct_* into
 *    EVERY upcall key. With value 0 they mean "nothing happened" and MidoNet
 *    drops them silently (datapath.md §2.1), so zero-valued ones count as
 *    `info.neutral`, not TOO_MUCH; tunnel tp_src/tp_dst likewise.
 *
 * Contract: `decodeFlowKey` resets the match first and fills values through the
 * setters (present bits), never marks seen. `encodeFlowKey` reads the stored values
 * only, so encoding never widens the mask. Neither allocates per call except
 * `copyKeyBytes`, which is the explicit copy to keep an upcall key for
 * delete-by-exact-key (`putRawKey`).
 */

import type { NlWriter } from './nl-writer.js';
import { getBe16, getBe32, getBe64, getU16, getU32 } from './nl-reader.js';
import { NLA_HDRLEN, NLA_TYPE_MASK, nlAlign } from './nl-constants.js';
import {
  EtherType, Field, FlowMatch, IpFrag, IpProto, type IpFragType,
  valuesOf,
} from '../../simulation/packet/flow-match.js';
import { readMac, writeMac } from '../../simulation/packet/addr.js';
import {
  Fitness, KEY_ATTR_LEN, VLAN_CFI,
  OVS_KEY_ATTR_ARP, OVS_KEY_ATTR_CT_LABELS, OVS_KEY_ATTR_CT_MARK, OVS_KEY_ATTR_CT_STATE,
  OVS_KEY_ATTR_CT_ZONE, OVS_KEY_ATTR_DP_HASH, OVS_KEY_ATTR_ENCAP, OVS_KEY_ATTR_ETHERNET,
  OVS_KEY_ATTR_ETHERTYPE, OVS_KEY_ATTR_ICMP, OVS_KEY_ATTR_ICMPV6, OVS_KEY_ATTR_IN_PORT,
  OVS_KEY_ATTR_IPV4, OVS_KEY_ATTR_IPV6, OVS_KEY_ATTR_ND, OVS_KEY_ATTR_PACKET_TYPE,
  OVS_KEY_ATTR_PRIORITY, OVS_KEY_ATTR_RECIRC_ID, OVS_KEY_ATTR_SCTP, OVS_KEY_ATTR_SKB_MARK,
  OVS_KEY_ATTR_TCP, OVS_KEY_ATTR_TCP_FLAGS, OVS_KEY_ATTR_TUNNEL, OVS_KEY_ATTR_UDP,
  OVS_KEY_ATTR_VLAN,
  OVS_TUNNEL_KEY_ATTR_CSUM, OVS_TUNNEL_KEY_ATTR_DONT_FRAGMENT, OVS_TUNNEL_KEY_ATTR_ID,
  OVS_TUNNEL_KEY_ATTR_IPV4_DST, OVS_TUNNEL_KEY_ATTR_IPV4_SRC, OVS_TUNNEL_KEY_ATTR_TOS,
  OVS_TUNNEL_KEY_ATTR_TP_DST, OVS_TUNNEL_KEY_ATTR_TP_SRC, OVS_TUNNEL_KEY_ATTR_TTL,
} from './odp-types.js';

const ICMPV6_ND_SOLICIT = 135;
const ICMPV6_ND_ADVERT = 136;
const TUNNEL_MATCH_FIELDS =
  Field.TUNNEL_KEY | Field.TUNNEL_SRC | Field.TUNNEL_DST | Field.TUNNEL_TOS | Field.TUNNEL_TTL;

// --- encode --------------------------------------------------------------------

/** Writes the key list of `m` (no container). Reads the stored values (valuesOf), never marks seen. */
export function encodeFlowKey(w: NlWriter, m: FlowMatch): void {
  if (m.isPresent(Field.IN_PORT)) w.putU32(OVS_KEY_ATTR_IN_PORT, valuesOf(m)._inPort);
  if (m.isPresent(TUNNEL_MATCH_FIELDS)) encodeTunnel(w, m);
  if (m.isPresent(Field.ETH_SRC | Field.ETH_DST)) {
    const p = w.putAttrHeader(OVS_KEY_ATTR_ETHERNET, 12);
    writeMac(w.buf, p, valuesOf(m)._ethSrc);
    writeMac(w.buf, p + 6, valuesOf(m)._ethDst);
  }
  encodeTagLevel(w, m, m.peekVlans(), 0);
}

/** One VLAN tag and its ENCAP (recursively), or the innermost L3/L4 level. */
function encodeTagLevel(w: NlWriter, m: FlowMatch, vlans: readonly number[], i: number): void {
  if (i === vlans.length) return encodeL3L4(w, m);
  w.putBe16(OVS_KEY_ATTR_ETHERTYPE, i === vlans.length - 1 ? EtherType.VLAN : EtherType.QINQ);
  w.putBe16(OVS_KEY_ATTR_VLAN, (vlans[i]! & 0x0fff) | VLAN_CFI);
  const e = w.beginNested(OVS_KEY_ATTR_ENCAP, false);
  encodeTagLevel(w, m, vlans, i + 1);
  w.endNested(e);
}

function encodeTunnel(w: NlWriter, m: FlowMatch): void {
  // MidoNet writes all five fields; the kernel insists on dst and a TTL.
  const t = w.beginNested(OVS_KEY_ATTR_TUNNEL);
  w.putBe64(OVS_TUNNEL_KEY_ATTR_ID, valuesOf(m)._tunnelKey);
  w.putBe32(OVS_TUNNEL_KEY_ATTR_IPV4_SRC, valuesOf(m)._tunnelSrc);
  w.putBe32(OVS_TUNNEL_KEY_ATTR_IPV4_DST, valuesOf(m)._tunnelDst);
  w.putU8(OVS_TUNNEL_KEY_ATTR_TOS, valuesOf(m)._tunnelTos);
  w.putU8(OVS_TUNNEL_KEY_ATTR_TTL, valuesOf(m)._tunnelTtl);
  w.endNested(t);
}

function encodeL3L4(w: NlWriter, m: FlowMatch): void {
  const et = valuesOf(m)._etherType;
  if (et === EtherType.NONE) return; // 802.2/802.3: the kernel omits eth_type
  w.putBe16(OVS_KEY_ATTR_ETHERTYPE, et);
  const v = w.view;
  if (et === EtherType.IPV4) {
    const p = w.putAttrHeader(OVS_KEY_ATTR_IPV4, 12);
    v.setUint32(p, valuesOf(m)._nwSrc, false);
    v.setUint32(p + 4, valuesOf(m)._nwDst, false);
    w.buf[p + 8] = valuesOf(m)._nwProto;
    w.buf[p + 9] = valuesOf(m)._nwTos;
    w.buf[p + 10] = valuesOf(m)._nwTtl;
    w.buf[p + 11] = valuesOf(m)._nwFrag;
    encodeL4(w, m, false);
  } else if (et === EtherType.IPV6) {
    const p = w.putAttrHeader(OVS_KEY_ATTR_IPV6, 40);
    w.buf.set(m.nwSrc6, p);
    w.buf.set(m.nwDst6, p + 16);
    v.setUint32(p + 32, 0, false); // flow label: FlowMatch does not model it
    w.buf[p + 36] = valuesOf(m)._nwProto;
    w.buf[p + 37] = valuesOf(m)._nwTos;
    w.buf[p + 38] = valuesOf(m)._nwTtl;
    w.buf[p + 39] = valuesOf(m)._nwFrag;
    encodeL4(w, m, true);
  } else if (et === EtherType.ARP) {
    const p = w.putAttrHeader(OVS_KEY_ATTR_ARP, 24);
    v.setUint32(p, valuesOf(m)._nwSrc, false);
    v.setUint32(p + 4, valuesOf(m)._nwDst, false);
    v.setUint16(p + 8, valuesOf(m)._nwProto, false);
    writeMac(w.buf, p + 10, valuesOf(m)._arpSha);
    writeMac(w.buf, p + 16, valuesOf(m)._arpTha);
  }
}

function encodeL4(w: NlWriter, m: FlowMatch, v6: boolean): void {
  if (!m.hasL4() || valuesOf(m)._nwFrag === IpFrag.LATER) return;
  const proto = valuesOf(m)._nwProto;
  const src = valuesOf(m)._srcPort;
  const dst = valuesOf(m)._dstPort;
  if (proto === IpProto.TCP) {
    putPorts(w, OVS_KEY_ATTR_TCP, src, dst);
    // The kernel requires tcp_flags beside a TCP key ("Missing key ...
    // expected=...40280"); it is never in a mask, so its value is the packet's.
    const p = w.putAttrHeader(OVS_KEY_ATTR_TCP_FLAGS, 2);
    w.view.setUint16(p, m.tcpFlags & 0x0fff, false);
  } else if (proto === IpProto.UDP) putPorts(w, OVS_KEY_ATTR_UDP, src, dst);
  else if (proto === IpProto.ICMP && !v6) putTypeCode(w, OVS_KEY_ATTR_ICMP, src, dst);
  else if (proto === IpProto.ICMPV6 && v6) {
    putTypeCode(w, OVS_KEY_ATTR_ICMPV6, src, dst);
    // The kernel requires an ND key for NS/NA; FlowMatch has no ND fields, so an
    // all-zero one (wildcarded: MidoNet's IPv6 mask is all-zero) satisfies it.
    if (dst === 0 && (src === ICMPV6_ND_SOLICIT || src === ICMPV6_ND_ADVERT)) {
      w.buf.fill(0, w.putAttrHeader(OVS_KEY_ATTR_ND, 28), w.length);
    }
  }
}

function putPorts(w: NlWriter, type: number, src: number, dst: number): void {
  const p = w.putAttrHeader(type, 4);
  w.view.setUint16(p, src, false);
  w.view.setUint16(p + 2, dst, false);
}

function putTypeCode(w: NlWriter, type: number, t: number, c: number): void {
  const p = w.putAttrHeader(type, 2);
  w.buf[p] = t & 0xff;
  w.buf[p + 1] = c & 0xff;
}

// --- raw keys (delete by exact key) ----------------------------------------------

/** Copies a key list out of a receive buffer, to keep past the upcall slot's life. */
export function copyKeyBytes(buf: Uint8Array, off: number, len: number): Uint8Array {
  return buf.slice(off, off + len);
}

/** Writes a kept key list back as a container (e.g. OVS_FLOW_ATTR_KEY for a delete). */
export function putRawKey(w: NlWriter, containerType: number, keyBytes: Uint8Array): void {
  const n = w.beginNested(containerType);
  const p = w.reserve(nlAlign(keyBytes.length));
  w.buf.set(keyBytes, p);
  w.buf.fill(0, p + keyBytes.length, p + nlAlign(keyBytes.length));
  w.endNested(n);
}

// --- decode --------------------------------------------------------------------

/** Counters a caller may pass to `decodeFlowKey` (reuse one per worker). */
export interface KeyDecodeInfo {
  /** Attributes not modelled (the TOO_MUCH ones). */
  extra: number;
  /** Zero-valued kernel metadata dropped silently (recirc_id(0), ct_state(0)...). */
  neutral: number;
  /** Type of the last extra attribute, for logs. */
  lastExtraType: number;
}

export function newKeyDecodeInfo(): KeyDecodeInfo {
  return { extra: 0, neutral: 0, lastExtraType: -1 };
}

/** Per-level scratch; module-level because decoding is synchronous. */
interface Level {
  ethType: number;
  vlanTci: number;
  encapOff: number;
  encapLen: number;
  has: number; // bit per seen attribute type < 31
}
const levels: Level[] = [0, 1, 2, 3].map(() => ({ ethType: -1, vlanTci: -1, encapOff: -1, encapLen: 0, has: 0 }));
const MAX_VLAN_DEPTH = 3;
let grade = 0; // 0 perfect, 1 too much, 2 too little, 3 error (worst wins, little > much)
const G_MUCH = 1, G_LITTLE = 2, G_ERROR = 3;
const NO_INFO: KeyDecodeInfo = newKeyDecodeInfo();

/**
 * Fills `m` (reset first) from the key list at [off, off+len) and grades it.
 * On ERROR the match is partially filled and must not be used for a flow.
 */
export function decodeFlowKey(buf: Uint8Array, off: number, len: number, m: FlowMatch, info: KeyDecodeInfo = NO_INFO): Fitness {
  m.reset();
  grade = 0;
  decodeLevel(buf, off, len, m, info, 0);
  if (grade === 0) return Fitness.PERFECT;
  if (grade === G_MUCH) return Fitness.TOO_MUCH;
  return grade === G_LITTLE ? Fitness.TOO_LITTLE : Fitness.ERROR;
}

function worsen(g: number): void {
  if (g > grade) grade = g;
}

function extra(info: KeyDecodeInfo, type: number): void {
  info.extra++;
  info.lastExtraType = type;
  worsen(G_MUCH);
}

function decodeLevel(b: Uint8Array, off: number, len: number, m: FlowMatch, info: KeyDecodeInfo, depth: number): void {
  const lv = levels[depth]!;
  lv.ethType = -1;
  lv.vlanTci = -1;
  lv.encapOff = -1;
  lv.has = 0;
  const end = off + len;
  let p = off;
  while (p + NLA_HDRLEN <= end) {
    const alen = getU16(b, p);
    if (alen < NLA_HDRLEN || p + alen > end) return worsen(G_ERROR);
    const type = getU16(b, p + 2) & NLA_TYPE_MASK;
    const o = p + NLA_HDRLEN;
    const l = alen - NLA_HDRLEN;
    p += nlAlign(alen);
    const want = KEY_ATTR_LEN[type];
    if (want !== undefined && want !== l) return worsen(G_ERROR);
    if (type < 31) lv.has |= 1 << type;
    if (!decodeAttr(b, o, l, type, m, info, lv)) return worsen(G_ERROR);
  }
  finishLevel(b, m, info, lv, depth);
}

/** One attribute; false means malformed. */
function decodeAttr(b: Uint8Array, o: number, l: number, type: number, m: FlowMatch, info: KeyDecodeInfo, lv: Level): boolean {
  switch (type) {
    case OVS_KEY_ATTR_IN_PORT: m.inPort = getU32(b, o); return true;
    case OVS_KEY_ATTR_PRIORITY: return true; // echoed by MidoNet, not modelled
    case OVS_KEY_ATTR_TUNNEL: return decodeTunnel(b, o, l, m, info);
    case OVS_KEY_ATTR_ETHERNET: m.ethSrc = readMac(b, o); m.ethDst = readMac(b, o + 6); return true;
    case OVS_KEY_ATTR_ETHERTYPE: lv.ethType = getBe16(b, o); return true;
    case OVS_KEY_ATTR_VLAN: lv.vlanTci = getBe16(b, o); return true;
    case OVS_KEY_ATTR_ENCAP: lv.encapOff = o; lv.encapLen = l; return true;
    case OVS_KEY_ATTR_IPV4: {
      if (b[o + 11]! > IpFrag.LATER) return false;
      m.nwSrc = getBe32(b, o); m.nwDst = getBe32(b, o + 4);
      m.nwProto = b[o + 8]!; m.nwTos = b[o + 9]!; m.nwTtl = b[o + 10]!;
      m.nwFrag = b[o + 11]! as IpFragType;
      return true;
    }
    case OVS_KEY_ATTR_IPV6: {
      if (b[o + 39]! > IpFrag.LATER) return false;
      m.nwSrc6.set(b.subarray(o, o + 16)); m.nwDst6.set(b.subarray(o + 16, o + 32));
      m.nwSrc = 0; m.nwDst = 0; // mark present; the address lives in nwSrc6/nwDst6
      m.nwProto = b[o + 36]!; m.nwTos = b[o + 37]!; m.nwTtl = b[o + 38]!;
      m.nwFrag = b[o + 39]! as IpFragType;
      return true;
    }
    case OVS_KEY_ATTR_TCP:
    case OVS_KEY_ATTR_UDP: m.srcPort = getBe16(b, o); m.dstPort = getBe16(b, o + 2); return true;
    case OVS_KEY_ATTR_ICMP:
    case OVS_KEY_ATTR_ICMPV6: m.srcPort = b[o]!; m.dstPort = b[o + 1]!; return true;
    case OVS_KEY_ATTR_ARP: {
      m.nwSrc = getBe32(b, o); m.nwDst = getBe32(b, o + 4);
      m.nwProto = getBe16(b, o + 8) & 0xff;
      m.arpSha = readMac(b, o + 10); m.arpTha = readMac(b, o + 16);
      return true;
    }
    case OVS_KEY_ATTR_TCP_FLAGS: m.tcpFlags = getBe16(b, o); return true;
    case OVS_KEY_ATTR_ND:
    case OVS_KEY_ATTR_SCTP: return true; // parsed only (datapath.md §2.1)
    case OVS_KEY_ATTR_RECIRC_ID:
    case OVS_KEY_ATTR_DP_HASH:
    case OVS_KEY_ATTR_SKB_MARK:
    case OVS_KEY_ATTR_CT_STATE:
    case OVS_KEY_ATTR_CT_ZONE:
    case OVS_KEY_ATTR_CT_MARK:
    case OVS_KEY_ATTR_CT_LABELS:
    case OVS_KEY_ATTR_PACKET_TYPE:
      if (isZero(b, o, l)) info.neutral++;
      else extra(info, type);
      return true;
    default:
      extra(info, type);
      return true;
  }
}

function decodeTunnel(b: Uint8Array, off: number, len: number, m: FlowMatch, info: KeyDecodeInfo): boolean {
  // Every tunnel field becomes present (zero when the kernel omitted it), so the
  // mask treats a tunnelled packet's tunnel fields uniformly.
  m.tunnelKey = 0; m.tunnelSrc = 0; m.tunnelDst = 0; m.tunnelTos = 0; m.tunnelTtl = 0;
  const end = off + len;
  let p = off;
  while (p + NLA_HDRLEN <= end) {
    const alen = getU16(b, p);
    if (alen < NLA_HDRLEN || p + alen > end) return false;
    const type = getU16(b, p + 2) & NLA_TYPE_MASK;
    const o = p + NLA_HDRLEN;
    const l = alen - NLA_HDRLEN;
    p += nlAlign(alen);
    switch (type) {
      case OVS_TUNNEL_KEY_ATTR_ID: if (l !== 8) return false; m.tunnelKey = getBe64(b, o); break;
      case OVS_TUNNEL_KEY_ATTR_IPV4_SRC: if (l !== 4) return false; m.tunnelSrc = getBe32(b, o); break;
      case OVS_TUNNEL_KEY_ATTR_IPV4_DST: if (l !== 4) return false; m.tunnelDst = getBe32(b, o); break;
      case OVS_TUNNEL_KEY_ATTR_TOS: if (l !== 1) return false; m.tunnelTos = b[o]!; break;
      case OVS_TUNNEL_KEY_ATTR_TTL: if (l !== 1) return false; m.tunnelTtl = b[o]!; break;
      case OVS_TUNNEL_KEY_ATTR_DONT_FRAGMENT:
      case OVS_TUNNEL_KEY_ATTR_CSUM:
      case OVS_TUNNEL_KEY_ATTR_TP_SRC:
      case OVS_TUNNEL_KEY_ATTR_TP_DST:
        info.neutral++;
        break;
      default:
        extra(info, 0x100 | type); // OAM, options, IPv6 endpoints: not modelled
    }
  }
  return true;
}

/** Applies the level's eth_type/VLAN/encap and checks what the packet implies. */
function finishLevel(b: Uint8Array, m: FlowMatch, info: KeyDecodeInfo, lv: Level, depth: number): void {
  const et = lv.ethType;
  if (et === EtherType.VLAN || et === EtherType.QINQ) {
    if (lv.vlanTci < 0) return worsen(G_LITTLE);
    if ((lv.vlanTci & VLAN_CFI) === 0) {
      // A zero TCI with no encap is the kernel's way to say "802.1Q header
      // truncated": keep the frame untagged. Anything else without CFI is bad.
      if (lv.vlanTci !== 0 || lv.encapOff >= 0) return worsen(G_ERROR);
      m.etherType = et;
      return worsen(G_LITTLE);
    }
    m.addInnerVlan(lv.vlanTci & 0x0fff);
    if (lv.encapOff < 0) return worsen(G_LITTLE);
    if (depth + 1 > MAX_VLAN_DEPTH) return worsen(G_ERROR);
    decodeLevel(b, lv.encapOff, lv.encapLen, m, info, depth + 1);
    return;
  }
  if (lv.vlanTci >= 0 || lv.encapOff >= 0) extra(info, OVS_KEY_ATTR_VLAN);
  if (et < 0) {
    // No eth_type at the top: an 802.2/802.3 frame (if it is Ethernet at all).
    m.etherType = EtherType.NONE;
    return;
  }
  m.etherType = et;
  const has = lv.has;
  let l4 = 0;
  if (et === EtherType.IPV4) {
    if ((has & (1 << OVS_KEY_ATTR_IPV4)) === 0) return worsen(G_LITTLE);
    l4 = expectedL4(m.peek(Field.NW_PROTO), false);
  } else if (et === EtherType.IPV6) {
    if ((has & (1 << OVS_KEY_ATTR_IPV6)) === 0) return worsen(G_LITTLE);
    l4 = expectedL4(m.peek(Field.NW_PROTO), true);
  } else if (et === EtherType.ARP) {
    if ((has & (1 << OVS_KEY_ATTR_ARP)) === 0) return worsen(G_LITTLE);
  }
  if (l4 !== 0 && m.peek(Field.NW_FRAG) !== IpFrag.LATER && (has & (1 << l4)) === 0) worsen(G_LITTLE);
}

function expectedL4(proto: number, v6: boolean): number {
  if (proto === IpProto.TCP) return OVS_KEY_ATTR_TCP;
  if (proto === IpProto.UDP) return OVS_KEY_ATTR_UDP;
  if (proto === IpProto.ICMP && !v6) return OVS_KEY_ATTR_ICMP;
  if (proto === IpProto.ICMPV6 && v6) return OVS_KEY_ATTR_ICMPV6;
  if (proto === 132) return OVS_KEY_ATTR_SCTP;
  return 0;
}

function isZero(b: Uint8Array, o: number, l: number): boolean {
  for (let i = 0; i < l; i++) if (b[o + i] !== 0) return false;
  return true;
}
