/**
 * Port pipelines (simulation.md §4): how a packet enters a device through a port
 * (ingress) and leaves it (egress), for bridge, router, VXLAN and service ports.
 *
 *   ingress: loop limit (+1) → [type checks, DSCP] → tags, in-port fields →
 *            pre-in mirrors → inbound filter → post-in mirrors → device
 *   egress:  loop limit → [hairpin, VLAN pop / router re-ingress / service gate]
 *            → tags, outPortId → pre-out mirrors → outbound filter →
 *            post-out mirrors → emit (exterior) | peer ingress (interior) |
 *            ErrorDrop (unplugged)
 *
 * Words:
 *  - filter: the port's chain list (model.ts: inboundChains/outboundChains),
 *    evaluated by rules/chain.ts; an admin-down port's filter short-circuits to
 *    the reject hook and Drop (§5).
 *  - reject hook: REJECT on a router port sends ICMP filter-prohibited
 *    (router.ts `routerPortReject`); on bridge ports it is a plain drop (§4.4).
 *  - redirect: a REDIRECT verdict (L2 insertion, §17) moves the packet into the
 *    target port's ingress, or out of the target (service) port without its
 *    filters.
 *
 * Contract: pure; reads devices through ctx.topo and returns an Outcome, with the
 * actions, tags and effects accumulated in the context. The traversal counter is
 * MidoNet's: +1 on every ingress (and every mirror evaluated), an ingress or
 * egress attempted at 12 or more is an ErrorDrop.
 */

import { EtherType, Field } from '../packet/flow-match.js';
import { emitToPort } from '../emit.js';
import { Outcome } from '../outcome.js';
import type { PacketContext } from '../packet-context.js';
import { evaluateChains, type ChainVerdict } from '../rules/chain.js';
import { deviceTag, portRxTag, portTxTag } from '../tags.js';
import type { BridgePort, SimPort } from '../topology/model.js';
import { processBridge } from './bridge.js';
import { withMirrors } from './mirror.js';
import { markDscp } from './qos.js';
import { processRouter, routerPortReject } from './router.js';

/** MidoNet's Simulator.MaxDevicesTraversed. */
export const MAX_DEVICES_TRAVERSED = 12;

const EMPTY: readonly string[] = Object.freeze([]);

/** Port.ingress of `portId`: the packet enters that port's device. */
export function ingressPort(ctx: PacketContext, portId: string): Outcome {
  const port = ctx.topo.port(portId);
  if (port === null) return ctx.fail('port-not-found', Outcome.ERROR_DROP);
  return ingress(ctx, port);
}

/** Port.egress of `portId`: the packet leaves through that port. */
export function egressPort(ctx: PacketContext, portId: string): Outcome {
  const port = ctx.topo.port(portId);
  if (port === null) return ctx.fail('port-not-found', Outcome.ERROR_DROP);
  if (ctx.devicesTraversed >= MAX_DEVICES_TRAVERSED) return ctx.fail('too-many-devices', Outcome.ERROR_DROP);
  return egressCommon(ctx, port, true);
}

export function ingress(ctx: PacketContext, port: SimPort): Outcome {
  if (ctx.devicesTraversed >= MAX_DEVICES_TRAVERSED) return ctx.fail('too-many-devices', Outcome.ERROR_DROP);
  ctx.devicesTraversed++;
  if (port.kind === 'router') {
    if (ctx.wcmatch.etherType === EtherType.IPV6) return dropIpv6(ctx);
  } else if (port.kind === 'bridge') {
    if (port.isServicePort) {
      if (ctx.wcmatch.etherType === EtherType.IPV6) return dropIpv6(ctx);
      if (!port.adminUp) return ctx.fail('service-port-down', Outcome.DROP);
    } else {
      markDscp(ctx, port);
    }
  }
  return ingressCommon(ctx, port);
}

/**
 * IPv6 on router and service ports: Drop, with the userspace mark read so no
 * kernel drop flow is installed (it would shadow the VPP controller's traffic).
 */
