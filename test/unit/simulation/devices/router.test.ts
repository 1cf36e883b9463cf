/**
 * The router device end to end through the Simulator (simulation.md §8): each
 * test sends one frame into a router port and asserts on the SimResult —
 * verdict, virtual actions, generated frames, effects, tags and wildcard.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BROADCAST_MAC } from '../../../../simulation/packet/addr.js';
import * as arpv from '../../../../simulation/packet/arp.js';
import { buildIcmpEchoReply, buildIcmpEchoRequest } from '../../../../simulation/packet/build.js';
import { ipv4HeaderChecksum } from '../../../../simulation/packet/checksum.js';
import { EtherType, Field, IpProto } from '../../../../simulation/packet/flow-match.js';
import * as icmpv from '../../../../simulation/packet/icmp.js';
import * as ipv4v from '../../../../simulation/packet/ipv4.js';
import type { SimResult } from '../../../../simulation/result.js';
import { arpEntryTag, routeTag, routerDstIpTag } from '../../../../simulation/tags.js';
import { LOCAL_HOST, TopologyBuilder } from '../../../support/topology-builder.js';
import { MemoryState } from '../../../support/memory-state.js';
import {
  M,
  NOW,
  ip,
  mac,
  parsed,
  routedTopology,
  simulate,
  stateWithHosts,
  tcpFrame,
  withVlan,
} from './router-fixture.js';

function only<T>(xs: readonly T[]): T {
  assert.equal(xs.length, 1, `expected one element, got ${xs.length}`);
  return xs[0]!;
}

/** Asserts the result generated exactly one ICMP error out of `portId`; returns its parse. */
function icmpError(res: SimResult, portId: string, type: number, code: number): ReturnType<typeof parsed> {
  const g = only(res.generated);
  assert.equal(g.portId, portId);
  const p = parsed(g.frame);
  assert.equal(p.m.peek(Field.NW_PROTO), IpProto.ICMP);
  assert.equal(p.m.peek(Field.SRC_PORT), type, 'ICMP type');
  assert.equal(p.m.peek(Field.DST_PORT), code, 'ICMP code');
  assert.equal(p.m.peek(Field.NW_TTL), 64);
  return p;
}

test('forwards between two ports: TTL − 1, MAC rewrite, full set-ipv4, route tags', () => {
  const t = routedTopology();
  const topo = t.b.build();
  const res = simulate(topo, stateWithHosts(t.r), tcpFrame(), t.p1);
  assert.equal(res.verdict, 'forward');
  assert.deepEqual(res.actions, [
    { kind: 'set-eth', src: mac(M.p2), dst: mac(M.h2) },
    { kind: 'set-ipv4', src: ip('10.0.1.10'), dst: ip('10.0.2.20'), proto: 6, tos: 0, ttl: 63, frag: 0 },
    { kind: 'output', portId: t.p2 },
  ]);
  const subnetRoute = topo.router(t.r)!.routes.find((r) => r.nextHop === 'PORT' && r.nextHopPortId === t.p2)!;
  assert.ok(res.tags.includes(routeTag(subnetRoute.id)));
  assert.ok(res.tags.includes(routerDstIpTag(t.r, ip('10.0.2.20'))));
  assert.ok(res.tags.includes(arpEntryTag(t.r, ip('10.0.2.20'))));
  assert.ok(res.tags.includes(t.r), 'router device tag');
  assert.equal(res.generated.length, 0);
});

test('wildcard: a router hop sees EtherType, eth dst, nw src/dst and TTL, not L4 ports', () => {
  const t = routedTopology();
  const res = simulate(t.b.build(), stateWithHosts(t.r), tcpFrame(), t.p1);
  const m = res.origMatch;
  for (const f of [Field.ETHER_TYPE, Field.ETH_DST, Field.NW_SRC, Field.NW_DST, Field.NW_TTL]) {
    assert.ok(m.isSeen(f), `field ${f} seen`);
  }
  assert.ok(!m.isSeen(Field.SRC_PORT) && !m.isSeen(Field.DST_PORT), 'L4 ports not seen');
  assert.ok(!m.isSeen(Field.NW_PROTO), 'protocol not seen');
  assert.equal(res.userspaceOnly, false);
});

