/**
 * TopologySnapshot: a complete, immutable TopologyView over built devices. What
 * the topology file produces, and what the agent's ZooKeeper topology hands the
 * simulation between changes. Every object is already loaded, so no getter
 * throws NotYetError; an unknown id is simply null.
 */

import type {
  Bridge,
  Chain,
  Host,
  IpAddrGroup,
  LoadBalancer,
  Mirror,
  Pool,
  PortGroup,
  QosPolicy,
  Router,
  SimPort,
  TunnelZone,
} from './model.js';
import type { TopologyView } from './view.js';

export interface SnapshotParts {
  readonly localHostId: string | null;
  readonly ports: ReadonlyMap<string, SimPort>;
  readonly bridges: ReadonlyMap<string, Bridge>;
  readonly routers: ReadonlyMap<string, Router>;
  readonly chains: ReadonlyMap<string, Chain>;
  readonly ipAddrGroups: ReadonlyMap<string, IpAddrGroup>;
  readonly portGroups: ReadonlyMap<string, PortGroup>;
  readonly loadBalancers: ReadonlyMap<string, LoadBalancer>;
  readonly pools: ReadonlyMap<string, Pool>;
  readonly mirrors: ReadonlyMap<string, Mirror>;
  readonly qosPolicies: ReadonlyMap<string, QosPolicy>;
  readonly tunnelZones: ReadonlyMap<string, TunnelZone>;
  readonly hosts: ReadonlyMap<string, Host>;
}

export class TopologySnapshot implements TopologyView {
  readonly localHostId: string | null;
  constructor(readonly parts: SnapshotParts) {
    this.localHostId = parts.localHostId;
  }
  /** A copy of this snapshot seen from another host (the `--host` override). */
  withLocalHost(hostId: string | null): TopologySnapshot {
    return new TopologySnapshot({ ...this.parts, localHostId: hostId });
  }
  port(id: string): SimPort | null {
    return this.parts.ports.get(id) ?? null;
  }
  bridge(id: string): Bridge | null {
    return this.parts.bridges.get(id) ?? null;
  }
  router(id: string): Router | null {
    return this.parts.routers.get(id) ?? null;
  }
  chain(id: string): Chain | null {
    return this.parts.chains.get(id) ?? null;
  }
  ipAddrGroup(id: string): IpAddrGroup | null {
    return this.parts.ipAddrGroups.get(id) ?? null;
  }
  portGroup(id: string): PortGroup | null {
    return this.parts.portGroups.get(id) ?? null;
  }
  loadBalancer(id: string): LoadBalancer | null {
    return this.parts.loadBalancers.get(id) ?? null;
  }
  pool(id: string): Pool | null {
    return this.parts.pools.get(id) ?? null;
  }
  mirror(id: string): Mirror | null {
    return this.parts.mirrors.get(id) ?? null;
  }
  qosPolicy(id: string): QosPolicy | null {
    return this.parts.qosPolicies.get(id) ?? null;
  }
  host(id: string): Host | null {
    return this.parts.hosts.get(id) ?? null;
  }
  tunnelZone(id: string): TunnelZone | null {
    return this.parts.tunnelZones.get(id) ?? null;
  }
}
