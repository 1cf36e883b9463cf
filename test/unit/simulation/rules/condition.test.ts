import { test } from 'node:test';
import assert from 'node:assert/strict';

import { matchCondition, matchConditionLinear } from '../../../../simulation/rules/condition.js';
import { EtherType, Field, IpFrag, IpProto } from '../../../../simulation/packet/flow-match.js';
import { deviceTag } from '../../../../simulation/tags.js';
import type { PacketContext } from '../../../../simulation/packet-context.js';
import type { Condition } from '../../../../simulation/topology/model.js';
import { TopologyBuilder, cond, makeCtx, quotedPacket, type CtxOptions, type Pkt } from './rule-context.js';

/** Both matchers must agree, on the answer and on the fields read. */
function both(c: Condition, p: Pkt, o: CtxOptions = {}, prep?: (ctx: PacketContext) => void): boolean {
  const a = makeCtx(p, o);
  const b = makeCtx(p, o);
  prep?.(a);
  prep?.(b);
  const r1 = matchCondition(a, c);
  const r2 = matchConditionLinear(b, c);
  assert.equal(r1, r2, 'compiled and linear disagree');
  assert.equal(a.wcmatch.seen, b.wcmatch.seen, 'compiled and linear read different fields');
  return r1;
}

test('empty condition: UNFRAGMENTED by default, reads only the fragment field', () => {
  const c = cond({});
  assert.equal(c.fragmentPolicy, 'UNFRAGMENTED');
  const ctx = makeCtx({});
  assert.equal(matchCondition(ctx, c), true);
  assert.equal(ctx.wcmatch.seen, Field.NW_FRAG);
  assert.equal(both(c, { frag: IpFrag.FIRST }), false);
  assert.equal(both(c, { frag: IpFrag.LATER }), false);
});

test('fragment policies accept the documented fragment kinds', () => {
  const table: [string, boolean, boolean, boolean][] = [
    // policy, none, first, later
    ['ANY', true, true, true],
    ['HEADER', true, true, false],
    ['NONHEADER', false, false, true],
    ['UNFRAGMENTED', true, false, false],
  ];
  for (const [policy, none, first, later] of table) {
    const c = cond({ fragment_policy: policy as 'ANY' });
    assert.equal(both(c, { frag: IpFrag.NONE }), none, `${policy} none`);
    assert.equal(both(c, { frag: IpFrag.FIRST }), first, `${policy} first`);
    assert.equal(both(c, { frag: IpFrag.LATER }), later, `${policy} later`);
  }
  const any = makeCtx({});
  matchCondition(any, cond({ fragment_policy: 'ANY' }));
  assert.equal(any.wcmatch.seen, 0, 'ANY reads nothing');
});

test('fragment policy stays outside conjunction_inv', () => {
  const c = cond({ conjunction_inv: true, nw_proto: IpProto.UDP });
  assert.equal(both(c, { proto: IpProto.TCP }), true, 'inverted conjunction matches TCP');
  assert.equal(both(c, { proto: IpProto.TCP, frag: IpFrag.LATER }), false, 'refused fragment never matches');
});

test('conjunction_inv negates the whole condition', () => {
  const c = cond({ nw_proto: IpProto.TCP, tp_dst: { start: 80, end: 80 }, conjunction_inv: true });
  assert.equal(both(c, { proto: IpProto.TCP, dport: 80 }), false);
  assert.equal(both(c, { proto: IpProto.TCP, dport: 81 }), true);
  assert.equal(both(c, { proto: IpProto.UDP, dport: 80 }), true);
});

test('invert flags negate one term; a term without value ignores its flag', () => {
  const c = cond({ nw_src_ip: '10.0.0.0/24', nw_src_inv: true });
  assert.equal(both(c, { src: '10.0.0.5' }), false);
  assert.equal(both(c, { src: '10.0.1.5' }), true);
  const unset = cond({ nw_src_inv: true, tp_dst_inv: true, inv_dl_type: true, nw_proto_inv: true });
  assert.equal(both(unset, { src: '10.0.0.5' }), true);
});

test('port groups: exterior, in and out groups with invert; empty list is not a member', () => {
  const g = 'aaaaaaaa-0000-4000-8000-000000000001';
  assert.equal(both(cond({ port_group_id: g }), {}, { portGroups: [g] }), true);
  assert.equal(both(cond({ port_group_id: g }), {}, { portGroups: [] }), false);
  assert.equal(both(cond({ port_group_id: g, inv_port_group: true }), {}, {}), true);
  assert.equal(both(cond({ in_port_group_id: g }), {}, { inPortGroups: [g], portGroups: [] }), true);
  assert.equal(both(cond({ in_port_group_id: g }), {}, { portGroups: [g] }), false);
  assert.equal(both(cond({ out_port_group_id: g }), {}, { outPortGroups: [g] }), true);
  assert.equal(both(cond({ out_port_group_id: g, inv_out_port_group: true }), {}, { outPortGroups: [g] }), false);
});