test('a rule reading L4 ports widens the wildcard to them', () => {
  const t = routedTopology();
  const c = t.b.chain('in');
  t.b.rule(c, { action: 'ACCEPT', condition: { nw_proto: 6, tp_dst: { start: 80, end: 80 } } });
  t.b.routerObject(t.r).inbound_filter_id = c;
  const res = simulate(t.b.build(), stateWithHosts(t.r), tcpFrame(), t.p1);
  assert.equal(res.verdict, 'forward');
  assert.ok(res.origMatch.isSeen(Field.DST_PORT));
});

test('longest prefix wins', () => {
  const t = routedTopology();
  t.b.route(t.r, { dst_subnet: '10.9.0.0/16', next_hop: 'PORT', next_hop_port_id: t.p2, next_hop_gateway: '10.0.2.20', weight: 100 });
  t.b.route(t.r, { dst_subnet: '10.9.1.0/24', next_hop: 'PORT', next_hop_port_id: t.p3, next_hop_gateway: '10.0.3.30', weight: 100 });
  const topo = t.b.build();
  const st = stateWithHosts(t.r);
  const a = simulate(topo, st, tcpFrame({ dst: '10.9.1.5' }), t.p1);
  assert.deepEqual(a.actions.at(-1), { kind: 'output', portId: t.p3 });
  assert.deepEqual(a.actions[0], { kind: 'set-eth', src: mac(M.p3), dst: mac(M.h3) });
  const b = simulate(topo, st, tcpFrame({ dst: '10.9.2.5' }), t.p1);
  assert.deepEqual(b.actions.at(-1), { kind: 'output', portId: t.p2 });
  assert.deepEqual(b.actions[0], { kind: 'set-eth', src: mac(M.p2), dst: mac(M.h2) });
});

test('among routes of one prefix the lowest weight wins', () => {
  const t = routedTopology();
  t.b.route(t.r, { dst_subnet: '10.8.0.0/16', next_hop: 'PORT', next_hop_port_id: t.p2, next_hop_gateway: '10.0.2.20', weight: 50 });
  t.b.route(t.r, { dst_subnet: '10.8.0.0/16', next_hop: 'PORT', next_hop_port_id: t.p3, next_hop_gateway: '10.0.3.30', weight: 10 });
  const res = simulate(t.b.build(), stateWithHosts(t.r), tcpFrame({ dst: '10.8.4.4' }), t.p1);
  assert.deepEqual(res.actions.at(-1), { kind: 'output', portId: t.p3 });
});

test('ECMP: one flow sticks to one route, flows spread over both', () => {
  const t = routedTopology();
  t.b.route(t.r, { dst_subnet: '10.7.0.0/16', next_hop: 'PORT', next_hop_port_id: t.p2, next_hop_gateway: '10.0.2.20', weight: 100 });
  t.b.route(t.r, { dst_subnet: '10.7.0.0/16', next_hop: 'PORT', next_hop_port_id: t.p3, next_hop_gateway: '10.0.3.30', weight: 100 });
  const topo = t.b.build();
  const st = stateWithHosts(t.r);
  const used = new Set<string>();
  for (let sport = 1000; sport < 1040; sport++) {
    const out = (): unknown => simulate(topo, st, tcpFrame({ dst: '10.7.0.9', sport }), t.p1).actions.at(-1);
    const first = out();
    for (let k = 0; k < 3; k++) assert.deepEqual(out(), first, `flow ${sport} is sticky`);
    used.add((first as { portId: string }).portId);
  }
  assert.deepEqual([...used].sort(), [t.p2, t.p3].sort());
});

