/**
 * The simulation's devices: immutable snapshots built from topology objects
 * (build.ts), as MidoNet's topology mappers build Bridge, Router, Port, Chain.
 *
 * A device never changes: a topology change yields a new device object and the
 * flows tagged with the old one are invalidated. Everything a packet decision
 * needs is precomputed here (numeric addresses, chain lists in evaluation order,
 * a bridge's peer router ports), so the packet path does lookups, not parsing.
 *
 * Ids are canonical UUID strings. "null" means "not set" throughout.
 */

import type { Ipv4Subnet } from '../packet/addr.js';
import type { FragmentPolicy, NextHop, RuleAction } from './objects.js';

// --- ports -------------------------------------------------------------------------

interface PortBase {
  readonly id: string;
  /** Owning bridge or router. */
  readonly deviceId: string;
  readonly adminUp: boolean;
  /** Chains run on ingress, in order: [L2-insertion in-filter, inbound_filter_id]. */
  readonly inboundChains: readonly string[];
  /** Chains run on egress, in order: [outbound_filter_id, L2-insertion out-filter]. */
  readonly outboundChains: readonly string[];
  /** Mirrors before the inbound filter (`inbound_mirror_ids`). */
  readonly inboundMirrors: readonly string[];
  readonly postInFilterMirrors: readonly string[];
  readonly preOutFilterMirrors: readonly string[];
  /** Mirrors after the outbound filter (`outbound_mirror_ids`). */
  readonly outboundMirrors: readonly string[];
  readonly portGroups: readonly string[];
  /** Interior link. */
  readonly peerId: string | null;
  /** Binding: host and interface name. */
  readonly hostId: string | null;
  readonly interfaceName: string | null;
  readonly previousHostId: string | null;
  /** Bound to a host interface, or a VXLAN (VTEP) port. */
  readonly isExterior: boolean;
  /** Linked to another device's port. */
  readonly isInterior: boolean;
  /** The binding host reports the port up (state key `active`). */
  readonly active: boolean;
  /** Effective tunnel key: the one published in `active` state, else Port.tunnel_key. */
  readonly tunnelKey: number;
  readonly qosPolicyId: string | null;
}

export interface BridgePort extends PortBase {
  readonly kind: 'bridge';
  /** VLAN id of an interior bridge port (0 = none). */
  readonly vlanId: number;
  /** A service port (L2 insertion): srv_insertion_ids non-empty. */
  readonly isServicePort: boolean;
}

export interface RouterPort extends PortBase {
  readonly kind: 'router';
  readonly mac: number;
  /** First IPv4 address of the port (from port_address/port_subnet), or null. */
  readonly address: number | null;
  /** The port's IPv4 subnet (address with the subnet's prefix), or null. */
  readonly subnet: Ipv4Subnet | null;
  /** Belongs to a service container: no TTL decrement. */
  readonly isContainerPort: boolean;
}

export interface VxlanPort extends PortBase {
  readonly kind: 'vxlan';
  readonly vtepId: string;
}

export type SimPort = BridgePort | RouterPort | VxlanPort;

// --- bridge ------------------------------------------------------------------------

export interface Bridge {
  readonly id: string;
  readonly adminUp: boolean;
  /** [inbound_filter_id] (trace chains would come first). */
  readonly inboundChains: readonly string[];
  readonly outboundChains: readonly string[];
  readonly inboundMirrors: readonly string[];
  readonly outboundMirrors: readonly string[];
  readonly portIds: readonly string[];
  /** Flood set: exterior ports (bound, active or not, and VXLAN ports). */
  readonly exteriorPorts: readonly string[];
  /** VLAN id → interior port of this bridge carrying it (VLAN-aware bridges). */
  readonly vlanToPort: ReadonlyMap<number, string>;
  /** True when some interior port carries a VLAN id. */
  readonly isVlanAware: boolean;
  /** Interior ports whose *peer* carries a VLAN id (plain bridge joined to VLAN-aware ones). */
  readonly vlanPeerPorts: readonly string[];
  /** MAC tables that exist: 0 plus each interior port VLAN. */
  readonly vlans: readonly number[];
  /** Peer router port MAC → the bridge's interior port linked to it. */
  readonly routerMacToPort: ReadonlyMap<number, string>;
  /** Peer router port IPv4 → its MAC. */
  readonly routerIpToMac: ReadonlyMap<number, number>;
  /** Peer router port IPv4 → the bridge's interior port linked to that router port. */
  readonly routerIpToPort: ReadonlyMap<number, string>;
  /** DHCP subnets served on this bridge, in order. */
  readonly dhcps: readonly DhcpSubnet[];
  readonly qosPolicyId: string | null;
  readonly tunnelKey: number;
  readonly vni: number;
}