test('in/out port sets; a null port id is not in the set; empty set passes', () => {
  const p1 = 'bbbbbbbb-0000-4000-8000-000000000001';
  const p2 = 'bbbbbbbb-0000-4000-8000-000000000002';
  assert.equal(both(cond({ in_port_ids: [p1, p2] }), {}, { inPortId: p2 }), true);
  assert.equal(both(cond({ in_port_ids: [p1] }), {}, { inPortId: p2 }), false);
  assert.equal(both(cond({ in_port_ids: [p1], in_port_inv: true }), {}, { inPortId: null }), true);
  assert.equal(both(cond({ out_port_ids: [p1] }), {}, { outPortId: null }), false);
  assert.equal(both(cond({ out_port_ids: [] }), {}, { outPortId: null }), true);
});

test('dl_type, dl_src/dl_dst with masks, nw_tos, nw_proto', () => {
  assert.equal(both(cond({ dl_type: 0x0800 }), {}), true);
  assert.equal(both(cond({ dl_type: 0x0806 }), {}), false);
  assert.equal(both(cond({ dl_type: 0x86dd, inv_dl_type: true }), {}), true);
  // OUI mask: only the first three bytes count.
  const oui = cond({ dl_src: 'fa:16:3e:00:00:00', dl_src_mask: 0xffffff000000 });
  assert.equal(both(oui, { ethSrc: 'fa:16:3e:12:34:56' }), true);
  assert.equal(both(oui, { ethSrc: 'fa:16:3f:12:34:56' }), false);
  assert.equal(both(cond({ dl_dst: '02:00:00:00:00:02' }), {}), true);
  assert.equal(both(cond({ dl_dst: '02:00:00:00:00:02', inv_dl_dst: true }), {}), false);
  // Low 32 bits under the mask.
  const low = cond({ dl_dst: '00:00:00:00:00:ff', dl_dst_mask: 0xff });
  assert.equal(both(low, { ethDst: '12:34:56:78:9a:ff' }), true);
  assert.equal(both(cond({ nw_tos: 0x10 }), { tos: 0x10 }), true);
  assert.equal(both(cond({ nw_tos: 0x10, nw_tos_inv: true }), { tos: 0x10 }), false);
  assert.equal(both(cond({ nw_proto: IpProto.UDP }), { proto: IpProto.UDP }), true);
});

test('nw subnets: 0/0 matches any IPv4 but no IPv6; ARP matches on its addresses', () => {
  const all = cond({ nw_src_ip: '0.0.0.0/0' });
  assert.equal(both(all, { src: '192.0.2.1' }), true);
  assert.equal(both(all, { etherType: EtherType.IPV6 }), false, 'positive form never matches non-IP');
  assert.equal(both(cond({ nw_src_ip: '0.0.0.0/0', nw_src_inv: true }), { etherType: EtherType.IPV6 }), true);
  const arp = cond({ nw_dst_ip: '10.0.0.254/32', fragment_policy: 'ANY' });
  assert.equal(both(arp, { etherType: EtherType.ARP, proto: 1, dst: '10.0.0.254' }), true);
  assert.equal(both(cond({ nw_dst_ip: '10.0.0.0/8' }), { dst: '11.0.0.1' }), false);
});

test('tp ranges are inclusive; ICMP type/code sit in the port slots', () => {
  const r = cond({ tp_dst: { start: 1000, end: 2000 } });
  assert.equal(both(r, { dport: 1000 }), true);
  assert.equal(both(r, { dport: 2000 }), true);
  assert.equal(both(r, { dport: 2001 }), false);
  const echo = cond({ nw_proto: IpProto.ICMP, tp_src: { start: 8, end: 8 }, tp_dst: { start: 0, end: 0 } });
  assert.equal(both(echo, { proto: IpProto.ICMP, sport: 8, dport: 0, icmpId: 7 }), true);
  assert.equal(both(echo, { proto: IpProto.ICMP, sport: 0, dport: 0, icmpId: 7 }), false);
  // Non-L4 packets carry 0 in the port slots.
  assert.equal(both(cond({ tp_src: { start: 0, end: 0 } }), { proto: 47 }), true);
});