test('blackhole route: error-drop, no ICMP, no tags', () => {
  const t = routedTopology();
  t.b.route(t.r, { dst_subnet: '10.6.0.0/16', next_hop: 'BLACKHOLE' });
  const res = simulate(t.b.build(), stateWithHosts(t.r), tcpFrame({ dst: '10.6.0.1' }), t.p1);
  assert.equal(res.verdict, 'error-drop');
  assert.equal(res.reason, 'router-blackhole');
  assert.equal(res.generated.length, 0);
  assert.equal(res.tags.length, 0);
});

test('reject route: ICMP 3/13 to the previous hop and short-drop', () => {
  const t = routedTopology();
  const rid = t.b.route(t.r, { dst_subnet: '10.5.0.0/16', next_hop: 'REJECT' });
  const res = simulate(t.b.build(), stateWithHosts(t.r), tcpFrame({ dst: '10.5.0.1' }), t.p1);
  assert.equal(res.verdict, 'short-drop');
  const p = icmpError(res, t.p1, 3, 13);
  assert.equal(p.m.peek(Field.ETH_SRC), mac(M.p1));
  assert.equal(p.m.peek(Field.ETH_DST), mac(M.h1));
  assert.equal(p.m.peek(Field.NW_SRC), ip('10.0.1.1'));
  assert.equal(p.m.peek(Field.NW_DST), ip('10.0.1.10'));
  assert.ok(res.tags.includes(routeTag(rid)));
});

test('no route: ICMP net unreachable (3/0) and short-drop tagged with the destination', () => {
  const t = routedTopology();
  const res = simulate(t.b.build(), stateWithHosts(t.r), tcpFrame({ dst: '192.168.1.1' }), t.p1);
  assert.equal(res.verdict, 'short-drop');
  assert.equal(res.reason, 'router-no-route');
  icmpError(res, t.p1, 3, 0);
  assert.ok(res.tags.includes(routerDstIpTag(t.r, ip('192.168.1.1'))));
});

test('TTL 1: ICMP time exceeded (11/0) quoting TTL 1, error-drop', () => {
  const t = routedTopology();
  const res = simulate(t.b.build(), stateWithHosts(t.r), tcpFrame({ ttl: 1 }), t.p1);
  assert.equal(res.verdict, 'error-drop');
  const p = icmpError(res, t.p1, 11, 0);
  const q = p.m.peekIcmpData()!;
  assert.equal(ipv4v.ttl(q, 0), 1);
  assert.equal(ipv4v.dst(q, 0), ip('10.0.2.20'));
});

test('no-route wins over TTL expiry (TTL is checked after routing)', () => {
  const t = routedTopology();
  const res = simulate(t.b.build(), stateWithHosts(t.r), tcpFrame({ ttl: 1, dst: '192.168.9.9' }), t.p1);
  assert.equal(res.verdict, 'short-drop');
  icmpError(res, t.p1, 3, 0);
});

test('ping to the ingress port: NoOp and the exact echo reply frame', () => {
  const t = routedTopology();
  const data = new TextEncoder().encode('hello, router');
  const req = buildIcmpEchoRequest({
    ethSrc: mac(M.h1), ethDst: mac(M.p1), ipSrc: ip('10.0.1.10'), ipDst: ip('10.0.1.1'), id: 0x1234, seq: 7, data,
  });
  const res = simulate(t.b.build(), stateWithHosts(t.r), req, t.p1);
  assert.equal(res.verdict, 'consumed');
  const g = only(res.generated);
  assert.equal(g.portId, t.p1);
  const want = buildIcmpEchoReply({
    ethSrc: mac(M.p1), ethDst: mac(M.h1), ipSrc: ip('10.0.1.1'), ipDst: ip('10.0.1.10'), id: 0x1234, seq: 7, data,
  });
  assert.deepEqual(g.frame, want);
});

