/**
 * MidoNet topology objects as plain data, field for field the MidoNet 5.x
 * `topology.proto` messages (package org.midonet.cluster.models), with the proto's
 * snake_case names and nesting.
 *
 * This is the one shape two sources agree on: the topology file (JSON, see
 * agent/topology-file/) and ZooKeeper (protobuf text format, see agent/nsdb/) both
 * decode into `TopologyObjects`; `buildTopology` (build.ts) maps it to the immutable
 * devices the simulation runs on, as MidoNet's topology mappers do.
 *
 * Value conventions (the proto's sub-messages in their usual text forms):
 *  - UUID: canonical lowercase string. IPAddress: the textual address.
 *  - IPSubnet: `"a.b.c.d/len"` (or an IPv6 `"x::/len"`). MAC: `"aa:bb:cc:dd:ee:ff"`.
 *  - enums: their proto value names. Int32Range: `{ start, end }`.
 *  - absent optional fields are absent (proto2 presence); repeated fields may be
 *    absent, meaning empty. Defaults are applied by the mappers, not here.
 *  - `unknown`: fields a decoder did not recognise, kept verbatim so that a
 *    round trip through this agent loses nothing (text-format lines for ZooKeeper).
 */

export type Uuid = string;
export type IpAddress = string;
export type IpSubnet = string;
export type Mac = string;

export interface Int32Range {
  readonly start?: number;
  readonly end?: number;
}

export interface Unknown {
  /** Fields a decoder did not know, kept for re-encoding. Never interpreted. */
  readonly unknown?: readonly string[];
}

export interface MetadataEntry {
  readonly key?: string;
  readonly value?: string;
}

export type FragmentPolicy = 'ANY' | 'NONHEADER' | 'HEADER' | 'UNFRAGMENTED';

export interface Condition extends Unknown {
  readonly conjunction_inv?: boolean;
  readonly match_forward_flow?: boolean;
  readonly match_return_flow?: boolean;
  readonly in_port_ids?: readonly Uuid[];
  readonly in_port_inv?: boolean;
  readonly out_port_ids?: readonly Uuid[];
  readonly out_port_inv?: boolean;
  readonly port_group_id?: Uuid;
  readonly inv_port_group?: boolean;
  readonly ip_addr_group_id_src?: Uuid;
  readonly inv_ip_addr_group_id_src?: boolean;
  readonly ip_addr_group_id_dst?: Uuid;
  readonly inv_ip_addr_group_id_dst?: boolean;
  readonly dl_type?: number;
  readonly inv_dl_type?: boolean;
  readonly dl_src?: Mac;
  readonly dl_src_mask?: number;
  readonly inv_dl_src?: boolean;
  readonly dl_dst?: Mac;
  readonly dl_dst_mask?: number;
  readonly inv_dl_dst?: boolean;
  readonly nw_tos?: number;
  readonly nw_tos_inv?: boolean;
  readonly nw_proto?: number;
  readonly nw_proto_inv?: boolean;
  readonly nw_src_ip?: IpSubnet;
  readonly nw_dst_ip?: IpSubnet;
  readonly tp_src?: Int32Range;
  readonly tp_dst?: Int32Range;
  readonly nw_src_inv?: boolean;
  readonly nw_dst_inv?: boolean;
  readonly tp_src_inv?: boolean;
  readonly tp_dst_inv?: boolean;
  readonly traversed_device?: Uuid;
  readonly traversed_device_inv?: boolean;
  readonly fragment_policy?: FragmentPolicy;
  readonly no_vlan?: boolean;
  readonly vlan?: number;
  readonly icmp_data_src_ip?: IpSubnet;
  readonly icmp_data_src_ip_inv?: boolean;
  readonly icmp_data_dst_ip?: IpSubnet;
  readonly icmp_data_dst_ip_inv?: boolean;
  readonly in_port_group_id?: Uuid;
  readonly inv_in_port_group?: boolean;
  readonly out_port_group_id?: Uuid;
  readonly inv_out_port_group?: boolean;
  readonly match_nw_dst_rewritten?: boolean;
}

export interface Host extends Unknown {
  readonly id: Uuid;
  readonly name?: string;
  readonly flooding_proxy_weight?: number;
  readonly container_weight?: number;
  readonly container_limit?: number;
  readonly enforce_container_limit?: boolean;
  readonly tunnel_zone_ids?: readonly Uuid[];
  readonly port_ids?: readonly Uuid[];
  readonly host_group_ids?: readonly Uuid[];
}

