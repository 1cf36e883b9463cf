/**
 * state.proto: values the agent and cluster store in per-object state keys
 * (`{root}/zoom/0/state/{ns}/{Class}/{id}/{key}`), printed in text format like
 * the models (spec nsdb.md §1.5, §2.4): HostState in `Host/host`, PortState in
 * `Port/active`, ContainerServiceStatus in `Host/container`, ContainerStatus in
 * `ServiceContainer/status`, VtepConfiguration in `Vtep/config`.
 */
import { enumOf, id, message, opt, rep, type ProtoFileSpec } from './schema.js';

export const STATE_PROTO: ProtoFileSpec = {
  name: 'state.proto',
  imports: ['commons.proto'],
  javaPackage: 'org.midonet.cluster.models',
  javaOuterClass: 'State',
  enums: [
    enumOf('ContainerStatus.Code', { STARTING: 1, RUNNING: 2, STOPPING: 3, STOPPED: 4, ERROR: 5 }),
    enumOf('HostState.Interface.Type', { PHYSICAL: 1, VIRTUAL: 2, TUNNEL: 3, UNKNOWN: 4 }),
    enumOf('HostState.Interface.Endpoint', {
      DATAPATH_EP: 1, PHYSICAL_EP: 2, VM_EP: 3, GRE_EP: 4, CAPWAP_EP: 5, LOCALHOST_EP: 6,
      TUNTAP_EP: 7, UNKNOWN_EP: 8,
    }),
    enumOf('HostState.Interface.DpPortType', {
      NET_DEV_DP: 1, INTERNAL_DP: 2, GRE_DP: 3, VXLAN_DP: 4, GRE64_DP: 5, LISP_DP: 6,
    }),
    enumOf('VtepConnectionState', { VTEP_DISCONNECTED: 1, VTEP_CONNECTED: 2, VTEP_ERROR: 3 }),
  ],
  messages: [
    message('ContainerServiceStatus', [
      opt(1, 'weight', 'int32', { default: 1 }),
      opt(2, 'quota', 'int32', { default: -1 }),
      opt(3, 'count', 'int32', { default: 0 }),
    ]),
    message('ContainerStatus', [
      opt(1, 'status_code', 'ContainerStatus.Code'),
      opt(2, 'status_message', 'string'),
      id(3, 'host_id'),
      opt(4, 'namespace_name', 'string'),
      opt(5, 'interface_name', 'string'),
    ]),
    message('HostState', [id(1, 'host_id'), rep(2, 'interfaces', 'HostState.Interface')]),
    message('HostState.Interface', [
      opt(1, 'name', 'string'),
      opt(2, 'type', 'HostState.Interface.Type'),
      opt(3, 'mac', 'string', { format: 'mac' }),
      rep(4, 'addresses', 'IPAddress'),
      opt(5, 'up', 'bool'),
      opt(6, 'has_link', 'bool'),
      opt(7, 'mtu', 'int32'),
      opt(8, 'endpoint', 'HostState.Interface.Endpoint'),
      opt(9, 'port_type', 'HostState.Interface.DpPortType'),
      opt(10, 'ifindex', 'int32'),
    ]),
    message('PortState', [id(1, 'host_id'), opt(2, 'tunnel_key', 'uint64')]),
    message('VtepConfiguration', [
      id(1, 'vtep_id'), opt(2, 'name', 'string'), opt(3, 'description', 'string'),
      rep(4, 'tunnel_addresses', 'IPAddress'),
    ]),
  ],
};
