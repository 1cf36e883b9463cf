/**
 * End-to-end NAT paths with conntrack, state carried between packets: dynamic
 * SNAT out of a tenant router's uplink through an edge router and back, a
 * floating IP (static DNAT in pre-routing, static SNAT in post-routing), ICMP
 * echo through SNAT, and an ICMP error about a SNATed flow translated inside
 * its quoted packet.
 *
 *   vmS 10.0.0.20 ┐
 *   vmF 10.0.0.10 ┴ T ── R1 10.0.0.1 | 172.16.0.2 ── 172.16.0.1 R2 203.0.113.2 (uplink) ── gw .1
 *
 * R1 pre-routing: FIP DNAT 192.0.2.10 → 10.0.0.10; reverse SNAT for 192.0.2.2.
 * R1 post-routing (out of its uplink): FIP SNAT 10.0.0.10 → 192.0.2.10; else
 * dynamic SNAT 10.0.0.0/24 → 192.0.2.2:1024-65535.
 * VM ports: from the VM [ACCEPT return flow, ACCEPT]; to the VM [ACCEPT
 * return flow, ACCEPT ICMP, ACCEPT tcp/22, DROP].
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildIcmpEchoReply, buildIcmpEchoRequest, buildTcp, buildUdp } from '../../../../simulation/packet/build.js';
import { IpProto } from '../../../../simulation/packet/flow-match.js';
import { ACK_FLAG, SYN } from '../../../../simulation/packet/tcp.js';
import {
  buildGarp, buildIcmpErrorAbout, checksumProblems, decode, decodeQuoted, ip, mac, outputsOf, PathRunner,
} from '../../../support/frames.js';
import { LOCAL_HOST, TopologyBuilder } from '../../../support/topology-builder.js';

const M = {
  vmS: '02:00:00:00:00:20',
  vmF: '02:00:00:00:00:10',
  r1t: '02:00:00:01:00:01',
  up: '02:00:00:02:00:02',
  gw: '02:00:00:09:00:01',
} as const;
const OUTSIDE = '198.51.100.7';

function twoRouters() {
  const b = new TopologyBuilder();
  const t = b.bridge('T');
  const vmS = b.bridgePort(t, { host: LOCAL_HOST, iface: 'tapS' });
  const vmF = b.bridgePort(t, { host: LOCAL_HOST, iface: 'tapF' });
  const r1 = b.router('R1');
  const r2 = b.router('R2');
  b.connect(t, r1, '10.0.0.1/24', M.r1t);
  const r1up = b.routerPort(r1, '172.16.0.2/30');
  const r2in = b.routerPort(r2, '172.16.0.1/30');
  b.link(r1up, r2in);
  const up = b.routerPort(r2, '203.0.113.2/24', { mac: M.up, host: LOCAL_HOST, iface: 'eth-up' });
  b.route(r1, { dst_subnet: '0.0.0.0/0', next_hop: 'PORT', next_hop_port_id: r1up, next_hop_gateway: '172.16.0.1', weight: 100 });
  b.route(r2, { dst_subnet: '0.0.0.0/0', next_hop: 'PORT', next_hop_port_id: up, next_hop_gateway: '203.0.113.1', weight: 100 });
  for (const dst of ['192.0.2.0/24', '10.0.0.0/24']) {
    b.route(r2, { dst_subnet: dst, next_hop: 'PORT', next_hop_port_id: r2in, next_hop_gateway: '172.16.0.2', weight: 100 });
  }
  const pre = b.chain('pre');
  b.rule(pre, { type: 'NAT_RULE', action: 'ACCEPT', condition: { dl_type: 0x800, nw_dst_ip: '192.0.2.10/32', fragment_policy: 'ANY' },
    nat_rule_data: { dnat: true, nat_targets: [{ nw_start: '10.0.0.10', nw_end: '10.0.0.10', tp_start: 0, tp_end: 0 }] } });
  b.rule(pre, { type: 'NAT_RULE', action: 'ACCEPT', condition: { dl_type: 0x800, nw_dst_ip: '192.0.2.2/32', fragment_policy: 'ANY' },
    nat_rule_data: { dnat: false, reverse: true } });
  const post = b.chain('post');
  b.rule(post, { type: 'NAT_RULE', action: 'ACCEPT', condition: { dl_type: 0x800, nw_src_ip: '10.0.0.10/32', out_port_ids: [r1up], fragment_policy: 'ANY' },
    nat_rule_data: { dnat: false, nat_targets: [{ nw_start: '192.0.2.10', nw_end: '192.0.2.10', tp_start: 0, tp_end: 0 }] } });
  b.rule(post, { type: 'NAT_RULE', action: 'ACCEPT', condition: { dl_type: 0x800, nw_src_ip: '10.0.0.0/24', out_port_ids: [r1up], fragment_policy: 'ANY' },
    nat_rule_data: { dnat: false, nat_targets: [{ nw_start: '192.0.2.2', nw_end: '192.0.2.2', tp_start: 1024, tp_end: 65535 }] } });
  Object.assign(b.routerObject(r1), { inbound_filter_id: pre, outbound_filter_id: post });
  const fromVm = b.chain('sg-from-vm');
  b.rule(fromVm, { action: 'ACCEPT', condition: { match_return_flow: true, fragment_policy: 'ANY' } });
  b.rule(fromVm, { action: 'ACCEPT', condition: { fragment_policy: 'ANY' } });
  const toVm = b.chain('sg-to-vm');
  b.rule(toVm, { action: 'ACCEPT', condition: { match_return_flow: true, fragment_policy: 'ANY' } });
  b.rule(toVm, { action: 'ACCEPT', condition: { dl_type: 0x800, nw_proto: IpProto.ICMP, fragment_policy: 'ANY' } });
  b.rule(toVm, { action: 'ACCEPT', condition: { dl_type: 0x800, nw_proto: IpProto.TCP, tp_dst: { start: 22, end: 22 }, fragment_policy: 'HEADER' } });
  b.rule(toVm, { action: 'DROP', condition: { fragment_policy: 'ANY' } });
  for (const p of [vmS, vmF]) Object.assign(b.port(p), { inbound_filter_id: fromVm, outbound_filter_id: toVm });

  const run = new PathRunner(b.build(), { seed: 42 });
  // The VMs announce themselves (bridge ARP table: R1's next hop to them) and
  // the edge router already knows its upstream gateway.
  run.send(vmS, buildGarp(mac(M.vmS), ip('10.0.0.20')));
  run.send(vmF, buildGarp(mac(M.vmF), ip('10.0.0.10')));
  run.state.apply([{ kind: 'router-arp', routerId: r2, ip: ip('203.0.113.1'), mac: mac(M.gw) }], run.now);
  return { run, vmS, vmF, up, r1, r2 };
}

/** A TCP segment arriving on the uplink from the Internet. */
function fromOutside(dst: string, srcPort: number, dstPort: number, flags: number): Uint8Array {
  return buildTcp({ ethSrc: mac(M.gw), ethDst: mac(M.up), ipSrc: ip(OUTSIDE), ipDst: ip(dst), srcPort, dstPort, flags, seq: 99, ack: flags & ACK_FLAG ? 8 : 0 });
}