function dropIpv6(ctx: PacketContext): Outcome {
  ctx.origMatch.markSeen(Field.USERSPACE_MARK);
  return ctx.fail('ipv6-on-port', Outcome.DROP);
}

function ingressCommon(ctx: PacketContext, port: SimPort): Outcome {
  ctx.addTag(deviceTag(port.id));
  ctx.addTag(portRxTag(port.id));
  ctx.inPortId = port.id;
  ctx.inPortGroups = port.portGroups;
  ctx.currentDeviceId = port.deviceId;
  ctx.nwDstRewritten = false;
  return withMirrors(ctx, port.inboundMirrors, (c) => filterIn(c, port));
}

/** A service port reports itself admin-up to its filters; its real state gates ingress/egress. */
function filterAdminUp(port: SimPort): boolean {
  return port.kind === 'bridge' && port.isServicePort ? true : port.adminUp;
}

function filterIn(ctx: PacketContext, port: SimPort): Outcome {
  if (!filterAdminUp(port)) {
    reject(ctx, port);
    return ctx.fail('port-admin-down', Outcome.DROP);
  }
  if (port.isExterior) ctx.portGroups = port.portGroups;
  ctx.inPortId = port.id;
  ctx.inPortGroups = port.portGroups;
  ctx.outPortId = null;
  ctx.outPortGroups = EMPTY;
  if (port.inboundChains.length > 0) {
    const v = evaluateChains(ctx, port.inboundChains);
    if (v.action !== 'ACCEPT') return filterVerdict(ctx, v, port, 'port-filter-drop');
  }
  return withMirrors(ctx, port.postInFilterMirrors, (c) => toDevice(c, port));
}

function toDevice(ctx: PacketContext, port: SimPort): Outcome {
  if (port.kind === 'router') {
    const router = ctx.topo.router(port.deviceId);
    if (router === null) return ctx.fail('router-not-found', Outcome.ERROR_DROP);
    return processRouter(ctx, router);
  }
  const bridge = ctx.topo.bridge(port.deviceId);
  if (bridge === null) return ctx.fail('bridge-not-found', Outcome.ERROR_DROP);
  return processBridge(ctx, bridge);
}

/**
 * Egress. `filtered` is false for a redirect out of a (service) port, which
 * skips the pre-out mirrors and the outbound filter (MidoNet's egressNoFilter).
 */
function egressCommon(ctx: PacketContext, port: SimPort, filtered: boolean): Outcome {
  switch (port.kind) {
    case 'bridge':
      if (port.isServicePort) return serviceEgress(ctx, port, filtered);
      if (port.id === ctx.inPortId) return ctx.fail('hairpin', Outcome.DROP);
      popPortVlan(ctx, port);
      break;
    case 'router': {
      // Quirk (§4.2): a routed packet whose new eth src equals its eth dst
      // re-enters this very port instead of leaving.
      const m = ctx.wcmatch;
      if (m.ethSrc === m.ethDst) return ingress(ctx, port);
      break;
    }
    case 'vxlan':
      break;
  }
  return egressTail(ctx, port, filtered);
}

function popPortVlan(ctx: PacketContext, port: BridgePort): void {
  if (port.vlanId > 0 && isVlanTagged(ctx)) ctx.wcmatch.removeVlan(port.vlanId);
}

function egressTail(ctx: PacketContext, port: SimPort, filtered: boolean): Outcome {
  ctx.addTag(deviceTag(port.id));
  ctx.addTag(portTxTag(port.id));
  ctx.outPortId = port.id;
  if (!filtered) return withMirrors(ctx, port.outboundMirrors, (c) => emit(c, port));
  return withMirrors(ctx, port.preOutFilterMirrors, (c) => filterOut(c, port));
}

/**
 * Service ports take only packets a REDIRECT sent out of them. If the port is
 * down or inactive the packet is dropped, or with fail-open bounced back in as
 * if the service had returned it.
 */
