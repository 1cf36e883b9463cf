/**
 * The bridge (simulation.md §6): an L2 switch with MAC learning per VLAN,
 * flooding to exterior ports, ARP answering for peer router ports and the
 * bridge ARP table, VLAN-aware behaviour (L2 gateway) and bridge-level chains.
 *
 *   processBridge: tag → group-source drop → admin → inbound mirrors →
 *     [untagged: inbound chains] → learn → ARP broadcast | multicast | unicast
 *     → post-bridging: outPortId (unicast), [untagged: outbound chains],
 *     outbound mirrors → egress of the chosen port(s)
 *
 * Words:
 *  - decision: what the bridging step chose, before post-bridging: one port
 *    (unicast; a string), a fork over ports (flood; an array, ports in order),
 *    or a terminal Outcome (Drop, NoOp, ErrorDrop).
 *  - source VLAN: the VLAN whose MAC table is used for learning and lookup.
 *  - peer router port: a router port linked to one of this bridge's interior
 *    ports; its MAC and IP are known without learning or ARP.
 *
 * Contract: pure. MAC learning and GARP entries are effects ('mac-learned',
 * 'bridge-arp'); the tables are only read (ctx.state). The bridge's own ARP
 * replies are generated packets egressing the ingress port, and the request
 * ends as NoOp. Flow tags follow §12.1 (tags.ts).
 *
 * The bridge ARP table is assumed enabled (`agent.midolman.enable_bridge_arp`,
 * default true): ctx.state.bridgeArp answers null when it has no table.
 */

import { BROADCAST_MAC, isGroupMac } from '../packet/addr.js';
import { buildArpReply } from '../packet/build.js';
import { EtherType, Field } from '../packet/flow-match.js';
import { forkEach } from '../fork.js';
import { Outcome } from '../outcome.js';
import type { PacketContext } from '../packet-context.js';
import { evaluateChains, type ChainVerdict } from '../rules/chain.js';
import {
  arpFloodTag,
  bridgeRouterPortTag,
  broadcastTag,
  deviceTag,
  floodedMacTag,
  macPortTag,
} from '../tags.js';
import type { Bridge } from '../topology/model.js';
import { withMirrors } from './mirror.js';
import { egressPort, isVlanTagged, redirect } from './port.js';

/** One port (unicast), ports to fork over (flood), or a terminal outcome. */
type Decision = string | readonly string[] | Outcome;

const ARP_OP_REQUEST = 1;

export function processBridge(ctx: PacketContext, bridge: Bridge): Outcome {
  ctx.addTag(deviceTag(bridge.id));
  if (isGroupMac(ctx.wcmatch.ethSrc)) {
    return withMirrors(ctx, bridge.inboundMirrors, (c) => c.fail('bridge-group-source', Outcome.DROP));
  }
  if (!bridge.adminUp) return ctx.fail('bridge-admin-down', Outcome.DROP);
  return withMirrors(ctx, bridge.inboundMirrors, (c) => filterIn(c, bridge));
}

/** Bridge inbound chains, for untagged frames only (MN-590). */
function filterIn(ctx: PacketContext, bridge: Bridge): Outcome {
  if (!isVlanTagged(ctx)) {
    ctx.outPortId = null;
    if (bridge.inboundChains.length > 0) {
      const v = evaluateChains(ctx, bridge.inboundChains);
      switch (v.action) {
        case 'ACCEPT':
          break;
        case 'DROP':
        case 'REJECT':
          // The drop hook still learns the source MAC (§18.3); bridges never reject with ICMP.
          learn(ctx, bridge);
          return ctx.fail('bridge-filter-drop', Outcome.DROP);
        case 'REDIRECT':
          return redirect(ctx, v);
        default:
          return ctx.fail('filter-error', Outcome.ERROR_DROP);
      }
    }
  }
  learn(ctx, bridge);
  const m = ctx.wcmatch;
  const dst = m.ethDst;
  let d: Decision;
  if (dst === BROADCAST_MAC && m.etherType === EtherType.ARP) d = handleArp(ctx, bridge);
  else if (isGroupMac(dst)) d = multicast(ctx, bridge);
  else d = unicast(ctx, bridge);
  return postBridging(ctx, bridge, d);
}

// --- MAC learning -------------------------------------------------------------------

