/**
 * Parser for the flow text form (flow-text.ts): what `ovs-dpctl dump-flows`
 * prints, back into OdpFlow records.
 *
 * Contract:
 *  - `parseFlow` always returns a mask, as OVS's odp_flow_from_string does: a
 *    field printed without `/mask` is exact, a field not printed is wildcarded
 *    (value 0, mask 0). So `formatFlow(parseFlow(s)) === s` for canonical lines.
 *  - Tolerant of what real ovs-dpctl adds: `ufid:` prefix, recirc_id, dp_hash,
 *    skb_priority, skb_mark, ct_* and packet_type attributes, `keyNN(..)`
 *    unknown attributes, `dp:`/`offloaded:` fields, `dp-extra-info:` suffix.
 *  - Errors throw FlowTextError with the offset of the offending text; this is
 *    an edge (tests, tools), not the packet path.
 */

import { parseIpv4, parseMac } from '../../simulation/packet/addr.js';
import { CT_STATE_NAMES, TCP_FLAG_NAMES, TCP_LETTERS, TUN_FLAG_NAMES } from './flow-text.js';
import type { OdpAction, OdpFlow, OdpFlowStats, OdpKeyAttr, OdpScalarKind, OdpTunnel } from './odp-types.js';

export class FlowTextError extends Error {
  readonly code = 'MM_ERR_FLOW_TEXT';
  constructor(message: string, readonly offset: number) {
    super(`${message} (at ${offset})`);
  }
}

const SCALARS = new Set<string>([
  'skb_priority', 'in_port', 'skb_mark', 'dp_hash', 'recirc_id', 'ct_state', 'ct_zone', 'ct_mark',
  'eth_type', 'vlan', 'tcp_flags', 'packet_type',
]);
const FULL: Record<string, number> = {
  skb_priority: 0xffffffff, in_port: 0xffffffff, skb_mark: 0xffffffff, dp_hash: 0xffffffff,
  recirc_id: 0xffffffff, ct_state: 0xffffffff, ct_mark: 0xffffffff, ct_zone: 0xffff,
  eth_type: 0xffff, vlan: 0xffff, tcp_flags: 0xffff, packet_type: 0xffffffff,
};

// --- splitting -------------------------------------------------------------------

/** Splits on top-level `sep` (outside parentheses). */
function splitTop(s: string, base: number): Array<{ text: string; at: number }> {
  const out: Array<{ text: string; at: number }> = [];
  let depth = 0, start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(') depth++;
    else if (c === ')') { depth--; if (depth < 0) throw new FlowTextError('unbalanced )', base + i); }
    else if (c === ',' && depth === 0) { out.push({ text: s.slice(start, i), at: base + start }); start = i + 1; }
  }
  if (depth !== 0) throw new FlowTextError('unbalanced (', base + s.length);
  if (s.length > 0) out.push({ text: s.slice(start), at: base + start });
  return out;
}

/** `name(body)` → [name, body]. */
function call(t: string, at: number): [string, string] {
  const i = t.indexOf('(');
  if (i < 0 || !t.endsWith(')')) throw new FlowTextError(`expected name(...) in "${t}"`, at);
  return [t.slice(0, i).trim(), t.slice(i + 1, -1)];
}

// --- numbers ---------------------------------------------------------------------