// --- router ------------------------------------------------------------------------

export interface Route {
  readonly id: string;
  readonly routerId: string;
  readonly srcSubnet: Ipv4Subnet;
  readonly dstSubnet: Ipv4Subnet;
  readonly nextHop: NextHop;
  readonly nextHopPortId: string | null;
  /** Next-hop gateway, 0 when none (0.0.0.0 and 255.255.255.255 both mean none). */
  readonly gateway: number;
  /** Lower is preferred. */
  readonly weight: number;
}

export interface Router {
  readonly id: string;
  readonly adminUp: boolean;
  /** Pre-routing: [local_redirect_chain_id, inbound_filter_id]. */
  readonly inboundChains: readonly string[];
  /** Post-routing: [forward_chain_id, outbound_filter_id]. */
  readonly outboundChains: readonly string[];
  readonly inboundMirrors: readonly string[];
  readonly outboundMirrors: readonly string[];
  readonly loadBalancerId: string | null;
  readonly portIds: readonly string[];
  /**
   * The routing table's contents: the router's own routes plus the routes of its
   * publishing ports (interior, or exterior and active; admin-up when loaded).
   * IPv6 routes are not here.
   */
  readonly routes: readonly Route[];
}

// --- chains and rules --------------------------------------------------------------

export interface PortRange {
  readonly start: number;
  readonly end: number;
}

/** A rule or mirror condition, every field resolved; null = term not set. */
export interface Condition {
  readonly conjunctionInv: boolean;
  readonly matchForwardFlow: boolean;
  readonly matchReturnFlow: boolean;
  readonly inPortIds: ReadonlySet<string> | null;
  readonly inPortInv: boolean;
  readonly outPortIds: ReadonlySet<string> | null;
  readonly outPortInv: boolean;
  readonly portGroupId: string | null;
  readonly invPortGroup: boolean;
  readonly inPortGroupId: string | null;
  readonly invInPortGroup: boolean;
  readonly outPortGroupId: string | null;
  readonly invOutPortGroup: boolean;
  readonly ipAddrGroupIdSrc: string | null;
  readonly invIpAddrGroupIdSrc: boolean;
  readonly ipAddrGroupIdDst: string | null;
  readonly invIpAddrGroupIdDst: boolean;
  readonly dlType: number | null;
  readonly invDlType: boolean;
  readonly dlSrc: number | null;
  /** 48-bit mask, all ones by default. */
  readonly dlSrcMask: number;
  readonly invDlSrc: boolean;
  readonly dlDst: number | null;
  readonly dlDstMask: number;
  readonly invDlDst: boolean;
  readonly nwTos: number | null;
  readonly nwTosInv: boolean;
  readonly nwProto: number | null;
  readonly nwProtoInv: boolean;
  readonly nwSrcIp: Ipv4Subnet | null;
  readonly nwSrcInv: boolean;
  readonly nwDstIp: Ipv4Subnet | null;
  readonly nwDstInv: boolean;
  readonly tpSrc: PortRange | null;
  readonly tpSrcInv: boolean;
  readonly tpDst: PortRange | null;
  readonly tpDstInv: boolean;
  readonly traversedDevice: string | null;
  readonly traversedDeviceInv: boolean;
  /** UNFRAGMENTED when the field is absent (the agent's default). */
  readonly fragmentPolicy: FragmentPolicy;
  readonly noVlan: boolean;
  readonly vlan: number | null;
  readonly icmpDataSrcIp: Ipv4Subnet | null;
  readonly icmpDataSrcIpInv: boolean;
  readonly icmpDataDstIp: Ipv4Subnet | null;
  readonly icmpDataDstIpInv: boolean;
  readonly matchNwDstRewritten: boolean;
}

interface RuleBase {
  readonly id: string;
  readonly chainId: string;
  readonly condition: Condition;
}

export interface LiteralRule extends RuleBase {
  readonly kind: 'literal';
  /** CONTINUE is allowed and never decides (a counting/no-op rule). */
  readonly action: 'ACCEPT' | 'DROP' | 'REJECT' | 'RETURN' | 'CONTINUE';
}

