/**
 * TopologyView: how the simulation reads devices.
 *
 * Contract: a getter returns the device, or null when no such object exists.
 * When the object exists but is not loaded yet (the agent loads lazily from
 * ZooKeeper), the getter throws `NotYetError` (../not-yet.ts); the agent parks the
 * packet in its waiting room and simulates it again once the object arrives.
 * The simulation never keeps a device beyond one simulation.
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

export interface TopologyView {
  /** The host this simulation runs on (ports bound elsewhere are reached by tunnel). */
  readonly localHostId: string | null;
  port(id: string): SimPort | null;
  bridge(id: string): Bridge | null;
  router(id: string): Router | null;
  chain(id: string): Chain | null;
  ipAddrGroup(id: string): IpAddrGroup | null;
  portGroup(id: string): PortGroup | null;
  loadBalancer(id: string): LoadBalancer | null;
  pool(id: string): Pool | null;
  mirror(id: string): Mirror | null;
  qosPolicy(id: string): QosPolicy | null;
  host(id: string): Host | null;
  tunnelZone(id: string): TunnelZone | null;
}
