/**
 * Next-hop MAC resolution for a router (simulation.md §8.4; MidoNet's
 * Router.getNextHopMac, getMacForIp and ArpRequestBroker.get).
 *
 * Words:
 *  - next-hop IP: the route's gateway when it has one, else the packet's
 *    destination (a route without gateway means "on-link": the destination sits
 *    on the egress port's segment).
 *  - peer shortcut: when the egress port is linked to another router's port the
 *    MAC is that port's; when it is linked to a bridge, the bridge knows the MACs
 *    of its other router ports and may hold a replicated ARP table. No ARP then.
 *  - ARP table: one per router, shared by every agent (NSDB state). An entry is
 *    used until it expires; past its stale time it is still used while a fresh
 *    request goes out. A missing entry suspends the simulation.
 *
 * Contract: returns the MAC, or null when the next hop cannot be reached (an
 * unplugged port, an exterior port whose subnet does not hold the next hop, a
 * FIP64 route: no VPP gateway here); the caller answers null with an ICMP
 * unreachable. A missing MAC throws NotYetError({kind:'arp'}) after queueing
 * a broadcast ARP request out of the egress port (a generated packet) and an
 * `arp-needed` effect for the agent's ARP broker, which retries and times out.
 * An entry present with a null MAC means a request is already outstanding: the
 * broker owns that loop, so no second frame is generated.
 */

import { subnetContains } from '../packet/addr.js';
import type { PacketContext } from '../packet-context.js';
import { NotYetError } from '../not-yet.js';
import { routerArpRequestFrame } from '../replies/arp.js';
import { arpEntryTag } from '../tags.js';
import type { Route, Router, RouterPort } from '../topology/model.js';

/** The MAC to send to when `dst` leaves `router` through `outPort` by route `rt`. */
export function nextHopMac(
  ctx: PacketContext,
  router: Router,
  outPort: RouterPort,
  rt: Route,
  dst: number,
): number | null {
  if (rt.nextHop === 'FIP64') return null;
  if (!outPort.isInterior && !outPort.isExterior) return null;
  const ip = rt.gateway !== 0 ? rt.gateway : dst;
  if (outPort.isInterior && outPort.peerId !== null) {
    const mac = peerMac(ctx, outPort.peerId, ip);
    if (mac !== null) return mac;
  }
  return macForIp(ctx, router, outPort, ip);
}

function peerMac(ctx: PacketContext, peerId: string, ip: number): number | null {
  const peer = ctx.topo.port(peerId);
  if (peer === null) return null;
  if (peer.kind === 'router') return peer.mac;
  if (peer.kind !== 'bridge') return null;
  const bridge = ctx.topo.bridge(peer.deviceId);
  if (bridge === null) return null;
  return bridge.routerIpToMac.get(ip) ?? ctx.state.bridgeArp(bridge.id, ip);
}

function macForIp(ctx: PacketContext, router: Router, port: RouterPort, ip: number): number | null {
  // The flow depends on this ARP entry: a MAC change invalidates it.
  ctx.addTag(arpEntryTag(router.id, ip));
  if (!port.isInterior && (port.subnet === null || !subnetContains(port.subnet, ip))) return null;
  return arpLookup(ctx, router, port, ip);
}

/** The router's ARP table through the broker's rules: use, refresh, or wait. */
function arpLookup(ctx: PacketContext, router: Router, port: RouterPort, ip: number): number {
  const e = ctx.state.routerArp(router.id, ip);
  if (e !== null && e.mac !== null && ctx.now < e.expiry) {
    if (ctx.now > e.stale) requestArp(ctx, router, port, ip);
    return e.mac;
  }
  if (e === null || e.mac !== null) requestArp(ctx, router, port, ip);
  else ctx.addEffect({ kind: 'arp-needed', routerId: router.id, portId: port.id, ip });
  throw new NotYetError({ kind: 'arp', routerId: router.id, ip });
}

function requestArp(ctx: PacketContext, router: Router, port: RouterPort, ip: number): void {
  const frame = routerArpRequestFrame(port, ip);
  if (frame !== null) ctx.generate(port.id, frame);
  ctx.addEffect({ kind: 'arp-needed', routerId: router.id, portId: port.id, ip });
}
