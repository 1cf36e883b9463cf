/**
 * OdpKeyAttr records ↔ key-list bytes: the general (not hot-path) key codec.
 *
 * Used for flow dumps (kernel replies → records → flow text), for the SET action
 * payload (one key attribute), for masks (same layout as keys, values are bit
 * masks), and by tests and tools. Keys from upcalls go through odp-flow-key.ts
 * straight into a FlowMatch instead.
 *
 * Contract: `decodeKeyAttrs` keeps wire order and keeps every attribute:
 * anything it does not model becomes `{ kind: 'unknown', type, bytes }` (a copy),
 * so a dump re-encodes byte-for-byte. A fixed-size attribute of the wrong length
 * rejects the whole list with a reason. `encodeKeyAttrs` writes ENCAP without
 * NLA_F_NESTED and TUNNEL with it, as MidoNet does.
 */

import type { NlWriter } from './nl-writer.js';
import { getBe16, getBe32, getBe64Big, getU16, getU32, type NlParseResult } from './nl-reader.js';
import { NLA_HDRLEN, NLA_TYPE_MASK, nlAlign } from './nl-constants.js';
import { readMac, writeMac } from '../../simulation/packet/addr.js';
import {
  KEY_ATTR_LEN,
  OVS_KEY_ATTR_ARP, OVS_KEY_ATTR_CT_LABELS, OVS_KEY_ATTR_CT_MARK, OVS_KEY_ATTR_CT_STATE,
  OVS_KEY_ATTR_CT_ZONE, OVS_KEY_ATTR_DP_HASH, OVS_KEY_ATTR_ENCAP, OVS_KEY_ATTR_ETHERNET,
  OVS_KEY_ATTR_ETHERTYPE, OVS_KEY_ATTR_ICMP, OVS_KEY_ATTR_ICMPV6, OVS_KEY_ATTR_IN_PORT,
  OVS_KEY_ATTR_IPV4, OVS_KEY_ATTR_IPV6, OVS_KEY_ATTR_ND, OVS_KEY_ATTR_PACKET_TYPE,
  OVS_KEY_ATTR_PRIORITY, OVS_KEY_ATTR_RECIRC_ID, OVS_KEY_ATTR_SCTP, OVS_KEY_ATTR_SKB_MARK,
  OVS_KEY_ATTR_TCP, OVS_KEY_ATTR_TCP_FLAGS, OVS_KEY_ATTR_TUNNEL, OVS_KEY_ATTR_UDP,
  OVS_KEY_ATTR_VLAN,
  OVS_TUNNEL_KEY_ATTR_CSUM, OVS_TUNNEL_KEY_ATTR_DONT_FRAGMENT, OVS_TUNNEL_KEY_ATTR_ID,
  OVS_TUNNEL_KEY_ATTR_IPV4_DST, OVS_TUNNEL_KEY_ATTR_IPV4_SRC, OVS_TUNNEL_KEY_ATTR_OAM,
  OVS_TUNNEL_KEY_ATTR_TOS, OVS_TUNNEL_KEY_ATTR_TP_DST, OVS_TUNNEL_KEY_ATTR_TP_SRC,
  OVS_TUNNEL_KEY_ATTR_TTL,
  type OdpKeyAttr, type OdpRawAttr, type OdpScalarKind, type OdpTunnel,
} from './odp-types.js';

/** Scalar kinds: attribute type, width in bytes, network order or host order. */
export const SCALAR_KEYS: { readonly [K in OdpScalarKind]: { readonly type: number; readonly width: 2 | 4; readonly be: boolean } } = {
  skb_priority: { type: OVS_KEY_ATTR_PRIORITY, width: 4, be: false },
  in_port: { type: OVS_KEY_ATTR_IN_PORT, width: 4, be: false },
  skb_mark: { type: OVS_KEY_ATTR_SKB_MARK, width: 4, be: false },
  dp_hash: { type: OVS_KEY_ATTR_DP_HASH, width: 4, be: false },
  recirc_id: { type: OVS_KEY_ATTR_RECIRC_ID, width: 4, be: false },
  ct_state: { type: OVS_KEY_ATTR_CT_STATE, width: 4, be: false },
  ct_zone: { type: OVS_KEY_ATTR_CT_ZONE, width: 2, be: false },
  ct_mark: { type: OVS_KEY_ATTR_CT_MARK, width: 4, be: false },
  eth_type: { type: OVS_KEY_ATTR_ETHERTYPE, width: 2, be: true },
  vlan: { type: OVS_KEY_ATTR_VLAN, width: 2, be: true },
  tcp_flags: { type: OVS_KEY_ATTR_TCP_FLAGS, width: 2, be: true },
  packet_type: { type: OVS_KEY_ATTR_PACKET_TYPE, width: 4, be: true },
};
const SCALAR_BY_TYPE = new Map<number, OdpScalarKind>(
  (Object.keys(SCALAR_KEYS) as OdpScalarKind[]).map((k) => [SCALAR_KEYS[k].type, k]),
);

