/**
 * End-to-end routed paths: a VM on bridge A reaches a VM on bridge B through
 * router R, and a host behind R's exterior port. The next-hop MAC comes from
 * the bridge ARP table (filled by a GARP) or from the router's ARP table
 * (filled by the ARP reply that answers R's own request after a not-yet).
 *
 *   vmA 10.0.1.10 ── A ── R 10.0.1.1 | 10.0.2.1 ── B ── vmB 10.0.2.20
 *                           R 10.0.3.1 (exterior, uplink) ── host 10.0.3.30
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildArpReply, buildTcp } from '../../../../simulation/packet/build.js';
import { Field, IpProto } from '../../../../simulation/packet/flow-match.js';
import { SYN } from '../../../../simulation/packet/tcp.js';
import { buildGarp, checksumProblems, decode, ip, mac, outputsOf, PathRunner } from '../../../support/frames.js';
import { LOCAL_HOST, TopologyBuilder } from '../../../support/topology-builder.js';

const MA = '02:00:00:00:0a:10';
const MB = '02:00:00:00:0b:20';
const MH = '02:00:00:00:0c:30';
const RA = '02:00:00:aa:00:01';
const RB = '02:00:00:bb:00:01';
const RU = '02:00:00:cc:00:01';

function routed() {
  const b = new TopologyBuilder();
  const a = b.bridge('A');
  const bb = b.bridge('B');
  const r = b.router('R');
  const vmA = b.bridgePort(a, { host: LOCAL_HOST, iface: 'tapA' });
  const vmB = b.bridgePort(bb, { host: LOCAL_HOST, iface: 'tapB' });
  const ra = b.connect(a, r, '10.0.1.1/24', RA);
  const rb = b.connect(bb, r, '10.0.2.1/24', RB);
  const up = b.routerPort(r, '10.0.3.1/24', { mac: RU, host: LOCAL_HOST, iface: 'eth1' });
  return { b, a, bb, r, vmA, vmB, ra, rb, up };
}

function syn(dst: string, ttl = 64): Uint8Array {
  return buildTcp({ ethSrc: mac(MA), ethDst: mac(RA), ipSrc: ip('10.0.1.10'), ipDst: ip(dst), srcPort: 33000, dstPort: 80, flags: SYN, ttl, seq: 7 });
}

test('A → R → B: unresolved next hop waits and ARPs on B; after vmB GARPs, forwarded with MAC rewrite, TTL−1 and a full set-ipv4', () => {
  const t = routed();
  const run = new PathRunner(t.b.build());
  const before = run.send(t.vmA, syn('10.0.2.20'));
  assert.equal(before.r.verdict, 'not-yet');
  assert.deepEqual(before.r.waitingFor, { kind: 'arp', routerId: t.r, ip: ip('10.0.2.20') });
  // R's ARP request went out of its B-side port, was flooded by B, reached vmB.
  assert.equal(before.r.generated.length, 1);
  assert.equal(before.r.generated[0]!.portId, t.vmB);
  const req = decode(before.r.generated[0]!.frame);
  assert.deepEqual([req.etherType, req.ethSrc, req.nwProto, req.nwSrc, req.nwDst], [0x0806, mac(RB), 1, ip('10.0.2.1'), ip('10.0.2.20')]);
  assert.ok(before.r.effects.some((e) => e.kind === 'arp-needed' && e.ip === ip('10.0.2.20')));

  const garp = run.send(t.vmB, buildGarp(mac(MB), ip('10.0.2.20')));
  assert.equal(garp.r.verdict, 'userspace', 'GARP floods install no flow');
  assert.ok(garp.r.effects.some((e) => e.kind === 'bridge-arp' && e.bridgeId === t.bb && e.mac === mac(MB)));

  const s = run.send(t.vmA, syn('10.0.2.20'));
  assert.equal(s.r.verdict, 'forward');
  assert.deepEqual(s.r.actions, [
    { kind: 'set-eth', src: mac(RB), dst: mac(MB) },
    { kind: 'set-ipv4', src: ip('10.0.1.10'), dst: ip('10.0.2.20'), proto: IpProto.TCP, tos: 0, ttl: 63, frag: 0 },
    { kind: 'output', portId: t.vmB },
  ]);
  const out = s.out[0]!.frame;
  const d = decode(out);
  assert.deepEqual([d.ethSrc, d.ethDst, d.ttl, d.srcPort, d.dstPort], [mac(RB), mac(MB), 63, 33000, 80]);
  assert.deepEqual(checksumProblems(out), []);
  const seen = s.r.origMatch.seen;
  for (const f of [Field.ETH_DST, Field.NW_SRC, Field.NW_DST, Field.NW_TTL]) assert.ok(seen & f, `router read field ${f}`);
  assert.ok(s.r.tags.includes(t.r) && s.r.tags.includes(t.a) && s.r.tags.includes(t.bb));
  assert.ok(s.r.tags.some((x) => x.startsWith('route:')), 'tagged with the subnet route');
});

test('R → exterior host: not-yet with an ARP request out of the uplink; the ARP reply resolves it', () => {
  const t = routed();
  const run = new PathRunner(t.b.build());
  const first = run.send(t.vmA, syn('10.0.3.30'));
  assert.equal(first.r.verdict, 'not-yet');
  assert.equal(first.r.generated.length, 1);
  assert.equal(first.r.generated[0]!.portId, t.up);
  const req = decode(first.r.generated[0]!.frame);
  assert.deepEqual([req.ethDst, req.ethSrc, req.nwSrc, req.nwDst], [0xffffffffffff, mac(RU), ip('10.0.3.1'), ip('10.0.3.30')]);

  const reply = run.send(t.up, buildArpReply(mac(MH), ip('10.0.3.30'), mac(RU), ip('10.0.3.1')));
  assert.equal(reply.r.verdict, 'consumed');
  assert.deepEqual(reply.r.effects, [{ kind: 'router-arp', routerId: t.r, ip: ip('10.0.3.30'), mac: mac(MH) }]);

  const s = run.send(t.vmA, syn('10.0.3.30'));
  assert.equal(s.r.verdict, 'forward');
  assert.deepEqual(outputsOf(s.r.actions), [t.up]);
  const d = decode(s.out[0]!.frame);
  assert.deepEqual([d.ethSrc, d.ethDst, d.nwDst, d.ttl], [mac(RU), mac(MH), ip('10.0.3.30'), 63]);
  assert.deepEqual(checksumProblems(s.out[0]!.frame), []);
  assert.ok(s.r.tags.includes(`arp:${t.r}:${ip('10.0.3.30')}`), 'a MAC change for the host invalidates the flow');
});

test('TTL 1 through R: time exceeded back to vmA quoting the packet as it entered, error drop', () => {
  const t = routed();
  const run = new PathRunner(t.b.build());
  run.send(t.vmB, buildGarp(mac(MB), ip('10.0.2.20')));
  const s = run.send(t.vmA, syn('10.0.2.20', 1));
  assert.equal(s.r.verdict, 'error-drop');
  assert.equal(s.r.reason, 'router-ttl-expired');
  assert.deepEqual(s.r.tags, [], 'error drops clear tags');
  assert.equal(s.r.generated.length, 1);
  const g = s.r.generated[0]!;
  assert.equal(g.portId, t.vmA);
  const d = decode(g.frame);
  assert.deepEqual([d.ethSrc, d.ethDst, d.nwSrc, d.nwDst, d.srcPort, d.dstPort], [mac(RA), mac(MA), ip('10.0.1.1'), ip('10.0.1.10'), 11, 0]);
  assert.equal(d.quoted![8], 1, 'quoted TTL is the pre-routing 1');
  assert.deepEqual(checksumProblems(g.frame), []);
});
