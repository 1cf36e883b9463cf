/**
 * Hand-built packet contexts for the rule, NAT, conntrack and load-balancer
 * tests: a packet described by its header fields (no frame), a topology from
 * the TopologyBuilder and the agent's LocalState, so a test can call one rule
 * function directly and then apply the effects like the agent would.
 */

import { PacketContext } from '../../../../simulation/packet-context.js';
import { parseIpv4, parseMac } from '../../../../simulation/packet/addr.js';
import { EtherType, IpFrag, IpProto, type IpFragType } from '../../../../simulation/packet/flow-match.js';
import type { FlowMatch } from '../../../../simulation/packet/flow-match.js';
import { buildCondition } from '../../../../simulation/topology/build-condition.js';
import type { Condition } from '../../../../simulation/topology/model.js';
import type { Condition as ConditionObject } from '../../../../simulation/topology/objects.js';
import type { TopologyView } from '../../../../simulation/topology/view.js';
import type { StateView } from '../../../../simulation/state/views.js';
import { MemoryState } from '../../../support/memory-state.js';
import { TopologyBuilder } from '../../../support/topology-builder.js';

export interface Pkt {
  ethSrc?: string;
  ethDst?: string;
  etherType?: number;
  vlans?: number[];
  src?: string;
  dst?: string;
  proto?: number;
  tos?: number;
  ttl?: number;
  frag?: IpFragType;
  sport?: number;
  dport?: number;
  icmpId?: number;
  icmpData?: Uint8Array;
}

export function ip(s: string): number {
  const v = parseIpv4(s);
  if (v === null) throw new Error(`bad ip ${s}`);
  return v;
}

/** Fills a match from a packet description (IPv4 by default). */
export function fillMatch(m: FlowMatch, p: Pkt): void {
  m.reset();
  m.ethSrc = parseMac(p.ethSrc ?? '02:00:00:00:00:01')!;
  m.ethDst = parseMac(p.ethDst ?? '02:00:00:00:00:02')!;
  const et = p.etherType ?? EtherType.IPV4;
  m.etherType = et;
  for (const v of p.vlans ?? []) m.addInnerVlan(v);
  if (et !== EtherType.IPV4 && et !== EtherType.ARP) return;
  m.nwSrc = ip(p.src ?? '10.0.0.1');
  m.nwDst = ip(p.dst ?? '10.0.0.2');
  m.nwProto = p.proto ?? IpProto.TCP;
  if (et === EtherType.ARP) return;
  m.nwTos = p.tos ?? 0;
  m.nwTtl = p.ttl ?? 64;
  m.nwFrag = p.frag ?? IpFrag.NONE;
  const proto = p.proto ?? IpProto.TCP;
  if (proto === IpProto.TCP || proto === IpProto.UDP) {
    m.srcPort = p.sport ?? 1234;
    m.dstPort = p.dport ?? 80;
  } else if (proto === IpProto.ICMP) {
    m.srcPort = p.sport ?? 8;
    m.dstPort = p.dport ?? 0;
    if (p.icmpId !== undefined) m.icmpId = p.icmpId;
    if (p.icmpData !== undefined) m.icmpData = p.icmpData;
  }
}

export interface CtxOptions {
  topo?: TopologyView;
  state?: StateView;
  random?: () => number;
  ingressDeviceId?: string | null;
  currentDeviceId?: string | null;
  inPortId?: string | null;
  outPortId?: string | null;
  portGroups?: string[];
  inPortGroups?: string[];
  outPortGroups?: string[];
  generated?: boolean;
}

const EMPTY_TOPO: TopologyView = new TopologyBuilder().build();

/** A context holding `p` as both original and working match. */
export function makeCtx(p: Pkt, o: CtxOptions = {}): PacketContext {
  const ctx = new PacketContext();
  ctx.reset();
  fillMatch(ctx.origMatch, p);
  ctx.wcmatch.copyFrom(ctx.origMatch);
  ctx.lastEmitted.copyFrom(ctx.origMatch);
  ctx.topo = o.topo ?? EMPTY_TOPO;
  ctx.state = o.state ?? new MemoryState();
  if (o.random !== undefined) ctx.random = o.random;
  ctx.ingressDeviceId = o.ingressDeviceId === undefined ? 'dev-in' : o.ingressDeviceId;
  ctx.currentDeviceId = o.currentDeviceId === undefined ? 'dev-cur' : o.currentDeviceId;
  ctx.inPortId = o.inPortId ?? null;
  ctx.outPortId = o.outPortId ?? null;
  ctx.portGroups = o.portGroups ?? [];
  ctx.inPortGroups = o.inPortGroups ?? [];
  ctx.outPortGroups = o.outPortGroups ?? [];
  ctx.isGenerated = o.generated ?? false;
  return ctx;
}

/** A resolved condition from its protobuf-shaped object. */
export function cond(c: ConditionObject): Condition {
  const problems: string[] = [];
  const r = buildCondition(c, problems);
  if (problems.length > 0) throw new Error(problems.join('; '));
  return r;
}

/**
 * An ICMP error's quoted packet: a 20-byte IPv4 header (checksum valid) plus
 * 8 bytes of TCP/UDP ports (and checksum field) or ICMP echo header.
 */
export function quotedPacket(q: { src: string; dst: string; proto: number; sport?: number; dport?: number; id?: number }): Uint8Array {
  const b = new Uint8Array(28);
  b[0] = 0x45;
  b[3] = 28;
  b[8] = 64;
  b[9] = q.proto;
  const s = ip(q.src);
  const d = ip(q.dst);
  for (let i = 0; i < 4; i++) {
    b[12 + i] = (s >>> (24 - 8 * i)) & 0xff;
    b[16 + i] = (d >>> (24 - 8 * i)) & 0xff;
  }
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const cs = ~sum & 0xffff;
  b[10] = cs >> 8;
  b[11] = cs & 0xff;
  if (q.proto === IpProto.ICMP) {
    b[20] = 8;
    b[24] = ((q.id ?? 0) >> 8) & 0xff;
    b[25] = (q.id ?? 0) & 0xff;
  } else {
    b[20] = ((q.sport ?? 0) >> 8) & 0xff;
    b[21] = (q.sport ?? 0) & 0xff;
    b[22] = ((q.dport ?? 0) >> 8) & 0xff;
    b[23] = (q.dport ?? 0) & 0xff;
  }
  return b;
}

/** Reads an IPv4 address at `off` of a byte array as dotted text. */
export function ipAt(b: Uint8Array, off: number): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

export { TopologyBuilder, MemoryState };
