/**
 * The canonical text form of a datapath flow, as `ovs-dpctl dump-flows` prints
 * it (OVS 3.x lib/odp-util.c, lib/dpctl.c), so traces, logs, test expectations
 * and VM checks all speak one language:
 *
 *   in_port(1),eth(src=aa:..,dst=..),eth_type(0x0800),ipv4(src=10.0.0.0/255.255.255.0,
 *   proto=6,frag=no),tcp(dst=80), packets:0, bytes:0, used:never, actions:set(...),2
 *
 * Words:
 *  - key/mask: OdpKeyAttr lists (odp-types.ts). With a mask, a field whose mask
 *    is zero is not printed, a partial mask prints as `value/mask`, and an
 *    attribute whose whole mask is zero is left out (except `eth()`, and the
 *    nested `encap(...)`/`tunnel(...)`), unless `verbose` (ovs-dpctl -m).
 *    Without a mask (an exact flow, or a SET action's payload) every field
 *    prints and none carries `/mask`.
 *  - number styles follow the C formats OVS uses: `%#x` prints 0 as `0`.
 *
 * Contract: pure string work, no I/O. `formatFlow(parseFlow(s)) === s` for
 * lines in this form, and `parseFlow(formatFlow(f))` deep-equals `f` for a
 * normalised flow (masked values, no zero-mask fields): see flow-text-parse.ts
 * and `normalizeFlow`/`compareFlows` in flow-compare.ts.
 */

import { ipv4ToString, macToString } from '../../simulation/packet/addr.js';
import type { OdpAction, OdpFlow, OdpFlowStats, OdpKeyAttr, OdpTunnel } from './odp-types.js';

export interface FormatOptions {
  /** ovs-dpctl -m: print wildcarded attributes and fields too. */
  readonly verbose?: boolean;
}

// --- number and address styles ---------------------------------------------------

/** C's `%#x`: 0 → "0", otherwise "0x" + lowercase hex. */
export function hexAlt(v: number | bigint): string {
  return v === 0 || v === 0n ? '0' : '0x' + v.toString(16);
}
const hex4 = (v: number): string => '0x' + v.toString(16).padStart(4, '0');

/** RFC 5952 text of 16 address bytes (as inet_ntop prints it). */
export function ipv6ToString(b: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i]! << 8) | b[i + 1]!);
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return '::ffff:' + ipv4ToString(((g[6]! << 16) | g[7]!) >>> 0);
  }
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const h = g.map((x) => x.toString(16));
  if (best < 0) return h.join(':');
  return h.slice(0, best).join(':') + '::' + h.slice(best + bestLen).join(':');
}

const isZeroBytes = (b: Uint8Array): boolean => b.every((x) => x === 0);
const isOnesBytes = (b: Uint8Array): boolean => b.every((x) => x === 0xff);

// --- field printers (mirror odp-util's format_* helpers) -------------------------

type Out = string[];
/** `undefined` mask = no mask at all (exact); a number = the field's mask. */
function fmtNum(o: Out, name: string, v: number, m: number | undefined, full: number, verbose: boolean,
  show: (x: number) => string, showMask: (x: number) => string = hexAlt): void {
  if (!verbose && m === 0) return;
  o.push(m === undefined || m === full ? `${name}=${show(v)}` : `${name}=${show(v)}/${showMask(m)}`);
}
const dec = (x: number): string => String(x);
const ip = (x: number): string => ipv4ToString(x >>> 0);
const mac = (x: number): string => macToString(x);

function fmtIp6(o: Out, name: string, v: Uint8Array, m: Uint8Array | undefined, verbose: boolean): void {
  if (!verbose && m !== undefined && isZeroBytes(m)) return;
  o.push(m === undefined || isOnesBytes(m) ? `${name}=${ipv6ToString(v)}` : `${name}=${ipv6ToString(v)}/${ipv6ToString(m)}`);
}

function fmtFrag(o: Out, v: number, m: number | undefined): void {
  if (m === 0) return;
  if (m !== undefined && m !== 0xff) o.push(`error: partial mask not supported for frag (${hexAlt(m)})`);
  else o.push(`frag=${v === 0 ? 'no' : v === 1 ? 'first' : v === 2 ? 'later' : '<error>'}`);
}

