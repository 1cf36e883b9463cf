/**
 * End-to-end L4 load balancing: a client behind router R's exterior port
 * connects to a VIP served by the router's load balancer; members sit on a
 * bridge behind R. The VIP hit DNATs to a member, the member's reply is
 * reverse-DNATed back to the VIP, and with source-IP persistence a client keeps
 * its member across connections.
 *
 *   client 203.0.113.9 ── R 203.0.113.1 (exterior) | 10.0.2.1 ── B ── m1 10.0.2.11, m2 10.0.2.12
 *   VIP 198.51.100.80:80 → members :8080
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildArpRequest, buildTcp } from '../../../../simulation/packet/build.js';
import { ACK_FLAG, SYN } from '../../../../simulation/packet/tcp.js';
import { buildGarp, checksumProblems, decode, ip, mac, outputsOf, PathRunner } from '../../../support/frames.js';
import { LOCAL_HOST, TopologyBuilder } from '../../../support/topology-builder.js';

const M = { client: '02:00:00:00:09:09', up: '02:00:00:00:01:01', rb: '02:00:00:00:02:01', m1: '02:00:00:00:02:11', m2: '02:00:00:00:02:12' } as const;
const VIP = '198.51.100.80';
const CLIENT = '203.0.113.9';

function setup(sticky: boolean, seed: number) {
  const b = new TopologyBuilder();
  const r = b.router('R');
  const up = b.routerPort(r, '203.0.113.1/24', { mac: M.up, host: LOCAL_HOST, iface: 'eth0' });
  const br = b.bridge('B');
  b.connect(br, r, '10.0.2.1/24', M.rb);
  const p1 = b.bridgePort(br, { host: LOCAL_HOST, iface: 'tap-m1' });
  const p2 = b.bridgePort(br, { host: LOCAL_HOST, iface: 'tap-m2' });
  const lb = b.loadBalancer(r);
  const pool = b.pool(lb, sticky ? { session_persistence: 'SOURCE_IP' } : {});
  b.poolMember(pool, '10.0.2.11', 8080);
  b.poolMember(pool, '10.0.2.12', 8080);
  b.vip(pool, VIP, 80);
  const run = new PathRunner(b.build(), { seed });
  run.send(p1, buildGarp(mac(M.m1), ip('10.0.2.11')));
  run.send(p2, buildGarp(mac(M.m2), ip('10.0.2.12')));
  // The client asks R for its gateway: R answers and learns the client's MAC.
  const arp = run.send(up, buildArpRequest(mac(M.client), ip(CLIENT), ip('203.0.113.1')));
  assert.equal(arp.r.verdict, 'consumed');
  return { run, r, up, p1, p2, lb };
}

function clientSyn(sport: number): Uint8Array {
  return buildTcp({ ethSrc: mac(M.client), ethDst: mac(M.up), ipSrc: ip(CLIENT), ipDst: ip(VIP), srcPort: sport, dstPort: 80, flags: SYN, seq: 1 });
}

test('TCP to the VIP is DNATed to a member; the member reply is reverse-DNATed back to the client', () => {
  const t = setup(false, 3);
  const s = t.run.send(t.up, clientSyn(41000));
  assert.equal(s.r.verdict, 'forward');
  assert.equal(s.r.stateful, true);
  const [member] = outputsOf(s.r.actions);
  assert.ok(member === t.p1 || member === t.p2);
  const d = decode(s.out[0]!.frame);
  const mip = member === t.p1 ? '10.0.2.11' : '10.0.2.12';
  assert.deepEqual([d.nwDst, d.dstPort, d.srcPort, d.ethSrc, d.ttl], [ip(mip), 8080, 41000, mac(M.rb), 63]);
  assert.deepEqual(checksumProblems(s.out[0]!.frame), []);
  assert.ok(s.r.effects.some((e) => e.kind === 'nat' && e.key.type === 'FWD_DNAT' && e.key.deviceId === t.lb));
  assert.ok(s.r.tags.includes(t.lb), 'tagged with the load balancer');

  const mmac = member === t.p1 ? M.m1 : M.m2;
  const reply = buildTcp({ ethSrc: mac(mmac), ethDst: mac(M.rb), ipSrc: ip(mip), ipDst: ip(CLIENT), srcPort: 8080, dstPort: 41000, flags: SYN | ACK_FLAG, seq: 5, ack: 2 });
  const back = t.run.send(member!, reply);
  assert.equal(back.r.verdict, 'forward');
  assert.deepEqual(outputsOf(back.r.actions), [t.up]);
  const b = decode(back.out[0]!.frame);
  assert.deepEqual([b.nwSrc, b.srcPort, b.nwDst, b.dstPort, b.ethDst], [ip(VIP), 80, ip(CLIENT), 41000, mac(M.client)]);
  assert.deepEqual(checksumProblems(back.out[0]!.frame), []);
});

test('source-IP persistence keeps a client on one member across connections', () => {
  for (const seed of [1, 2, 3, 4]) {
    const t = setup(true, seed);
    const chosen = new Set<string>();
    for (let sport = 42000; sport < 42008; sport++) {
      const s = t.run.send(t.up, clientSyn(sport));
      assert.equal(s.r.verdict, 'forward');
      chosen.add(outputsOf(s.r.actions)[0]!);
      assert.equal(decode(s.out[0]!.frame).srcPort, sport, 'the client port is kept');
    }
    assert.equal(chosen.size, 1, `seed ${seed}: one member for every connection`);
  }
  // Without persistence, eight connections spread over both members (seeded).
  const t = setup(false, 5);
  const chosen = new Set<string>();
  for (let sport = 43000; sport < 43008; sport++) chosen.add(outputsOf(t.run.send(t.up, clientSyn(sport)).r.actions)[0]!);
  assert.equal(chosen.size, 2);
});
