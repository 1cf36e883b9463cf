/**
 * The router: L3 forwarding of one packet that a router port ingressed
 * (simulation.md §8; MidoNet's RouterBase.process and Router).
 *
 *   processRouter
 *     ingress checks    snapshot preRoutingMatch, VLAN, EtherType, admin state
 *     inbound mirrors
 *     pre-routing       broadcast/ARP, our MAC, L4LB inbound, inbound chains
 *     routing           route lookup, LOCAL/BLACKHOLE/REJECT/PORT, TTL, tags
 *     post-routing      egress port checks, L4LB outbound, outbound chains
 *     next hop          MAC resolution (next-hop.ts), eth rewrite
 *     outbound mirrors, then the egress port's pipeline (port.ts)
 *
 * Words:
 *  - preRoutingMatch: the packet as it entered this router. The router's own
 *    ICMP errors quote it and go back to its eth src (replies/icmp.ts).
 *  - drop hook: what a DROP of the inbound chains means here. A first fragment
 *    gets "fragmentation needed" (3/4) and an ErrorDrop, anything else a Drop.
 *    REJECT sends "filter prohibited" (3/13) and drops.
 *
 * Results: ShortDrop for no route and REJECT routes (the drop flow is retried
 * in 5 s), ErrorDrop for blackholes, TTL expiry, an unresolvable next hop and a
 * LOCAL destination that is not an echo request; NoOp when the router consumed
 * the packet (ARP, echo). Flows forwarded or short-dropped by a route are
 * tagged with the route and the destination IP, unless the route is a /32.
 *
 * Wildcard: a routed packet reads eth dst, EtherType, VLAN, nw src/dst (the
 * lookup) and TTL; L4 fields only when a LOCAL route asks "echo request?" or a
 * rule reads them (the ECMP hash does not mark them).
 */

import { BROADCAST_MAC } from '../packet/addr.js';
import { EtherType, Field, IpFrag } from '../packet/flow-match.js';
import { Outcome } from '../outcome.js';
import type { PacketContext } from '../packet-context.js';
import {
  EXCEEDED_TTL,
  ICMP_TIME_EXCEEDED,
  ICMP_UNREACH,
  UNREACH_FILTER_PROHIB,
  UNREACH_FRAG_NEEDED,
  UNREACH_HOST,
  UNREACH_NET,
  isIcmpEchoRequest,
  sendEchoReply,
  sendIcmpError,
} from '../replies/icmp.js';
import { processRouterArp } from '../replies/arp.js';
import { evaluateChains } from '../rules/chain.js';
import { deviceTag, routeTag, routerDstIpTag } from '../tags.js';
import type { Route, Router, RouterPort } from '../topology/model.js';
import { loadBalancerInbound, loadBalancerOutbound } from './load-balancer.js';
import { withMirrors } from './mirror.js';
import { nextHopMac } from './next-hop.js';
import { egressPort, redirect } from './port.js';
import { routeFor } from './routing-table.js';

const EMPTY: readonly string[] = Object.freeze([]);

/** Processes the packet that ingressed `router` through `ctx.inPortId`. */
export function processRouter(ctx: PacketContext, router: Router): Outcome {
  ctx.preRoutingMatch.copyFrom(ctx.wcmatch);
  const m = ctx.wcmatch;
  const vlans = m.vlanIds;
  for (let i = 0; i < vlans.length; i++) {
    if (vlans[i] !== 0) return ctx.fail('router-vlan-tagged', Outcome.DROP);
  }
  // A priority tag (VLAN 0 alone) is stripped: the output pops it.
  if (vlans.length === 1) m.popVlan();
  const etherType = m.etherType;
  if (etherType !== EtherType.IPV4 && etherType !== EtherType.ARP) {
    return ctx.fail('router-bad-ethertype', Outcome.DROP);
  }
  const inPort = ingressRouterPort(ctx);
  if (inPort === null) return ctx.fail('router-no-ingress-port', Outcome.ERROR_DROP);
  if (!router.adminUp) {
    sendIcmpError(ctx, inPort, ctx.preRoutingMatch, ICMP_UNREACH, UNREACH_FILTER_PROHIB);
    ctx.addTag(deviceTag(router.id));
    return ctx.fail('router-admin-down', Outcome.DROP);
  }
  return withMirrors(ctx, router.inboundMirrors, (c) => preRouting(c, router, inPort));
}

