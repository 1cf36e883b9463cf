/**
 * LazyTopologyView: the TopologyView the packet path reads in the agent. It
 * serves a device from the current snapshot once the device is ready (its
 * closure is loaded, ./device-closure.ts); for any other id it asks for the
 * device to be loaded and throws NotYetError, so the packet waits in the
 * waiting room instead of being simulated against half a device.
 *
 * One view per snapshot: readiness can only grow while the snapshot lives
 * (a rebuild makes a new view), so ready ids are remembered per class and the
 * common case — a device seen before — costs one Set lookup.
 */

import { NotYetError } from '../../simulation/not-yet.js';
import { CLASS_OF } from '../../simulation/topology/objects.js';
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
} from '../../simulation/topology/model.js';
import type { TopologySnapshot } from '../../simulation/topology/snapshot.js';
import type { TopologyView } from '../../simulation/topology/view.js';
import { missingForDevice, type DeviceClassKey, type ObjectLookup } from './device-closure.js';

export interface LazyViewDeps {
  readonly snapshot: TopologySnapshot;
  /** What the snapshot was built from (and what is known not to exist). */
  readonly lookup: ObjectLookup;
  /** Start loading the device (idempotent); its arrival triggers a new snapshot. */
  readonly demand: (key: DeviceClassKey, id: string) => void;
}

export class LazyTopologyView implements TopologyView {
  readonly localHostId: string | null;
  private readonly ready = new Map<DeviceClassKey, Set<string>>();

  constructor(private readonly d: LazyViewDeps) {
    this.localHostId = d.snapshot.localHostId;
  }

  /** Whether the device can be served now (no NotYet). */
  isReady(key: DeviceClassKey, id: string): boolean {
    let set = this.ready.get(key);
    if (set?.has(id) === true) return true;
    if (missingForDevice(key, id, this.d.lookup).length > 0) return false;
    if (set === undefined) this.ready.set(key, (set = new Set()));
    set.add(id);
    return true;
  }

  private gate(key: DeviceClassKey, id: string): void {
    if (this.isReady(key, id)) return;
    this.d.demand(key, id);
    throw new NotYetError({ kind: 'object', objectClass: CLASS_OF[key], id });
  }

  port(id: string): SimPort | null {
    this.gate('ports', id);
    return this.d.snapshot.port(id);
  }
  bridge(id: string): Bridge | null {
    this.gate('networks', id);
    return this.d.snapshot.bridge(id);
  }
  router(id: string): Router | null {
    this.gate('routers', id);
    return this.d.snapshot.router(id);
  }
  chain(id: string): Chain | null {
    this.gate('chains', id);
    return this.d.snapshot.chain(id);
  }
  ipAddrGroup(id: string): IpAddrGroup | null {
    this.gate('ip_addr_groups', id);
    return this.d.snapshot.ipAddrGroup(id);
  }
  portGroup(id: string): PortGroup | null {
    this.gate('port_groups', id);
    return this.d.snapshot.portGroup(id);
  }
  loadBalancer(id: string): LoadBalancer | null {
    this.gate('load_balancers', id);
    return this.d.snapshot.loadBalancer(id);
  }
  pool(id: string): Pool | null {
    this.gate('pools', id);
    return this.d.snapshot.pool(id);
  }
  mirror(id: string): Mirror | null {
    this.gate('mirrors', id);
    return this.d.snapshot.mirror(id);
  }
  qosPolicy(id: string): QosPolicy | null {
    this.gate('qos_policies', id);
    return this.d.snapshot.qosPolicy(id);
  }
  host(id: string): Host | null {
    this.gate('hosts', id);
    return this.d.snapshot.host(id);
  }
  tunnelZone(id: string): TunnelZone | null {
    this.gate('tunnel_zones', id);
    return this.d.snapshot.tunnelZone(id);
  }
}
