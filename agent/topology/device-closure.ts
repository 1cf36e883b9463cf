/**
 * Device closures: the objects one built device is made of, found through the
 * back-references ZOOM keeps (MidoNet's device mappers subscribe to the same
 * sets: BridgeMapper to the network's ports and their peers, RouterMapper to
 * the router's ports and every route they and the router list, ChainMapper to
 * the chain's rules...).
 *
 * A device is *ready* when every object of its closure is settled: loaded, or
 * known not to exist. Only then is its built form complete, because
 * `buildTopology` reads nothing else for it. What the simulation reaches
 * later through the view (the peer bridge, a jump chain, an IP address group)
 * is its own device with its own closure.
 *
 * The walk is driven by a lookup that answers `undefined` for "not loaded
 * yet"; it stops at the first level it cannot see through, so a caller loads
 * what is missing and asks again (each round is one ZooKeeper round trip).
 */

import type { TopologyClassKey } from '../../simulation/topology/objects.js';
import type { TopologyObject } from '../nsdb/proto-objects.js';

export interface ObjectRef {
  readonly key: TopologyClassKey;
  readonly id: string;
}

/** The object, null when it does not exist (or cannot be decoded), undefined while unknown. */
export type ObjectLookup = <K extends TopologyClassKey>(key: K, id: string) => TopologyObject<K> | null | undefined;

/** The classes the simulation reads through its TopologyView, and which `key` each getter gates. */
export type DeviceClassKey =
  | 'ports'
  | 'networks'
  | 'routers'
  | 'chains'
  | 'ip_addr_groups'
  | 'port_groups'
  | 'load_balancers'
  | 'pools'
  | 'mirrors'
  | 'qos_policies'
  | 'hosts'
  | 'tunnel_zones';

/**
 * Objects of the closure of (key, id) that the lookup does not know yet; [] = ready.
 * An object can be listed twice (a route both its router and its port list): the
 * store reads a node once however many ask for it.
 */
export function missingForDevice(key: DeviceClassKey, id: string, lookup: ObjectLookup): ObjectRef[] {
  const missing: ObjectRef[] = [];
  const need = <K extends TopologyClassKey>(k: K, i: string | undefined): TopologyObject<K> | null => {
    if (i === undefined) return null;
    const o = lookup(k, i);
    if (o === undefined) {
      missing.push({ key: k, id: i });
      return null;
    }
    return o;
  };
  const needAll = (k: TopologyClassKey, ids: readonly string[] | undefined): void => {
    for (const i of ids ?? []) need(k, i);
  };
  switch (key) {
    case 'networks': {
      const n = need('networks', id);
      if (n === null) break;
      // A bridge answers ARP for its routers' ports and knows their MACs: the peers too.
      for (const pid of n.port_ids ?? []) need('ports', need('ports', pid)?.peer_id);
      needAll('dhcps', n.dhcp_ids);
      break;
    }
    case 'routers': {
      const r = need('routers', id);
      if (r === null) break;
      needAll('routes', r.route_ids);
      for (const pid of r.port_ids ?? []) {
        const p = need('ports', pid);
        if (p !== null) needAll('routes', p.route_ids);
      }
      // A route is published only while its next-hop port is up: that port is read too.
      for (const rid of r.route_ids ?? []) need('ports', lookup('routes', rid)?.next_hop_port_id);
      break;
    }
    case 'chains': {
      const c = need('chains', id);
      if (c !== null) needAll('rules', c.rule_ids);
      break;
    }
    case 'pools': {
      const p = need('pools', id);
      if (p === null) break;
      needAll('pool_members', p.pool_member_ids);
      needAll('vips', p.vip_ids);
      break;
    }
    case 'qos_policies': {
      const q = need('qos_policies', id);
      if (q !== null) needAll('qos_rule_dscps', q.dscp_marking_rule_ids);
      break;
    }
    case 'hosts': {
      // The flow translator reaches peers through the host's tunnel zones.
      const h = need('hosts', id);
      if (h !== null) needAll('tunnel_zones', h.tunnel_zone_ids);
      break;
    }
    default:
      need(key, id);
  }
  return missing;
}