/** OVS format_flags: names by ascending bit, joined by `del`; "0" when empty. */
function flagsText(v: number, names: (bit: number) => string | null, del: string): string {
  if (v === 0) return '0';
  const out: string[] = [];
  let bad = 0;
  for (let bit = 1; bit !== 0 && bit <= v; bit = (bit << 1) >>> 0) {
    if ((v & bit) === 0) continue;
    const s = names(bit);
    if (s === null) bad |= bit; else out.push(s);
  }
  if (bad) out.push('0x' + (bad >>> 0).toString(16));
  return out.join(del);
}
/** OVS format_flags_masked. */
function flagsMasked(v: number, m: number, max: number, names: (bit: number) => string | null): string {
  if (m === max) return flagsText(v, names, '|');
  if (m === 0) return '0/0';
  let s = '';
  for (let bit = 1; bit !== 0 && bit <= m; bit = (bit << 1) >>> 0) {
    if (m & bit) s += ((v & bit) !== 0 ? '+' : '-') + (names(bit) ?? '[Unknown]');
  }
  return s;
}

export const TUN_FLAG_NAMES: Record<number, string> = { 1: 'oam', 2: 'df', 4: 'csum', 8: 'key' };
export const CT_STATE_NAMES: Record<number, string> = {
  1: 'new', 2: 'est', 4: 'rel', 8: 'rpl', 16: 'inv', 32: 'trk', 64: 'snat', 128: 'dnat',
};
export const TCP_FLAG_NAMES: Record<number, string> = {
  1: 'fin', 2: 'syn', 4: 'rst', 8: 'psh', 16: 'ack', 32: 'urg', 64: 'ece', 128: 'cwr', 256: 'ns',
  0x200: '[200]', 0x400: '[400]', 0x800: '[800]',
};
const namer = (t: Record<number, string>) => (bit: number): string | null => t[bit] ?? null;

// --- attributes ----------------------------------------------------------------------

/** ovs_key_attr_to_string: the text name of a key attribute. */
export function keyAttrName(a: OdpKeyAttr): string {
  if (a.kind === 'unknown') return `key${a.type}`;
  return a.kind;
}

/** Same-kind mask or undefined; exported for the comparer. */
export function findMask(mask: readonly OdpKeyAttr[] | undefined, a: OdpKeyAttr): OdpKeyAttr | undefined {
  if (mask === undefined) return undefined;
  for (const m of mask) {
    if (m.kind === a.kind && (a.kind !== 'unknown' || (m.kind === 'unknown' && m.type === a.type))) return m;
  }
  return undefined;
}

/** True when every bit of the mask attribute is zero. */
export function isWildcardMask(m: OdpKeyAttr): boolean {
  switch (m.kind) {
    case 'encap': return m.keys.every(isWildcardMask);
    case 'tunnel': {
      const t = m.tunnel;
      return (t.id ?? 0n) === 0n && !t.src && !t.dst && !t.tos && !t.ttl && !t.df && !t.csum && !t.oam &&
        !t.tpSrc && !t.tpDst && (t.other ?? []).every((x) => isZeroBytes(x.bytes));
    }
    case 'eth': return m.src === 0 && m.dst === 0;
    case 'ipv4': return !m.src && !m.dst && !m.proto && !m.tos && !m.ttl && !m.frag;
    case 'ipv6': return isZeroBytes(m.src) && isZeroBytes(m.dst) && !m.label && !m.proto && !m.tclass && !m.hlimit && !m.frag;
    case 'tcp': case 'udp': case 'sctp': return !m.src && !m.dst;
    case 'icmp': case 'icmpv6': return !m.type && !m.code;
    case 'arp': return !m.sip && !m.tip && !m.op && !m.sha && !m.tha;
    case 'nd': return isZeroBytes(m.target) && !m.sll && !m.tll;
    case 'ct_label': case 'unknown': return isZeroBytes(m.bytes);
    default: return m.value === 0;
  }
}