test('ping to another port of the router is answered from that address, out of the route to the sender', () => {
  const t = routedTopology();
  const req = buildIcmpEchoRequest({
    ethSrc: mac(M.h1), ethDst: mac(M.p1), ipSrc: ip('10.0.1.10'), ipDst: ip('10.0.3.1'), id: 9, seq: 1, data: new Uint8Array(8),
  });
  const res = simulate(t.b.build(), stateWithHosts(t.r), req, t.p1);
  assert.equal(res.verdict, 'consumed');
  const g = only(res.generated);
  assert.equal(g.portId, t.p1);
  const p = parsed(g.frame);
  assert.equal(p.m.peek(Field.NW_SRC), ip('10.0.3.1'));
  assert.equal(p.m.peek(Field.SRC_PORT), icmpv.TYPE_ECHO_REPLY);
  assert.equal(p.m.peek(Field.ETH_SRC), mac(M.p1));
});

test('echo reply whose next hop is not in the ARP table suspends the request', () => {
  const t = routedTopology();
  const req = buildIcmpEchoRequest({
    ethSrc: mac(M.h1), ethDst: mac(M.p1), ipSrc: ip('10.0.1.10'), ipDst: ip('10.0.1.1'), id: 1, seq: 1, data: new Uint8Array(0),
  });
  const res = simulate(t.b.build(), new MemoryState(), req, t.p1);
  assert.equal(res.verdict, 'not-yet');
  assert.deepEqual(res.waitingFor, { kind: 'arp', routerId: t.r, ip: ip('10.0.1.10') });
});

test('LOCAL destination that is not an echo request: error-drop, no ICMP', () => {
  const t = routedTopology();
  const res = simulate(t.b.build(), stateWithHosts(t.r), tcpFrame({ dst: '10.0.1.1' }), t.p1);
  assert.equal(res.verdict, 'error-drop');
  assert.equal(res.reason, 'router-local-not-echo');
  assert.equal(res.generated.length, 0);
});

test('unknown next hop: ARP request out of the egress port, arp-needed effect, not-yet', () => {
  const t = routedTopology();
  const res = simulate(t.b.build(), stateWithHosts(t.r), tcpFrame({ dst: '10.0.2.99' }), t.p1);
  assert.equal(res.verdict, 'not-yet');
  assert.deepEqual(res.waitingFor, { kind: 'arp', routerId: t.r, ip: ip('10.0.2.99') });
  assert.ok(res.effects.some((e) => e.kind === 'arp-needed' && e.ip === ip('10.0.2.99') && e.portId === t.p2));
  const g = only(res.generated);
  assert.equal(g.portId, t.p2);
  const f = g.frame;
  const p = parsed(f);
  assert.equal(p.m.peek(Field.ETHER_TYPE), EtherType.ARP);
  assert.equal(p.m.peek(Field.ETH_SRC), mac(M.p2));
  assert.equal(p.m.peek(Field.ETH_DST), BROADCAST_MAC);
  const o = p.pkt.l3Offset;
  assert.equal(arpv.opcode(f, o), arpv.OP_REQUEST);
  assert.equal(arpv.sha(f, o), mac(M.p2));
  assert.equal(arpv.spa(f, o), ip('10.0.2.1'));
  assert.equal(arpv.tha(f, o), 0);
  assert.equal(arpv.tpa(f, o), ip('10.0.2.99'));
});

test('a stale ARP entry is still used while a new request goes out', () => {
  const t = routedTopology();
  const res = simulate(t.b.build(), stateWithHosts(t.r), tcpFrame(), t.p1, NOW + 70_000);
  assert.equal(res.verdict, 'forward');
  assert.deepEqual(res.actions[0], { kind: 'set-eth', src: mac(M.p2), dst: mac(M.h2) });
  const g = only(res.generated);
  assert.equal(g.portId, t.p2);
  assert.equal(parsed(g.frame).m.peek(Field.ETHER_TYPE), EtherType.ARP);
  assert.ok(res.effects.some((e) => e.kind === 'arp-needed'));
});