function num(s: string, at: number): number {
  const t = s.trim();
  let v: number;
  if (/^0x[0-9a-f]+$/i.test(t)) v = parseInt(t.slice(2), 16);
  else if (/^\d+$/.test(t)) v = parseInt(t, 10);
  else throw new FlowTextError(`bad number "${s}"`, at);
  return v;
}
function big(s: string, at: number): bigint {
  const t = s.trim();
  if (/^0x[0-9a-f]+$/i.test(t) || /^\d+$/.test(t)) return BigInt(t);
  throw new FlowTextError(`bad number "${s}"`, at);
}
function ip4(s: string, at: number): number {
  const v = parseIpv4(s.trim());
  if (v === null) throw new FlowTextError(`bad IPv4 "${s}"`, at);
  return v;
}
function macv(s: string, at: number): number {
  const v = parseMac(s.trim());
  if (v === null) throw new FlowTextError(`bad MAC "${s}"`, at);
  return v;
}
/** Parses RFC 4291 text (with optional embedded IPv4) into 16 bytes. */
export function parseIpv6(s: string, at = 0): Uint8Array {
  const out = new Uint8Array(16);
  let t = s.trim();
  const words: number[] = [];
  const v4 = t.match(/^(.*:)(\d+\.\d+\.\d+\.\d+)$/);
  let tail4: number | null = null;
  if (v4) { tail4 = ip4(v4[2]!, at); t = v4[1]!.endsWith('::') ? v4[1]! : v4[1]!.slice(0, -1); }
  const halves = t.split('::');
  if (halves.length > 2) throw new FlowTextError(`bad IPv6 "${s}"`, at);
  const grp = (h: string): number[] => (h === '' ? [] : h.split(':').map((g) => {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) throw new FlowTextError(`bad IPv6 "${s}"`, at);
    return parseInt(g, 16);
  }));
  const head = grp(halves[0]!);
  const tail = halves.length === 2 ? grp(halves[1]!) : [];
  if (tail4 !== null) tail.push(tail4 >>> 16, tail4 & 0xffff);
  const fill = 8 - head.length - tail.length;
  if (fill < 0 || (halves.length === 1 && fill !== 0)) throw new FlowTextError(`bad IPv6 "${s}"`, at);
  words.push(...head, ...new Array<number>(fill).fill(0), ...tail);
  words.forEach((w, i) => { out[2 * i] = w >> 8; out[2 * i + 1] = w & 0xff; });
  return out;
}

/** "v" or "v/m": value and mask parsed with `p`, mask defaults to `full`. */
function vm<T>(s: string, at: number, p: (x: string, at: number) => T, full: T): [T, T] {
  const i = s.indexOf('/');
  return i < 0 ? [p(s, at), full] : [p(s.slice(0, i), at), p(s.slice(i + 1), at)];
}

/** Flag words: "a|b", "0", or masked "+a-b", "0/0". */
function flags(s: string, names: Record<number, string>, max: number, at: number): [number, number] {
  const byName = new Map(Object.entries(names).map(([b, n]) => [n, Number(b)]));
  const t = s.trim();
  if (t === '0/0') return [0, 0];
  if (t === '0') return [0, max];
  if (t.startsWith('+') || t.startsWith('-')) {
    let v = 0, m = 0;
    for (const [, sign, name] of t.matchAll(/([+-])([a-z0-9[\]]+)/gi)) {
      const bit = byName.get(name!);
      if (bit === undefined) throw new FlowTextError(`unknown flag "${name}"`, at);
      m |= bit;
      if (sign === '+') v |= bit;
    }
    return [v, m];
  }
  if (/^(0x[0-9a-f]+|0)(\/(0x[0-9a-f]+|0))?$/i.test(t)) return vm(t, at, num, max);
  let v = 0;
  for (const name of t.split('|')) {
    const bit = byName.get(name);
    if (bit === undefined) throw new FlowTextError(`unknown flag "${name}"`, at);
    v |= bit;
  }
  return [v, max];
}

// --- key attributes ----------------------------------------------------------------

type Pair = [OdpKeyAttr, OdpKeyAttr];