function ingressRouterPort(ctx: PacketContext): RouterPort | null {
  if (ctx.inPortId === null) return null;
  const p = ctx.topo.port(ctx.inPortId);
  return p !== null && p.kind === 'router' ? p : null;
}

function preRouting(ctx: PacketContext, router: Router, inPort: RouterPort): Outcome {
  const m = ctx.wcmatch;
  const ethDst = m.ethDst;
  if (ethDst === BROADCAST_MAC) {
    if (m.etherType === EtherType.ARP) return processRouterArp(ctx, router, inPort);
    return ctx.fail('router-l2-broadcast', Outcome.DROP);
  }
  ctx.addTag(deviceTag(router.id));
  if (ethDst !== inPort.mac) return ctx.fail('router-not-our-mac', Outcome.DROP);
  if (m.etherType === EtherType.ARP) return processRouterArp(ctx, router, inPort);
  ctx.outPortId = null;
  ctx.outPortGroups = EMPTY;

  if (router.loadBalancerId !== null) {
    const lb = ctx.topo.loadBalancer(router.loadBalancerId);
    if (lb !== null) {
      switch (loadBalancerInbound(ctx, lb)) {
        case 'ACCEPT':
          return routing(ctx, router, inPort);
        case 'DROP':
          return dropIn(ctx, inPort, true);
        case 'CONTINUE':
          break;
      }
    }
  }
  if (router.inboundChains.length === 0) return routing(ctx, router, inPort);
  const v = evaluateChains(ctx, router.inboundChains);
  switch (v.action) {
    case 'ACCEPT':
      return routing(ctx, router, inPort);
    case 'DROP':
      return dropIn(ctx, inPort, true);
    case 'REJECT':
      rejectFromIngress(ctx);
      return dropIn(ctx, inPort, false);
    case 'REDIRECT':
      return redirect(ctx, v);
    default:
      return ctx.fail('router-inbound-chain-error', Outcome.ERROR_DROP);
  }
}

/**
 * The router's inbound drop hook: a DROPped first fragment is answered with
 * "fragmentation needed" and becomes an ErrorDrop; everything else drops.
 */
function dropIn(ctx: PacketContext, inPort: RouterPort, isDrop: boolean): Outcome {
  if (isDrop && ctx.wcmatch.nwFrag === IpFrag.FIRST) {
    sendIcmpError(ctx, inPort, ctx.preRoutingMatch, ICMP_UNREACH, UNREACH_FRAG_NEEDED);
    return ctx.fail('router-drop-first-fragment', Outcome.ERROR_DROP);
  }
  return ctx.fail('router-inbound-drop', Outcome.DROP);
}

/** Device-level REJECT: "filter prohibited" about the packet as it entered. */
function rejectFromIngress(ctx: PacketContext): void {
  sendIcmpError(ctx, ingressRouterPort(ctx), ctx.preRoutingMatch, ICMP_UNREACH, UNREACH_FILTER_PROHIB);
}

// --- routing -------------------------------------------------------------------

function routing(ctx: PacketContext, router: Router, inPort: RouterPort): Outcome {
  const m = ctx.wcmatch;
  const rt = routeFor(router, m);
  if (rt === null) {
    sendIcmpError(ctx, inPort, ctx.preRoutingMatch, ICMP_UNREACH, UNREACH_NET);
    tagRoute(ctx, router, null);
    return ctx.fail('router-no-route', Outcome.SHORT_DROP);
  }
  switch (rt.nextHop) {
    case 'LOCAL':
      if (isIcmpEchoRequest(m)) {
        sendEchoReply(ctx, router);
        return ctx.fail('router-echo-reply', Outcome.NOOP);
      }
      return ctx.fail('router-local-not-echo', Outcome.ERROR_DROP);
    case 'BLACKHOLE':
      return ctx.fail('router-blackhole', Outcome.ERROR_DROP);
    case 'REJECT':
      sendIcmpError(ctx, inPort, ctx.preRoutingMatch, ICMP_UNREACH, UNREACH_FILTER_PROHIB);
      tagRoute(ctx, router, rt);
      return ctx.fail('router-reject-route', Outcome.SHORT_DROP);
    case 'PORT':
    case 'FIP64':
      return forward(ctx, router, inPort, rt);
  }
}