test('an expired ARP entry is not used: not-yet', () => {
  const t = routedTopology();
  const res = simulate(t.b.build(), stateWithHosts(t.r), tcpFrame(), t.p1, NOW + 95_000);
  assert.equal(res.verdict, 'not-yet');
});

test('exterior next hop outside the port subnet: ICMP host (3/1) or net (3/0) unreachable, error-drop', () => {
  const t = routedTopology();
  t.b.route(t.r, { dst_subnet: '10.4.0.0/16', next_hop: 'PORT', next_hop_port_id: t.p2, next_hop_gateway: '10.99.9.9' });
  t.b.route(t.r, { dst_subnet: '10.3.0.0/16', next_hop: 'PORT', next_hop_port_id: t.p2 });
  const topo = t.b.build();
  const gw = simulate(topo, stateWithHosts(t.r), tcpFrame({ dst: '10.4.0.5' }), t.p1);
  assert.equal(gw.verdict, 'error-drop');
  icmpError(gw, t.p1, 3, 0);
  const onLink = simulate(topo, stateWithHosts(t.r), tcpFrame({ dst: '10.3.0.5' }), t.p1);
  assert.equal(onLink.verdict, 'error-drop');
  icmpError(onLink, t.p1, 3, 1);
});

test('router admin-down: ICMP 3/13 from the ingress port and drop', () => {
  const t = routedTopology();
  t.b.routerObject(t.r).admin_state_up = false;
  const res = simulate(t.b.build(), stateWithHosts(t.r), tcpFrame(), t.p1);
  assert.equal(res.verdict, 'drop');
  assert.equal(res.reason, 'router-admin-down');
  icmpError(res, t.p1, 3, 13);
});

test('VLAN-tagged frames are dropped; a priority tag is popped', () => {
  const t = routedTopology();
  const topo = t.b.build();
  const tagged = simulate(topo, stateWithHosts(t.r), withVlan(tcpFrame(), 10), t.p1);
  assert.equal(tagged.verdict, 'drop');
  assert.equal(tagged.reason, 'router-vlan-tagged');
  const prio = simulate(topo, stateWithHosts(t.r), withVlan(tcpFrame(), 0), t.p1);
  assert.equal(prio.verdict, 'forward');
  assert.deepEqual(
    prio.actions.map((a) => a.kind),
    ['set-eth', 'set-ipv4', 'pop-vlan', 'output'],
  );
});

test('frames not addressed to the ingress port MAC are dropped', () => {
  const t = routedTopology();
  const res = simulate(t.b.build(), stateWithHosts(t.r), tcpFrame({ ethDst: M.p2 }), t.p1);
  assert.equal(res.verdict, 'drop');
  assert.equal(res.reason, 'router-not-our-mac');
});

test('EtherTypes other than IPv4 and ARP are dropped', () => {
  const t = routedTopology();
  const f = tcpFrame();
  f[12] = 0x88;
  f[13] = 0xcc;
  const res = simulate(t.b.build(), stateWithHosts(t.r), f, t.p1);
  assert.equal(res.verdict, 'drop');
  assert.equal(res.reason, 'router-bad-ethertype');
});

test('inbound chain REJECT: ICMP 3/13 quoting the packet as it entered, drop', () => {
  const t = routedTopology();
  const c = t.b.chain('in');
  t.b.rule(c, { action: 'REJECT', condition: { nw_proto: 6 } });
  t.b.routerObject(t.r).inbound_filter_id = c;
  const res = simulate(t.b.build(), stateWithHosts(t.r), tcpFrame({ ttl: 30 }), t.p1);
  assert.equal(res.verdict, 'drop');
  const p = icmpError(res, t.p1, 3, 13);
  assert.equal(ipv4v.ttl(p.m.peekIcmpData()!, 0), 30);
});

