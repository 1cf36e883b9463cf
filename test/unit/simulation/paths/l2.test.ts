/**
 * End-to-end L2 paths through Simulator.simulate, state carried between
 * packets (effects applied after each): learning then unicast, the bridge
 * answering ARP for its router port, a port mirror, a VM bound to another host,
 * a malformed frame and an unknown ingress port.
 *
 *   vm1, vm2 (local) ── B ── vm3 (remote host)      B ── R 10.0.0.1/24
 *   tap ── M (mirror sink bridge)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildArpRequest, buildUdp } from '../../../../simulation/packet/build.js';
import { Field, IpProto, L2_FIELDS } from '../../../../simulation/packet/flow-match.js';
import { macPortTag } from '../../../../simulation/tags.js';
import { buildBadIhl, checksumProblems, decode, ip, mac, outputsOf, PathRunner } from '../../../support/frames.js';
import { LOCAL_HOST, REMOTE_HOST, TopologyBuilder } from '../../../support/topology-builder.js';

const MAC1 = '02:00:00:00:01:01';
const MAC2 = '02:00:00:00:01:02';
const MAC3 = '02:00:00:00:01:03';
const RMAC = '02:00:00:00:0a:01';

function lan(o: { mirror?: boolean } = {}) {
  const b = new TopologyBuilder();
  b.host(LOCAL_HOST, 'local');
  b.host(REMOTE_HOST, 'remote');
  const br = b.bridge('B');
  const vm1 = b.bridgePort(br, { host: LOCAL_HOST, iface: 'tap1' });
  const vm2 = b.bridgePort(br, { host: LOCAL_HOST, iface: 'tap2' });
  const vm3 = b.bridgePort(br, { host: REMOTE_HOST, iface: 'tap3' });
  const r = b.router('R');
  b.connect(br, r, '10.0.0.1/24', RMAC);
  const m = b.bridge('M');
  const tap = b.bridgePort(m, { host: LOCAL_HOST, iface: 'tap-mirror' });
  if (o.mirror === true) b.port(vm1).inbound_mirror_ids = [b.mirror(tap, [{ nw_proto: IpProto.UDP }])];
  return { b, br, vm1, vm2, vm3, tap, r };
}

function udp(src: string, dst: string, srcIp: string, dstIp: string): Uint8Array {
  return buildUdp({ ethSrc: mac(src), ethDst: mac(dst), ipSrc: ip(srcIp), ipDst: ip(dstIp), srcPort: 5000, dstPort: 6000, payload: Uint8Array.of(1, 2, 3, 4, 5) });
}

test('VM → VM: unknown unicast floods and learns; the reply and the next packet are unicast with an L2-only wildcard', () => {
  const t = lan();
  const run = new PathRunner(t.b.build());
  const first = run.send(t.vm1, udp(MAC1, MAC2, '10.0.0.11', '10.0.0.12'));
  assert.equal(first.r.verdict, 'forward');
  assert.deepEqual(outputsOf(first.r.actions).sort(), [t.vm2, t.vm3].sort(), 'flood: every exterior port but the ingress');
  assert.ok(first.r.effects.some((e) => e.kind === 'mac-learned' && e.mac === mac(MAC1) && e.portId === t.vm1));

  const reply = run.send(t.vm2, udp(MAC2, MAC1, '10.0.0.12', '10.0.0.11'));
  assert.deepEqual(reply.r.actions, [{ kind: 'output', portId: t.vm1 }]);

  const second = run.send(t.vm1, udp(MAC1, MAC2, '10.0.0.11', '10.0.0.12'));
  assert.equal(second.r.verdict, 'forward');
  assert.deepEqual(second.r.actions, [{ kind: 'output', portId: t.vm2 }], 'exactly one output, no rewrite');
  const seen = second.r.origMatch.seen;
  // L2 only, except what the DHCP interception reads before simulation (as
  // MidoNet's PacketWorkflow.handleDHCP does through the match getters): the
  // protocol, and for UDP the source port (not 68, so the check stops there).
  assert.equal(seen & ~(L2_FIELDS | Field.IN_PORT), Field.NW_PROTO | Field.SRC_PORT, 'L2 fields plus the DHCP check');
  assert.equal(seen & (Field.NW_SRC | Field.NW_DST | Field.NW_TTL | Field.DST_PORT), 0);
  assert.ok(seen & Field.ETH_DST && seen & Field.ETH_SRC);
  assert.ok(second.r.tags.includes(macPortTag(t.br, 0, mac(MAC2), t.vm2)));
  assert.ok(second.r.tags.includes(t.br) && second.r.tags.includes(t.vm1) && second.r.tags.includes(t.vm2));
  assert.equal(second.r.stateful, false);
  assert.deepEqual(second.out[0]!.frame, udp(MAC1, MAC2, '10.0.0.11', '10.0.0.12'), 'bridging changes no byte');
});

test('ARP for the gateway: the bridge answers for its router port, consumed, nothing forwarded', () => {
  const t = lan();
  const run = new PathRunner(t.b.build());
  const s = run.send(t.vm1, buildArpRequest(mac(MAC1), ip('10.0.0.11'), ip('10.0.0.1')));
  assert.equal(s.r.verdict, 'consumed');
  assert.deepEqual(s.r.actions, []);
  assert.equal(s.r.generated.length, 1);
  const g = s.r.generated[0]!;
  assert.equal(g.portId, t.vm1, 'the reply egresses the port the request came in on');
  const d = decode(g.frame);
  assert.equal(d.ethSrc, mac(RMAC));
  assert.equal(d.ethDst, mac(MAC1));
  assert.equal(d.nwProto, 2, 'op reply');
  assert.equal(d.nwSrc, ip('10.0.0.1'));
  assert.equal(d.nwDst, ip('10.0.0.11'));
  assert.ok(s.r.effects.some((e) => e.kind === 'mac-learned' && e.mac === mac(MAC1)), 'NoOp still learns');
});

test('a mirror on the VM port copies matching packets to the mirror port, unchanged', () => {
  const t = lan({ mirror: true });
  const run = new PathRunner(t.b.build());
  run.send(t.vm2, udp(MAC2, MAC1, '10.0.0.12', '10.0.0.11')); // learn vm2
  const s = run.send(t.vm1, udp(MAC1, MAC2, '10.0.0.11', '10.0.0.12'));
  assert.equal(s.r.verdict, 'forward');
  assert.deepEqual(outputsOf(s.r.actions), [t.tap, t.vm2], 'mirror copy first (pre-in-filter), then the packet');
  for (const o of s.out) assert.deepEqual(o.frame, udp(MAC1, MAC2, '10.0.0.11', '10.0.0.12'));
  assert.ok(s.r.origMatch.seen & Field.NW_PROTO, 'the mirror condition read the protocol');
  // An ARP frame does not match the mirror's UDP condition: no copy.
  const arp = run.send(t.vm1, buildArpRequest(mac(MAC1), ip('10.0.0.11'), ip('10.0.0.99')));
  assert.ok(!outputsOf(arp.r.actions).includes(t.tap));
});

test('a VM bound to another host: the output names its port and the agent tunnels it', () => {
  const t = lan();
  const topo = t.b.build();
  const run = new PathRunner(topo);
  // vm3's MAC was learned on the remote host and replicated through the MAC table.
  run.state.apply([{ kind: 'mac-learned', bridgeId: t.br, vlan: 0, mac: mac(MAC3), portId: t.vm3 }], run.now);
  const s = run.send(t.vm1, udp(MAC1, MAC3, '10.0.0.11', '10.0.0.13'));
  assert.deepEqual(s.r.actions, [{ kind: 'output', portId: t.vm3 }]);
  const p = topo.port(t.vm3);
  assert.ok(p !== null && p.isExterior && p.hostId === REMOTE_HOST);
});

test('a malformed frame is dropped with the parse reason, before any device', () => {
  const t = lan();
  const run = new PathRunner(t.b.build());
  const s = run.send(t.vm1, buildBadIhl(mac(MAC1), mac(MAC2)));
  assert.equal(s.r.verdict, 'drop');
  assert.equal(s.r.reason, 'ipv4-bad-ihl');
  assert.deepEqual([s.r.actions, s.r.tags, s.r.effects], [[], [], []]);
  const truncated = run.send(t.vm1, new Uint8Array(10));
  assert.equal(truncated.r.reason, 'eth-truncated');
});

test('an unknown ingress port is an error drop', () => {
  const t = lan();
  const run = new PathRunner(t.b.build());
  const s = run.send('00000000-0000-4000-8000-0000000fffff', udp(MAC1, MAC2, '10.0.0.11', '10.0.0.12'));
  assert.equal(s.r.verdict, 'error-drop');
  assert.equal(s.r.reason, 'unknown-ingress-port');
  assert.deepEqual([s.r.actions, s.r.tags, s.r.effects], [[], [], []]);
  assert.deepEqual(checksumProblems(udp(MAC1, MAC2, '10.0.0.11', '10.0.0.12')), []);
});
