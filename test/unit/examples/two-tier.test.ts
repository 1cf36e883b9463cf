/**
 * Pins the behaviour of examples/two-tier: the story of test/support/
 * example-traffic.ts runs through the real simulator over the example's
 * topology file, with state carried from frame to frame, and each frame's
 * verdict, outputs and key rewrites are checked. Also checks that the example's
 * packets.json and traffic.pcap are exactly what the story produces.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTopologyFile } from '../../../agent/topology-file/index.js';
import { parseCapture } from '../../../agent/capture/pcap.js';
import { buildTopology } from '../../../simulation/topology/build.js';
import { EX, exampleTraffic } from '../../support/example-traffic.js';
import { checksumProblems, decode, ip, mac, PathRunner, outputsOf, type Sent } from '../../support/frames.js';
import { EXAMPLE_DIR, examplePacketsJson, examplePcap } from '../../support/write-example-packets.js';

const T0 = 1_000_000;

function runStory(): Sent[] {
  const { objects, localHostId } = loadTopologyFile(join(EXAMPLE_DIR, 'topology.json'));
  assert.equal(localHostId, 'a0000000-0000-4000-8000-000000000001');
  const { snapshot, diagnostics } = buildTopology(objects, { localHostId: localHostId ?? null });
  assert.deepEqual(diagnostics.items, [], 'the example topology is clean');
  const run = new PathRunner(snapshot, { now: T0 });
  const sent: Sent[] = [];
  for (const e of exampleTraffic()) {
    if (e.at !== undefined) run.now = T0 + e.at * 1000;
    sent.push(run.send(e.port, e.frame, 0));
  }
  return sent;
}

const story = runStory();
const at = (i: number): Sent => story[i]!;

test('the story has one result per frame and the expected verdicts', () => {
  assert.deepEqual(
    story.map((s) => s.r.verdict),
    [
      'userspace', // vm1 GARP
      'userspace', // vm3 GARP
      'consumed', // DHCP DISCOVER
      'consumed', // DHCP REQUEST
      'consumed', // ARP for the gateway
      'userspace', // ping vm3 (conntrack read the ICMP id)
      'userspace', // vm3's echo reply
      'consumed', // ping the gateway
      'not-yet', // SYN: upstream MAC unknown
      'consumed', // the upstream ARP reply
      'forward', // SYN again
      'forward', // SYN-ACK back in
      'forward', // inbound :22
      'drop', // inbound :80
      'forward', // ARP for vm2, flooded
      'drop', // malformed
    ],
  );
});

test('GARPs flood to the other VM ports and fill the bridge ARP table', () => {
  assert.deepEqual(outputsOf(at(0).r.actions).sort(), [EX.vm2Port, EX.vm3Port].sort());
  assert.ok(at(0).r.effects.some((e) => e.kind === 'bridge-arp' && e.ip === ip(EX.vm1) && e.mac === mac(EX.vm1Mac)));
  assert.deepEqual(outputsOf(at(1).r.actions).sort(), [EX.vm1Port, EX.vm2Port].sort());
});

test('DHCP: OFFER then ACK to vm1, from the DHCP server MAC', () => {
  for (const [i, type] of [[2, 2], [3, 5]] as const) {
    const g = at(i).r.generated;
    assert.equal(g.length, 1);
    assert.equal(g[0]!.portId, EX.vm1Port);
    const f = g[0]!.frame;
    const d = decode(f);
    assert.equal(d.ethDst, mac(EX.vm1Mac));
    assert.equal(d.nwSrc, ip('10.0.0.2'));
    assert.equal(d.srcPort, 67);
    assert.deepEqual(checksumProblems(f), []);
    // yiaddr at BOOTP offset 16 (after 14 + 20 + 8 bytes of headers), option 53 first.
    const bootp = 42;
    assert.equal(((f[bootp + 16]! << 24) | (f[bootp + 17]! << 16) | (f[bootp + 18]! << 8) | f[bootp + 19]!) >>> 0, ip(EX.vm1));
    assert.equal(dhcpType(f.subarray(bootp)), type);
  }
});

function dhcpType(bootp: Uint8Array): number {
  for (let o = 240; o < bootp.length && bootp[o] !== 255; o += 2 + bootp[o + 1]!) if (bootp[o] === 53) return bootp[o + 2]!;
  return -1;
}

test('ARP for the gateway is answered by the bridge with the router port MAC', () => {
  const g = at(4).r.generated;
  assert.equal(g.length, 1);
  assert.equal(g[0]!.portId, EX.vm1Port);
  const d = decode(g[0]!.frame);
  assert.equal(d.ethSrc, mac(EX.gatewayMac));
  assert.equal(d.nwSrc, ip(EX.gateway));
  assert.equal(d.nwProto, 2, 'ARP reply');
});

test('pings between vm1 and vm3 are bridged unchanged', () => {
  assert.deepEqual(outputsOf(at(5).r.actions), [EX.vm3Port]);
  assert.deepEqual(outputsOf(at(6).r.actions), [EX.vm1Port]);
  assert.deepEqual(at(6).out[0]!.frame, exampleTraffic()[6]!.frame);
});

test('the tenant router answers the ping to 10.0.0.1', () => {
  const g = at(7).r.generated;
  assert.equal(g.length, 1);
  assert.equal(g[0]!.portId, EX.vm1Port);
  const d = decode(g[0]!.frame);
  assert.equal(d.nwSrc, ip(EX.gateway));
  assert.equal(d.nwDst, ip(EX.vm1));
  assert.equal(d.srcPort, 0, 'echo reply');
  assert.equal(d.icmpId, 0x78);
  assert.deepEqual(checksumProblems(g[0]!.frame), []);
});

test('the first SYN waits for ARP; the edge router asks on the uplink', () => {
  const r = at(8).r;
  assert.deepEqual(r.waitingFor, { kind: 'arp', routerId: EX.edgeRouter, ip: ip(EX.upstream) });
  assert.equal(r.generated.length, 1);
  assert.equal(r.generated[0]!.portId, EX.uplinkPort);
  const d = decode(r.generated[0]!.frame);
  assert.equal(d.ethSrc, mac(EX.uplinkMac));
  assert.equal(d.nwSrc, ip(EX.uplink));
  assert.equal(d.nwDst, ip(EX.upstream));
  assert.ok(at(9).r.effects.some((e) => e.kind === 'router-arp' && e.ip === ip(EX.upstream) && e.mac === mac(EX.upstreamMac)));
});

test('the SYN leaves the uplink with the floating IP as source, TTL 62', () => {
  const s = at(10);
  assert.deepEqual(outputsOf(s.r.actions), [EX.uplinkPort]);
  const d = decode(s.out[0]!.frame);
  assert.equal(d.ethSrc, mac(EX.uplinkMac));
  assert.equal(d.ethDst, mac(EX.upstreamMac));
  assert.equal(d.nwSrc, ip(EX.fip));
  assert.equal(d.nwDst, ip(EX.remote));
  assert.equal(d.ttl, 62);
  assert.deepEqual([d.srcPort, d.dstPort], [40001, 443]);
  assert.deepEqual(checksumProblems(s.out[0]!.frame), []);
  assert.ok(s.r.effects.some((e) => e.kind === 'conntrack' && e.key.deviceId === EX.edgeRouter));
});

test('the SYN-ACK is DNATed to vm1 and let in as a return flow (no new conntrack key)', () => {
  const s = at(11);
  assert.deepEqual(outputsOf(s.r.actions), [EX.vm1Port]);
  const d = decode(s.out[0]!.frame);
  assert.equal(d.nwDst, ip(EX.vm1));
  assert.equal(d.ethDst, mac(EX.vm1Mac));
  assert.deepEqual([d.srcPort, d.dstPort], [443, 40001]);
  assert.deepEqual(checksumProblems(s.out[0]!.frame), []);
  assert.ok(!s.r.effects.some((e) => e.kind === 'conntrack'));
});

test('inbound to the floating IP: port 22 allowed, port 80 dropped by the security group', () => {
  assert.deepEqual(outputsOf(at(12).r.actions), [EX.vm1Port]);
  assert.equal(decode(at(12).out[0]!.frame).nwDst, ip(EX.vm1));
  assert.equal(at(13).r.reason, 'port-filter-drop');
  assert.deepEqual(at(13).r.actions, []);
});

test('ARP for vm2 reaches compute-2 (remote port output) and vm3', () => {
  assert.deepEqual(outputsOf(at(14).r.actions).sort(), [EX.vm2Port, EX.vm3Port].sort());
});

test('the malformed frame is dropped with its parse reason', () => {
  assert.equal(at(15).r.reason, 'ipv4-bad-ihl');
  assert.deepEqual(at(15).r.effects, []);
});

test('packets.json and traffic.pcap are exactly the story', () => {
  const json = readFileSync(join(EXAMPLE_DIR, 'packets.json'), 'utf8');
  assert.equal(json, examplePacketsJson(), 'regenerate with: npx tsx test/support/write-example-packets.ts');
  const doc = JSON.parse(json) as { port: string; frame: string; at?: number }[];
  const story = exampleTraffic();
  assert.equal(doc.length, story.length);
  const pcap = new Uint8Array(readFileSync(join(EXAMPLE_DIR, 'traffic.pcap')));
  assert.deepEqual(pcap, examplePcap());
  const frames = parseCapture(pcap).frames;
  assert.equal(frames.length, story.length);
  story.forEach((e, i) => {
    assert.equal(doc[i]!.port, e.port);
    assert.equal(doc[i]!.at, e.at);
    assert.deepEqual(frames[i]!.data, e.frame);
  });
});
