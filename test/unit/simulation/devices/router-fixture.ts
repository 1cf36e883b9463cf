/**
 * A small routed topology and packet helpers shared by the router, ICMP and ARP
 * tests: router R with three exterior ports bound on the local host,
 *
 *   h1 10.0.1.10 ── p1 10.0.1.1/24 ┐
 *   h2 10.0.2.20 ── p2 10.0.2.1/24 ├─ R
 *   h3 10.0.3.30 ── p3 10.0.3.1/24 ┘
 *
 * each port with its LOCAL /32 route and its subnet route. Frames are built
 * with the project's packet builders; results come from the real Simulator.
 */
import { parseIpv4, parseMac } from '../../../../simulation/packet/addr.js';
import { buildTcp } from '../../../../simulation/packet/build.js';
import { FlowMatch } from '../../../../simulation/packet/flow-match.js';
import { ParsedPacket, parseFrame } from '../../../../simulation/packet/parse.js';
import type { SimResult } from '../../../../simulation/result.js';
import { Simulator } from '../../../../simulation/simulator.js';
import type { TopologySnapshot } from '../../../../simulation/topology/snapshot.js';
import { MemoryState, seededRandom } from '../../../support/memory-state.js';
import { LOCAL_HOST, TopologyBuilder } from '../../../support/topology-builder.js';

export function ip(s: string): number {
  const v = parseIpv4(s);
  if (v === null) throw new Error(`bad ip ${s}`);
  return v;
}

export function mac(s: string): number {
  const v = parseMac(s);
  if (v === null) throw new Error(`bad mac ${s}`);
  return v;
}

export const M = {
  p1: '02:aa:00:00:00:01',
  p2: '02:aa:00:00:00:02',
  p3: '02:aa:00:00:00:03',
  h1: '02:bb:00:00:00:01',
  h2: '02:bb:00:00:00:02',
  h3: '02:bb:00:00:00:03',
} as const;

export const NOW = 1_000_000;

export interface Routed {
  readonly b: TopologyBuilder;
  readonly r: string;
  readonly p1: string;
  readonly p2: string;
  readonly p3: string;
}

/** The three-port router; tweak `b` (routes, chains, admin state) before `build`. */
export function routedTopology(): Routed {
  const b = new TopologyBuilder();
  const r = b.router('R');
  const p1 = b.routerPort(r, '10.0.1.1/24', { mac: M.p1, host: LOCAL_HOST, name: 'p1' });
  const p2 = b.routerPort(r, '10.0.2.1/24', { mac: M.p2, host: LOCAL_HOST, name: 'p2' });
  const p3 = b.routerPort(r, '10.0.3.1/24', { mac: M.p3, host: LOCAL_HOST, name: 'p3' });
  return { b, r, p1, p2, p3 };
}

/** State with the hosts' ARP entries learned at NOW (fresh for 60 s). */
export function stateWithHosts(routerId: string, hosts: readonly (readonly [string, string])[] = defaultHosts): MemoryState {
  const s = new MemoryState();
  s.apply(
    hosts.map(([i, m]) => ({ kind: 'router-arp' as const, routerId, ip: ip(i), mac: mac(m) })),
    NOW,
  );
  return s;
}

const defaultHosts: readonly (readonly [string, string])[] = [
  ['10.0.1.10', M.h1],
  ['10.0.2.20', M.h2],
  ['10.0.3.30', M.h3],
];

export function simulate(
  topo: TopologySnapshot,
  state: MemoryState,
  frame: Uint8Array,
  portId: string,
  now = NOW,
): SimResult {
  return new Simulator(topo, state, { random: seededRandom(1) }).simulate({ frame, ingressPortId: portId }, now);
}

export interface TcpOpts {
  readonly ethSrc?: string;
  readonly ethDst?: string;
  readonly src?: string;
  readonly dst?: string;
  readonly ttl?: number;
  readonly sport?: number;
  readonly dport?: number;
}

/** TCP SYN h1 → h2 through R by default. */
export function tcpFrame(o: TcpOpts = {}): Uint8Array {
  return buildTcp({
    ethSrc: mac(o.ethSrc ?? M.h1),
    ethDst: mac(o.ethDst ?? M.p1),
    ipSrc: ip(o.src ?? '10.0.1.10'),
    ipDst: ip(o.dst ?? '10.0.2.20'),
    ttl: o.ttl ?? 64,
    srcPort: o.sport ?? 40000,
    dstPort: o.dport ?? 80,
    flags: 0x02,
  });
}

/** Parses a (generated or emitted) frame into a fresh match, for assertions. */
export function parsed(frame: Uint8Array): { m: FlowMatch; pkt: ParsedPacket } {
  const m = new FlowMatch();
  const pkt = new ParsedPacket();
  const v = parseFrame(frame, m, pkt);
  if (!v.ok) throw new Error(`generated frame does not parse: ${v.reason}`);
  return { m, pkt };
}

/** Inserts an 802.1Q tag (TPID 0x8100) with `vid` after the MAC addresses. */
export function withVlan(frame: Uint8Array, vid: number): Uint8Array {
  const out = new Uint8Array(frame.length + 4);
  out.set(frame.subarray(0, 12), 0);
  out[12] = 0x81;
  out[13] = 0x00;
  out[14] = (vid >> 8) & 0x0f;
  out[15] = vid & 0xff;
  out.set(frame.subarray(12), 16);
  return out;
}