test('dynamic SNAT out and back: ports and IPs translated, the reply is a return flow, an unsolicited packet is dropped', () => {
  const t = twoRouters();
  const syn = buildTcp({ ethSrc: mac(M.vmS), ethDst: mac(M.r1t), ipSrc: ip('10.0.0.20'), ipDst: ip(OUTSIDE), srcPort: 40000, dstPort: 443, flags: SYN, seq: 7 });
  const out = t.run.send(t.vmS, syn);
  assert.equal(out.r.verdict, 'forward');
  assert.equal(out.r.stateful, true);
  const [setEth, setIp, setTcp, output] = out.r.actions;
  assert.deepEqual(setEth, { kind: 'set-eth', src: mac(M.up), dst: mac(M.gw) });
  assert.deepEqual(setIp, { kind: 'set-ipv4', src: ip('192.0.2.2'), dst: ip(OUTSIDE), proto: 6, tos: 0, ttl: 62, frag: 0 });
  assert.ok(setTcp !== undefined && setTcp.kind === 'set-tcp');
  const natPort = setTcp.src;
  assert.ok(natPort >= 1024 && natPort <= 65535);
  assert.equal(setTcp.dst, 443);
  assert.deepEqual(output, { kind: 'output', portId: t.up });
  const e = decode(out.out[0]!.frame);
  assert.deepEqual([e.nwSrc, e.srcPort, e.dstPort], [ip('192.0.2.2'), natPort, 443]);
  assert.deepEqual(checksumProblems(out.out[0]!.frame), []);
  const kinds = out.r.effects.map((x) => x.kind);
  for (const k of ['nat', 'snat-lease', 'conntrack']) assert.ok(kinds.includes(k as never), `effect ${k}`);
  assert.ok(out.r.effects.some((x) => x.kind === 'nat' && x.key.type === 'REV_SNAT' && x.binding.ip === ip('10.0.0.20') && x.binding.port === 40000));
  assert.ok(out.r.effects.some((x) => x.kind === 'conntrack' && x.key.deviceId === t.r2 && x.key.dstPort === natPort));

  const back = t.run.send(t.up, fromOutside('192.0.2.2', 443, natPort, SYN | ACK_FLAG));
  assert.equal(back.r.verdict, 'forward', back.r.reason);
  assert.deepEqual(outputsOf(back.r.actions), [t.vmS]);
  const d = decode(back.out[0]!.frame);
  assert.deepEqual([d.ethSrc, d.ethDst, d.nwSrc, d.nwDst, d.srcPort, d.dstPort, d.ttl], [mac(M.r1t), mac(M.vmS), ip(OUTSIDE), ip('10.0.0.20'), 443, 40000, 62]);
  assert.deepEqual(checksumProblems(back.out[0]!.frame), []);
  assert.ok(!back.r.effects.some((x) => x.kind === 'conntrack'), 'a return flow creates no conntrack key');

  const unsolicited = t.run.send(t.up, fromOutside('10.0.0.20', 443, 40000, SYN | ACK_FLAG));
  assert.equal(unsolicited.r.verdict, 'drop');
  assert.equal(unsolicited.r.reason, 'port-filter-drop');
});

