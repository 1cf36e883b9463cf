/**
 * ICMP a router generates: errors about packets it cannot or will not forward,
 * and echo replies for pings to its own addresses (simulation.md §8.5; MidoNet's
 * Icmp.scala and Router.sendIcmpEchoReply/sendIpPacket).
 *
 * Words:
 *  - offending packet: the packet an error is about, described by a FlowMatch —
 *    `preRoutingMatch` for the router's own errors (the packet as it entered the
 *    router), the current `wcmatch` for a router port's reject hook (§4.4).
 *  - quote: the offending IP header and its L4 header, copied from the frame and
 *    rewritten with the match's addresses, TTL and ports (so a packet NATed or
 *    TTL-decremented by an earlier hop is quoted as this router saw it); the
 *    quoted header checksum is recomputed.
 *  - from-port: the router port the error leaves by, normally the ingress port.
 *
 * Error frame: eth src = from-port MAC, eth dst = the offending eth src; IP src
 * = from-port address, IP dst = the offending IP src, TTL 64. It is a generated
 * packet egressing the from-port. No error is sent (RFC 1812 §4.3.2.7) for
 * non-IPv4, for ICMP other than echo request/reply (MidoNet treats every other
 * type as an error), to an IP multicast or the from-port subnet's broadcast, to
 * an Ethernet group address, from or to 255.255.255.255, for later fragments,
 * or from a port without IPv4 address.
 *
 * Echo reply: routed like a packet the router itself sends. Only a PORT route
 * is used; the next-hop MAC resolves as for forwarding (a missing ARP entry
 * suspends the request's simulation); the router's outbound chains run on the
 * reply in a throw-away context whose state has no conntrack or NAT tables (so
 * static NAT applies and dynamic NAT does not) and the source address they
 * leave is copied into the reply. Any other failure sends nothing.
 */

import { isGroupMac, isMulticastIpv4, subnetBroadcast, writeIpv4 } from '../packet/addr.js';
import { buildIcmpEchoReply, buildIcmpError, icmpQuoteLength } from '../packet/build.js';
import { ipv4HeaderChecksum } from '../packet/checksum.js';
import { EtherType, Field, FlowMatch, IpFrag, IpProto } from '../packet/flow-match.js';
import * as icmp from '../packet/icmp.js';
import * as ipv4 from '../packet/ipv4.js';
import { ParsedPacket, parseFrame } from '../packet/parse.js';
import { PacketContext } from '../packet-context.js';
import { evaluateChains } from '../rules/chain.js';
import { nextHopMac } from '../devices/next-hop.js';
import { routeFor } from '../devices/routing-table.js';
import type { StateView } from '../state/views.js';
import type { Router, RouterPort } from '../topology/model.js';

export const ICMP_UNREACH = icmp.TYPE_UNREACH;
export const ICMP_TIME_EXCEEDED = icmp.TYPE_TIME_EXCEEDED;
export const UNREACH_NET = icmp.CODE_UNREACH_NET;
export const UNREACH_HOST = icmp.CODE_UNREACH_HOST;
export const UNREACH_FRAG_NEEDED = icmp.CODE_UNREACH_FRAG_NEEDED;
export const UNREACH_FILTER_PROHIB = icmp.CODE_UNREACH_FILTER_PROHIB;
export const EXCEEDED_TTL = icmp.CODE_EXCEEDED_TTL;

const ALL_ONES = 0xffffffff;

/**
 * Queues an ICMP error about the packet described by `fm`, out of `from`.
 * Returns true when a frame was generated, false when suppressed.
 */
export function sendIcmpError(
  ctx: PacketContext,
  from: RouterPort | null,
  fm: FlowMatch,
  type: number,
  code: number,
): boolean {
  if (from === null || from.address === null) return false;
  if (!canSend(fm, from)) return false;
  const quoted = quoteOffending(ctx, fm);
  if (quoted === null) return false;
  const frame = buildIcmpError({
    ethSrc: from.mac,
    ethDst: fm.peek(Field.ETH_SRC),
    ipSrc: from.address,
    ipDst: fm.peek(Field.NW_SRC),
    type,
    code,
    quoted,
  });
  ctx.generate(from.id, frame);
  return true;
}

/** RFC 1812 §4.3.2.7 as MidoNet applies it. Reads through the getters, as MidoNet does. */
function canSend(fm: FlowMatch, from: RouterPort): boolean {
  if (fm.etherType !== EtherType.IPV4) return false;
  if (fm.nwProto === IpProto.ICMP) {
    const t = fm.srcPort & 0xff;
    if (t !== icmp.TYPE_ECHO_REQUEST && t !== icmp.TYPE_ECHO_REPLY) return false;
  }
  const dst = fm.nwDst;
  if (isMulticastIpv4(dst)) return false;
  if (from.subnet !== null && dst === subnetBroadcast(from.subnet)) return false;
  if (isGroupMac(fm.ethDst)) return false;
  if (fm.nwSrc === ALL_ONES || dst === ALL_ONES) return false;
  if (fm.nwFrag === IpFrag.LATER) return false;
  return true;
}

/**
 * The offending IP packet trimmed to header + L4 header, with the match's
 * addresses, TTL, ports and echo identifier written over the frame's bytes.
 */
