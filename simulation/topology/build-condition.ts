/**
 * Condition objects → the resolved `Condition` the rule matcher reads.
 *
 * Defaults are the agent's, not the API's: an absent fragment_policy is
 * UNFRAGMENTED (simulation.md §9.3, pitfall 6), absent MAC masks are all ones,
 * and a term whose value is absent is null (always passes, invert ignored).
 */

import type { Condition as ConditionObject, Int32Range } from './objects.js';
import type { Condition, PortRange } from './model.js';
import { parseIpv4Subnet, parseMac, type Ipv4Subnet } from '../packet/addr.js';

const ALL_ONES_48 = 0xffffffffffff;

/** A subnet for a condition; IPv6 subnets never match IPv4 packets, so they become null. */
function subnetOrNull(s: string | undefined, problems: string[], field: string): Ipv4Subnet | null {
  if (s === undefined) return null;
  if (s.includes(':')) return null;
  const sn = parseIpv4Subnet(s);
  if (sn === null) problems.push(`${field}: bad subnet '${s}'`);
  return sn;
}

function macOrNull(s: string | undefined, problems: string[], field: string): number | null {
  if (s === undefined) return null;
  const m = parseMac(s);
  if (m === null) problems.push(`${field}: bad MAC '${s}'`);
  return m;
}

function rangeOrNull(r: Int32Range | undefined): PortRange | null {
  if (r === undefined) return null;
  // An open end means "unbounded" on that side, as MidoNet's Range does.
  return { start: r.start ?? 0, end: r.end ?? 0xffff };
}

function idSet(ids: readonly string[] | undefined): ReadonlySet<string> | null {
  return ids === undefined || ids.length === 0 ? null : new Set(ids);
}

/** Builds a condition; unparsable values are reported in `problems` and the term dropped. */
export function buildCondition(c: ConditionObject | undefined, problems: string[]): Condition {
  const o = c ?? {};
  return Object.freeze({
    conjunctionInv: o.conjunction_inv ?? false,
    matchForwardFlow: o.match_forward_flow ?? false,
    matchReturnFlow: o.match_return_flow ?? false,
    inPortIds: idSet(o.in_port_ids),
    inPortInv: o.in_port_inv ?? false,
    outPortIds: idSet(o.out_port_ids),
    outPortInv: o.out_port_inv ?? false,
    portGroupId: o.port_group_id ?? null,
    invPortGroup: o.inv_port_group ?? false,
    inPortGroupId: o.in_port_group_id ?? null,
    invInPortGroup: o.inv_in_port_group ?? false,
    outPortGroupId: o.out_port_group_id ?? null,
    invOutPortGroup: o.inv_out_port_group ?? false,
    ipAddrGroupIdSrc: o.ip_addr_group_id_src ?? null,
    invIpAddrGroupIdSrc: o.inv_ip_addr_group_id_src ?? false,
    ipAddrGroupIdDst: o.ip_addr_group_id_dst ?? null,
    invIpAddrGroupIdDst: o.inv_ip_addr_group_id_dst ?? false,
    dlType: o.dl_type ?? null,
    invDlType: o.inv_dl_type ?? false,
    dlSrc: macOrNull(o.dl_src, problems, 'dl_src'),
    dlSrcMask: o.dl_src_mask ?? ALL_ONES_48,
    invDlSrc: o.inv_dl_src ?? false,
    dlDst: macOrNull(o.dl_dst, problems, 'dl_dst'),
    dlDstMask: o.dl_dst_mask ?? ALL_ONES_48,
    invDlDst: o.inv_dl_dst ?? false,
    nwTos: o.nw_tos ?? null,
    nwTosInv: o.nw_tos_inv ?? false,
    nwProto: o.nw_proto ?? null,
    nwProtoInv: o.nw_proto_inv ?? false,
    nwSrcIp: subnetOrNull(o.nw_src_ip, problems, 'nw_src_ip'),
    nwSrcInv: o.nw_src_inv ?? false,
    nwDstIp: subnetOrNull(o.nw_dst_ip, problems, 'nw_dst_ip'),
    nwDstInv: o.nw_dst_inv ?? false,
    tpSrc: rangeOrNull(o.tp_src),
    tpSrcInv: o.tp_src_inv ?? false,
    tpDst: rangeOrNull(o.tp_dst),
    tpDstInv: o.tp_dst_inv ?? false,
    traversedDevice: o.traversed_device ?? null,
    traversedDeviceInv: o.traversed_device_inv ?? false,
    fragmentPolicy: o.fragment_policy ?? 'UNFRAGMENTED',
    noVlan: o.no_vlan ?? false,
    vlan: o.vlan ?? null,
    icmpDataSrcIp: subnetOrNull(o.icmp_data_src_ip, problems, 'icmp_data_src_ip'),
    icmpDataSrcIpInv: o.icmp_data_src_ip_inv ?? false,
    icmpDataDstIp: subnetOrNull(o.icmp_data_dst_ip, problems, 'icmp_data_dst_ip'),
    icmpDataDstIpInv: o.icmp_data_dst_ip_inv ?? false,
    matchNwDstRewritten: o.match_nw_dst_rewritten ?? false,
  });
}