export interface JumpRule extends RuleBase {
  readonly kind: 'jump';
  readonly jumpChainId: string;
}

export interface NatTarget {
  readonly nwStart: number;
  readonly nwEnd: number;
  readonly tpStart: number;
  readonly tpEnd: number;
}

export interface NatRule extends RuleBase {
  readonly kind: 'nat';
  /** What the rule returns when the translation happened. */
  readonly action: 'ACCEPT' | 'CONTINUE' | 'RETURN';
  readonly dnat: boolean;
  readonly reverse: boolean;
  /** A forward rule with any target port range: port-allocating, stateful. */
  readonly dynamic: boolean;
  readonly targets: readonly NatTarget[];
}

export interface TraceRule extends RuleBase {
  readonly kind: 'trace';
  readonly requestId: string | null;
  readonly limit: number;
}

export interface L2TransformRule extends RuleBase {
  readonly kind: 'l2transform';
  /** REDIRECT makes it a redirect to `targetPortId`; otherwise a VLAN pop/push. */
  readonly action: RuleAction;
  readonly popVlan: boolean;
  /** 0 = none. */
  readonly pushVlan: number;
  readonly targetPortId: string | null;
  readonly ingress: boolean;
  readonly failOpen: boolean;
}

export type Rule = LiteralRule | JumpRule | NatRule | TraceRule | L2TransformRule;

export interface Chain {
  readonly id: string;
  readonly name: string;
  /** Rules in evaluation order (Chain.rule_ids); rules that failed to build are absent. */
  readonly rules: readonly Rule[];
}

// --- groups --------------------------------------------------------------------------

export interface IpAddrGroup {
  readonly id: string;
  /** IPv4 members (IPv6 members are ignored by the IPv4 simulation). */
  readonly addresses: ReadonlySet<number>;
}

export interface PortGroup {
  readonly id: string;
  readonly stateful: boolean;
  readonly portIds: readonly string[];
}

// --- load balancing ------------------------------------------------------------------

export interface LoadBalancer {
  readonly id: string;
  readonly adminUp: boolean;
  readonly routerId: string | null;
  readonly poolIds: readonly string[];
}

export type MemberStatus = 'ACTIVE' | 'INACTIVE' | 'MONITORED';

export interface PoolMember {
  readonly id: string;
  readonly adminUp: boolean;
  readonly status: MemberStatus;
  readonly address: number;
  readonly protocolPort: number;
  readonly weight: number;
}

export interface Vip {
  readonly id: string;
  readonly adminUp: boolean;
  readonly poolId: string;
  readonly address: number;
  readonly protocolPort: number;
  readonly sticky: boolean;
}

export interface Pool {
  readonly id: string;
  readonly loadBalancerId: string | null;
  readonly adminUp: boolean;
  readonly sticky: boolean;
  readonly members: readonly PoolMember[];
  readonly vips: readonly Vip[];
  readonly healthMonitorId: string | null;
}

// --- DHCP, mirrors, QoS ---------------------------------------------------------------

export interface DhcpHostEntry {
  readonly mac: number;
  readonly ip: number | null;
  readonly name: string;
  readonly extraOptions: readonly { readonly name: string; readonly value: string }[];
}

export interface DhcpSubnet {
  readonly id: string;
  readonly subnet: Ipv4Subnet;
  readonly serverAddress: number;
  readonly defaultGateway: number | null;
  readonly dnsServers: readonly number[];
  /** 0 = not set. */
  readonly interfaceMtu: number;
  readonly opt121Routes: readonly { readonly dst: Ipv4Subnet; readonly gateway: number }[];
  readonly hosts: readonly DhcpHostEntry[];
  readonly enabled: boolean;
}

export interface Mirror {
  readonly id: string;
  readonly toPortId: string | null;
  /** OR-ed: the first matching condition mirrors the packet. */
  readonly conditions: readonly Condition[];
}

export interface QosPolicy {
  readonly id: string;
  /** DSCP mark of the policy's first DSCP rule, or null. */
  readonly dscpMark: number | null;
}

// --- hosts and tunnel zones ------------------------------------------------------------

export interface TunnelZone {
  readonly id: string;
  readonly type: 'GRE' | 'VXLAN' | 'VTEP';
  /** host id → IPv4 address in this zone. */
  readonly members: ReadonlyMap<string, number>;
}

export interface Host {
  readonly id: string;
  readonly name: string;
  readonly tunnelZoneIds: readonly string[];
  readonly portIds: readonly string[];
}