function quoteOffending(ctx: PacketContext, fm: FlowMatch): Uint8Array | null {
  const b = ctx.frame;
  const l3 = ctx.packet.l3Offset;
  if (l3 < 0) return null;
  const end = Math.min(ctx.packet.l3End, b.length);
  if (!ipv4.isValid(b, l3, end - l3)) return null;
  const q = b.slice(l3, l3 + icmpQuoteLength(b, l3, end - l3));
  ipv4.setSrc(q, 0, fm.peek(Field.NW_SRC));
  ipv4.setDst(q, 0, fm.peek(Field.NW_DST));
  ipv4.setTtl(q, 0, fm.peek(Field.NW_TTL));
  const hl = ipv4.headerLength(q, 0);
  const proto = ipv4.protocol(q, 0);
  const l4 = hl;
  if (q.length >= l4 + 4 && fm.isPresent(Field.SRC_PORT)) {
    if (proto === IpProto.TCP || proto === IpProto.UDP) {
      writePort(q, l4, fm.peek(Field.SRC_PORT));
      writePort(q, l4 + 2, fm.peek(Field.DST_PORT));
    } else if (proto === IpProto.ICMP && q.length >= l4 + 6 && fm.isPresent(Field.ICMP_ID)) {
      const t = q[l4]!;
      if (t === icmp.TYPE_ECHO_REQUEST || t === icmp.TYPE_ECHO_REPLY) writePort(q, l4 + icmp.ID, fm.peek(Field.ICMP_ID));
    }
  }
  ipv4.setChecksum(q, 0, 0);
  ipv4.setChecksum(q, 0, ipv4HeaderChecksum(q, 0, hl));
  return q;
}

function writePort(b: Uint8Array, off: number, v: number): void {
  b[off] = (v >> 8) & 0xff;
  b[off + 1] = v & 0xff;
}

/** True for an ICMP echo request (type 8, code 0); reads proto, type and code. */
export function isIcmpEchoRequest(m: FlowMatch): boolean {
  return (
    m.nwProto === IpProto.ICMP &&
    (m.srcPort & 0xff) === icmp.TYPE_ECHO_REQUEST &&
    (m.dstPort & 0xff) === 0
  );
}

/**
 * Answers the echo request being simulated (addressed to one of `router`'s
 * ports). Queues the reply as a generated packet out of the route's port, or
 * nothing. Throws NotYetError when the next hop's MAC must be ARPed first.
 */
export function sendEchoReply(ctx: PacketContext, router: Router): void {
  const pkt = ctx.packet;
  const b = ctx.frame;
  const l4 = pkt.l4Offset;
  if (l4 < 0 || pkt.l4Proto !== IpProto.ICMP || pkt.l4Truncated) return;
  const m = ctx.wcmatch;
  const replySrc = m.nwDst;
  const replyDst = m.nwSrc;

  // Routed as a local packet: only the addresses are known, so ECMP uses the
  // whole-match hash.
  const q = new FlowMatch();
  q.nwSrc = replySrc;
  q.nwDst = replyDst;
  const rt = routeFor(router, q);
  if (rt === null || rt.nextHop !== 'PORT' || rt.nextHopPortId === null) return;
  const outPort = ctx.topo.port(rt.nextHopPortId);
  if (outPort === null || outPort.kind !== 'router') return;
  if (outPort.address === null || replyDst === outPort.address) return;
  const mac = nextHopMac(ctx, router, outPort, rt, replyDst);
  if (mac === null) return;

  const end = Math.max(l4 + icmp.HEADER_LENGTH, Math.min(pkt.l3End, b.length));
  const frame = buildIcmpEchoReply({
    ethSrc: outPort.mac,
    ethDst: mac,
    ipSrc: replySrc,
    ipDst: replyDst,
    id: icmp.id(b, l4),
    seq: icmp.seq(b, l4),
    data: b.slice(l4 + icmp.HEADER_LENGTH, end),
  });
  if (!postRouteLocal(ctx, router, outPort, frame)) return;
  ctx.generate(outPort.id, frame);
}

/**
 * Runs the router's outbound chains on a locally generated IPv4 frame in a
 * throw-away context and copies the resulting source address into the frame.
 * False when the chains do not accept it.
 */
function postRouteLocal(ctx: PacketContext, router: Router, outPort: RouterPort, frame: Uint8Array): boolean {
  if (router.outboundChains.length === 0) return true;
  const g = new PacketContext();
  g.topo = ctx.topo;
  g.state = withoutFlowState(ctx.state);
  g.now = ctx.now;
  g.random = ctx.random;
  g.isGenerated = true;
  g.frame = frame;
  g.packet = new ParsedPacket();
  if (!parseFrame(frame, g.origMatch, g.packet).ok) return false;
  g.wcmatch.copyFrom(g.origMatch);
  g.lastEmitted.copyFrom(g.origMatch);
  g.currentDeviceId = router.id;
  g.outPortId = outPort.id;
  g.outPortGroups = outPort.portGroups;
  if (evaluateChains(g, router.outboundChains).action !== 'ACCEPT') return false;
  const src = g.wcmatch.peek(Field.NW_SRC);
  const l3 = g.packet.l3Offset;
  if (src !== ipv4.src(frame, l3)) {
    writeIpv4(frame, l3 + ipv4.SRC, src);
    ipv4.setChecksum(frame, l3, 0);
    ipv4.setChecksum(frame, l3, ipv4HeaderChecksum(frame, l3, ipv4.headerLength(frame, l3)));
  }
  return true;
}

/** The agent's state minus conntrack and NAT: what a router-local packet sees. */
function withoutFlowState(s: StateView): StateView {
  return {
    macPort: (b, v, mac) => s.macPort(b, v, mac),
    bridgeArp: (b, ip) => s.bridgeArp(b, ip),
    routerArp: (r, ip) => s.routerArp(r, ip),
    conntrackHasReturn: () => false,
    natBinding: () => null,
    snatPort: () => ({ kind: 'exhausted' }),
    poolMemberStatus: (id) => s.poolMemberStatus(id),
  };
}