/** The OVS_KEY_ATTR_* number of a record. */
export function keyAttrType(a: OdpKeyAttr): number {
  switch (a.kind) {
    case 'encap': return OVS_KEY_ATTR_ENCAP;
    case 'tunnel': return OVS_KEY_ATTR_TUNNEL;
    case 'eth': return OVS_KEY_ATTR_ETHERNET;
    case 'ipv4': return OVS_KEY_ATTR_IPV4;
    case 'ipv6': return OVS_KEY_ATTR_IPV6;
    case 'tcp': return OVS_KEY_ATTR_TCP;
    case 'udp': return OVS_KEY_ATTR_UDP;
    case 'sctp': return OVS_KEY_ATTR_SCTP;
    case 'icmp': return OVS_KEY_ATTR_ICMP;
    case 'icmpv6': return OVS_KEY_ATTR_ICMPV6;
    case 'arp': return OVS_KEY_ATTR_ARP;
    case 'nd': return OVS_KEY_ATTR_ND;
    case 'ct_label': return OVS_KEY_ATTR_CT_LABELS;
    case 'unknown': return a.type;
    default: return SCALAR_KEYS[a.kind].type;
  }
}

// --- encode --------------------------------------------------------------------

export function encodeKeyAttrs(w: NlWriter, attrs: readonly OdpKeyAttr[]): void {
  for (const a of attrs) encodeKeyAttr(w, a);
}

export function encodeKeyAttr(w: NlWriter, a: OdpKeyAttr): void {
  switch (a.kind) {
    case 'encap': {
      const n = w.beginNested(OVS_KEY_ATTR_ENCAP, false);
      encodeKeyAttrs(w, a.keys);
      w.endNested(n);
      return;
    }
    case 'tunnel': return encodeTunnelAttrs(w, a.tunnel);
    case 'eth': {
      const p = w.putAttrHeader(OVS_KEY_ATTR_ETHERNET, 12);
      writeMac(w.buf, p, a.src);
      writeMac(w.buf, p + 6, a.dst);
      return;
    }
    case 'ipv4': {
      const p = w.putAttrHeader(OVS_KEY_ATTR_IPV4, 12);
      w.view.setUint32(p, a.src, false);
      w.view.setUint32(p + 4, a.dst, false);
      w.buf[p + 8] = a.proto; w.buf[p + 9] = a.tos; w.buf[p + 10] = a.ttl; w.buf[p + 11] = a.frag;
      return;
    }
    case 'ipv6': {
      const p = w.putAttrHeader(OVS_KEY_ATTR_IPV6, 40);
      w.buf.set(a.src, p);
      w.buf.set(a.dst, p + 16);
      w.view.setUint32(p + 32, a.label, false);
      w.buf[p + 36] = a.proto; w.buf[p + 37] = a.tclass; w.buf[p + 38] = a.hlimit; w.buf[p + 39] = a.frag;
      return;
    }
    case 'tcp': case 'udp': case 'sctp': {
      const p = w.putAttrHeader(keyAttrType(a), 4);
      w.view.setUint16(p, a.src, false);
      w.view.setUint16(p + 2, a.dst, false);
      return;
    }
    case 'icmp': case 'icmpv6': {
      const p = w.putAttrHeader(keyAttrType(a), 2);
      w.buf[p] = a.type; w.buf[p + 1] = a.code;
      return;
    }
    case 'arp': {
      const p = w.putAttrHeader(OVS_KEY_ATTR_ARP, 24);
      w.view.setUint32(p, a.sip, false);
      w.view.setUint32(p + 4, a.tip, false);
      w.view.setUint16(p + 8, a.op, false);
      writeMac(w.buf, p + 10, a.sha);
      writeMac(w.buf, p + 16, a.tha);
      w.buf[p + 22] = 0; w.buf[p + 23] = 0;
      return;
    }
    case 'nd': {
      const p = w.putAttrHeader(OVS_KEY_ATTR_ND, 28);
      w.buf.set(a.target, p);
      writeMac(w.buf, p + 16, a.sll);
      writeMac(w.buf, p + 22, a.tll);
      return;
    }
    case 'ct_label': return w.putBytes(OVS_KEY_ATTR_CT_LABELS, a.bytes);
    case 'unknown': return w.putBytes(a.type, a.bytes);
    default: {
      const s = SCALAR_KEYS[a.kind];
      if (s.width === 4) {
        if (s.be) w.putBe32(s.type, a.value); else w.putU32(s.type, a.value);
      } else if (s.be) w.putBe16(s.type, a.value);
      else w.putU16(s.type, a.value);
    }
  }
}

