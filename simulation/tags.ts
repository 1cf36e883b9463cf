/**
 * Flow tags: names for the things a flow depends on. Every device, port, chain,
 * mirror, load balancer, pool and port group a simulation touches tags the flow
 * with its id (a bare UUID), so a change to that object invalidates exactly its
 * flows; finer tags name learned MACs, routes, destination IPs, ARP entries and
 * flow-state keys (MidoNet's FlowTagger). Tags are plain strings: the flow
 * controller indexes flows by them and the agent invalidates by them.
 */

import type { ConnTrackKey, NatKey } from './state/keys.js';
import { connTrackKeyString, natKeyString } from './state/keys.js';

/** A device tag is the object's id; the traversed-device condition reads it. */
export function deviceTag(id: string): string {
  return id;
}

/** Unicast to/from a learned (bridge, VLAN, MAC) on a port: invalidated when the MAC moves. */
export function macPortTag(bridgeId: string, vlan: number, mac: number, portId: string): string {
  return `mac:${bridgeId}:${vlan}:${mac}:${portId}`;
}

/** Unknown-unicast flood for a MAC: invalidated when the MAC is learned. */
export function floodedMacTag(bridgeId: string, vlan: number, mac: number): string {
  return `flood:${bridgeId}:${vlan}:${mac}`;
}

/** Broadcast flood on a bridge: invalidated when its exterior port set changes. */
export function broadcastTag(bridgeId: string): string {
  return `bcast:${bridgeId}`;
}

/** ARP flood on a bridge: invalidated when a router port is linked. */
export function arpFloodTag(bridgeId: string): string {
  return `arpflood:${bridgeId}`;
}

/** Traffic to a peer router port through a bridge interior port. */
export function bridgeRouterPortTag(bridgeId: string, portId: string): string {
  return `brport:${bridgeId}:${portId}`;
}

export function routeTag(routeId: string): string {
  return `route:${routeId}`;
}

/** (router, destination IP): invalidated by route changes covering the IP. */
export function routerDstIpTag(routerId: string, ip: number): string {
  return `rtdst:${routerId}:${ip}`;
}

/** (router, IP) ARP entry: invalidated when the MAC changes. */
export function arpEntryTag(routerId: string, ip: number): string {
  return `arp:${routerId}:${ip}`;
}

export function conntrackTag(k: ConnTrackKey): string {
  return connTrackKeyString(k);
}

export function natTag(k: NatKey): string {
  return natKeyString(k);
}

export function dpPortTag(portNo: number): string {
  return `dpport:${portNo}`;
}

export function tunnelKeyTag(key: number): string {
  return `tunkey:${key}`;
}

export function tunnelRouteTag(srcIp: number, dstIp: number): string {
  return `tunroute:${srcIp}:${dstIp}`;
}

/** Packets received on a port (MidoNet's port-rx tag), beside its device tag. */
export function portRxTag(portId: string): string {
  return `rx:${portId}`;
}

/** Packets sent out of a port (MidoNet's port-tx tag), beside its device tag. */
export function portTxTag(portId: string): string {
  return `tx:${portId}`;
}
