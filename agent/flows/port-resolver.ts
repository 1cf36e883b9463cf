/**
 * Where a virtual port's packets physically go: a local datapath port, or a
 * tunnel to the host the port is bound to (MidoNet's FlowTranslator with the
 * DatapathState's tunnel routes, datapath.md §4.2).
 *
 *  - local: the port is bound to this host and its interface has a vport.
 *  - tunnel: the port is bound to a peer host sharing a GRE or VXLAN tunnel zone
 *    with us; the packet leaves through `tngre-overlay` / `tnvxlan-overlay` with
 *    the port's tunnel key, our zone IP as source and the peer's as destination.
 *    With several shared zones the first one is used (MidoNet: arbitrary).
 *  - unknown: unbound, or no interface, or no shared zone: the output is dropped.
 */

import type { TopologyView } from '../../simulation/topology/view.js';
import type { PortResolution, PortResolver } from './flow-translator.js';

export interface OverlayPorts {
  /** Datapath port number of `tngre-overlay`, or null if absent. */
  readonly gre: number | null;
  /** Datapath port number of `tnvxlan-overlay`, or null if absent. */
  readonly vxlan: number | null;
}

export interface PortResolverDeps {
  readonly topo: () => TopologyView;
  readonly localHostId: string;
  /** Datapath port number of a locally bound virtual port, if its vport exists. */
  readonly localDpPort: (portId: string) => number | undefined;
  readonly overlay: OverlayPorts;
}

export class TopologyPortResolver implements PortResolver {
  constructor(private readonly deps: PortResolverDeps) {}

  resolve(portId: string): PortResolution {
    const topo = this.deps.topo();
    const port = topo.port(portId);
    if (port === null) return { kind: 'unknown', why: 'no-such-port' };
    if (port.hostId === null) return { kind: 'unknown', why: 'port-not-bound' };
    if (port.hostId === this.deps.localHostId) {
      const dp = this.deps.localDpPort(portId);
      return dp === undefined ? { kind: 'unknown', why: 'no-vport-for-interface' } : { kind: 'local', dpPort: dp };
    }
    return this.tunnelTo(topo, port.hostId, port.tunnelKey);
  }

  private tunnelTo(topo: TopologyView, peerHostId: string, key: number): PortResolution {
    const local = topo.host(this.deps.localHostId);
    if (local === null) return { kind: 'unknown', why: 'local-host-unknown' };
    for (const zoneId of local.tunnelZoneIds) {
      const zone = topo.tunnelZone(zoneId);
      if (zone === null || zone.type === 'VTEP') continue;
      const src = zone.members.get(this.deps.localHostId);
      const dst = zone.members.get(peerHostId);
      if (src === undefined || dst === undefined) continue;
      const dpPort = zone.type === 'GRE' ? this.deps.overlay.gre : this.deps.overlay.vxlan;
      if (dpPort === null) return { kind: 'unknown', why: `no-${zone.type.toLowerCase()}-overlay-vport` };
      return { kind: 'tunnel', dpPort, key, srcIp: src, dstIp: dst, tos: 0 };
    }
    return { kind: 'unknown', why: 'no-shared-tunnel-zone' };
  }
}