/** Writes a tunnel key (or mask) container in the kernel's field order. */
export function encodeTunnelAttrs(w: NlWriter, t: OdpTunnel): void {
  const n = w.beginNested(OVS_KEY_ATTR_TUNNEL);
  if (t.id !== undefined) w.putBe64(OVS_TUNNEL_KEY_ATTR_ID, t.id);
  if (t.src !== undefined) w.putBe32(OVS_TUNNEL_KEY_ATTR_IPV4_SRC, t.src);
  if (t.dst !== undefined) w.putBe32(OVS_TUNNEL_KEY_ATTR_IPV4_DST, t.dst);
  if (t.tos !== undefined) w.putU8(OVS_TUNNEL_KEY_ATTR_TOS, t.tos);
  if (t.ttl !== undefined) w.putU8(OVS_TUNNEL_KEY_ATTR_TTL, t.ttl);
  if (t.df) w.putFlag(OVS_TUNNEL_KEY_ATTR_DONT_FRAGMENT);
  if (t.csum) w.putFlag(OVS_TUNNEL_KEY_ATTR_CSUM);
  if (t.tpSrc !== undefined) w.putBe16(OVS_TUNNEL_KEY_ATTR_TP_SRC, t.tpSrc);
  if (t.tpDst !== undefined) w.putBe16(OVS_TUNNEL_KEY_ATTR_TP_DST, t.tpDst);
  if (t.oam) w.putFlag(OVS_TUNNEL_KEY_ATTR_OAM);
  if (t.other !== undefined) for (const o of t.other) w.putBytes(o.type, o.bytes);
  w.endNested(n);
}

// --- decode --------------------------------------------------------------------

type Attr = { type: number; off: number; len: number };

function* attrs(b: Uint8Array, off: number, len: number, bad: { why: string }): Generator<Attr> {
  const end = off + len;
  let p = off;
  while (p + NLA_HDRLEN <= end) {
    const alen = getU16(b, p);
    if (alen < NLA_HDRLEN || p + alen > end) {
      bad.why = `attribute header at ${p - off} overruns its container`;
      return;
    }
    yield { type: getU16(b, p + 2) & NLA_TYPE_MASK, off: p + NLA_HDRLEN, len: alen - NLA_HDRLEN };
    p += nlAlign(alen);
  }
}

/** Decodes a key (or mask) list into records, in wire order. */
export function decodeKeyAttrs(b: Uint8Array, off: number, len: number): NlParseResult<OdpKeyAttr[]> {
  const out: OdpKeyAttr[] = [];
  const bad = { why: '' };
  for (const a of attrs(b, off, len, bad)) {
    const r = decodeKeyAttr(b, a.off, a.len, a.type);
    if (typeof r === 'string') return { ok: false, reason: r };
    out.push(r);
  }
  if (bad.why) return { ok: false, reason: bad.why };
  return { ok: true, value: out };
}

