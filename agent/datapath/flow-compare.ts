/**
 * Comparing what the agent meant with what the kernel holds.
 *
 * A flow read back from `ovs-dpctl dump-flows` differs from the flow the agent
 * put in ways that do not matter: the kernel adds recirc_id/dp_hash/skb_mark/
 * ct_* metadata, dumps wildcarded attributes with zero masks, stores key values
 * already ANDed with the mask, omits zero tunnel src/tos in SET(tunnel), and
 * prints attributes in its own order. `normalizeFlow` removes all of that;
 * `compareFlows` reports what is left as human-readable differences.
 *
 * Contract: pure. An absent mask means "exact" (every key bit matters). Stats
 * and ufid are ignored. The result is empty when the flows are equivalent.
 */

import { formatActions, formatKeyAttr, isWildcardMask } from './flow-text.js';
import type { OdpAction, OdpFlow, OdpKeyAttr, OdpTunnel } from './odp-types.js';

const NEUTRAL = new Set(['recirc_id', 'dp_hash', 'skb_priority', 'skb_mark', 'ct_state', 'ct_zone', 'ct_mark', 'ct_label', 'packet_type']);
const M48 = 0xffffffffffff;
const SCALAR_FULL: Record<string, number> = { ct_zone: 0xffff, eth_type: 0xffff, vlan: 0xffff, tcp_flags: 0xffff };

function and48(a: number, b: number): number {
  const hi = (Math.floor(a / 2 ** 24) & Math.floor(b / 2 ** 24)) >>> 0;
  return hi * 2 ** 24 + ((a % 2 ** 24) & (b % 2 ** 24));
}
const and32 = (a: number, b: number): number => (a & b) >>> 0;
const andBytes = (a: Uint8Array, b: Uint8Array): Uint8Array => a.map((x, i) => x & (b[i] ?? 0));

/** The exact (all-ones) mask of a key attribute. */
export function exactMaskOf(a: OdpKeyAttr): OdpKeyAttr {
  const ones16 = new Uint8Array(16).fill(0xff);
  switch (a.kind) {
    case 'encap': return { kind: 'encap', keys: a.keys.map(exactMaskOf) };
    case 'tunnel': {
      const t = a.tunnel;
      const m: { -readonly [K in keyof OdpTunnel]: OdpTunnel[K] } = { df: true, csum: true, oam: true };
      if (t.id !== undefined) m.id = 0xffffffffffffffffn;
      if (t.src !== undefined) m.src = 0xffffffff;
      if (t.dst !== undefined) m.dst = 0xffffffff;
      if (t.tos !== undefined) m.tos = 0xff;
      if (t.ttl !== undefined) m.ttl = 0xff;
      if (t.tpSrc !== undefined) m.tpSrc = 0xffff;
      if (t.tpDst !== undefined) m.tpDst = 0xffff;
      return { kind: 'tunnel', tunnel: m };
    }
    case 'eth': return { kind: 'eth', src: M48, dst: M48 };
    case 'ipv4': return { kind: 'ipv4', src: 0xffffffff, dst: 0xffffffff, proto: 0xff, tos: 0xff, ttl: 0xff, frag: 0xff };
    case 'ipv6': return { kind: 'ipv6', src: ones16, dst: ones16, label: 0xffffffff, proto: 0xff, tclass: 0xff, hlimit: 0xff, frag: 0xff };
    case 'tcp': case 'udp': case 'sctp': return { kind: a.kind, src: 0xffff, dst: 0xffff };
    case 'icmp': case 'icmpv6': return { kind: a.kind, type: 0xff, code: 0xff };
    case 'arp': return { kind: 'arp', sip: 0xffffffff, tip: 0xffffffff, op: 0xffff, sha: M48, tha: M48 };
    case 'nd': return { kind: 'nd', target: ones16, sll: M48, tll: M48 };
    case 'ct_label': return { kind: 'ct_label', bytes: new Uint8Array(a.bytes.length).fill(0xff) };
    case 'unknown': return { kind: 'unknown', type: a.type, bytes: new Uint8Array(a.bytes.length).fill(0xff) };
    default: return { kind: a.kind, value: SCALAR_FULL[a.kind] ?? 0xffffffff };
  }
}

/** Key value ANDed with its mask (fields of the same kind). */
function applyMask(a: OdpKeyAttr, m: OdpKeyAttr): OdpKeyAttr {
  switch (a.kind) {
    case 'eth': { const k = m as typeof a; return { kind: 'eth', src: and48(a.src, k.src), dst: and48(a.dst, k.dst) }; }
    case 'ipv4': {
      const k = m as typeof a;
      return { kind: 'ipv4', src: and32(a.src, k.src), dst: and32(a.dst, k.dst), proto: a.proto & k.proto, tos: a.tos & k.tos, ttl: a.ttl & k.ttl, frag: a.frag & k.frag };
    }
    case 'ipv6': {
      const k = m as typeof a;
      return { kind: 'ipv6', src: andBytes(a.src, k.src), dst: andBytes(a.dst, k.dst), label: and32(a.label, k.label), proto: a.proto & k.proto, tclass: a.tclass & k.tclass, hlimit: a.hlimit & k.hlimit, frag: a.frag & k.frag };
    }
    case 'tcp': case 'udp': case 'sctp': { const k = m as typeof a; return { kind: a.kind, src: a.src & k.src, dst: a.dst & k.dst }; }
    case 'icmp': case 'icmpv6': { const k = m as typeof a; return { kind: a.kind, type: a.type & k.type, code: a.code & k.code }; }
    case 'arp': {
      const k = m as typeof a;
      return { kind: 'arp', sip: and32(a.sip, k.sip), tip: and32(a.tip, k.tip), op: a.op & k.op, sha: and48(a.sha, k.sha), tha: and48(a.tha, k.tha) };
    }
    case 'nd': { const k = m as typeof a; return { kind: 'nd', target: andBytes(a.target, k.target), sll: and48(a.sll, k.sll), tll: and48(a.tll, k.tll) }; }
    case 'ct_label': case 'unknown': return { ...a, bytes: andBytes(a.bytes, (m as typeof a).bytes) };
    case 'encap': case 'tunnel': return a; // handled by the callers
    default: return { kind: a.kind, value: and32(a.value, (m as { value: number }).value) };
  }
}