test('inbound chain DROP of a first fragment: ICMP frag-needed (3/4) and error-drop', () => {
  const t = routedTopology();
  const c = t.b.chain('in');
  t.b.rule(c, { action: 'DROP', condition: { fragment_policy: 'ANY' } });
  t.b.routerObject(t.r).inbound_filter_id = c;
  const topo = t.b.build();
  const f = tcpFrame();
  f[14 + ipv4v.FLAGS_FRAGMENT] = f[14 + ipv4v.FLAGS_FRAGMENT]! | 0x20; // MF: a first fragment
  ipv4v.setChecksum(f, 14, 0);
  ipv4v.setChecksum(f, 14, ipv4HeaderChecksum(f, 14, 20));
  const res = simulate(topo, stateWithHosts(t.r), f, t.p1);
  assert.equal(res.verdict, 'error-drop');
  icmpError(res, t.p1, 3, 4);
  const whole = simulate(topo, stateWithHosts(t.r), tcpFrame(), t.p1);
  assert.equal(whole.verdict, 'drop');
  assert.equal(whole.generated.length, 0);
});

test('router outbound chain REJECT: ICMP from the ingress port built from the pre-routing match', () => {
  const t = routedTopology();
  const c = t.b.chain('out');
  t.b.rule(c, { action: 'REJECT', condition: { nw_proto: 6 } });
  t.b.routerObject(t.r).outbound_filter_id = c;
  const res = simulate(t.b.build(), stateWithHosts(t.r), tcpFrame(), t.p1);
  assert.equal(res.verdict, 'drop');
  const p = icmpError(res, t.p1, 3, 13);
  assert.equal(p.m.peek(Field.ETH_DST), mac(M.h1));
  assert.equal(ipv4v.ttl(p.m.peekIcmpData()!, 0), 64);
});

test('egress router port REJECT (reject hook quirk): ICMP to the egress port MAC, quoting TTL − 1', () => {
  const t = routedTopology();
  const c = t.b.chain('p2out');
  t.b.rule(c, { action: 'REJECT', condition: { nw_proto: 6 } });
  t.b.port(t.p2).outbound_filter_id = c;
  const res = simulate(t.b.build(), stateWithHosts(t.r), tcpFrame(), t.p1);
  assert.equal(res.verdict, 'drop');
  const p = icmpError(res, t.p1, 3, 13);
  assert.equal(p.m.peek(Field.ETH_SRC), mac(M.p1));
  assert.equal(p.m.peek(Field.ETH_DST), mac(M.p2), 'the rewritten eth src');
  assert.equal(p.m.peek(Field.NW_DST), ip('10.0.1.10'));
  assert.equal(ipv4v.ttl(p.m.peekIcmpData()!, 0), 63);
});

test('two linked routers: the peer port MAC is used without ARP, TTL drops twice', () => {
  const b = new TopologyBuilder();
  const r1 = b.router('R1');
  const r2 = b.router('R2');
  const p1 = b.routerPort(r1, '10.0.1.1/24', { mac: M.p1, host: LOCAL_HOST });
  const a = b.routerPort(r1, '10.1.0.1/30', { mac: '02:cc:00:00:00:01' });
  const z = b.routerPort(r2, '10.1.0.2/30', { mac: '02:cc:00:00:00:02' });
  b.link(a, z);
  const q2 = b.routerPort(r2, '10.200.0.1/24', { mac: '02:cc:00:00:00:03', host: LOCAL_HOST });
  b.route(r1, { dst_subnet: '10.200.0.0/16', next_hop: 'PORT', next_hop_port_id: a, next_hop_gateway: '10.1.0.2' });
  const st = new MemoryState();
  st.apply([{ kind: 'router-arp', routerId: r2, ip: ip('10.200.0.7'), mac: mac(M.h3) }], NOW);
  const res = simulate(b.build(), st, tcpFrame({ dst: '10.200.0.7' }), p1);
  assert.equal(res.verdict, 'forward');
  assert.deepEqual(res.actions, [
    { kind: 'set-eth', src: mac('02:cc:00:00:00:03'), dst: mac(M.h3) },
    { kind: 'set-ipv4', src: ip('10.0.1.10'), dst: ip('10.200.0.7'), proto: 6, tos: 0, ttl: 62, frag: 0 },
    { kind: 'output', portId: q2 },
  ]);
  assert.ok(!res.tags.includes(arpEntryTag(r1, ip('10.1.0.2'))), 'no ARP for a peer router port');
});