function forward(ctx: PacketContext, router: Router, inPort: RouterPort, rt: Route): Outcome {
  if (rt.nextHopPortId === null) return ctx.fail('router-route-without-port', Outcome.ERROR_DROP);
  const p = ctx.topo.port(rt.nextHopPortId);
  if (p === null || p.kind !== 'router') return ctx.fail('router-route-port-missing', Outcome.ERROR_DROP);
  const outPort = p;
  const m = ctx.wcmatch;
  // TTL step: routers decrement, container ports act as the router itself.
  if (m.isPresent(Field.NW_TTL) && !inPort.isContainerPort && !outPort.isContainerPort) {
    const ttl = m.nwTtl;
    if (ttl <= 1) {
      sendIcmpError(ctx, inPort, ctx.preRoutingMatch, ICMP_TIME_EXCEEDED, EXCEEDED_TTL);
      return ctx.fail('router-ttl-expired', Outcome.ERROR_DROP);
    }
    m.nwTtl = ttl - 1;
  }
  tagRoute(ctx, router, rt);
  return postRouting(ctx, router, outPort, rt);
}

/** Route and destination-IP tags, skipped for /32 routes (MidoNet's applyTagsForRoute). */
function tagRoute(ctx: PacketContext, router: Router, rt: Route | null): void {
  if (rt !== null && rt.dstSubnet.prefixLen === 32) return;
  if (rt !== null) ctx.addTag(routeTag(rt.id));
  ctx.addTag(routerDstIpTag(router.id, ctx.wcmatch.nwDst));
}

// --- post-routing ----------------------------------------------------------------

function postRouting(ctx: PacketContext, router: Router, outPort: RouterPort, rt: Route): Outcome {
  if (outPort.address === null) return ctx.fail('router-egress-port-no-address', Outcome.DROP);
  if (ctx.wcmatch.nwDst === outPort.address) return ctx.fail('router-to-port-without-local-route', Outcome.DROP);
  ctx.outPortId = outPort.id;
  ctx.outPortGroups = outPort.portGroups;

  if (router.loadBalancerId !== null) {
    const lb = ctx.topo.loadBalancer(router.loadBalancerId);
    // Quirk: any answer but CONTINUE skips the outbound chains, DROP included.
    if (lb !== null && loadBalancerOutbound(ctx, lb) !== 'CONTINUE') return nextHop(ctx, router, outPort, rt);
  }
  if (router.outboundChains.length === 0) return nextHop(ctx, router, outPort, rt);
  const v = evaluateChains(ctx, router.outboundChains);
  switch (v.action) {
    case 'ACCEPT':
      return nextHop(ctx, router, outPort, rt);
    case 'DROP':
      return ctx.fail('router-outbound-drop', Outcome.DROP);
    case 'REJECT':
      rejectFromIngress(ctx);
      return ctx.fail('router-outbound-reject', Outcome.DROP);
    case 'REDIRECT':
      return redirect(ctx, v);
    default:
      return ctx.fail('router-outbound-chain-error', Outcome.ERROR_DROP);
  }
}

function nextHop(ctx: PacketContext, router: Router, outPort: RouterPort, rt: Route): Outcome {
  const m = ctx.wcmatch;
  const mac = nextHopMac(ctx, router, outPort, rt, m.nwDst);
  if (mac === null) {
    const code = rt.gateway === 0 ? UNREACH_HOST : UNREACH_NET;
    sendIcmpError(ctx, ingressRouterPort(ctx), ctx.preRoutingMatch, ICMP_UNREACH, code);
    return ctx.fail(rt.gateway === 0 ? 'router-host-unreachable' : 'router-net-unreachable', Outcome.ERROR_DROP);
  }
  m.ethSrc = outPort.mac;
  m.ethDst = mac;
  const outId = outPort.id;
  return withMirrors(ctx, router.outboundMirrors, (c) => egressPort(c, outId));
}

// --- the router port's reject hook (§4.4) -------------------------------------------

/**
 * REJECT (or admin-down) at a router port's filter: "filter prohibited" out of
 * the router's ingress port (this port when it is the ingress), built from the
 * current wcmatch. Quirk kept: on egress that match is already routed, so the
 * ICMP goes to the egress port's own MAC and quotes the decremented TTL.
 */
export function routerPortReject(ctx: PacketContext, port: RouterPort): void {
  if (ctx.inPortId === null) return;
  let from: RouterPort | null = port;
  if (ctx.inPortId !== port.id) from = ingressRouterPort(ctx);
  if (from === null) return;
  sendIcmpError(ctx, from, ctx.wcmatch, ICMP_UNREACH, UNREACH_FILTER_PROHIB);
}