const SCALAR_FULL: Record<string, number> = {
  skb_priority: 0xffffffff, in_port: 0xffffffff, skb_mark: 0xffffffff, dp_hash: 0xffffffff,
  recirc_id: 0xffffffff, ct_state: 0xffffffff, ct_mark: 0xffffffff, ct_zone: 0xffff,
  eth_type: 0xffff, vlan: 0xffff, tcp_flags: 0xffff, packet_type: 0xffffffff,
};

/** An all-zero mask of the same shape (OVS generate_all_wildcard_mask). */
export function wildcardOf(a: OdpKeyAttr): OdpKeyAttr {
  switch (a.kind) {
    case 'encap': return { kind: 'encap', keys: a.keys.map(wildcardOf) };
    case 'tunnel': return { kind: 'tunnel', tunnel: {} };
    case 'eth': return { kind: 'eth', src: 0, dst: 0 };
    case 'ipv4': return { kind: 'ipv4', src: 0, dst: 0, proto: 0, tos: 0, ttl: 0, frag: 0 };
    case 'ipv6': return { kind: 'ipv6', src: new Uint8Array(16), dst: new Uint8Array(16), label: 0, proto: 0, tclass: 0, hlimit: 0, frag: 0 };
    case 'tcp': case 'udp': case 'sctp': return { kind: a.kind, src: 0, dst: 0 };
    case 'icmp': case 'icmpv6': return { kind: a.kind, type: 0, code: 0 };
    case 'arp': return { kind: 'arp', sip: 0, tip: 0, op: 0, sha: 0, tha: 0 };
    case 'nd': return { kind: 'nd', target: new Uint8Array(16), sll: 0, tll: 0 };
    case 'ct_label': return { kind: 'ct_label', bytes: new Uint8Array(a.bytes.length) };
    case 'unknown': return { kind: 'unknown', type: a.type, bytes: new Uint8Array(a.bytes.length) };
    default: return { kind: a.kind, value: 0 };
  }
}

/** One attribute as `name(fields)`; `ma` undefined = no mask. */
export function formatKeyAttr(a: OdpKeyAttr, ma: OdpKeyAttr | undefined, verbose: boolean): string {
  const m = ma !== undefined && ma.kind === a.kind ? ma : undefined;
  return `${keyAttrName(a)}(${attrBody(a, m, verbose)})`;
}