test('floating IP: inbound to the FIP reaches vmF; the reply leaves with the FIP as source, ports untouched', () => {
  const t = twoRouters();
  const inb = t.run.send(t.up, fromOutside('192.0.2.10', 50000, 22, SYN));
  assert.equal(inb.r.verdict, 'forward');
  assert.deepEqual(inb.r.actions, [
    { kind: 'set-eth', src: mac(M.r1t), dst: mac(M.vmF) },
    { kind: 'set-ipv4', src: ip(OUTSIDE), dst: ip('10.0.0.10'), proto: 6, tos: 0, ttl: 62, frag: 0 },
    { kind: 'output', portId: t.vmF },
  ]);
  assert.deepEqual(checksumProblems(inb.out[0]!.frame), []);
  assert.ok(!inb.r.effects.some((x) => x.kind === 'nat'), 'static NAT keeps no state');

  const reply = buildTcp({ ethSrc: mac(M.vmF), ethDst: mac(M.r1t), ipSrc: ip('10.0.0.10'), ipDst: ip(OUTSIDE), srcPort: 22, dstPort: 50000, flags: SYN | ACK_FLAG, seq: 1, ack: 100 });
  const s = t.run.send(t.vmF, reply);
  assert.equal(s.r.verdict, 'forward');
  assert.deepEqual(s.r.actions, [
    { kind: 'set-eth', src: mac(M.up), dst: mac(M.gw) },
    { kind: 'set-ipv4', src: ip('192.0.2.10'), dst: ip(OUTSIDE), proto: 6, tos: 0, ttl: 62, frag: 0 },
    { kind: 'output', portId: t.up },
  ]);
  const d = decode(s.out[0]!.frame);
  assert.deepEqual([d.nwSrc, d.srcPort, d.dstPort], [ip('192.0.2.10'), 22, 50000]);
  assert.deepEqual(checksumProblems(s.out[0]!.frame), []);
});