export type TunnelZoneType = 'GRE' | 'VXLAN' | 'VTEP';

export interface TunnelZoneHostToIp {
  readonly host_id?: Uuid;
  readonly ip?: IpAddress;
}

export interface TunnelZone extends Unknown {
  readonly id: Uuid;
  readonly name?: string;
  readonly type?: TunnelZoneType;
  readonly hosts?: readonly TunnelZoneHostToIp[];
  readonly host_ids?: readonly Uuid[];
}

export interface Port extends Unknown {
  readonly id: Uuid;
  readonly network_id?: Uuid;
  readonly router_id?: Uuid;
  readonly inbound_filter_id?: Uuid;
  readonly outbound_filter_id?: Uuid;
  readonly tunnel_key?: number;
  readonly peer_id?: Uuid;
  readonly vif_id?: Uuid;
  readonly host_id?: Uuid;
  readonly interface_name?: string;
  readonly admin_state_up?: boolean;
  readonly port_group_ids?: readonly Uuid[];
  readonly vlan_id?: number;
  readonly port_subnet?: readonly IpSubnet[];
  readonly port_address?: IpAddress;
  readonly port_mac?: Mac;
  readonly route_ids?: readonly Uuid[];
  readonly dhcp_id?: Uuid;
  readonly vtep_id?: Uuid;
  readonly inbound_mirror_ids?: readonly Uuid[];
  readonly outbound_mirror_ids?: readonly Uuid[];
  readonly l2insertion_infilter_id?: Uuid;
  readonly l2insertion_outfilter_id?: Uuid;
  readonly service_container_id?: Uuid;
  readonly post_in_filter_mirror_ids?: readonly Uuid[];
  readonly pre_out_filter_mirror_ids?: readonly Uuid[];
  readonly previous_host_id?: Uuid;
  readonly vni?: number;
  readonly off_ramp_vxlan?: boolean;
  readonly tunnel_ip?: IpAddress;
  readonly qos_policy_id?: Uuid;
  readonly vip_ids?: readonly Uuid[];
  readonly fip_nat_rule_ids?: readonly Uuid[];
  readonly trace_request_ids?: readonly Uuid[];
  readonly mirror_ids?: readonly Uuid[];
  readonly insertion_ids?: readonly Uuid[];
  readonly srv_insertion_ids?: readonly Uuid[];
  readonly remote_mac_entry_ids?: readonly Uuid[];
}

export interface Network extends Unknown {
  readonly id: Uuid;
  readonly tenant_id?: string;
  readonly name?: string;
  readonly admin_state_up?: boolean;
  readonly tunnel_key?: number;
  readonly inbound_filter_id?: Uuid;
  readonly outbound_filter_id?: Uuid;
  readonly vni?: number;
  readonly inbound_mirror_ids?: readonly Uuid[];
  readonly outbound_mirror_ids?: readonly Uuid[];
  readonly qos_policy_id?: Uuid;
  readonly port_ids?: readonly Uuid[];
  readonly vxlan_port_ids?: readonly Uuid[];
  readonly dhcp_ids?: readonly Uuid[];
  readonly dhcpv6_ids?: readonly Uuid[];
  readonly trace_request_ids?: readonly Uuid[];
}

export interface Router extends Unknown {
  readonly id: Uuid;
  readonly tenant_id?: string;
  readonly name?: string;
  readonly admin_state_up?: boolean;
  readonly inbound_filter_id?: Uuid;
  readonly outbound_filter_id?: Uuid;
  readonly load_balancer_id?: Uuid;
  readonly route_ids?: readonly Uuid[];
  readonly as_number?: number;
  readonly bgp_network_ids?: readonly Uuid[];
  readonly bgp_peer_ids?: readonly Uuid[];
  readonly inbound_mirror_ids?: readonly Uuid[];
  readonly outbound_mirror_ids?: readonly Uuid[];
  readonly local_redirect_chain_id?: Uuid;
  readonly forward_chain_id?: Uuid;
  readonly port_ids?: readonly Uuid[];
  readonly trace_request_ids?: readonly Uuid[];
  readonly vpn_service_ids?: readonly Uuid[];
}

