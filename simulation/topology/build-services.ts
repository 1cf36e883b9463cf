/**
 * The objects around the forwarding devices: IP address groups, port groups,
 * load balancers with their pools, members and VIPs, DHCP subnets, mirrors,
 * QoS policies, tunnel zones and hosts. Each becomes an immutable model object;
 * relations are read from both sides (forward reference and back-reference).
 */

import type { Dhcp, TopologyObjects } from './objects.js';
import type {
  DhcpSubnet,
  Host,
  IpAddrGroup,
  LoadBalancer,
  Mirror,
  Pool,
  PoolMember,
  PortGroup,
  QosPolicy,
  SimPort,
  TunnelZone,
  Vip,
} from './model.js';
import { makeSubnet, parseIpv4, parseIpv4Subnet, parseMac } from '../packet/addr.js';
import { buildCondition } from './build-condition.js';
import type { Diagnostics } from './diagnostics.js';

export interface Services {
  readonly ipAddrGroups: Map<string, IpAddrGroup>;
  readonly portGroups: Map<string, PortGroup>;
  readonly loadBalancers: Map<string, LoadBalancer>;
  readonly pools: Map<string, Pool>;
  readonly mirrors: Map<string, Mirror>;
  readonly qosPolicies: Map<string, QosPolicy>;
  readonly tunnelZones: Map<string, TunnelZone>;
  readonly hosts: Map<string, Host>;
}

export function buildServices(objs: TopologyObjects, ports: Map<string, SimPort>, diag: Diagnostics): Services {
  const ipAddrGroups = new Map<string, IpAddrGroup>();
  for (const g of objs.ip_addr_groups) {
    const addresses = new Set<number>();
    for (const a of g.ip_addr_ports ?? []) {
      if (a.ip_address === undefined || a.ip_address.includes(':')) continue;
      const ip = parseIpv4(a.ip_address);
      if (ip === null) diag.warn('IPAddrGroup', g.id, `bad ip_address '${a.ip_address}'`);
      else addresses.add(ip);
    }
    ipAddrGroups.set(g.id, Object.freeze({ id: g.id, addresses }));
  }

  const portGroups = new Map<string, PortGroup>();
  for (const g of objs.port_groups) {
    const ids = new Set(g.port_ids ?? []);
    for (const p of objs.ports) if ((p.port_group_ids ?? []).includes(g.id)) ids.add(p.id);
    portGroups.set(g.id, Object.freeze({ id: g.id, stateful: g.stateful ?? false, portIds: Object.freeze([...ids]) }));
  }

  const pools = new Map<string, Pool>();
  for (const pl of objs.pools) {
    const memberIds = new Set(pl.pool_member_ids ?? []);
    const members: PoolMember[] = [];
    for (const m of objs.pool_members) {
      if (m.pool_id !== pl.id && !memberIds.has(m.id)) continue;
      const address = m.address === undefined ? null : parseIpv4(m.address);
      if (address === null) {
        diag.warn('PoolMember', m.id, `bad or missing address '${m.address ?? ''}'`);
        continue;
      }
      members.push(
        Object.freeze({
          id: m.id,
          adminUp: m.admin_state_up ?? true,
          status: m.status ?? 'ACTIVE',
          address,
          protocolPort: m.protocol_port ?? 0,
          weight: m.weight ?? 0,
        }),
      );
    }
    const vipIds = new Set(pl.vip_ids ?? []);
    const vips: Vip[] = [];
    for (const v of objs.vips) {
      if (v.pool_id !== pl.id && !vipIds.has(v.id)) continue;
      const address = v.address === undefined ? null : parseIpv4(v.address);
      if (address === null) {
        diag.warn('Vip', v.id, `bad or missing address '${v.address ?? ''}'`);
        continue;
      }
      vips.push(
        Object.freeze({
          id: v.id,
          adminUp: v.admin_state_up ?? true,
          poolId: pl.id,
          address,
          protocolPort: v.protocol_port ?? 0,
          sticky: v.session_persistence === 'SOURCE_IP' || pl.session_persistence === 'SOURCE_IP',
        }),
      );
    }
    pools.set(
      pl.id,
      Object.freeze({
        id: pl.id,
        loadBalancerId: pl.load_balancer_id ?? null,
        adminUp: pl.admin_state_up ?? true,
        sticky: pl.session_persistence === 'SOURCE_IP',
        members: Object.freeze(members),
        vips: Object.freeze(vips),
        healthMonitorId: pl.health_monitor_id ?? null,
      }),
    );
  }

  const loadBalancers = new Map<string, LoadBalancer>();
  for (const lb of objs.load_balancers) {
    const poolIds = new Set(lb.pool_ids ?? []);
    for (const pl of objs.pools) if (pl.load_balancer_id === lb.id) poolIds.add(pl.id);
    // The load balancer's id equals its router's id (LoadBalancer.id, nsdb.md §2.3).
    const router = objs.routers.find((r) => r.load_balancer_id === lb.id);
    loadBalancers.set(
      lb.id,
      Object.freeze({
        id: lb.id,
        adminUp: lb.admin_state_up ?? true,
        routerId: lb.router_id ?? router?.id ?? null,
        poolIds: Object.freeze([...poolIds]),
      }),
    );
  }

  const mirrors = new Map<string, Mirror>();
  for (const m of objs.mirrors) {
    const problems: string[] = [];
    const conditions = (m.conditions ?? []).map((c) => buildCondition(c, problems));
    for (const p of problems) diag.warn('Mirror', m.id, `condition.${p}`);
    mirrors.set(m.id, Object.freeze({ id: m.id, toPortId: m.to_port_id ?? null, conditions: Object.freeze(conditions) }));
  }

  const qosPolicies = new Map<string, QosPolicy>();
  for (const q of objs.qos_policies) {
    const dscpIds = new Set(q.dscp_marking_rule_ids ?? []);
    const dscpRule = objs.qos_rule_dscps.find((r) => r.policy_id === q.id || dscpIds.has(r.id));
    const inline = (q.rules ?? []).find((r) => r.dscp_mark !== undefined && (r.type ?? 'dscp_marking') === 'dscp_marking');
    const mark = dscpRule?.dscp_mark ?? inline?.dscp_mark ?? null;
    qosPolicies.set(q.id, Object.freeze({ id: q.id, dscpMark: mark }));
  }

  const tunnelZones = new Map<string, TunnelZone>();
  for (const tz of objs.tunnel_zones) {
    const members = new Map<string, number>();
    for (const h of tz.hosts ?? []) {
      if (h.host_id === undefined || h.ip === undefined || h.ip.includes(':')) continue;
      const ip = parseIpv4(h.ip);
      if (ip === null) diag.warn('TunnelZone', tz.id, `bad member ip '${h.ip}'`);
      else members.set(h.host_id, ip);
    }
    tunnelZones.set(tz.id, Object.freeze({ id: tz.id, type: tz.type ?? 'GRE', members }));
  }

  const hosts = new Map<string, Host>();
  for (const h of objs.hosts) {
    const zones = new Set(h.tunnel_zone_ids ?? []);
    for (const tz of objs.tunnel_zones) if ((tz.hosts ?? []).some((m) => m.host_id === h.id)) zones.add(tz.id);
    const portIds = new Set(h.port_ids ?? []);
    for (const p of ports.values()) if (p.hostId === h.id) portIds.add(p.id);
    hosts.set(
      h.id,
      Object.freeze({ id: h.id, name: h.name ?? '', tunnelZoneIds: Object.freeze([...zones]), portIds: Object.freeze([...portIds]) }),
    );
  }

  return { ipAddrGroups, portGroups, loadBalancers, pools, mirrors, qosPolicies, tunnelZones, hosts };
}