test('IP address groups, source and destination, with invert', () => {
  const tb = new TopologyBuilder();
  const g = tb.ipAddrGroup(['10.0.0.1', '10.0.0.9']);
  const empty = tb.ipAddrGroup([]);
  const topo = tb.build();
  assert.equal(both(cond({ ip_addr_group_id_src: g }), { src: '10.0.0.1' }, { topo }), true);
  assert.equal(both(cond({ ip_addr_group_id_dst: g }), { dst: '10.0.0.2' }, { topo }), false);
  assert.equal(both(cond({ ip_addr_group_id_dst: g, inv_ip_addr_group_id_dst: true }), { dst: '10.0.0.2' }, { topo }), true);
  assert.equal(both(cond({ ip_addr_group_id_src: empty }), {}, { topo }), false, 'empty group never matches');
  assert.equal(both(cond({ ip_addr_group_id_src: empty, inv_ip_addr_group_id_src: true }), {}, { topo }), true);
});

test('traversed device reads the flow tags', () => {
  const dev = 'cccccccc-0000-4000-8000-000000000001';
  const c = cond({ traversed_device: dev });
  assert.equal(both(c, {}), false);
  assert.equal(both(c, {}, {}, (ctx) => ctx.addTag(deviceTag(dev))), true);
  assert.equal(both(cond({ traversed_device: dev, traversed_device_inv: true }), {}), true);
});

test('icmp_data_src/dst_ip test the quoted header and make the flow userspace-only', () => {
  const data = quotedPacket({ src: '192.168.1.5', dst: '8.8.8.8', proto: IpProto.UDP, sport: 5000, dport: 53 });
  const err: Pkt = { proto: IpProto.ICMP, sport: 3, dport: 3, icmpData: data };
  assert.equal(both(cond({ icmp_data_src_ip: '192.168.1.0/24' }), err), true);
  assert.equal(both(cond({ icmp_data_dst_ip: '192.168.1.0/24' }), err), false);
  assert.equal(both(cond({ icmp_data_dst_ip: '8.8.8.8/32', icmp_data_dst_ip_inv: true }), err), false);
  const ctx = makeCtx(err);
  matchCondition(ctx, cond({ icmp_data_src_ip: '0.0.0.0/0' }));
  assert.ok(ctx.wcmatch.isSeen(Field.ICMP_DATA), 'ICMP data read');
  // A TCP packet answers from the protocol alone, without touching the data.
  const tcp = makeCtx({});
  assert.equal(matchCondition(tcp, cond({ icmp_data_src_ip: '0.0.0.0/0' })), false);
  assert.ok(!tcp.wcmatch.isSeen(Field.ICMP_DATA));
  // An echo (no data) never matches the positive form.
  assert.equal(both(cond({ icmp_data_src_ip: '0.0.0.0/0' }), { proto: IpProto.ICMP, icmpId: 1 }), false);
});

test('match_nw_dst_rewritten and vlan terms', () => {
  const c = cond({ match_nw_dst_rewritten: true });
  assert.equal(both(c, {}), false);
  assert.equal(both(c, {}, {}, (ctx) => (ctx.nwDstRewritten = true)), true);
  assert.equal(both(cond({ no_vlan: true }), {}), true);
  assert.equal(both(cond({ no_vlan: true }), { vlans: [10] }), false);
  assert.equal(both(cond({ vlan: 10 }), { vlans: [10, 20] }), true);
  assert.equal(both(cond({ vlan: 20 }), { vlans: [10, 20] }), false, 'only the outermost tag counts');
  assert.equal(both(cond({ vlan: 10 }), {}), false);
});

test('wildcard: only the fields a term needs are read, and nothing past the first failure', () => {
  const ctx = makeCtx({ dst: '10.0.0.2' });
  matchCondition(ctx, cond({ nw_dst_ip: '10.0.0.0/24' }));
  assert.equal(ctx.wcmatch.seen, Field.NW_FRAG | Field.ETHER_TYPE | Field.NW_DST);
  const early = makeCtx({ proto: IpProto.UDP });
  matchCondition(early, cond({ nw_proto: IpProto.TCP, tp_dst: { start: 80, end: 80 }, nw_src_ip: '1.2.3.4/32' }));
  assert.equal(early.wcmatch.seen, Field.NW_FRAG | Field.NW_PROTO, 'stopped at nw_proto');
  // Forward/return flow terms on an untracked packet read no L4 field.
  const arp = makeCtx({ etherType: EtherType.ARP, proto: 1 });
  matchCondition(arp, cond({ match_forward_flow: true, fragment_policy: 'ANY' }));
  assert.equal(arp.wcmatch.seen & (Field.SRC_PORT | Field.DST_PORT | Field.ICMP_ID), 0);
});
