/**
 * ZOOM's referential-integrity table: which field of one topology class names
 * objects of another class, which field of that other class holds the
 * reference back, and what deleting either side does to the other (spec
 * nsdb.md §1.4; MidonetBackend.setupBindings declares the same pairs).
 *
 * Words:
 *  - a *declared binding* pairs two sides `A.f ↔ B.g`, each with its delete
 *    action. It is symmetric: writing `A.f = [b]` makes ZOOM write `a` into
 *    `b.g`, and writing `B.g = [a]` makes it write `b` into `a.f`. Neither side
 *    is special to ZOOM; "forward" and "back" are only how people use them.
 *  - a *field binding* is one direction of it, registered on the class that
 *    owns `field`: "my `field` refers to `thatKey` objects, whose `thatField`
 *    holds my id". A declared binding gives two field bindings, except when
 *    both sides are the same class (Port.peer_id ↔ Port.peer_id): then only
 *    one, as ZOOM registers it (once per class, the left side's).
 *  - delete actions: CLEAR removes the back-reference from the referenced
 *    object, CASCADE deletes the referenced object, ERROR refuses the delete
 *    while the reference exists. `onDeleteThis` is the action taken when an
 *    object of the class owning `field` is deleted.
 *  - repeated vs scalar: taken from the proto schema, which is why a field
 *    name that does not exist there (or is not a UUID) fails at import.
 *
 * Contract: `bindingsOf(key)` lists a class's field bindings in declaration
 * order; the tables are frozen. Only bindings whose two classes we model
 * (CLASS_OF) are here; the others are named in comments where they would be.
 */
import { CLASS_OF, TOPOLOGY_CLASS_KEYS, type TopologyClassKey } from '../../simulation/topology/objects.js';
import { messageType } from './proto/index.js';

export type DeleteAction = 'CLEAR' | 'CASCADE' | 'ERROR';

export interface BindingSide {
  readonly key: TopologyClassKey;
  readonly field: string;
  readonly onDelete: DeleteAction;
}

export interface DeclaredBinding {
  /** Position in the declaration list (stable identity of the pair). */
  readonly index: number;
  readonly a: BindingSide;
  readonly b: BindingSide;
}

export interface FieldBinding {
  readonly binding: DeclaredBinding;
  readonly key: TopologyClassKey;
  readonly field: string;
  readonly repeated: boolean;
  readonly onDeleteThis: DeleteAction;
  readonly thatKey: TopologyClassKey;
  readonly thatField: string;
  readonly thatRepeated: boolean;
}

type Decl = readonly [TopologyClassKey, string, DeleteAction, TopologyClassKey, string, DeleteAction];

const CLEAR = 'CLEAR';
const CASCADE = 'CASCADE';
const ERROR = 'ERROR';

