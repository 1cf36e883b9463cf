/**
 * TopologyBuilder: a compact way for tests to write MidoNet topologies, in the
 * spirit of MidoNet's test helpers (newBridge, materializePort). It produces
 * plain `TopologyObjects` (the same shape the topology file and ZooKeeper give)
 * and builds them with the real `buildTopology`, so tests exercise the mappers
 * too.
 *
 * Ids are deterministic UUIDs from a counter; names are kept for readability
 * (`b.id('br1')`). Router ports get the LOCAL /32 route the v5 API creates.
 */

import type {
  Chain,
  Condition,
  Dhcp,
  IPAddrGroup,
  LoadBalancer,
  Mirror,
  Network,
  Pool,
  PoolMember,
  Port,
  PortGroup,
  QosPolicy,
  QosRuleDscp,
  Route,
  Router,
  Rule,
  TopologyObjects,
  TunnelZone,
  Vip,
  Host,
} from '../../simulation/topology/objects.js';
import { emptyTopologyObjects } from '../../simulation/topology/objects.js';
import { buildTopology, type BuildOptions } from '../../simulation/topology/build.js';
import type { TopologySnapshot } from '../../simulation/topology/snapshot.js';
import { parseIpv4Subnet, ipv4ToString } from '../../simulation/packet/addr.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer U)[] ? U[] : T[K] };
type Objects = { -readonly [K in keyof TopologyObjects]: Mutable<TopologyObjects[K][number]>[] };

export const LOCAL_HOST = '11111111-1111-4111-8111-111111111111';
export const REMOTE_HOST = '22222222-2222-4222-8222-222222222222';

export class TopologyBuilder {
  readonly objects: Objects = emptyTopologyObjects() as unknown as Objects;
  private readonly names = new Map<string, string>();
  private counter = 0;
  private macCounter = 0;

  /** A fresh deterministic UUID, optionally remembered under a name. */
  uuid(name?: string): string {
    const n = (++this.counter).toString(16).padStart(12, '0');
    const id = `00000000-0000-4000-8000-${n}`;
    if (name !== undefined) this.names.set(name, id);
    return id;
  }

  id(name: string): string {
    const id = this.names.get(name);
    if (id === undefined) throw new Error(`no object named ${name}`);
    return id;
  }

  /** A locally administered MAC, unique per builder. */
  nextMac(): string {
    const n = ++this.macCounter;
    return `02:00:00:00:${((n >> 8) & 0xff).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`;
  }

  host(id: string, name = 'host'): string {
    this.objects.hosts.push({ id, name } as Mutable<Host>);
    return id;
  }

  tunnelZone(type: 'GRE' | 'VXLAN' | 'VTEP', members: Record<string, string>, name?: string): string {
    const id = this.uuid(name);
    const hosts = Object.entries(members).map(([host_id, ip]) => ({ host_id, ip }));
    this.objects.tunnel_zones.push({ id, type, hosts, host_ids: Object.keys(members) } as Mutable<TunnelZone>);
    return id;
  }

  bridge(name?: string, fields: Partial<Network> = {}): string {
    const id = this.uuid(name);
    this.objects.networks.push({ id, admin_state_up: true, ...fields } as Mutable<Network>);
    return id;
  }

  router(name?: string, fields: Partial<Router> = {}): string {
    const id = this.uuid(name);
    this.objects.routers.push({ id, admin_state_up: true, ...fields } as Mutable<Router>);
    return id;
  }

  /** A bridge port; with `host`+`iface` it is exterior (bound). */
  bridgePort(bridgeId: string, opts: { host?: string; iface?: string; name?: string } & Partial<Port> = {}): string {
    const { host, iface, name, ...rest } = opts;
    const id = this.uuid(name);
    const p: Partial<Port> & { id: string } = { id, network_id: bridgeId, admin_state_up: true, tunnel_key: this.counter, ...rest };
    if (host !== undefined) Object.assign(p, { host_id: host, interface_name: iface ?? `tap${this.counter}` });
    this.objects.ports.push(p as Mutable<Port>);
    return id;
  }

  /**
   * A router port with address `cidr` (e.g. '10.0.0.1/24') and, like the v5
   * API, its LOCAL route 0.0.0.0/0 → address/32. With `subnetRoute` (default
   * true) also the PORT route to the port's subnet, as Neutron adds.
   */
  routerPort(
    routerId: string,
    cidr: string,
    opts: { mac?: string; host?: string; iface?: string; name?: string; subnetRoute?: boolean } & Partial<Port> = {},
  ): string {
    const { mac, host, iface, name, subnetRoute, ...rest } = opts;
    const id = this.uuid(name);
    const sn = parseIpv4Subnet(cidr);
    if (sn === null) throw new Error(`bad cidr ${cidr}`);
    const p: Partial<Port> & { id: string } = {
      id,
      router_id: routerId,
      admin_state_up: true,
      port_mac: mac ?? this.nextMac(),
      port_subnet: [cidr],
      port_address: ipv4ToString(sn.address),
      tunnel_key: this.counter,
      ...rest,
    };
    if (host !== undefined) Object.assign(p, { host_id: host, interface_name: iface ?? `tap${this.counter}` });
    this.objects.ports.push(p as Mutable<Port>);
    this.route(routerId, { dst_subnet: `${ipv4ToString(sn.address)}/32`, next_hop: 'LOCAL', next_hop_port_id: id, weight: 0 });
    if (subnetRoute ?? true) {
      const net = (sn.address & sn.mask) >>> 0;
      this.route(routerId, { dst_subnet: `${ipv4ToString(net)}/${sn.prefixLen}`, next_hop: 'PORT', next_hop_port_id: id, weight: 100 });
    }
    return id;
  }

