/**
 * buildTopology: TopologyObjects → an immutable TopologySnapshot of devices, as
 * MidoNet's topology mappers build them. The same function serves the topology
 * file and ZooKeeper, which is what makes "same packets, same results" hold.
 *
 * Relations are read from both sides: a topology file writes forward
 * references (Port.network_id, Rule.chain_id) and may omit the back-references
 * ZOOM maintains (Network.port_ids, Chain.rule_ids); the builder takes the union.
 * Bad objects are reported in `diagnostics` and left out; building never throws.
 */

import type { Dhcp, Network, Router as RouterObject, Route as RouteObject, TopologyObjects } from './objects.js';
import type { Bridge, Route, Router, SimPort } from './model.js';
import { makeSubnet, parseIpv4, parseIpv4Subnet } from '../packet/addr.js';
import { Diagnostics } from './diagnostics.js';
import { buildPort, type PortStateSource } from './build-ports.js';
import { buildChains } from './build-rules.js';
import { buildDhcpSubnet, buildServices } from './build-services.js';
import { TopologySnapshot } from './snapshot.js';

export interface BuildOptions {
  readonly localHostId?: string | null;
  readonly portState?: PortStateSource;
}

export interface BuildOutput {
  readonly snapshot: TopologySnapshot;
  readonly diagnostics: Diagnostics;
}

export function buildTopology(objs: TopologyObjects, options: BuildOptions = {}): BuildOutput {
  const diag = new Diagnostics();
  const ports = new Map<string, SimPort>();
  for (const p of objs.ports) {
    const built = buildPort(p, options.portState ?? {}, diag);
    if (built !== null) ports.set(p.id, built);
  }
  // One pass over the ports and routes instead of one per device.
  const byDevice = groupBy(ports.values(), (p) => p.deviceId);
  const routesByRouter = groupBy(objs.routes, (r) => r.router_id);
  const routesByPort = groupBy(objs.routes, (r) => r.next_hop_port_id);
  const dhcpsByNetwork = groupBy(objs.dhcps, (d) => d.network_id);
  const routesById = new Map(objs.routes.map((r) => [r.id, r]));
  const portObjs = new Map(objs.ports.map((p) => [p.id, p]));
  const bridges = new Map<string, Bridge>();
  for (const n of objs.networks) {
    const dhcps = [...(dhcpsByNetwork.get(n.id) ?? [])];
    for (const id of n.dhcp_ids ?? []) {
      const d = objs.dhcps.find((x) => x.id === id);
      if (d !== undefined && !dhcps.includes(d)) dhcps.push(d);
    }
    bridges.set(n.id, buildBridge(n, portsOf(n.id, n.port_ids, ports, byDevice), dhcps, ports));
  }
  const routers = new Map<string, Router>();
  for (const r of objs.routers) {
    const own = portsOf(r.id, r.port_ids, ports, byDevice);
    const candidates = new Set<RouteObject>(routesByRouter.get(r.id) ?? []);
    for (const id of r.route_ids ?? []) {
      const ro = routesById.get(id);
      if (ro !== undefined) candidates.add(ro);
    }
    for (const p of own) {
      for (const ro of routesByPort.get(p.id) ?? []) candidates.add(ro);
      for (const id of portObjs.get(p.id)?.route_ids ?? []) {
        const ro = routesById.get(id);
        if (ro !== undefined) candidates.add(ro);
      }
    }
    routers.set(r.id, buildRouter(r, own, candidates, ports, diag));
  }
  const chains = buildChains(objs.chains, objs.rules, diag);
  const services = buildServices(objs, ports, diag);
  const snapshot = new TopologySnapshot({
    localHostId: options.localHostId ?? null,
    ports,
    bridges,
    routers,
    chains,
    ...services,
  });
  return { snapshot, diagnostics: diag };
}

function groupBy<T>(items: Iterable<T>, key: (t: T) => string | undefined): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const t of items) {
    const k = key(t);
    if (k === undefined) continue;
    let l = m.get(k);
    if (l === undefined) m.set(k, (l = []));
    l.push(t);
  }
  return m;
}

/** Ports of a device: its back-reference list plus ports naming it. */
function portsOf(
  deviceId: string,
  backRefs: readonly string[] | undefined,
  ports: Map<string, SimPort>,
  byDevice: Map<string, SimPort[]>,
): SimPort[] {
  const out: SimPort[] = [];
  const seen = new Set<string>();
  for (const id of backRefs ?? []) {
    const p = ports.get(id);
    if (p !== undefined && p.deviceId === deviceId && !seen.has(id)) {
      out.push(p);
      seen.add(id);
    }
  }
  for (const p of byDevice.get(deviceId) ?? []) {
    if (!seen.has(p.id)) {
      out.push(p);
      seen.add(p.id);
    }
  }
  return out;
}