function attrBody(a: OdpKeyAttr, ma: OdpKeyAttr | undefined, verbose: boolean): string {
  const o: Out = [];
  // The caller guarantees ma has a's kind; `_k` only selects the type.
  const M = <K extends OdpKeyAttr['kind']>(_k: K): Extract<OdpKeyAttr, { kind: K }> | undefined =>
    ma as Extract<OdpKeyAttr, { kind: K }> | undefined;
  switch (a.kind) {
    case 'encap': {
      const mk = M('encap');
      if (a.keys.length === 0) return '';
      return formatKeyList(a.keys, mk !== undefined && mk.keys.length > 0 ? mk.keys : undefined, verbose);
    }
    case 'tunnel': return tunnelBody(a.tunnel, ma === undefined ? undefined : M('tunnel')?.tunnel ?? {}, verbose);
    case 'eth': {
      const m = M('eth');
      fmtNum(o, 'src', a.src, m?.src, 0xffffffffffff, verbose, mac, mac);
      fmtNum(o, 'dst', a.dst, m?.dst, 0xffffffffffff, verbose, mac, mac);
      break;
    }
    case 'ipv4': {
      const m = M('ipv4');
      fmtNum(o, 'src', a.src, m?.src, 0xffffffff, verbose, ip, ip);
      fmtNum(o, 'dst', a.dst, m?.dst, 0xffffffff, verbose, ip, ip);
      fmtNum(o, 'proto', a.proto, m?.proto, 0xff, verbose, dec);
      fmtNum(o, 'tos', a.tos, m?.tos, 0xff, verbose, hexAlt);
      fmtNum(o, 'ttl', a.ttl, m?.ttl, 0xff, verbose, dec);
      fmtFrag(o, a.frag, m?.frag);
      break;
    }
    case 'ipv6': {
      const m = M('ipv6');
      fmtIp6(o, 'src', a.src, m?.src, verbose);
      fmtIp6(o, 'dst', a.dst, m?.dst, verbose);
      const lm = m?.label;
      fmtNum(o, 'label', a.label, lm === undefined || (lm & 0xfffff) === 0xfffff ? undefined : lm, 0xfffff, verbose || lm !== 0, hexAlt);
      fmtNum(o, 'proto', a.proto, m?.proto, 0xff, verbose, dec);
      fmtNum(o, 'tclass', a.tclass, m?.tclass, 0xff, verbose, hexAlt);
      fmtNum(o, 'hlimit', a.hlimit, m?.hlimit, 0xff, verbose, dec);
      fmtFrag(o, a.frag, m?.frag);
      break;
    }
    case 'tcp': case 'udp': case 'sctp': {
      const m = ma as { src: number; dst: number } | undefined;
      fmtNum(o, 'src', a.src, m?.src, 0xffff, verbose, dec);
      fmtNum(o, 'dst', a.dst, m?.dst, 0xffff, verbose, dec);
      break;
    }
    case 'icmp': case 'icmpv6': {
      const m = ma as { type: number; code: number } | undefined;
      fmtNum(o, 'type', a.type, m?.type, 0xff, verbose, dec);
      fmtNum(o, 'code', a.code, m?.code, 0xff, verbose, dec);
      break;
    }
    case 'arp': {
      const m = M('arp');
      fmtNum(o, 'sip', a.sip, m?.sip, 0xffffffff, verbose, ip, ip);
      fmtNum(o, 'tip', a.tip, m?.tip, 0xffffffff, verbose, ip, ip);
      fmtNum(o, 'op', a.op, m?.op, 0xffff, verbose, dec);
      fmtNum(o, 'sha', a.sha, m?.sha, 0xffffffffffff, verbose, mac, mac);
      fmtNum(o, 'tha', a.tha, m?.tha, 0xffffffffffff, verbose, mac, mac);
      break;
    }
    case 'nd': {
      const m = M('nd');
      fmtIp6(o, 'target', a.target, m?.target, verbose);
      fmtNum(o, 'sll', a.sll, m?.sll, 0xffffffffffff, verbose, mac, mac);
      fmtNum(o, 'tll', a.tll, m?.tll, 0xffffffffffff, verbose, mac, mac);
      break;
    }
    case 'ct_label': {
      const m = M('ct_label');
      if (!verbose && (m === undefined || isZeroBytes(m.bytes))) return '';
      return bytesHex(a.bytes) + (m !== undefined && !isOnesBytes(m.bytes) ? '/' + bytesHex(m.bytes) : '');
    }
    case 'unknown': {
      const m = M('unknown');
      const body = spacedHex(a.bytes);
      return m !== undefined && !isOnesBytes(m.bytes) ? `${body}/${spacedHex(m.bytes)}` : body;
    }
    default: return scalarBody(a, ma as { value: number } | undefined, verbose);
  }
  return o.join(',');
}