  /** Links two ports (interior), setting peer_id on both. */
  link(a: string, b: string): void {
    this.port(a).peer_id = b;
    this.port(b).peer_id = a;
  }

  /** A bridge port linked to a new router port: the usual tenant subnet gateway. */
  connect(bridgeId: string, routerId: string, cidr: string, mac?: string): { bridgePort: string; routerPort: string } {
    const rp = this.routerPort(routerId, cidr, mac === undefined ? {} : { mac });
    const bp = this.bridgePort(bridgeId);
    this.link(bp, rp);
    return { bridgePort: bp, routerPort: rp };
  }

  route(routerId: string, fields: Partial<Route>): string {
    const id = this.uuid();
    this.objects.routes.push({ id, router_id: routerId, src_subnet: '0.0.0.0/0', ...fields } as Mutable<Route>);
    return id;
  }

  chain(name?: string): string {
    const id = this.uuid(name);
    this.objects.chains.push({ id, name: name ?? '' } as Mutable<Chain>);
    return id;
  }

  /** Appends a rule to a chain (rule order = call order). */
  rule(chainId: string, fields: Partial<Rule> & { condition?: Condition }): string {
    const id = this.uuid();
    this.objects.rules.push({ id, chain_id: chainId, type: 'LITERAL_RULE', ...fields } as Mutable<Rule>);
    return id;
  }

  ipAddrGroup(addresses: readonly string[], name?: string): string {
    const id = this.uuid(name);
    this.objects.ip_addr_groups.push({ id, ip_addr_ports: addresses.map((ip_address) => ({ ip_address })) } as Mutable<IPAddrGroup>);
    return id;
  }

  portGroup(portIds: readonly string[], stateful = false, name?: string): string {
    const id = this.uuid(name);
    this.objects.port_groups.push({ id, stateful, port_ids: [...portIds] } as Mutable<PortGroup>);
    for (const p of portIds) {
      const port = this.port(p);
      port.port_group_ids = [...(port.port_group_ids ?? []), id];
    }
    return id;
  }

  loadBalancer(routerId: string): string {
    this.objects.load_balancers.push({ id: routerId, admin_state_up: true, router_id: routerId } as Mutable<LoadBalancer>);
    this.objects.routers.find((r) => r.id === routerId)!.load_balancer_id = routerId;
    return routerId;
  }

  pool(lbId: string, fields: Partial<Pool> = {}): string {
    const id = this.uuid();
    this.objects.pools.push({ id, load_balancer_id: lbId, admin_state_up: true, ...fields } as Mutable<Pool>);
    return id;
  }

  poolMember(poolId: string, address: string, port: number, fields: Partial<PoolMember> = {}): string {
    const id = this.uuid();
    this.objects.pool_members.push({
      id,
      pool_id: poolId,
      address,
      protocol_port: port,
      admin_state_up: true,
      weight: 1,
      status: 'ACTIVE',
      ...fields,
    } as Mutable<PoolMember>);
    return id;
  }

  vip(poolId: string, address: string, port: number, fields: Partial<Vip> = {}): string {
    const id = this.uuid();
    this.objects.vips.push({ id, pool_id: poolId, address, protocol_port: port, admin_state_up: true, ...fields } as Mutable<Vip>);
    return id;
  }

  dhcp(bridgeId: string, fields: Partial<Dhcp>): string {
    const id = this.uuid();
    this.objects.dhcps.push({ id, network_id: bridgeId, enabled: true, ...fields } as Mutable<Dhcp>);
    return id;
  }

  mirror(toPortId: string, conditions: readonly Condition[] = [{}]): string {
    const id = this.uuid();
    this.objects.mirrors.push({ id, to_port_id: toPortId, conditions: [...conditions] } as Mutable<Mirror>);
    return id;
  }

  qosPolicy(dscpMark: number): string {
    const id = this.uuid();
    const ruleId = this.uuid();
    this.objects.qos_policies.push({ id, dscp_marking_rule_ids: [ruleId] } as Mutable<QosPolicy>);
    this.objects.qos_rule_dscps.push({ id: ruleId, dscp_mark: dscpMark, policy_id: id } as Mutable<QosRuleDscp>);
    return id;
  }

  /** The mutable port object, to set fields directly (filters, mirrors, admin state). */
  port(id: string): Mutable<Port> {
    const p = this.objects.ports.find((x) => x.id === id);
    if (p === undefined) throw new Error(`no port ${id}`);
    return p;
  }
  network(id: string): Mutable<Network> {
    const n = this.objects.networks.find((x) => x.id === id);
    if (n === undefined) throw new Error(`no bridge ${id}`);
    return n;
  }
  routerObject(id: string): Mutable<Router> {
    const r = this.objects.routers.find((x) => x.id === id);
    if (r === undefined) throw new Error(`no router ${id}`);
    return r;
  }

  build(options: BuildOptions = {}): TopologySnapshot {
    const { snapshot, diagnostics } = buildTopology(this.objects as unknown as TopologyObjects, {
      localHostId: LOCAL_HOST,
      ...options,
    });
    if (diagnostics.items.length > 0 && options.portState === undefined) {
      // Tests build valid topologies; a diagnostic here is a test bug.
      const d = diagnostics.items.map((x) => `${x.objectClass} ${x.id}: ${x.message}`).join('; ');
      throw new Error(`topology diagnostics: ${d}`);
    }
    return snapshot;
  }
}