function buildBridge(n: Network, ownPorts: readonly SimPort[], dhcpObjs: readonly Dhcp[], ports: Map<string, SimPort>): Bridge {
  const own = ownPorts.filter((p) => p.kind !== 'router');
  const vlanToPort = new Map<number, string>();
  const vlanPeerPorts: string[] = [];
  const routerMacToPort = new Map<number, string>();
  const routerIpToMac = new Map<number, number>();
  const routerIpToPort = new Map<number, string>();
  for (const p of own) {
    if (p.kind === 'bridge' && p.isInterior && p.vlanId !== 0) vlanToPort.set(p.vlanId, p.id);
    const peer = p.peerId === null ? undefined : ports.get(p.peerId);
    if (peer === undefined) continue;
    if (peer.kind === 'bridge' && peer.vlanId !== 0) vlanPeerPorts.push(p.id);
    if (peer.kind === 'router') {
      routerMacToPort.set(peer.mac, p.id);
      if (peer.address !== null) {
        routerIpToMac.set(peer.address, peer.mac);
        routerIpToPort.set(peer.address, p.id);
      }
    }
  }
  return Object.freeze({
    id: n.id,
    adminUp: n.admin_state_up ?? true,
    inboundChains: Object.freeze(n.inbound_filter_id === undefined ? [] : [n.inbound_filter_id]),
    outboundChains: Object.freeze(n.outbound_filter_id === undefined ? [] : [n.outbound_filter_id]),
    inboundMirrors: Object.freeze([...(n.inbound_mirror_ids ?? [])]),
    outboundMirrors: Object.freeze([...(n.outbound_mirror_ids ?? [])]),
    portIds: Object.freeze(own.map((p) => p.id)),
    exteriorPorts: Object.freeze(own.filter((p) => p.isExterior).map((p) => p.id)),
    vlanToPort,
    isVlanAware: vlanToPort.size > 0,
    vlanPeerPorts: Object.freeze(vlanPeerPorts),
    vlans: Object.freeze([0, ...vlanToPort.keys()]),
    routerMacToPort,
    routerIpToMac,
    routerIpToPort,
    dhcps: Object.freeze(dhcpObjs.map((d) => buildDhcpSubnet(d))),
    qosPolicyId: n.qos_policy_id ?? null,
    tunnelKey: n.tunnel_key ?? 0,
    vni: n.vni ?? 0,
  });
}

/**
 * A port publishes its routes while it is interior, or exterior and active,
 * and was admin-up when loaded (simulation.md §7).
 */
function publishes(p: SimPort): boolean {
  return p.adminUp && (p.isInterior || (p.isExterior && p.active));
}

function buildRouter(
  r: RouterObject,
  own: readonly SimPort[],
  candidates: ReadonlySet<RouteObject>,
  ports: Map<string, SimPort>,
  diag: Diagnostics,
): Router {
  const routes: Route[] = [];
  // Candidates: routes naming the router, listed by it, or through its ports.
  for (const ro of candidates) {
    if (ro.next_hop_port_id !== undefined) {
      const port = ports.get(ro.next_hop_port_id);
      // A route through an unplugged or non-publishing port is absent.
      if (port === undefined || !publishes(port)) continue;
    }
    const built = buildRoute(ro, r.id, diag);
    if (built !== null) routes.push(built);
  }
  const nonNull = (x: string | undefined): x is string => x !== undefined;
  return Object.freeze({
    id: r.id,
    adminUp: r.admin_state_up ?? true,
    inboundChains: Object.freeze([r.local_redirect_chain_id, r.inbound_filter_id].filter(nonNull)),
    outboundChains: Object.freeze([r.forward_chain_id, r.outbound_filter_id].filter(nonNull)),
    inboundMirrors: Object.freeze([...(r.inbound_mirror_ids ?? [])]),
    outboundMirrors: Object.freeze([...(r.outbound_mirror_ids ?? [])]),
    loadBalancerId: r.load_balancer_id ?? null,
    portIds: Object.freeze(own.map((p) => p.id)),
    routes: Object.freeze(routes),
  });
}

function buildRoute(ro: RouteObject, routerId: string, diag: Diagnostics): Route | null {
  const dst = ro.dst_subnet ?? '0.0.0.0/0';
  const src = ro.src_subnet ?? '0.0.0.0/0';
  if (dst.includes(':') || src.includes(':')) return null; // IPv6 routes are ignored
  const dstSubnet = parseIpv4Subnet(dst);
  const srcSubnet = parseIpv4Subnet(src);
  if (dstSubnet === null || srcSubnet === null) {
    diag.warn('Route', ro.id, `bad subnet (src '${src}', dst '${dst}')`);
    return null;
  }
  let gateway = 0;
  if (ro.next_hop_gateway !== undefined) {
    const gw = parseIpv4(ro.next_hop_gateway);
    if (gw === null) diag.warn('Route', ro.id, `bad next_hop_gateway '${ro.next_hop_gateway}'`);
    // 0.0.0.0 and 255.255.255.255 both mean "no gateway".
    else if (gw !== 0xffffffff) gateway = gw;
  }
  return Object.freeze({
    id: ro.id,
    routerId: ro.router_id ?? routerId,
    srcSubnet: makeSubnet(srcSubnet.address, srcSubnet.prefixLen),
    dstSubnet: makeSubnet(dstSubnet.address, dstSubnet.prefixLen),
    nextHop: ro.next_hop ?? 'BLACKHOLE',
    nextHopPortId: ro.next_hop_port_id ?? null,
    gateway,
    weight: ro.weight ?? 0,
  });
}