function scalarBody(a: { kind: string; value: number }, m: { value: number } | undefined, verbose: boolean): string {
  const full = SCALAR_FULL[a.kind]!;
  const exact = m === undefined || m.value === full;
  const mv = m?.value ?? 0;
  switch (a.kind) {
    case 'in_port': return exact ? String(a.value) : `${a.value}/${hexAlt(mv)}`;
    case 'eth_type': return exact ? hex4(a.value) : `${hex4(a.value)}/${hex4(mv)}`;
    case 'ct_mark':
    case 'ct_zone':
      if (!verbose && mv === 0) return '';
      return exact ? hexAlt(a.value) : `${hexAlt(a.value)}/${hexAlt(mv)}`;
    case 'ct_state':
      if (verbose) return exact ? hexAlt(a.value) : `${hexAlt(a.value)}/${hexAlt(mv)}`;
      return exact ? flagsText(a.value, namer(CT_STATE_NAMES), '|') : flagsMasked(a.value, mv, 0xffffffff, namer(CT_STATE_NAMES));
    case 'tcp_flags':
      return exact ? flagsText(a.value, namer(TCP_FLAG_NAMES), '|') : flagsMasked(a.value, mv & 0x0fff, 0x0fff, namer(TCP_FLAG_NAMES));
    case 'vlan': return vlanBody(a.value, m?.value ?? 0xffff, verbose);
    case 'packet_type': {
      const o: Out = [];
      const mk = m?.value ?? 0xffffffff;
      fmtNum(o, 'ns', a.value >>> 16, mk >>> 16, 0xffff, verbose, dec);
      fmtNum(o, 'id', a.value & 0xffff, mk & 0xffff, 0xffff, verbose, hexAlt);
      return o.join(',');
    }
    default: return exact ? hexAlt(a.value) : `${hexAlt(a.value)}/${hexAlt(mv)}`;
  }
}

/** OVS format_vlan_tci. */
export function vlanBody(tci: number, mask: number, verbose: boolean): string {
  const o: Out = [];
  const vid = tci & 0xfff, vm = mask & 0xfff, pcp = tci >>> 13, pm = mask >>> 13;
  if (verbose || vid || vm) o.push(`vid=${vid}` + (vm !== 0xfff ? `/0x${vm.toString(16)}` : ''));
  if (verbose || pcp || pm) o.push(`pcp=${pcp}` + (pm !== 7 ? `/0x${pm.toString(16)}` : ''));
  if ((tci & 0x1000) === 0) o.push('cfi=0');
  return o.join(',');
}

function tunnelBody(t: OdpTunnel, m: OdpTunnel | undefined, verbose: boolean): string {
  const o: Out = [];
  const has = m !== undefined;
  if (t.id !== undefined) {
    const mid = has ? m.id ?? 0n : undefined;
    if (verbose || mid === undefined || mid !== 0n) {
      o.push(`tun_id=0x${t.id.toString(16)}` + (mid === undefined || mid === 0xffffffffffffffffn ? '' : `/${hexAlt(mid)}`));
    }
  }
  const f = (name: string, v: number | undefined, mv: number | undefined, full: number, show: (x: number) => string, showM: (x: number) => string = hexAlt): void => {
    if (v !== undefined) fmtNum(o, name, v, has ? mv ?? 0 : undefined, full, verbose, show, showM);
  };
  f('src', t.src, m?.src, 0xffffffff, ip, ip);
  f('dst', t.dst, m?.dst, 0xffffffff, ip, ip);
  f('tos', t.tos, m?.tos, 0xff, hexAlt);
  f('ttl', t.ttl, m?.ttl, 0xff, dec);
  f('tp_src', t.tpSrc, m?.tpSrc, 0xffff, dec);
  f('tp_dst', t.tpDst, m?.tpDst, 0xffff, dec);
  for (const x of t.other ?? []) o.push(`key${x.type}(${spacedHex(x.bytes)})`);
  const flags = (t.oam ? 1 : 0) | (t.df ? 2 : 0) | (t.csum ? 4 : 0) | (t.id !== undefined ? 8 : 0);
  if (!has) {
    o.push(`flags(${flagsText(flags, namer(TUN_FLAG_NAMES), '|')})`);
  } else {
    const mf = (m.oam ? 1 : 0) | (m.df ? 2 : 0) | (m.csum ? 4 : 0) | (t.id !== undefined ? 8 : 0);
    if (verbose || mf !== 0) o.push(`flags(${flagsMasked(flags, mf, 0xf, namer(TUN_FLAG_NAMES))})`);
  }
  return o.join(',');
}

function bytesHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) {
    if (s === '' && x === 0) continue;
    s += s === '' ? '0x' + x.toString(16) : x.toString(16).padStart(2, '0');
  }
  return s === '' ? '0' : s;
}
function spacedHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
}

// --- lists, actions, flows ----------------------------------------------------------