/** A DHCP subnet; unparsable addresses become "unset" rather than failing the subnet. */
export function buildDhcpSubnet(d: Dhcp): DhcpSubnet {
  const sn = d.subnet_address === undefined ? null : parseIpv4Subnet(d.subnet_address);
  const ip = (s: string | undefined): number | null => (s === undefined ? null : parseIpv4(s));
  const hosts = (d.hosts ?? []).flatMap((h) => {
    const mac = h.mac === undefined ? null : parseMac(h.mac);
    if (mac === null) return [];
    return [
      Object.freeze({
        mac,
        ip: ip(h.ip_address),
        name: h.name ?? '',
        extraOptions: Object.freeze((h.extra_dhcp_opts ?? []).map((o) => ({ name: o.name ?? '', value: o.value ?? '' }))),
      }),
    ];
  });
  const routes = (d.opt121_routes ?? []).flatMap((r) => {
    const dst = r.dst_subnet === undefined ? null : parseIpv4Subnet(r.dst_subnet);
    const gw = ip(r.gateway);
    return dst === null || gw === null ? [] : [Object.freeze({ dst, gateway: gw })];
  });
  return Object.freeze({
    id: d.id,
    subnet: sn ?? makeSubnet(0, 0),
    serverAddress: ip(d.server_address) ?? 0,
    defaultGateway: ip(d.default_gateway),
    dnsServers: Object.freeze((d.dns_server_address ?? []).map((s) => parseIpv4(s)).filter((x): x is number => x !== null)),
    interfaceMtu: d.interface_mtu ?? 0,
    opt121Routes: Object.freeze(routes),
    hosts: Object.freeze(hosts),
    enabled: d.enabled ?? true,
  });
}