test('bridge → router → bridge: next hop from the bridge ARP table, forwarded out the far bridge', () => {
  const b = new TopologyBuilder();
  const r = b.router('R');
  const b1 = b.bridge('B1');
  const b2 = b.bridge('B2');
  const bp1 = b.bridgePort(b1, { host: LOCAL_HOST });
  const bp2 = b.bridgePort(b2, { host: LOCAL_HOST });
  b.connect(b1, r, '10.0.10.1/24', '02:dd:00:00:00:01');
  b.connect(b2, r, '10.0.20.1/24', '02:dd:00:00:00:02');
  const topo = b.build();
  const frame = tcpFrame({ src: '10.0.10.5', dst: '10.0.20.7', ethDst: '02:dd:00:00:00:01' });

  const st = new MemoryState();
  st.apply([{ kind: 'bridge-arp', bridgeId: b2, ip: ip('10.0.20.7'), mac: mac(M.h2) }], NOW);
  const res = simulate(topo, st, frame, bp1);
  assert.equal(res.verdict, 'forward');
  assert.deepEqual(res.actions, [
    { kind: 'set-eth', src: mac('02:dd:00:00:00:02'), dst: mac(M.h2) },
    { kind: 'set-ipv4', src: ip('10.0.10.5'), dst: ip('10.0.20.7'), proto: 6, tos: 0, ttl: 63, frag: 0 },
    { kind: 'output', portId: bp2 },
  ]);
  assert.ok(res.tags.includes(r));
  assert.ok(!res.effects.some((e) => e.kind === 'arp-needed'));

  // Nothing known: the router ARPs through the far bridge, which floods the request.
  const miss = simulate(topo, new MemoryState(), frame, bp1);
  assert.equal(miss.verdict, 'not-yet');
  const g = only(miss.generated);
  assert.equal(g.portId, bp2);
  const p = parsed(g.frame);
  assert.equal(p.m.peek(Field.ETHER_TYPE), EtherType.ARP);
  assert.equal(arpv.tpa(g.frame, p.pkt.l3Offset), ip('10.0.20.7'));
  assert.equal(arpv.spa(g.frame, p.pkt.l3Offset), ip('10.0.20.1'));
});

test('L4LB inbound ACCEPT skips the router inbound chains and routes the DNATed packet', () => {
  const t = routedTopology();
  const lb = t.b.loadBalancer(t.r);
  const pool = t.b.pool(lb);
  t.b.poolMember(pool, '10.0.2.20', 8080);
  t.b.vip(pool, '10.0.2.100', 80);
  const c = t.b.chain('in');
  t.b.rule(c, { action: 'DROP', condition: { nw_proto: 6 } });
  t.b.routerObject(t.r).inbound_filter_id = c;
  const topo = t.b.build();
  const res = simulate(topo, stateWithHosts(t.r), tcpFrame({ dst: '10.0.2.100' }), t.p1);
  assert.equal(res.verdict, 'forward');
  assert.deepEqual(res.actions, [
    { kind: 'set-eth', src: mac(M.p2), dst: mac(M.h2) },
    { kind: 'set-ipv4', src: ip('10.0.1.10'), dst: ip('10.0.2.20'), proto: 6, tos: 0, ttl: 63, frag: 0 },
    { kind: 'set-tcp', src: 40000, dst: 8080 },
    { kind: 'output', portId: t.p2 },
  ]);
  // Not the VIP: the inbound chain runs and drops.
  const other = simulate(topo, stateWithHosts(t.r), tcpFrame({ dst: '10.0.2.20' }), t.p1);
  assert.equal(other.verdict, 'drop');
});