/** odp_flow_format: a key list with its optional mask list. */
export function formatKeyList(key: readonly OdpKeyAttr[], mask: readonly OdpKeyAttr[] | undefined, verbose = false): string {
  const o: Out = [];
  let hasEthType = false;
  let hasPacketType = false;
  for (const a of key) {
    if (a.kind === 'eth_type') hasEthType = true;
    else if (a.kind === 'packet_type') hasPacketType = true;
    let ma = findMask(mask, a);
    const wild = mask !== undefined && (ma === undefined || isWildcardMask(ma));
    const nested = a.kind === 'encap' || a.kind === 'tunnel';
    if (verbose || !wild || nested) {
      if (wild && ma === undefined) ma = wildcardOf(a);
      o.push(formatKeyAttr(a, ma, verbose));
    } else if (a.kind === 'eth' && !hasPacketType) {
      o.push('eth()');
    } else if (a.kind === 'packet_type' && wild) {
      hasPacketType = false;
    }
  }
  let s = o.join(',');
  if (!hasEthType && mask !== undefined) {
    const me = mask.find((x) => x.kind === 'eth_type') as { value: number } | undefined;
    if (me !== undefined) s += `,eth_type(0/${hex4(me.value)})`;
  }
  return s;
}

export function formatActions(actions: readonly OdpAction[]): string {
  return actions.length === 0 ? 'drop' : actions.map(formatAction).join(',');
}

export function formatAction(a: OdpAction): string {
  switch (a.kind) {
    case 'output': return String(a.port);
    case 'userspace': {
      let s = `userspace(pid=${a.pid}`;
      if (a.userdata !== undefined) s += `,userdata(${Array.from(a.userdata, (x) => x.toString(16).padStart(2, '0')).join('')})`;
      if (a.egressTunPort !== undefined) s += `,tunnel_out_port=${a.egressTunPort}`;
      return s + ')';
    }
    case 'set': return `set(${formatKeyAttr(a.key, undefined, true)})`;
    case 'push_vlan':
      return `push_vlan(${a.tpid !== 0x8100 ? `tpid=${hex4(a.tpid)},` : ''}${vlanBody(a.tci, 0xffff, false)})`;
    case 'pop_vlan': return 'pop_vlan';
    case 'sample': return `sample(sample=${((100 * a.probability) / 0xffffffff).toFixed(1)}%,actions(${formatActions(a.actions)}))`;
    case 'recirc': return `recirc(${hexAlt(a.id)})`;
    case 'unknown': return `action${a.type}` + (a.bytes.length ? `(${spacedHex(a.bytes)})` : '');
  }
}

/** dpif_flow_stats_format. */
export function formatStats(s: OdpFlowStats): string {
  let t = `packets:${s.packets}, bytes:${s.bytes}, used:${s.used === null ? 'never' : s.used.toFixed(3) + 's'}`;
  if (s.tcpFlags) t += `, flags:${tcpFlagsLetters(s.tcpFlags)}`;
  return t;
}

const TCP_LETTERS: ReadonlyArray<[number, string]> = [
  [2, 'S'], [1, 'F'], [8, 'P'], [4, 'R'], [32, 'U'], [16, '.'], [64, 'E'], [128, 'C'], [256, 'N'],
  [0x200, '[200]'], [0x400, '[400]'], [0x800, '[800]'],
];
/** packet_format_tcp_flags (tcpdump letters). */
export function tcpFlagsLetters(f: number): string {
  if (!f) return 'none';
  return TCP_LETTERS.filter(([bit]) => (f & bit) !== 0).map(([, l]) => l).join('');
}
export { TCP_LETTERS };

/** One dump-flows line: [ufid:…, ]key, [stats, ]actions:…. */
export function formatFlow(f: OdpFlow, opts: FormatOptions = {}): string {
  const parts: string[] = [];
  if (f.ufid !== undefined) parts.push(`ufid:${f.ufid}`);
  parts.push(formatKeyList(f.key, f.mask, opts.verbose ?? false));
  if (f.stats !== undefined) parts.push(formatStats(f.stats));
  parts.push(`actions:${formatActions(f.actions)}`);
  return parts.join(', ');
}
