/**
 * Frames in, frames out: helpers for whole-pipeline tests and benchmarks.
 *
 *  - builders the production packet layer lacks (a DHCP BOOTREQUEST, a
 *    gratuitous ARP, an ICMP error quoting a packet, a truncated frame);
 *  - `decode`: the header values of a frame, read with `peek` (no seen bits);
 *  - `checksumProblems`: an independent checksum oracle. It recomputes the IPv4
 *    header checksum and the TCP/UDP/ICMP checksum from scratch (never the
 *    incremental updates rewrite.ts uses), so a frame that comes out of
 *    `applyActions` with a stale checksum is caught;
 *  - `PathRunner`: one Simulator over one state, carrying state between packets
 *    exactly as the agent does (apply the effects right after each simulation),
 *    returning the result with its egress frames.
 */

import { parseIpv4, parseMac } from '../../simulation/packet/addr.js';
import { buildArpRequest, buildIcmpError, buildUdp } from '../../simulation/packet/build.js';
import { fold, sum } from '../../simulation/packet/checksum.js';
import { EtherType, Field, FlowMatch, IpProto } from '../../simulation/packet/flow-match.js';
import { ParsedPacket, parseFrame } from '../../simulation/packet/parse.js';
import { applyActions, type EmittedFrame } from '../../simulation/packet/rewrite.js';
import type { SimResult, VirtualAction } from '../../simulation/result.js';
import { Simulator, type SimOptions } from '../../simulation/simulator.js';
import type { TopologyView } from '../../simulation/topology/view.js';
import { MemoryState, seededRandom } from './memory-state.js';

export function mac(s: string): number {
  const v = parseMac(s);
  if (v === null) throw new Error(`bad mac ${s}`);
  return v;
}

export function ip(s: string): number {
  const v = parseIpv4(s);
  if (v === null) throw new Error(`bad ip ${s}`);
  return v;
}

export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += b[i]!.toString(16).padStart(2, '0');
  return s;
}