function normTunnel(t: OdpTunnel, m: OdpTunnel): [OdpTunnel, OdpTunnel] {
  const k: { -readonly [K in keyof OdpTunnel]: OdpTunnel[K] } = {};
  const n: { -readonly [K in keyof OdpTunnel]: OdpTunnel[K] } = {};
  if (t.id !== undefined && (m.id ?? 0n) !== 0n) { k.id = t.id & m.id!; n.id = m.id!; }
  for (const f of ['src', 'dst', 'tos', 'ttl', 'tpSrc', 'tpDst'] as const) {
    const v = t[f], mv = m[f] ?? 0;
    if (v !== undefined && mv !== 0) { k[f] = and32(v, mv); n[f] = mv; }
  }
  for (const f of ['df', 'csum', 'oam'] as const) {
    if (m[f]) { n[f] = true; if (t[f]) k[f] = true; }
  }
  return [k, n];
}

/** Drops wildcarded and neutral attributes, masks values. Lists stay aligned. */
function normList(key: readonly OdpKeyAttr[], mask: readonly OdpKeyAttr[] | undefined): [OdpKeyAttr[], OdpKeyAttr[]] {
  const ks: OdpKeyAttr[] = [];
  const ms: OdpKeyAttr[] = [];
  for (const a of key) {
    const m = mask === undefined ? exactMaskOf(a) : mask.find((x) => x.kind === a.kind && (a.kind !== 'unknown' || (x as { type: number }).type === a.type));
    if (m === undefined || isWildcardMask(m)) continue;
    if (a.kind === 'encap') {
      const [ik, im] = normList(a.keys, (m as typeof a).keys);
      if (ik.length > 0) { ks.push({ kind: 'encap', keys: ik }); ms.push({ kind: 'encap', keys: im }); }
      continue;
    }
    if (a.kind === 'tunnel') {
      const [tk, tm] = normTunnel(a.tunnel, (m as typeof a).tunnel);
      ks.push({ kind: 'tunnel', tunnel: tk });
      ms.push({ kind: 'tunnel', tunnel: tm });
      continue;
    }
    const v = applyMask(a, m);
    if (NEUTRAL.has(a.kind) && isWildcardMask(v)) continue; // e.g. recirc_id(0), ct_state(0/0x3f)
    ks.push(v);
    ms.push(m);
  }
  return [ks, ms];
}

/** SET(tunnel) as the kernel dumps it: zero src/tos/tp_* are not reported. */
function normAction(a: OdpAction): OdpAction {
  if (a.kind === 'set' && a.key.kind === 'tunnel') {
    const t = a.key.tunnel;
    const n: { -readonly [K in keyof OdpTunnel]: OdpTunnel[K] } = { ...t };
    for (const f of ['src', 'tos', 'tpSrc', 'tpDst'] as const) if (n[f] === 0) delete n[f];
    return { kind: 'set', key: { kind: 'tunnel', tunnel: n } };
  }
  if (a.kind === 'push_vlan') return { ...a, tci: a.tci | 0x1000 };
  if (a.kind === 'sample') return { ...a, actions: a.actions.map(normAction) };
  return a;
}

/** The comparable core of a flow: masked, wildcards and neutral metadata gone. */
export function normalizeFlow(f: OdpFlow): OdpFlow {
  const [key, mask] = normList(f.key, f.mask);
  return { key, mask, actions: f.actions.map(normAction) };
}

function attrTexts(f: OdpFlow): string[] {
  const out: string[] = [];
  const mask = f.mask ?? [];
  for (let i = 0; i < f.key.length; i++) out.push(formatKeyAttr(f.key[i]!, mask[i], false));
  return out.sort();
}

/**
 * Differences between two flows after normalisation, e.g.
 * `["only in a: tcp(dst=80)", "actions: 2 vs 3"]`; empty when equivalent.
 */
export function compareFlows(a: OdpFlow, b: OdpFlow): string[] {
  const na = normalizeFlow(a), nb = normalizeFlow(b);
  const ta = attrTexts(na), tb = attrTexts(nb);
  const diffs: string[] = [];
  for (const t of ta) if (!tb.includes(t)) diffs.push(`only in a: ${t}`);
  for (const t of tb) if (!ta.includes(t)) diffs.push(`only in b: ${t}`);
  const aa = formatActions(na.actions), ab = formatActions(nb.actions);
  if (aa !== ab) diffs.push(`actions: ${aa} vs ${ab}`);
  return diffs;
}