function serviceEgress(ctx: PacketContext, port: BridgePort, filtered: boolean): Outcome {
  if (!ctx.redirectedOut) return ctx.fail('service-port-not-redirected', Outcome.DROP);
  let result: Outcome;
  if (!port.adminUp || !port.active) {
    if (ctx.failOpen) {
      ctx.devicesTraversed++;
      ctx.redirectedOut = false;
      ctx.failOpen = false;
      result = ingressCommon(ctx, port);
    } else {
      result = ctx.fail('service-port-down', Outcome.DROP);
    }
  } else {
    if (port.id === ctx.inPortId) {
      result = ctx.fail('hairpin', Outcome.DROP);
    } else {
      popPortVlan(ctx, port);
      result = egressTail(ctx, port, filtered);
    }
  }
  ctx.redirectedOut = false;
  ctx.failOpen = false;
  return result;
}

function filterOut(ctx: PacketContext, port: SimPort): Outcome {
  if (!filterAdminUp(port)) {
    reject(ctx, port);
    return ctx.fail('port-admin-down', Outcome.DROP);
  }
  ctx.outPortId = port.id;
  ctx.outPortGroups = port.portGroups;
  // MidoNet builds service ports without outbound filters.
  const chains = port.kind === 'bridge' && port.isServicePort ? EMPTY : port.outboundChains;
  if (chains.length > 0) {
    const v = evaluateChains(ctx, chains);
    if (v.action !== 'ACCEPT') return filterVerdict(ctx, v, port, 'port-filter-drop');
  }
  return withMirrors(ctx, port.outboundMirrors, (c) => emit(c, port));
}

function emit(ctx: PacketContext, port: SimPort): Outcome {
  if (port.isExterior) {
    // Bound here or on another host, or a VTEP: the agent resolves the output.
    emitToPort(ctx, port);
    return Outcome.FORWARD;
  }
  if (port.isInterior && port.peerId !== null) {
    const peer = ctx.topo.port(port.peerId);
    if (peer === null) return ctx.fail('peer-port-not-found', Outcome.ERROR_DROP);
    return ingress(ctx, peer);
  }
  return ctx.fail('port-unplugged', Outcome.ERROR_DROP);
}

function reject(ctx: PacketContext, port: SimPort): void {
  if (port.kind === 'router') routerPortReject(ctx, port);
}

/**
 * A non-ACCEPT verdict of a port's chain list (§5): DROP → Drop; REJECT → reject
 * hook then Drop; REDIRECT → §17; anything else → ErrorDrop.
 */
function filterVerdict(ctx: PacketContext, v: ChainVerdict, port: SimPort, dropReason: string): Outcome {
  switch (v.action) {
    case 'DROP':
      return ctx.fail(dropReason, Outcome.DROP);
    case 'REJECT':
      reject(ctx, port);
      return ctx.fail(dropReason, Outcome.DROP);
    case 'REDIRECT':
      return redirect(ctx, v);
    default:
      return ctx.fail('filter-error', Outcome.ERROR_DROP);
  }
}

/**
 * REDIRECT (L2 insertion): ingress the target port, or leave through it without
 * its filters, flagged redirected-out (with the fail-open flag).
 */
export function redirect(ctx: PacketContext, v: ChainVerdict): Outcome {
  const r = v.redirect;
  if (r === undefined) return ctx.fail('redirect-without-target', Outcome.ERROR_DROP);
  const target = ctx.topo.port(r.portId);
  if (target === null) return ctx.fail('port-not-found', Outcome.ERROR_DROP);
  if (r.ingress) return ingress(ctx, target);
  ctx.redirectedOut = true;
  ctx.failOpen = r.failOpen;
  return egressCommon(ctx, target, false);
}

/** A VLAN id other than 0 (a priority tag) is on the frame; marks VLAN seen. */
export function isVlanTagged(ctx: PacketContext): boolean {
  const v = ctx.wcmatch.vlanIds;
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) return true;
  return false;
}