/** Fields of a `name=value` body as a map (value text keeps any `/mask`). */
function fields(body: string, at: number, allowed: readonly string[]): Map<string, { text: string; at: number }> {
  const m = new Map<string, { text: string; at: number }>();
  for (const p of splitTop(body, at)) {
    if (p.text === '') continue;
    const eq = p.text.indexOf('=');
    const [name, text] = eq < 0 ? [p.text.replace(/\(.*$/s, ''), p.text] : [p.text.slice(0, eq), p.text.slice(eq + 1)];
    if (!allowed.includes(name)) throw new FlowTextError(`unexpected field "${name}"`, p.at);
    m.set(name, { text, at: p.at });
  }
  return m;
}

function field<T>(f: Map<string, { text: string; at: number }>, name: string, p: (x: string, at: number) => T, full: T, zero: T): [T, T] {
  const e = f.get(name);
  return e === undefined ? [zero, zero] : vm(e.text, e.at, p, full);
}

const FRAG: Record<string, number> = { no: 0, first: 1, later: 2 };
function frag(f: Map<string, { text: string; at: number }>): [number, number] {
  const e = f.get('frag');
  if (e === undefined) return [0, 0];
  const v = FRAG[e.text.trim()];
  if (v === undefined) throw new FlowTextError(`bad frag "${e.text}"`, e.at);
  return [v, 0xff];
}

function parseKeyAttr(name: string, body: string, at: number): Pair {
  if (SCALARS.has(name)) return parseScalar(name as OdpScalarKind, body, at);
  const M48 = 0xffffffffffff;
  switch (name) {
    case 'encap': {
      const { key, mask } = parseKeyList(body, at);
      return [{ kind: 'encap', keys: key }, { kind: 'encap', keys: mask }];
    }
    case 'tunnel': return parseTunnel(body, at);
    case 'eth': {
      const f = fields(body, at, ['src', 'dst']);
      const [s, sm] = field(f, 'src', macv, M48, 0), [d, dm] = field(f, 'dst', macv, M48, 0);
      return [{ kind: 'eth', src: s, dst: d }, { kind: 'eth', src: sm, dst: dm }];
    }
    case 'ipv4': {
      const f = fields(body, at, ['src', 'dst', 'proto', 'tos', 'ttl', 'frag']);
      const [s, sm] = field(f, 'src', ip4, 0xffffffff, 0), [d, dm] = field(f, 'dst', ip4, 0xffffffff, 0);
      const [p, pm] = field(f, 'proto', num, 0xff, 0), [t, tm] = field(f, 'tos', num, 0xff, 0);
      const [l, lm] = field(f, 'ttl', num, 0xff, 0), [g, gm] = frag(f);
      return [{ kind: 'ipv4', src: s, dst: d, proto: p, tos: t, ttl: l, frag: g },
        { kind: 'ipv4', src: sm, dst: dm, proto: pm, tos: tm, ttl: lm, frag: gm }];
    }
    case 'ipv6': {
      const f = fields(body, at, ['src', 'dst', 'label', 'proto', 'tclass', 'hlimit', 'frag']);
      const z = new Uint8Array(16), ones = new Uint8Array(16).fill(0xff);
      const [s, sm] = field(f, 'src', parseIpv6, ones, z), [d, dm] = field(f, 'dst', parseIpv6, ones, z);
      const [lb, lbm] = field(f, 'label', num, 0xffffffff, 0);
      const [p, pm] = field(f, 'proto', num, 0xff, 0), [tc, tcm] = field(f, 'tclass', num, 0xff, 0);
      const [h, hm] = field(f, 'hlimit', num, 0xff, 0), [g, gm] = frag(f);
      return [{ kind: 'ipv6', src: s, dst: d, label: lb, proto: p, tclass: tc, hlimit: h, frag: g },
        { kind: 'ipv6', src: sm, dst: dm, label: lbm, proto: pm, tclass: tcm, hlimit: hm, frag: gm }];
    }
    case 'tcp': case 'udp': case 'sctp': {
      const f = fields(body, at, ['src', 'dst']);
      const [s, sm] = field(f, 'src', num, 0xffff, 0), [d, dm] = field(f, 'dst', num, 0xffff, 0);
      return [{ kind: name, src: s, dst: d }, { kind: name, src: sm, dst: dm }];
    }
    case 'icmp': case 'icmpv6': {
      const f = fields(body, at, ['type', 'code']);
      const [t, tm] = field(f, 'type', num, 0xff, 0), [c, cm] = field(f, 'code', num, 0xff, 0);
      return [{ kind: name, type: t, code: c }, { kind: name, type: tm, code: cm }];
    }
    case 'arp': {
      const f = fields(body, at, ['sip', 'tip', 'op', 'sha', 'tha']);
      const [s, sm] = field(f, 'sip', ip4, 0xffffffff, 0), [t, tm] = field(f, 'tip', ip4, 0xffffffff, 0);
      const [o, om] = field(f, 'op', num, 0xffff, 0);
      const [sh, shm] = field(f, 'sha', macv, M48, 0), [th, thm] = field(f, 'tha', macv, M48, 0);
      return [{ kind: 'arp', sip: s, tip: t, op: o, sha: sh, tha: th }, { kind: 'arp', sip: sm, tip: tm, op: om, sha: shm, tha: thm }];
    }
    case 'nd': {
      const f = fields(body, at, ['target', 'sll', 'tll']);
      const z = new Uint8Array(16), ones = new Uint8Array(16).fill(0xff);
      const [t, tm] = field(f, 'target', parseIpv6, ones, z);
      const [s, sm] = field(f, 'sll', macv, M48, 0), [l, lm] = field(f, 'tll', macv, M48, 0);
      return [{ kind: 'nd', target: t, sll: s, tll: l }, { kind: 'nd', target: tm, sll: sm, tll: lm }];
    }
    case 'ct_label': {
      if (body.trim() === '') return [{ kind: 'ct_label', bytes: new Uint8Array(16) }, { kind: 'ct_label', bytes: new Uint8Array(16) }];
      const [v, m] = vm(body, at, big, (1n << 128n) - 1n);
      return [{ kind: 'ct_label', bytes: u128(v) }, { kind: 'ct_label', bytes: u128(m) }];
    }
    default: {
      const km = name.match(/^key(\d+)$/);
      if (!km) throw new FlowTextError(`unknown key attribute "${name}"`, at);
      const type = Number(km[1]);
      const [v, m] = body.split('/');
      const bytes = spaced(v ?? '', at);
      const mask = m === undefined ? new Uint8Array(bytes.length).fill(0xff) : spaced(m, at);
      return [{ kind: 'unknown', type, bytes }, { kind: 'unknown', type, bytes: mask }];
    }
  }
}

function u128(v: bigint): Uint8Array {
  const b = new Uint8Array(16);
  for (let i = 15; i >= 0; i--) { b[i] = Number(v & 0xffn); v >>= 8n; }
  return b;
}
function spaced(s: string, at: number): Uint8Array {
  const t = s.trim();
  if (t === '') return new Uint8Array(0);
  return Uint8Array.from(t.split(/\s+/), (x) => {
    if (!/^[0-9a-f]{2}$/i.test(x)) throw new FlowTextError(`bad hex byte "${x}"`, at);
    return parseInt(x, 16);
  });
}

function parseScalar(kind: OdpScalarKind, body: string, at: number): Pair {
  const full = FULL[kind]!;
  const t = body.trim();
  let v: number, m: number;
  if (kind === 'vlan') [v, m] = parseVlanTci(t, at);
  else if (kind === 'ct_state') [v, m] = flags(t, CT_STATE_NAMES, full, at);
  else if (kind === 'tcp_flags') [v, m] = flags(t, TCP_FLAG_NAMES, 0x0fff, at);
  else if (kind === 'packet_type') {
    const f = fields(t, at, ['ns', 'id']);
    const [ns, nsm] = field(f, 'ns', num, 0xffff, 0), [id, idm] = field(f, 'id', num, 0xffff, 0);
    v = ((ns << 16) | id) >>> 0; m = ((nsm << 16) | idm) >>> 0;
  } else if (t === '' && (kind === 'ct_mark' || kind === 'ct_zone')) [v, m] = [0, 0];
  else [v, m] = vm(t, at, num, full);
  if (kind === 'tcp_flags' && m === 0x0fff) m = full;
  return [{ kind, value: v }, { kind, value: m }];
}

/** vid=…[/m],pcp=…[/m][,cfi=0] → TCI and mask (CFI is exact). */
export function parseVlanTci(body: string, at: number): [number, number] {
  const f = fields(body, at, ['vid', 'pcp', 'cfi']);
  const [vid, vidm] = field(f, 'vid', num, 0xfff, 0);
  const [pcp, pcpm] = field(f, 'pcp', num, 7, 0);
  const cfi = f.get('cfi')?.text.trim() === '0' ? 0 : 0x1000;
  return [(pcp << 13) | cfi | (vid & 0xfff), (pcpm << 13) | 0x1000 | (vidm & 0xfff)];
}

function parseTunnel(body: string, at: number): Pair {
  const f = fields(body, at, ['tun_id', 'src', 'dst', 'tos', 'ttl', 'tp_src', 'tp_dst', 'flags']);
  const k: { -readonly [K in keyof OdpTunnel]: OdpTunnel[K] } = {};
  const m: { -readonly [K in keyof OdpTunnel]: OdpTunnel[K] } = {};
  const id = f.get('tun_id');
  if (id) [k.id, m.id] = vm(id.text, id.at, big, 0xffffffffffffffffn);
  const put = (name: string, key: 'src' | 'dst' | 'tos' | 'ttl' | 'tpSrc' | 'tpDst', p: (x: string, at: number) => number, full: number): void => {
    const e = f.get(name);
    if (e) [k[key], m[key]] = vm(e.text, e.at, p, full);
  };
  put('src', 'src', ip4, 0xffffffff);
  put('dst', 'dst', ip4, 0xffffffff);
  put('tos', 'tos', num, 0xff);
  put('ttl', 'ttl', num, 0xff);
  put('tp_src', 'tpSrc', num, 0xffff);
  put('tp_dst', 'tpDst', num, 0xffff);
  const fl = f.get('flags');
  if (fl) {
    const [, inner] = call(fl.text, fl.at);
    const [v, mk] = flags(inner, TUN_FLAG_NAMES, 0xf, fl.at);
    if (v & 1) k.oam = true;
    if (v & 2) k.df = true;
    if (v & 4) k.csum = true;
    if (mk & 1) m.oam = true;
    if (mk & 2) m.df = true;
    if (mk & 4) m.csum = true;
    // The "key" flag is the presence of tun_id; a masked-out id still exists.
    if (v & 8 && k.id === undefined) { k.id = 0n; m.id = 0n; }
  }
  return [{ kind: 'tunnel', tunnel: k }, { kind: 'tunnel', tunnel: m }];
}

/** A key list with its mask list (same kinds, same order). */
export function parseKeyList(text: string, base = 0): { key: OdpKeyAttr[]; mask: OdpKeyAttr[] } {
  const key: OdpKeyAttr[] = [];
  const mask: OdpKeyAttr[] = [];
  for (const p of splitTop(text, base)) {
    const t = p.text.trim();
    if (t === '') continue;
    const [name, body] = call(t, p.at);
    if (name === 'eth_type' && /^0\/0x[0-9a-f]+$/i.test(body.trim())) {
      // Mask-only ethertype of an 802.3 frame (key has none): eth_type(0/0xffff).
      mask.push({ kind: 'eth_type', value: num(body.split('/')[1]!, p.at) });
      continue;
    }
    const [k, m] = parseKeyAttr(name, body, p.at);
    key.push(k);
    mask.push(m);
  }
  return { key, mask };
}

// --- actions ---------------------------------------------------------------------

export function parseActions(text: string, base = 0): OdpAction[] {
  const t = text.trim();
  if (t === 'drop' || t === '') return [];
  return splitTop(t, base).map((p) => parseAction(p.text.trim(), p.at));
}

function parseAction(t: string, at: number): OdpAction {
  if (/^\d+$/.test(t)) return { kind: 'output', port: Number(t) };
  if (t === 'pop_vlan') return { kind: 'pop_vlan' };
  if (t === 'drop') throw new FlowTextError('drop inside an action list', at);
  if (/^action\d+$/.test(t)) return { kind: 'unknown', type: Number(t.slice(6)), bytes: new Uint8Array(0) };
  const [name, body] = call(t, at);
  switch (name) {
    case 'set': {
      const [kn, kb] = call(body.trim(), at + 4);
      const [k] = parseKeyAttr(kn, kb, at + 4);
      return { kind: 'set', key: k };
    }
    case 'push_vlan': {
      const parts = splitTop(body, at).map((x) => x.text);
      let tpid = 0x8100;
      if (parts[0]?.startsWith('tpid=')) tpid = num(parts.shift()!.slice(5), at);
      const [tci] = parseVlanTci(parts.join(','), at);
      return { kind: 'push_vlan', tpid, tci };
    }
    case 'userspace': {
      let pid = -1;
      let userdata: Uint8Array | undefined;
      let egress: number | undefined;
      for (const p of splitTop(body, at)) {
        const x = p.text.trim();
        if (x.startsWith('pid=')) pid = num(x.slice(4), p.at);
        else if (x.startsWith('userdata(')) userdata = Uint8Array.from((call(x, p.at)[1].match(/../g) ?? []).map((h) => parseInt(h, 16)));
        else if (x.startsWith('tunnel_out_port=')) egress = num(x.slice(16), p.at);
        else throw new FlowTextError(`unsupported userspace field "${x}"`, p.at);
      }
      if (pid < 0) throw new FlowTextError('userspace without pid', at);
      return { kind: 'userspace', pid, ...(userdata ? { userdata } : {}), ...(egress !== undefined ? { egressTunPort: egress } : {}) };
    }
    case 'sample': {
      const m = body.match(/^sample=([\d.]+)%,actions\((.*)\)$/s);
      if (!m) throw new FlowTextError('bad sample action', at);
      return { kind: 'sample', probability: Math.round((Number(m[1]) / 100) * 0xffffffff), actions: parseActions(m[2]!, at) };
    }
    case 'recirc': return { kind: 'recirc', id: num(body, at) };
    default: {
      const am = name.match(/^action(\d+)$/);
      if (!am) throw new FlowTextError(`unsupported action "${name}"`, at);
      return { kind: 'unknown', type: Number(am[1]), bytes: spaced(body, at) };
    }
  }
}

// --- flows ------------------------------------------------------------------------

function parseTcpLetters(s: string, at: number): number {
  if (s === 'none') return 0;
  let v = 0;
  for (let i = 0; i < s.length; ) {
    const hit = TCP_LETTERS.find(([, l]) => s.startsWith(l, i));
    if (!hit) throw new FlowTextError(`bad tcp flags "${s}"`, at);
    v |= hit[0];
    i += hit[1].length;
  }
  return v;
}

/** One `ovs-dpctl dump-flows` line (or our own formatFlow output). */
export function parseFlow(line: string): OdpFlow {
  let s = line.trim();
  let base = line.indexOf(s);
  let ufid: string | undefined;
  const um = s.match(/^ufid:([0-9a-f-]+),?\s*/i);
  if (um) { ufid = um[1]!; s = s.slice(um[0].length); base += um[0].length; }
  const ai = s.indexOf('actions:');
  if (ai < 0) throw new FlowTextError('no "actions:"', base + s.length);
  let actionsText = s.slice(ai + 8);
  const extra = actionsText.indexOf(', dp-extra-info:');
  if (extra >= 0) actionsText = actionsText.slice(0, extra);
  // Key text ends at the first top-level ", " (stats and others follow).
  const head = s.slice(0, ai);
  let depth = 0, keyEnd = head.length;
  for (let i = 0; i < head.length; i++) {
    const c = head[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0 && head[i + 1] === ' ') { keyEnd = i; break; }
  }
  const { key, mask } = parseKeyList(head.slice(0, keyEnd), base);
  const st: { packets?: number; bytes?: number; used?: number | null; tcpFlags?: number } = {};
  for (const part of head.slice(keyEnd).split(', ')) {
    const p = part.trim().replace(/,$/, '');
    if (p === '') continue;
    const ci = p.indexOf(':');
    const name = p.slice(0, ci), value = p.slice(ci + 1);
    if (name === 'packets') st.packets = num(value, base);
    else if (name === 'bytes') st.bytes = num(value, base);
    else if (name === 'used') st.used = value === 'never' ? null : Number(value.replace(/s$/, ''));
    else if (name === 'flags') st.tcpFlags = parseTcpLetters(value, base);
    // dp:, offloaded:, anything newer: tolerated and dropped.
  }
  const stats: OdpFlowStats | undefined = st.packets !== undefined
    ? { packets: st.packets, bytes: st.bytes ?? 0, used: st.used ?? null, tcpFlags: st.tcpFlags ?? 0 }
    : undefined;
  return {
    ...(ufid !== undefined ? { ufid } : {}),
    key, mask,
    ...(stats ? { stats } : {}),
    actions: parseActions(actionsText, base + ai + 8),
  };
}