/** VLAN id of one of this bridge's interior VLAN ports, or null. */
function portVlan(bridge: Bridge, portId: string | null): number | null {
  if (portId === null || bridge.vlanToPort.size === 0) return null;
  for (const [vlan, p] of bridge.vlanToPort) if (p === portId) return vlan;
  return null;
}

/** §6.2: the VLAN whose MAC table this frame learns into and looks up in. */
export function sourceVlan(ctx: PacketContext, bridge: Bridge): number {
  if (bridge.vlans.length <= 1) return 0;
  const inVlan = portVlan(bridge, ctx.inPortId);
  if (inVlan !== null) return inVlan;
  const v = ctx.wcmatch.vlanIds;
  return v.length > 0 ? v[0]! : 0;
}

/** Learns (source MAC, VLAN) on the ingress port, unless the MAC is a peer router port's. */
function learn(ctx: PacketContext, bridge: Bridge): void {
  const mac = ctx.wcmatch.ethSrc;
  const portId = ctx.inPortId;
  if (portId === null || bridge.routerMacToPort.has(mac)) return;
  const vlan = sourceVlan(ctx, bridge);
  // A VLAN without a MAC table (a trunk VLAN no interior port carries) learns nothing.
  if (vlan !== 0 && !bridge.vlans.includes(vlan)) return;
  ctx.addEffect({ kind: 'mac-learned', bridgeId: bridge.id, vlan, mac, portId });
}

// --- unicast ------------------------------------------------------------------------

function unicast(ctx: PacketContext, bridge: Bridge): Decision {
  const m = ctx.wcmatch;
  const dst = m.ethDst;
  const src = m.ethSrc;
  const routerPort = bridge.routerMacToPort.get(dst);
  if (routerPort !== undefined) {
    ctx.addTag(bridgeRouterPortTag(bridge.id, routerPort));
    return unicastAction(ctx, bridge, routerPort);
  }
  const vlan = sourceVlan(ctx, bridge);
  let portId: string | null;
  if (dst === src) portId = ctx.inPortId;
  else portId = vlan === 0 || bridge.vlans.includes(vlan) ? ctx.state.macPort(bridge.id, vlan, dst) : null;
  // (source MAC, ingress port): invalidated if the source migrates.
  if (ctx.inPortId !== null) ctx.addTag(macPortTag(bridge.id, vlan, src, ctx.inPortId));
  if (portId === null) {
    ctx.addTag(floodedMacTag(bridge.id, vlan, dst));
    return multicast(ctx, bridge);
  }
  if (portId === ctx.inPortId) return ctx.fail('mac-on-ingress-port', Outcome.ERROR_DROP);
  ctx.addTag(macPortTag(bridge.id, vlan, dst, portId));
  return unicastAction(ctx, bridge, portId);
}

/** §6.5 VLAN handling of a unicast decision: push, pass, pop or drop. */
function unicastAction(ctx: PacketContext, bridge: Bridge, toPort: string): Decision {
  const m = ctx.wcmatch;
  const inVlan = portVlan(bridge, ctx.inPortId);
  if (inVlan !== null) {
    m.pushVlan(inVlan);
    return toPort;
  }
  const outVlan = portVlan(bridge, toPort);
  if (outVlan === null) return toPort;
  const frameVlans = m.vlanIds;
  if (frameVlans.length === 0) return ctx.fail('vlan-untagged-to-vlan-port', Outcome.DROP);
  if (frameVlans[0] === outVlan) {
    m.removeVlan(outVlan);
    return toPort;
  }
  return ctx.fail('vlan-mismatch', Outcome.DROP);
}

// --- flooding -----------------------------------------------------------------------

/** §6.3: exterior ports, plus VLAN-aware peers or the frame's VLAN port. */
function multicast(ctx: PacketContext, bridge: Bridge): Decision {
  ctx.addTag(broadcastTag(bridge.id));
  const inPort = ctx.inPortId;
  let peers: string[] | null = null;
  for (const p of bridge.vlanPeerPorts) if (p !== inPort) (peers ??= []).push(p);
  if (peers !== null) return bridge.exteriorPorts.concat(peers);
  if (bridge.vlanToPort.size > 0) return multicastVlanAware(ctx, bridge);
  return bridge.exteriorPorts;
}