test('ICMP echo through SNAT: userspace, identifier kept, the echo reply comes back to the VM', () => {
  const t = twoRouters();
  const data = Uint8Array.of(9, 8, 7, 6, 5, 4, 3, 2);
  const req = buildIcmpEchoRequest({ ethSrc: mac(M.vmS), ethDst: mac(M.r1t), ipSrc: ip('10.0.0.20'), ipDst: ip(OUTSIDE), id: 0x4242, seq: 3, data });
  const out = t.run.send(t.vmS, req);
  assert.equal(out.r.verdict, 'userspace');
  assert.equal(out.r.reason, 'userspace:icmp-id-read');
  assert.deepEqual(outputsOf(out.r.actions), [t.up]);
  assert.ok(!out.r.actions.some((a) => a.kind === 'set-icmp'), 'the identifier is not rewritten');
  const e = decode(out.out[0]!.frame);
  assert.deepEqual([e.nwSrc, e.nwDst, e.icmpId, e.srcPort], [ip('192.0.2.2'), ip(OUTSIDE), 0x4242, 8]);
  assert.deepEqual(checksumProblems(out.out[0]!.frame), []);

  const rep = buildIcmpEchoReply({ ethSrc: mac(M.gw), ethDst: mac(M.up), ipSrc: ip(OUTSIDE), ipDst: ip('192.0.2.2'), id: 0x4242, seq: 3, data });
  const back = t.run.send(t.up, rep);
  assert.equal(back.r.verdict, 'userspace');
  assert.deepEqual(outputsOf(back.r.actions), [t.vmS]);
  const d = decode(back.out[0]!.frame);
  assert.deepEqual([d.nwSrc, d.nwDst, d.icmpId, d.srcPort, d.ethDst], [ip(OUTSIDE), ip('10.0.0.20'), 0x4242, 0, mac(M.vmS)]);
  assert.deepEqual(checksumProblems(back.out[0]!.frame), []);
});

test('an ICMP time exceeded about a SNATed flow is reverse-translated inside the quoted packet', () => {
  const t = twoRouters();
  const dns = buildUdp({ ethSrc: mac(M.vmS), ethDst: mac(M.r1t), ipSrc: ip('10.0.0.20'), ipDst: ip(OUTSIDE), srcPort: 5353, dstPort: 53, payload: Uint8Array.of(1, 2, 3, 4, 5, 6) });
  const out = t.run.send(t.vmS, dns);
  assert.equal(out.r.verdict, 'forward');
  const sent = out.out[0]!.frame;
  const natPort = decode(sent).srcPort;
  assert.notEqual(natPort, 5353);

  // A router out there (the gateway) drops it for TTL and tells 192.0.2.2.
  const err = buildIcmpErrorAbout(sent, { ethSrc: mac(M.gw), ethDst: mac(M.up), ipSrc: ip('203.0.113.1'), ipDst: ip('192.0.2.2'), type: 11, code: 0 });
  const back = t.run.send(t.up, err);
  assert.equal(back.r.verdict, 'userspace', 'ICMP error data was read');
  assert.deepEqual(outputsOf(back.r.actions), [t.vmS]);
  assert.ok(back.r.actions.some((a) => a.kind === 'set-icmp-data'));
  const d = decode(back.out[0]!.frame);
  assert.deepEqual([d.nwSrc, d.nwDst, d.srcPort, d.dstPort], [ip('203.0.113.1'), ip('10.0.0.20'), 11, 0]);
  const q = decodeQuoted(d.quoted!);
  assert.deepEqual(q, { src: ip('10.0.0.20'), dst: ip(OUTSIDE), proto: IpProto.UDP, srcPort: 5353, dstPort: 53 });
  assert.deepEqual(checksumProblems(back.out[0]!.frame), []);
});