export type NextHop = 'BLACKHOLE' | 'REJECT' | 'PORT' | 'LOCAL' | 'FIP64';

export interface Route extends Unknown {
  readonly id: Uuid;
  readonly src_subnet?: IpSubnet;
  readonly dst_subnet?: IpSubnet;
  readonly next_hop?: NextHop;
  readonly next_hop_port_id?: Uuid;
  readonly weight?: number;
  readonly attributes?: string;
  readonly router_id?: Uuid;
  readonly next_hop_gateway?: IpAddress;
  readonly gateway_dhcp_id?: Uuid;
  readonly ipsec_site_connection_id?: Uuid;
}

export interface Chain extends Unknown {
  readonly id: Uuid;
  readonly name?: string;
  readonly tenant_id?: string;
  readonly logger_ids?: readonly Uuid[];
  readonly metadata?: readonly MetadataEntry[];
  /** Evaluation order of the chain's rules. */
  readonly rule_ids?: readonly Uuid[];
  readonly network_inbound_ids?: readonly Uuid[];
  readonly network_outbound_ids?: readonly Uuid[];
  readonly router_inbound_ids?: readonly Uuid[];
  readonly router_outbound_ids?: readonly Uuid[];
  readonly port_inbound_ids?: readonly Uuid[];
  readonly port_outbound_ids?: readonly Uuid[];
  readonly jump_rule_ids?: readonly Uuid[];
  readonly router_redirect_ids?: readonly Uuid[];
}

export type RuleType = 'LITERAL_RULE' | 'NAT_RULE' | 'JUMP_RULE' | 'TRACE_RULE' | 'L2TRANSFORM_RULE';
export type RuleAction = 'ACCEPT' | 'CONTINUE' | 'DROP' | 'JUMP' | 'REJECT' | 'RETURN' | 'REDIRECT';

export interface NatTarget {
  readonly nw_start?: IpAddress;
  readonly nw_end?: IpAddress;
  readonly tp_start?: number;
  readonly tp_end?: number;
}

export interface JumpRuleData {
  readonly jump_chain_id?: Uuid;
  readonly jump_chain_name?: string;
}

export interface NatRuleData {
  readonly nat_targets?: readonly NatTarget[];
  readonly dnat?: boolean;
  readonly reverse?: boolean;
}

export interface TraceRuleData {
  readonly trace_request_id?: Uuid;
  readonly limit?: number;
}

export interface L2TransformRuleData {
  readonly pop_vlan?: boolean;
  readonly push_vlan?: number;
  readonly target_port_id?: Uuid;
  readonly ingress?: boolean;
  readonly fail_open?: boolean;
}

export interface Rule extends Unknown {
  readonly id: Uuid;
  readonly type?: RuleType;
  readonly chain_id?: Uuid;
  readonly action?: RuleAction;
  readonly condition?: Condition;
  readonly fip_port_id?: Uuid;
  readonly metadata?: readonly MetadataEntry[];
  // oneof rule_data: at most one of these is set.
  readonly jump_rule_data?: JumpRuleData;
  readonly nat_rule_data?: NatRuleData;
  readonly trace_rule_data?: TraceRuleData;
  readonly transform_rule_data?: L2TransformRuleData;
}

export interface IPAddrPorts {
  readonly ip_address?: IpAddress;
  readonly port_ids?: readonly Uuid[];
}

export interface IPAddrGroup extends Unknown {
  readonly id: Uuid;
  readonly name?: string;
  readonly ip_addr_ports?: readonly IPAddrPorts[];
  readonly inbound_chain_id?: Uuid;
  readonly outbound_chain_id?: Uuid;
  readonly rule_ids?: readonly Uuid[];
}

export interface PortGroup extends Unknown {
  readonly id: Uuid;
  readonly name?: string;
  readonly tenant_id?: string;
  readonly stateful?: boolean;
  readonly port_ids?: readonly Uuid[];
  readonly service_group_ids?: readonly Uuid[];
}

export type LBStatus = 'ACTIVE' | 'INACTIVE' | 'MONITORED';
export type SessionPersistence = 'SOURCE_IP';

export interface LoadBalancer extends Unknown {
  readonly id: Uuid;
  readonly admin_state_up?: boolean;
  readonly service_container_id?: Uuid;
  readonly router_id?: Uuid;
  readonly pool_ids?: readonly Uuid[];
}