export function fromHex(s: string): Uint8Array {
  const h = s.replace(/\s+/g, '');
  const out = new Uint8Array(h.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

// --- builders ------------------------------------------------------------------

export const DHCP_DISCOVER = 1;
export const DHCP_REQUEST = 3;

/** A DHCP BOOTREQUEST broadcast from `clientMac` (0.0.0.0:68 → 255.255.255.255:67). */
export function buildDhcpRequest(o: { clientMac: number; xid: number; type: number; requestedIp?: number }): Uint8Array {
  const opts: number[] = [53, 1, o.type];
  if (o.requestedIp !== undefined) {
    const r = o.requestedIp;
    opts.push(50, 4, (r >>> 24) & 0xff, (r >>> 16) & 0xff, (r >>> 8) & 0xff, r & 0xff);
  }
  opts.push(55, 4, 1, 3, 6, 15, 255);
  const p = new Uint8Array(240 + opts.length);
  p[0] = 1; // BOOTREQUEST
  p[1] = 1; // Ethernet
  p[2] = 6;
  p[4] = (o.xid >>> 24) & 0xff;
  p[5] = (o.xid >>> 16) & 0xff;
  p[6] = (o.xid >>> 8) & 0xff;
  p[7] = o.xid & 0xff;
  for (let i = 0; i < 6; i++) p[28 + i] = Math.floor(o.clientMac / 2 ** (40 - 8 * i)) & 0xff;
  p.set([0x63, 0x82, 0x53, 0x63], 236);
  p.set(opts, 240);
  return buildUdp({ ethSrc: o.clientMac, ethDst: 0xffffffffffff, ipSrc: 0, ipDst: 0xffffffff, srcPort: 68, dstPort: 67, payload: p });
}

/** A gratuitous ARP request: "who has myIp, tell myIp". */
export function buildGarp(srcMac: number, srcIp: number): Uint8Array {
  return buildArpRequest(srcMac, srcIp, srcIp);
}

/** An ICMP error about `offending` (a whole Ethernet frame) from a router outside. */
export function buildIcmpErrorAbout(
  offending: Uint8Array,
  a: { ethSrc: number; ethDst: number; ipSrc: number; ipDst: number; type: number; code: number },
): Uint8Array {
  return buildIcmpError({ ...a, quoted: offending.subarray(14) });
}

/** An IPv4 frame whose header claims IHL 4 (20 bytes is the minimum: 5). */
export function buildBadIhl(ethSrc: number, ethDst: number): Uint8Array {
  const f = buildUdp({ ethSrc, ethDst, ipSrc: ip('10.0.0.10'), ipDst: ip('10.0.0.12'), srcPort: 1, dstPort: 2, payload: new Uint8Array(4) });
  f[14] = 0x44;
  return f;
}

// --- reading frames --------------------------------------------------------------

export interface Decoded {
  readonly ethSrc: number;
  readonly ethDst: number;
  readonly etherType: number;
  readonly vlans: readonly number[];
  readonly nwSrc: number;
  readonly nwDst: number;
  readonly nwProto: number;
  readonly ttl: number;
  readonly tos: number;
  /** TCP/UDP ports; for ICMP the type and code. */
  readonly srcPort: number;
  readonly dstPort: number;
  readonly icmpId: number;
  /** ICMP errors: the quoted IPv4 packet (header on), else null. */
  readonly quoted: Uint8Array | null;
}

export function decode(frame: Uint8Array): Decoded {
  const m = new FlowMatch();
  const p = new ParsedPacket();
  const v = parseFrame(frame, m, p);
  if (!v.ok) throw new Error(`frame does not parse: ${v.reason}`);
  return {
    ethSrc: m.peek(Field.ETH_SRC),
    ethDst: m.peek(Field.ETH_DST),
    etherType: m.peek(Field.ETHER_TYPE),
    vlans: [...m.peekVlans()],
    nwSrc: m.peek(Field.NW_SRC),
    nwDst: m.peek(Field.NW_DST),
    nwProto: m.peek(Field.NW_PROTO),
    ttl: m.peek(Field.NW_TTL),
    tos: m.peek(Field.NW_TOS),
    srcPort: m.peek(Field.SRC_PORT),
    dstPort: m.peek(Field.DST_PORT),
    icmpId: m.peek(Field.ICMP_ID),
    quoted: p.quotedOffset >= 0 ? frame.slice(p.quotedOffset, p.quotedOffset + p.quotedLength) : null,
  };
}

/** Reads the quoted packet's addresses and ports (an ICMP error's payload). */
export function decodeQuoted(q: Uint8Array): { src: number; dst: number; proto: number; srcPort: number; dstPort: number } {
  const hl = (q[0]! & 0x0f) * 4;
  const u32 = (o: number): number => ((q[o]! << 24) | (q[o + 1]! << 16) | (q[o + 2]! << 8) | q[o + 3]!) >>> 0;
  const u16 = (o: number): number => (q[o]! << 8) | q[o + 1]!;
  return { src: u32(12), dst: u32(16), proto: q[9]!, srcPort: q.length >= hl + 2 ? u16(hl) : 0, dstPort: q.length >= hl + 4 ? u16(hl + 2) : 0 };
}

/**
 * Every checksum problem in an Ethernet frame carrying IPv4 (empty = all good),
 * recomputed from scratch. Covers the IPv4 header and a TCP, UDP (unless zero)
 * or ICMP checksum of an unfragmented packet; for an ICMP error also the quoted
 * IPv4 header, which NAT rewrites must keep valid.
 */
export function checksumProblems(frame: Uint8Array): string[] {
  const problems: string[] = [];
  let off = 12;
  let type = (frame[off]! << 8) | frame[off + 1]!;
  while (type === EtherType.VLAN || type === EtherType.QINQ) {
    off += 4;
    type = (frame[off]! << 8) | frame[off + 1]!;
  }
  if (type !== EtherType.IPV4) return problems;
  const l3 = off + 2;
  const hl = (frame[l3]! & 0x0f) * 4;
  const total = (frame[l3 + 2]! << 8) | frame[l3 + 3]!;
  if (fold(sum(frame, l3, hl)) !== 0xffff) problems.push('ipv4 header checksum');
  const fragWord = (frame[l3 + 6]! << 8) | frame[l3 + 7]!;
  if ((fragWord & 0x3fff) !== 0) return problems;
  const proto = frame[l3 + 9]!;
  const l4 = l3 + hl;
  const l4len = total - hl;
  const src = readU32(frame, l3 + 12);
  const dst = readU32(frame, l3 + 16);
  const pseudo = (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + proto + l4len;
  if (proto === IpProto.TCP) {
    if (fold(sum(frame, l4, l4len, pseudo)) !== 0xffff) problems.push('tcp checksum');
  } else if (proto === IpProto.UDP) {
    const c = (frame[l4 + 6]! << 8) | frame[l4 + 7]!;
    if (c !== 0 && fold(sum(frame, l4, l4len, pseudo)) !== 0xffff) problems.push('udp checksum');
  } else if (proto === IpProto.ICMP) {
    if (fold(sum(frame, l4, l4len)) !== 0xffff) problems.push('icmp checksum');
    const t = frame[l4]!;
    if ((t === 3 || t === 11 || t === 12) && l4len >= 8 + 20) {
      const q = l4 + 8;
      const qhl = (frame[q]! & 0x0f) * 4;
      if (fold(sum(frame, q, qhl)) !== 0xffff) problems.push('quoted ipv4 header checksum');
    }
  }
  return problems;
}

function readU32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** The frames `actions` produce from `frame`, as the datapath would emit them. */
export function egressFrames(frame: Uint8Array, actions: readonly VirtualAction[]): EmittedFrame[] {
  const m = new FlowMatch();
  const p = new ParsedPacket();
  if (!parseFrame(frame, m, p).ok) return [];
  return applyActions(frame, p, actions);
}

/** The output port ids of an action list, in order. */
export function outputsOf(actions: readonly VirtualAction[]): string[] {
  const out: string[] = [];
  for (const a of actions) if (a.kind === 'output') out.push(a.portId);
  return out;
}

// --- running paths ------------------------------------------------------------------

export interface Sent {
  readonly r: SimResult;
  /** Frames leaving through outputs (actions applied), in action order. */
  readonly out: readonly EmittedFrame[];
}

/**
 * A simulator and its state, used like the agent's packet workflow: each
 * `send` simulates one frame at the runner's clock and applies the effects.
 */
export class PathRunner {
  readonly state: MemoryState;
  readonly sim: Simulator;
  now: number;

  constructor(topo: TopologyView, o: { now?: number; seed?: number; state?: MemoryState; options?: SimOptions } = {}) {
    this.state = o.state ?? new MemoryState();
    this.now = o.now ?? 1_000_000;
    this.sim = new Simulator(topo, this.state, { random: seededRandom(o.seed ?? 7), ...o.options });
  }

  send(port: string, frame: Uint8Array, advanceMs = 1): Sent {
    this.now += advanceMs;
    const r = this.sim.simulate({ frame, ingressPortId: port }, this.now);
    this.state.apply(r.effects, this.now);
    const out = r.actions.length > 0 ? egressFrames(frame, r.actions) : [];
    return { r, out };
  }
}