function multicastVlanAware(ctx: PacketContext, bridge: Bridge): Decision {
  const inPort = ctx.inPortId === null ? null : ctx.topo.port(ctx.inPortId);
  if (inPort === null || inPort.kind !== 'bridge') return ctx.fail('unexpected-in-port', Outcome.ERROR_DROP);
  if (inPort.isExterior) {
    // From a trunk: also to the interior port of the frame's VLAN (popped on egress).
    const v = ctx.wcmatch.vlanIds;
    const vlanPort = v.length > 0 ? bridge.vlanToPort.get(v[0]!) : undefined;
    return vlanPort === undefined ? bridge.exteriorPorts : bridge.exteriorPorts.concat(vlanPort);
  }
  if (inPort.isInterior) {
    const vlan = portVlan(bridge, inPort.id);
    if (vlan !== null) ctx.wcmatch.pushVlan(vlan);
    return bridge.exteriorPorts;
  }
  return ctx.fail('unexpected-in-port', Outcome.ERROR_DROP);
}

// --- ARP ----------------------------------------------------------------------------

function handleArp(ctx: PacketContext, bridge: Bridge): Decision {
  if (ctx.wcmatch.nwProto === ARP_OP_REQUEST) return handleArpRequest(ctx, bridge);
  return handleArpGeneric(ctx, bridge);
}

/** §6.4: answer from peer router ports or the bridge ARP table, else generic. */
function handleArpRequest(ctx: PacketContext, bridge: Bridge): Decision {
  const m = ctx.wcmatch;
  const spa = m.nwSrc;
  const tpa = m.nwDst;
  let mac: number | null = null;
  if (!isVlanTagged(ctx) && spa !== tpa) {
    mac = bridge.routerIpToMac.get(tpa) ?? ctx.state.bridgeArp(bridge.id, tpa);
  }
  if (mac === null || ctx.inPortId === null) return handleArpGeneric(ctx, bridge);
  const sha = m.peek(Field.ARP_SHA);
  ctx.generate(ctx.inPortId, buildArpReply(mac, tpa, sha, spa));
  ctx.reason = 'bridge-arp-reply';
  return Outcome.NOOP;
}

function handleArpGeneric(ctx: PacketContext, bridge: Bridge): Decision {
  const m = ctx.wcmatch;
  const tpa = m.nwDst;
  const routerMac = bridge.routerIpToMac.get(tpa);
  if (routerMac !== undefined && !isVlanTagged(ctx)) {
    const port = bridge.routerMacToPort.get(routerMac);
    if (port !== undefined) return unicastAction(ctx, bridge, port);
  }
  ctx.addTag(arpFloodTag(bridge.id));
  if (m.nwSrc === tpa) {
    // Gratuitous ARP: remember the sender, flood, and install no kernel flow.
    ctx.addEffect({ kind: 'bridge-arp', bridgeId: bridge.id, ip: tpa, mac: m.ethSrc });
    ctx.userspaceOnly = true;
  }
  return multicast(ctx, bridge);
}

// --- post-bridging ------------------------------------------------------------------

function postBridging(ctx: PacketContext, bridge: Bridge, d: Decision): Outcome {
  if (typeof d === 'number') return d;
  if (typeof d !== 'string' && d.length === 0) return Outcome.NOOP;
  // Out-port conditions in bridge chains only work for unicast.
  if (typeof d === 'string') ctx.outPortId = d;
  if (!isVlanTagged(ctx) && bridge.outboundChains.length > 0) {
    const v = evaluateChains(ctx, bridge.outboundChains);
    if (v.action !== 'ACCEPT') return outboundVerdict(ctx, v);
  }
  return withMirrors(ctx, bridge.outboundMirrors, (c) => forward(c, d));
}

function outboundVerdict(ctx: PacketContext, v: ChainVerdict): Outcome {
  switch (v.action) {
    case 'DROP':
    case 'REJECT':
      return ctx.fail('bridge-filter-drop', Outcome.DROP);
    case 'REDIRECT':
      return redirect(ctx, v);
    default:
      return ctx.fail('filter-error', Outcome.ERROR_DROP);
  }
}

function forward(ctx: PacketContext, d: string | readonly string[]): Outcome {
  if (typeof d === 'string') return egressPort(ctx, d);
  return forkEach(ctx, d, egressPort, Outcome.NOOP);
}