export interface Pool extends Unknown {
  readonly id: Uuid;
  readonly health_monitor_id?: Uuid;
  readonly load_balancer_id?: Uuid;
  readonly admin_state_up?: boolean;
  readonly protocol?: 'TCP';
  readonly lb_method?: 'ROUND_ROBIN';
  readonly status?: LBStatus;
  readonly mapping_status?:
    | 'ACTIVE'
    | 'INACTIVE'
    | 'PENDING_CREATE'
    | 'PENDING_UPDATE'
    | 'PENDING_DELETE'
    | 'ERROR';
  readonly session_persistence?: SessionPersistence;
  readonly pool_member_ids?: readonly Uuid[];
  readonly vip_ids?: readonly Uuid[];
}

export interface PoolMember extends Unknown {
  readonly id: Uuid;
  readonly admin_state_up?: boolean;
  readonly pool_id?: Uuid;
  readonly status?: LBStatus;
  readonly address?: IpAddress;
  readonly protocol_port?: number;
  readonly weight?: number;
}

export interface Vip extends Unknown {
  readonly id: Uuid;
  readonly admin_state_up?: boolean;
  readonly pool_id?: Uuid;
  readonly address?: IpAddress;
  readonly protocol_port?: number;
  readonly session_persistence?: SessionPersistence;
  readonly gateway_port_id?: Uuid;
}

export interface HealthMonitor extends Unknown {
  readonly id: Uuid;
  readonly admin_state_up?: boolean;
  readonly type?: 'TCP';
  readonly status?: LBStatus;
  readonly delay?: number;
  readonly timeout?: number;
  readonly max_retries?: number;
  readonly pool_ids?: readonly Uuid[];
}

export interface DhcpOpt121Route {
  readonly dst_subnet?: IpSubnet;
  readonly gateway?: IpAddress;
}

export interface DhcpExtraOpt {
  readonly name?: string;
  readonly value?: string;
}

export interface DhcpHost {
  readonly mac?: Mac;
  readonly ip_address?: IpAddress;
  readonly name?: string;
  readonly extra_dhcp_opts?: readonly DhcpExtraOpt[];
}

export interface Dhcp extends Unknown {
  readonly id: Uuid;
  readonly network_id?: Uuid;
  readonly subnet_address?: IpSubnet;
  readonly server_address?: IpAddress;
  readonly dns_server_address?: readonly IpAddress[];
  readonly default_gateway?: IpAddress;
  readonly interface_mtu?: number;
  readonly opt121_routes?: readonly DhcpOpt121Route[];
  readonly hosts?: readonly DhcpHost[];
  readonly enabled?: boolean;
  readonly router_if_port_id?: Uuid;
  readonly gateway_route_ids?: readonly Uuid[];
}

export interface Mirror extends Unknown {
  readonly id: Uuid;
  readonly to_port_id?: Uuid;
  readonly conditions?: readonly Condition[];
  readonly network_inbound_ids?: readonly Uuid[];
  readonly network_outbound_ids?: readonly Uuid[];
  readonly router_inbound_ids?: readonly Uuid[];
  readonly router_outbound_ids?: readonly Uuid[];
  readonly port_inbound_ids?: readonly Uuid[];
  readonly port_outbound_ids?: readonly Uuid[];
  readonly port_post_in_filter_ids?: readonly Uuid[];
  readonly port_pre_out_filter_ids?: readonly Uuid[];
}

export interface QosRule {
  readonly id?: Uuid;
  readonly type?: string;
  readonly max_kbps?: number;
  readonly max_burst_kb?: number;
  readonly dscp_mark?: number;
}

export interface QosPolicy extends Unknown {
  readonly id: Uuid;
  readonly name?: string;
  readonly description?: string;
  readonly shared?: boolean;
  readonly rules?: readonly QosRule[];
  readonly bandwidth_limit_rule_ids?: readonly Uuid[];
  readonly dscp_marking_rule_ids?: readonly Uuid[];
  readonly tenant_id?: string;
  readonly port_ids?: readonly Uuid[];
  readonly network_ids?: readonly Uuid[];
}

export interface QosRuleBandwidthLimit extends Unknown {
  readonly id: Uuid;
  readonly max_kbps?: number;
  readonly max_burst_kb?: number;
  readonly policy_id?: Uuid;
}