/** Decodes one key attribute payload; a string is the reason it is malformed. */
export function decodeKeyAttr(b: Uint8Array, o: number, l: number, type: number): OdpKeyAttr | string {
  const want = KEY_ATTR_LEN[type];
  if (want !== undefined && want !== l) return `key attr ${type}: length ${l}, expected ${want}`;
  const scalar = SCALAR_BY_TYPE.get(type);
  if (scalar !== undefined) {
    const s = SCALAR_KEYS[scalar];
    const value = s.width === 4 ? (s.be ? getBe32(b, o) : getU32(b, o)) : s.be ? getBe16(b, o) : getU16(b, o);
    return { kind: scalar, value };
  }
  switch (type) {
    case OVS_KEY_ATTR_ENCAP: {
      const r = decodeKeyAttrs(b, o, l);
      return r.ok ? { kind: 'encap', keys: r.value } : r.reason;
    }
    case OVS_KEY_ATTR_TUNNEL: return decodeTunnelAttrs(b, o, l);
    case OVS_KEY_ATTR_ETHERNET: return { kind: 'eth', src: readMac(b, o), dst: readMac(b, o + 6) };
    case OVS_KEY_ATTR_IPV4:
      return {
        kind: 'ipv4', src: getBe32(b, o), dst: getBe32(b, o + 4),
        proto: b[o + 8]!, tos: b[o + 9]!, ttl: b[o + 10]!, frag: b[o + 11]!,
      };
    case OVS_KEY_ATTR_IPV6:
      return {
        kind: 'ipv6', src: b.slice(o, o + 16), dst: b.slice(o + 16, o + 32), label: getBe32(b, o + 32),
        proto: b[o + 36]!, tclass: b[o + 37]!, hlimit: b[o + 38]!, frag: b[o + 39]!,
      };
    case OVS_KEY_ATTR_TCP: return { kind: 'tcp', src: getBe16(b, o), dst: getBe16(b, o + 2) };
    case OVS_KEY_ATTR_UDP: return { kind: 'udp', src: getBe16(b, o), dst: getBe16(b, o + 2) };
    case OVS_KEY_ATTR_SCTP: return { kind: 'sctp', src: getBe16(b, o), dst: getBe16(b, o + 2) };
    case OVS_KEY_ATTR_ICMP: return { kind: 'icmp', type: b[o]!, code: b[o + 1]! };
    case OVS_KEY_ATTR_ICMPV6: return { kind: 'icmpv6', type: b[o]!, code: b[o + 1]! };
    case OVS_KEY_ATTR_ARP:
      return {
        kind: 'arp', sip: getBe32(b, o), tip: getBe32(b, o + 4), op: getBe16(b, o + 8),
        sha: readMac(b, o + 10), tha: readMac(b, o + 16),
      };
    case OVS_KEY_ATTR_ND:
      return { kind: 'nd', target: b.slice(o, o + 16), sll: readMac(b, o + 16), tll: readMac(b, o + 22) };
    case OVS_KEY_ATTR_CT_LABELS: return { kind: 'ct_label', bytes: b.slice(o, o + l) };
    default: return { kind: 'unknown', type, bytes: b.slice(o, o + l) };
  }
}

/** Decodes a tunnel key (or mask) container. */
export function decodeTunnelAttrs(b: Uint8Array, off: number, len: number): { kind: 'tunnel'; tunnel: OdpTunnel } | string {
  const t: { -readonly [K in keyof OdpTunnel]: OdpTunnel[K] } = {};
  const other: OdpRawAttr[] = [];
  const bad = { why: '' };
  const need = (a: Attr, n: number): string | null => (a.len === n ? null : `tunnel attr ${a.type}: length ${a.len}, expected ${n}`);
  for (const a of attrs(b, off, len, bad)) {
    let err: string | null = null;
    switch (a.type) {
      case OVS_TUNNEL_KEY_ATTR_ID: err = need(a, 8); if (!err) t.id = getBe64Big(b, a.off); break;
      case OVS_TUNNEL_KEY_ATTR_IPV4_SRC: err = need(a, 4); if (!err) t.src = getBe32(b, a.off); break;
      case OVS_TUNNEL_KEY_ATTR_IPV4_DST: err = need(a, 4); if (!err) t.dst = getBe32(b, a.off); break;
      case OVS_TUNNEL_KEY_ATTR_TOS: err = need(a, 1); if (!err) t.tos = b[a.off]!; break;
      case OVS_TUNNEL_KEY_ATTR_TTL: err = need(a, 1); if (!err) t.ttl = b[a.off]!; break;
      case OVS_TUNNEL_KEY_ATTR_DONT_FRAGMENT: t.df = true; break;
      case OVS_TUNNEL_KEY_ATTR_CSUM: t.csum = true; break;
      case OVS_TUNNEL_KEY_ATTR_OAM: t.oam = true; break;
      case OVS_TUNNEL_KEY_ATTR_TP_SRC: err = need(a, 2); if (!err) t.tpSrc = getBe16(b, a.off); break;
      case OVS_TUNNEL_KEY_ATTR_TP_DST: err = need(a, 2); if (!err) t.tpDst = getBe16(b, a.off); break;
      default: other.push({ type: a.type, bytes: b.slice(a.off, a.off + a.len) });
    }
    if (err) return err;
  }
  if (bad.why) return bad.why;
  if (other.length > 0) t.other = other;
  return { kind: 'tunnel', tunnel: t };
}