// In setupBindings order. Left out because one side is a class we do not model:
// Port.insertion_ids / srv_insertion_ids ↔ L2Insertion; ServiceContainer ↔
// ServiceContainerGroup; Port.service_container_id ↔ ServiceContainer;
// ServiceContainerGroup ↔ HostGroup / PortGroup.service_group_ids.
const DECLS: readonly Decl[] = [
  ['networks', 'port_ids', CASCADE, 'ports', 'network_id', CLEAR],
  ['networks', 'dhcp_ids', CASCADE, 'dhcps', 'network_id', CLEAR],
  // Network.dhcpv6_ids ↔ DhcpV6.network_id: DhcpV6 is not modelled.
  ['ports', 'peer_id', CLEAR, 'ports', 'peer_id', CLEAR],
  ['ports', 'dhcp_id', CLEAR, 'dhcps', 'router_if_port_id', CLEAR],
  ['ports', 'host_id', CLEAR, 'hosts', 'port_ids', CLEAR],
  ['ports', 'port_group_ids', CLEAR, 'port_groups', 'port_ids', CLEAR],
  ['ports', 'route_ids', CASCADE, 'routes', 'next_hop_port_id', CLEAR],
  ['networks', 'inbound_filter_id', CLEAR, 'chains', 'network_inbound_ids', CLEAR],
  ['networks', 'outbound_filter_id', CLEAR, 'chains', 'network_outbound_ids', CLEAR],
  ['routers', 'inbound_filter_id', CLEAR, 'chains', 'router_inbound_ids', CLEAR],
  ['routers', 'outbound_filter_id', CLEAR, 'chains', 'router_outbound_ids', CLEAR],
  ['routers', 'local_redirect_chain_id', CLEAR, 'chains', 'router_redirect_ids', CLEAR],
  ['ports', 'inbound_filter_id', CLEAR, 'chains', 'port_inbound_ids', CLEAR],
  ['ports', 'outbound_filter_id', CLEAR, 'chains', 'port_outbound_ids', CLEAR],
  ['routers', 'port_ids', CASCADE, 'ports', 'router_id', CLEAR],
  ['routers', 'route_ids', CASCADE, 'routes', 'router_id', CLEAR],
  ['hosts', 'tunnel_zone_ids', CLEAR, 'tunnel_zones', 'host_ids', CLEAR],
  // Host.host_group_ids ↔ HostGroup.host_ids: HostGroup is not modelled.
  ['load_balancers', 'pool_ids', CASCADE, 'pools', 'load_balancer_id', CLEAR],
  ['pools', 'pool_member_ids', CASCADE, 'pool_members', 'pool_id', CLEAR],
  ['pools', 'health_monitor_id', CLEAR, 'health_monitors', 'pool_ids', CLEAR],
  ['networks', 'inbound_mirror_ids', CLEAR, 'mirrors', 'network_inbound_ids', CLEAR],
  ['routers', 'inbound_mirror_ids', CLEAR, 'mirrors', 'router_inbound_ids', CLEAR],
  ['ports', 'inbound_mirror_ids', CLEAR, 'mirrors', 'port_inbound_ids', CLEAR],
  ['ports', 'post_in_filter_mirror_ids', CLEAR, 'mirrors', 'port_post_in_filter_ids', CLEAR],
  ['networks', 'outbound_mirror_ids', CLEAR, 'mirrors', 'network_outbound_ids', CLEAR],
  ['routers', 'outbound_mirror_ids', CLEAR, 'mirrors', 'router_outbound_ids', CLEAR],
  ['ports', 'outbound_mirror_ids', CLEAR, 'mirrors', 'port_outbound_ids', CLEAR],
  ['ports', 'pre_out_filter_mirror_ids', CLEAR, 'mirrors', 'port_pre_out_filter_ids', CLEAR],
  ['mirrors', 'to_port_id', CLEAR, 'ports', 'mirror_ids', CASCADE],
  ['routers', 'load_balancer_id', ERROR, 'load_balancers', 'router_id', CLEAR],
  ['pools', 'vip_ids', CASCADE, 'vips', 'pool_id', CLEAR],
  ['vips', 'gateway_port_id', CLEAR, 'ports', 'vip_ids', ERROR],
  ['routers', 'bgp_network_ids', CASCADE, 'bgp_networks', 'router_id', CLEAR],
  ['routers', 'bgp_peer_ids', CASCADE, 'bgp_peers', 'router_id', CLEAR],
  ['routes', 'gateway_dhcp_id', CLEAR, 'dhcps', 'gateway_route_ids', CASCADE],
  ['rules', 'chain_id', CLEAR, 'chains', 'rule_ids', CASCADE],
  ['rules', 'fip_port_id', CLEAR, 'ports', 'fip_nat_rule_ids', CASCADE],
  // NeutronPort ↔ FloatingIp / NeutronRouter: Neutron classes are not modelled.
  ['networks', 'trace_request_ids', CASCADE, 'trace_requests', 'network_id', CLEAR],
  ['routers', 'trace_request_ids', CASCADE, 'trace_requests', 'router_id', CLEAR],
  ['ports', 'trace_request_ids', CASCADE, 'trace_requests', 'port_id', CLEAR],
  // RuleLogger ↔ Chain.logger_ids / LoggingResource.logger_ids: RuleLogger is not modelled.
  // VpnService ↔ Router.vpn_service_ids / IPSecSiteConnection, IPSecSiteConnection ↔
  // Route.ipsec_site_connection_id: VpnService and IPSecSiteConnection are not modelled.
  // GatewayDevice / RemoteMacEntry ↔ Port.remote_mac_entry_ids: not modelled.
  ['qos_policies', 'bandwidth_limit_rule_ids', CASCADE, 'qos_rule_bw_limits', 'policy_id', CLEAR],
  ['qos_policies', 'dscp_marking_rule_ids', CASCADE, 'qos_rule_dscps', 'policy_id', CLEAR],
  ['ports', 'qos_policy_id', CLEAR, 'qos_policies', 'port_ids', CLEAR],
  ['networks', 'qos_policy_id', CLEAR, 'qos_policies', 'network_ids', CLEAR],
];

export const DECLARED_BINDINGS: readonly DeclaredBinding[] = Object.freeze(DECLS.map(
  ([ak, af, ad, bk, bf, bd], index) => Object.freeze({
    index,
    a: Object.freeze({ key: ak, field: af, onDelete: ad }),
    b: Object.freeze({ key: bk, field: bf, onDelete: bd }),
  }),
));

/** Whether `key.field` is a repeated UUID field; throws when it is not a UUID field at all. */
export function isRepeatedUuidField(key: TopologyClassKey, field: string): boolean {
  const desc = messageType(CLASS_OF[key]).byName.get(field);
  if (desc === undefined || desc.kind !== 'message' || desc.type !== 'UUID') {
    throw new Error(`zoom bindings: ${CLASS_OF[key]}.${field} is not a UUID field`);
  }
  return desc.label === 'repeated';
}

function direction(b: DeclaredBinding, self: BindingSide, that: BindingSide): FieldBinding {
  return Object.freeze({
    binding: b,
    key: self.key,
    field: self.field,
    repeated: isRepeatedUuidField(self.key, self.field),
    onDeleteThis: self.onDelete,
    thatKey: that.key,
    thatField: that.field,
    thatRepeated: isRepeatedUuidField(that.key, that.field),
  });
}

const BY_CLASS: ReadonlyMap<TopologyClassKey, readonly FieldBinding[]> = (() => {
  const m = new Map<TopologyClassKey, FieldBinding[]>(TOPOLOGY_CLASS_KEYS.map((k) => [k, []]));
  for (const b of DECLARED_BINDINGS) {
    m.get(b.a.key)?.push(direction(b, b.a, b.b));
    if (b.b.key !== b.a.key) m.get(b.b.key)?.push(direction(b, b.b, b.a));
  }
  for (const list of m.values()) Object.freeze(list);
  return m;
})();

/** The field bindings registered on a class, in declaration order. */
export function bindingsOf(key: TopologyClassKey): readonly FieldBinding[] {
  return BY_CLASS.get(key) ?? [];
}