export interface QosRuleDscp extends Unknown {
  readonly id: Uuid;
  readonly dscp_mark?: number;
  readonly policy_id?: Uuid;
}

export interface TraceRequest extends Unknown {
  readonly id: Uuid;
  readonly enabled?: boolean;
  readonly condition?: Condition;
  readonly limit?: number;
  readonly name?: string;
  readonly create_timestamp_ms?: number;
  readonly port_id?: Uuid;
  readonly network_id?: Uuid;
  readonly router_id?: Uuid;
}

export interface BgpNetwork extends Unknown {
  readonly id: Uuid;
  readonly subnet?: IpSubnet;
  readonly router_id?: Uuid;
}

export interface BgpPeer extends Unknown {
  readonly id: Uuid;
  readonly as_number?: number;
  readonly address?: IpAddress;
  readonly keep_alive?: number;
  readonly hold_time?: number;
  readonly connect_retry?: number;
  readonly password?: string;
  readonly router_id?: Uuid;
}

/**
 * Everything the simulation can be given, one array per MidoNet class. The keys
 * are the topology file's top-level arrays; `classOf` maps each to the proto
 * message name used as the ZooKeeper path segment.
 */
export interface TopologyObjects {
  readonly hosts: readonly Host[];
  readonly tunnel_zones: readonly TunnelZone[];
  readonly networks: readonly Network[];
  readonly routers: readonly Router[];
  readonly ports: readonly Port[];
  readonly routes: readonly Route[];
  readonly chains: readonly Chain[];
  readonly rules: readonly Rule[];
  readonly ip_addr_groups: readonly IPAddrGroup[];
  readonly port_groups: readonly PortGroup[];
  readonly load_balancers: readonly LoadBalancer[];
  readonly pools: readonly Pool[];
  readonly pool_members: readonly PoolMember[];
  readonly vips: readonly Vip[];
  readonly health_monitors: readonly HealthMonitor[];
  readonly dhcps: readonly Dhcp[];
  readonly mirrors: readonly Mirror[];
  readonly qos_policies: readonly QosPolicy[];
  readonly qos_rule_bw_limits: readonly QosRuleBandwidthLimit[];
  readonly qos_rule_dscps: readonly QosRuleDscp[];
  readonly trace_requests: readonly TraceRequest[];
  readonly bgp_networks: readonly BgpNetwork[];
  readonly bgp_peers: readonly BgpPeer[];
}

export type TopologyClassKey = keyof TopologyObjects;

/** Topology-file array name → proto message name (the ZOOM `{Class}` path segment). */
export const CLASS_OF: Readonly<Record<TopologyClassKey, string>> = Object.freeze({
  hosts: 'Host',
  tunnel_zones: 'TunnelZone',
  networks: 'Network',
  routers: 'Router',
  ports: 'Port',
  routes: 'Route',
  chains: 'Chain',
  rules: 'Rule',
  ip_addr_groups: 'IPAddrGroup',
  port_groups: 'PortGroup',
  load_balancers: 'LoadBalancer',
  pools: 'Pool',
  pool_members: 'PoolMember',
  vips: 'Vip',
  health_monitors: 'HealthMonitor',
  dhcps: 'Dhcp',
  mirrors: 'Mirror',
  qos_policies: 'QosPolicy',
  qos_rule_bw_limits: 'QosRuleBandwidthLimit',
  qos_rule_dscps: 'QosRuleDscp',
  trace_requests: 'TraceRequest',
  bgp_networks: 'BgpNetwork',
  bgp_peers: 'BgpPeer',
});

export const TOPOLOGY_CLASS_KEYS = Object.freeze(Object.keys(CLASS_OF) as TopologyClassKey[]);

export function emptyTopologyObjects(): TopologyObjects {
  return {
    hosts: [],
    tunnel_zones: [],
    networks: [],
    routers: [],
    ports: [],
    routes: [],
    chains: [],
    rules: [],
    ip_addr_groups: [],
    port_groups: [],
    load_balancers: [],
    pools: [],
    pool_members: [],
    vips: [],
    health_monitors: [],
    dhcps: [],
    mirrors: [],
    qos_policies: [],
    qos_rule_bw_limits: [],
    qos_rule_dscps: [],
    trace_requests: [],
    bgp_networks: [],
    bgp_peers: [],
  };
}
