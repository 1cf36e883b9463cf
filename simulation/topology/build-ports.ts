/**
 * Port objects → model ports (MidoNet's PortMapper and Port.scala variant
 * selection): a service port if srv_insertion_ids is non-empty and network_id
 * is set; else a VXLAN port if vtep_id is set; else a bridge port if network_id
 * is set; else a router port if router_id is set; else the port is invalid and
 * left out.
 *
 * State that is not in the Port object (is the port active? which tunnel key
 * did its host publish?) comes from `PortStateSource`; a topology file has no
 * state, so there every bound port counts as active with its own tunnel key.
 */

import type { Port as PortObject } from './objects.js';
import type { BridgePort, RouterPort, SimPort, VxlanPort } from './model.js';
import { makeSubnet, parseIpv4, parseIpv4Subnet, parseMac } from '../packet/addr.js';
import type { Diagnostics } from './diagnostics.js';

export interface PortStateSource {
  /** The binding host reports the port up; undefined = no information. */
  active?(portId: string): boolean | undefined;
  /** Tunnel key published in the port's `active` state, if any. */
  tunnelKey?(portId: string): number | undefined;
}

const nonNull = (x: string | undefined): x is string => x !== undefined;

export function buildPort(p: PortObject, state: PortStateSource, diag: Diagnostics): SimPort | null {
  const isBound = p.host_id !== undefined && p.interface_name !== undefined && p.interface_name !== '';
  const isVxlan = p.vtep_id !== undefined;
  const isExterior = isBound || isVxlan;
  const base = {
    id: p.id,
    adminUp: p.admin_state_up ?? true,
    inboundChains: Object.freeze([p.l2insertion_infilter_id, p.inbound_filter_id].filter(nonNull)),
    outboundChains: Object.freeze([p.outbound_filter_id, p.l2insertion_outfilter_id].filter(nonNull)),
    inboundMirrors: Object.freeze([...(p.inbound_mirror_ids ?? [])]),
    postInFilterMirrors: Object.freeze([...(p.post_in_filter_mirror_ids ?? [])]),
    preOutFilterMirrors: Object.freeze([...(p.pre_out_filter_mirror_ids ?? [])]),
    outboundMirrors: Object.freeze([...(p.outbound_mirror_ids ?? [])]),
    portGroups: Object.freeze([...(p.port_group_ids ?? [])]),
    peerId: p.peer_id ?? null,
    hostId: p.host_id ?? null,
    interfaceName: p.interface_name ?? null,
    previousHostId: p.previous_host_id ?? null,
    isExterior,
    isInterior: p.peer_id !== undefined,
    active: isVxlan || (isBound && (state.active?.(p.id) ?? true)),
    tunnelKey: state.tunnelKey?.(p.id) ?? p.tunnel_key ?? 0,
    qosPolicyId: p.qos_policy_id ?? null,
  };
  const isService = (p.srv_insertion_ids?.length ?? 0) > 0 && p.network_id !== undefined;
  if (isService || (!isVxlan && p.network_id !== undefined)) {
    const port: BridgePort = { ...base, kind: 'bridge', deviceId: p.network_id!, vlanId: p.vlan_id ?? 0, isServicePort: isService };
    return Object.freeze(port);
  }
  if (isVxlan) {
    if (p.network_id === undefined) {
      diag.warn('Port', p.id, 'VXLAN port without network_id');
      return null;
    }
    const port: VxlanPort = { ...base, kind: 'vxlan', deviceId: p.network_id, vtepId: p.vtep_id! };
    return Object.freeze(port);
  }
  if (p.router_id !== undefined) return buildRouterPort(p, base, diag);
  diag.warn('Port', p.id, 'port has neither network_id nor router_id');
  return null;
}

type PortBaseFields = Omit<RouterPort, 'kind' | 'deviceId' | 'mac' | 'address' | 'subnet' | 'isContainerPort'>;

function buildRouterPort(p: PortObject, base: PortBaseFields, diag: Diagnostics): RouterPort | null {
  const mac = p.port_mac === undefined ? 0 : parseMac(p.port_mac);
  if (mac === null) {
    diag.warn('Port', p.id, `bad port_mac '${p.port_mac ?? ''}'`);
    return null;
  }
  // MidoNet: with exactly one port_subnet and a port_address, the address comes
  // from port_address with that subnet's prefix; otherwise the first IPv4 entry
  // of port_subnet is the port's address/prefix.
  const v4 = (p.port_subnet ?? []).filter((s) => !s.includes(':'));
  let address: number | null = null;
  let prefix = 32;
  const first = v4[0] === undefined ? null : parseIpv4Subnet(v4[0]);
  if (v4[0] !== undefined && first === null) diag.warn('Port', p.id, `bad port_subnet '${v4[0]}'`);
  if ((p.port_subnet ?? []).length === 1 && p.port_address !== undefined && first !== null) {
    address = parseIpv4(p.port_address);
    prefix = first.prefixLen;
    if (address === null) diag.warn('Port', p.id, `bad port_address '${p.port_address}'`);
  } else if (first !== null) {
    address = first.address;
    prefix = first.prefixLen;
  } else if (p.port_address !== undefined) {
    address = parseIpv4(p.port_address);
  }
  const port: RouterPort = {
    ...base,
    kind: 'router',
    deviceId: p.router_id!,
    mac,
    address,
    subnet: address === null ? null : makeSubnet(address, prefix),
    isContainerPort: p.service_container_id !== undefined,
  };
  return Object.freeze(port);
}
