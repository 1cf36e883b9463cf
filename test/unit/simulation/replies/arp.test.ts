/**
 * Router ARP processing (simulation.md §8.6) through the Simulator: requests
 * for the ingress port's address are answered with an exact reply frame and the
 * sender is learned (a router-arp effect); everything else is learned or ignored
 * by the rules MidoNet applies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BROADCAST_MAC } from '../../../../simulation/packet/addr.js';
import * as arpv from '../../../../simulation/packet/arp.js';
import { buildArpReply, buildArpRequest } from '../../../../simulation/packet/build.js';
import { EtherType, Field } from '../../../../simulation/packet/flow-match.js';
import { routerArpRequestFrame } from '../../../../simulation/replies/arp.js';
import type { SimResult } from '../../../../simulation/result.js';
import type { RouterPort } from '../../../../simulation/topology/model.js';
import { MemoryState } from '../../../support/memory-state.js';
import { M, NOW, ip, mac, parsed, routedTopology, simulate, tcpFrame } from '../devices/router-fixture.js';

function learned(res: SimResult): { ip: number; mac: number }[] {
  return res.effects.flatMap((e) => (e.kind === 'router-arp' ? [{ ip: e.ip, mac: e.mac }] : []));
}

test('ARP request for the ingress port address: exact reply, sender learned, consumed', () => {
  const t = routedTopology();
  const req = buildArpRequest(mac(M.h1), ip('10.0.1.10'), ip('10.0.1.1'));
  const res = simulate(t.b.build(), new MemoryState(), req, t.p1);
  assert.equal(res.verdict, 'consumed');
  assert.deepEqual(learned(res), [{ ip: ip('10.0.1.10'), mac: mac(M.h1) }]);
  assert.equal(res.generated.length, 1);
  const g = res.generated[0]!;
  assert.equal(g.portId, t.p1);
  // Byte for byte: eth p1 → h1, op 2, sender p1 MAC/IP, target h1 MAC/IP.
  assert.deepEqual(g.frame, buildArpReply(mac(M.p1), ip('10.0.1.1'), mac(M.h1), ip('10.0.1.10')));
  const f = g.frame;
  const o = parsed(f).pkt.l3Offset;
  assert.equal(arpv.htype(f, o), 1);
  assert.equal(arpv.ptype(f, o), 0x0800);
  assert.equal(arpv.opcode(f, o), 2);
  assert.equal(arpv.sha(f, o), mac(M.p1));
  assert.equal(arpv.spa(f, o), ip('10.0.1.1'));
  assert.equal(arpv.tha(f, o), mac(M.h1));
  assert.equal(arpv.tpa(f, o), ip('10.0.1.10'));
});

test("ARP request for another port's address is not answered", () => {
  const t = routedTopology();
  const req = buildArpRequest(mac(M.h1), ip('10.0.1.10'), ip('10.0.2.1'));
  const res = simulate(t.b.build(), new MemoryState(), req, t.p1);
  assert.equal(res.verdict, 'consumed');
  assert.equal(res.generated.length, 0);
  assert.deepEqual(learned(res), []);
});

test('ARP request from a sender outside the port subnet is ignored', () => {
  const t = routedTopology();
  const req = buildArpRequest(mac(M.h1), ip('172.16.0.9'), ip('10.0.1.1'));
  const res = simulate(t.b.build(), new MemoryState(), req, t.p1);
  assert.equal(res.generated.length, 0);
  assert.deepEqual(learned(res), []);
});

test('gratuitous ARP request: sender learned, no reply', () => {
  const t = routedTopology();
  const garp = buildArpRequest(mac(M.h1), ip('10.0.1.10'), ip('10.0.1.10'));
  const res = simulate(t.b.build(), new MemoryState(), garp, t.p1);
  assert.equal(res.verdict, 'consumed');
  assert.equal(res.generated.length, 0);
  assert.deepEqual(learned(res), [{ ip: ip('10.0.1.10'), mac: mac(M.h1) }]);
});

test('ARP reply addressed to the port is learned, unicast to our MAC', () => {
  const t = routedTopology();
  const reply = buildArpReply(mac(M.h2), ip('10.0.2.20'), mac(M.p2), ip('10.0.2.1'));
  const res = simulate(t.b.build(), new MemoryState(), reply, t.p2);
  assert.equal(res.verdict, 'consumed');
  assert.deepEqual(learned(res), [{ ip: ip('10.0.2.20'), mac: mac(M.h2) }]);
});

test('ARP reply for someone else is ignored; a gratuitous reply is learned', () => {
  const t = routedTopology();
  const topo = t.b.build();
  const other = buildArpReply(mac(M.h2), ip('10.0.2.20'), mac(M.h3), ip('10.0.2.1'));
  other.set([0x02, 0xaa, 0, 0, 0, 0x02], 0); // eth dst = p2 so the router looks at it
  const ignored = simulate(topo, new MemoryState(), other, t.p2);
  assert.deepEqual(learned(ignored), []);
  const grat = buildArpReply(mac(M.h2), ip('10.0.2.20'), mac(M.h2), ip('10.0.2.20'));
  grat.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 0);
  const res = simulate(topo, new MemoryState(), grat, t.p2);
  assert.deepEqual(learned(res), [{ ip: ip('10.0.2.20'), mac: mac(M.h2) }]);
});

test('an up-to-date entry with the same MAC is not rewritten; a stale one is', () => {
  const t = routedTopology();
  const topo = t.b.build();
  const st = new MemoryState();
  st.apply([{ kind: 'router-arp', routerId: t.r, ip: ip('10.0.1.10'), mac: mac(M.h1) }], NOW);
  const req = buildArpRequest(mac(M.h1), ip('10.0.1.10'), ip('10.0.1.1'));
  assert.deepEqual(learned(simulate(topo, st, req, t.p1, NOW + 1000)), []);
  assert.equal(learned(simulate(topo, st, req, t.p1, NOW + 61_000)).length, 1);
});

test('learned entries are used for forwarding once applied', () => {
  const t = routedTopology();
  const topo = t.b.build();
  const st = new MemoryState();
  const before = simulate(topo, st, tcpFrame(), t.p1);
  assert.equal(before.verdict, 'not-yet');
  const res = simulate(topo, st, buildArpRequest(mac(M.h2), ip('10.0.2.20'), ip('10.0.2.1')), t.p2);
  st.apply(res.effects, NOW);
  const after = simulate(topo, st, tcpFrame(), t.p1);
  assert.equal(after.verdict, 'forward');
  assert.deepEqual(after.actions[0], { kind: 'set-eth', src: mac(M.p2), dst: mac(M.h2) });
});

test('ARP opcodes other than request and reply are dropped', () => {
  const t = routedTopology();
  const f = buildArpRequest(mac(M.h1), ip('10.0.1.10'), ip('10.0.1.1'));
  f[14 + arpv.OPER + 1] = 3; // RARP request
  const res = simulate(t.b.build(), new MemoryState(), f, t.p1);
  assert.equal(res.verdict, 'drop');
  assert.equal(res.reason, 'router-arp-bad-opcode');
});

test('the ARP request a router sends for a next hop', () => {
  const t = routedTopology();
  const topo = t.b.build();
  const port = topo.port(t.p2) as RouterPort;
  const f = routerArpRequestFrame(port, ip('10.0.2.77'));
  assert.ok(f !== null);
  assert.deepEqual(f, buildArpRequest(mac(M.p2), ip('10.0.2.1'), ip('10.0.2.77')));
  const p = parsed(f);
  assert.equal(p.m.peek(Field.ETHER_TYPE), EtherType.ARP);
  assert.equal(p.m.peek(Field.ETH_DST), BROADCAST_MAC);
  assert.equal(p.m.peek(Field.ETH_SRC), mac(M.p2));
  const o = p.pkt.l3Offset;
  assert.equal(arpv.opcode(f, o), arpv.OP_REQUEST);
  assert.equal(arpv.sha(f, o), mac(M.p2));
  assert.equal(arpv.spa(f, o), ip('10.0.2.1'));
  assert.equal(arpv.tha(f, o), 0);
  assert.equal(arpv.tpa(f, o), ip('10.0.2.77'));
  const bare = { ...port, address: null, subnet: null };
  assert.equal(routerArpRequestFrame(bare, ip('10.0.2.77')), null, 'no address, no request');
});
