import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PacketWorkflow, datapathFlowSink, type InstalledFlow } from '../../../../agent/workflow/packet-workflow.js';
import { FlowController } from '../../../../agent/flows/flow-controller.js';
import { TopologyPortResolver } from '../../../../agent/flows/port-resolver.js';
import { PacketCounters } from '../../../../agent/runtime/metrics.js';
import { LocalState } from '../../../../agent/state/local-state.js';
import type { Upcall } from '../../../../agent/datapath/dpif.js';
import type { AttrSource, FlowPutSpec } from '../../../../agent/datapath/genl-flow.js';
import { NlWriter } from '../../../../agent/datapath/nl-writer.js';
import { decodeActions } from '../../../../agent/datapath/odp-actions.js';
import type { OdpAction } from '../../../../agent/datapath/odp-types.js';
import { waitKey } from '../../../../agent/workflow/waiting-room.js';
import { Simulator } from '../../../../simulation/simulator.js';
import { FlowMatch } from '../../../../simulation/packet/flow-match.js';
import { ParsedPacket, parseFrame } from '../../../../simulation/packet/parse.js';
import { buildArpReply, buildArpRequest, buildUdp } from '../../../../simulation/packet/build.js';
import { parseIpv4, parseMac } from '../../../../simulation/packet/addr.js';
import { TopologyBuilder, LOCAL_HOST, REMOTE_HOST } from '../../../support/topology-builder.js';

const mac = (s: string) => parseMac(s)!;
const ip = (s: string) => parseIpv4(s)!;

function bytesOf(src: AttrSource): Uint8Array {
  if (typeof src !== 'function') return src;
  const w = new NlWriter(512);
  src(w);
  return w.bytes().slice();
}
function actionsOf(src: AttrSource): OdpAction[] {
  const b = bytesOf(src);
  const r = decodeActions(b, 0, b.length);
  assert.ok(r.ok);
  return r.value;
}

class RecordingDp {
  readonly puts: FlowPutSpec[] = [];
  readonly executes: { actions: OdpAction[]; frame: Uint8Array }[] = [];
  readonly deletes: Uint8Array[] = [];
  putFlow(spec: FlowPutSpec): void {
    this.puts.push(spec);
  }
  execute(_key: AttrSource, actions: AttrSource, packet: Uint8Array): void {
    this.executes.push({ actions: actionsOf(actions), frame: packet.slice() });
  }
  deleteFlow(key: AttrSource): { packets: number; bytes: number; tcpFlags: number; used: number } {
    this.deletes.push(bytesOf(key));
    return { packets: 0, bytes: 0, tcpFlags: 0, used: 0 };
  }
}

function upcall(portNo: number, frame: Uint8Array, tunnel?: { key: number; src: number; dst: number }): Upcall {
  const match = new FlowMatch();
  assert.ok(parseFrame(frame, match, new ParsedPacket()).ok);
  match.inPort = portNo;
  if (tunnel !== undefined) {
    match.tunnelKey = tunnel.key;
    match.tunnelSrc = tunnel.src;
    match.tunnelDst = tunnel.dst;
  }
  return { portNo, reason: 'miss', buf: frame, packet: { off: 0, len: frame.length }, key: { off: 0, len: 0 }, userdata: null, match, fitness: 'perfect' };
}

function setup() {
  const b = new TopologyBuilder();
  b.host(LOCAL_HOST);
  b.host(REMOTE_HOST);
  b.tunnelZone('VXLAN', { [LOCAL_HOST]: '192.168.0.1', [REMOTE_HOST]: '192.168.0.2' });
  const br = b.bridge('br');
  const vm1 = b.bridgePort(br, { host: LOCAL_HOST, iface: 'tap1' });
  const vm2 = b.bridgePort(br, { host: LOCAL_HOST, iface: 'tap2' });
  const vm3 = b.bridgePort(br, { host: REMOTE_HOST, iface: 'tap3' });
  const r = b.router('r');
  b.connect(br, r, '10.0.0.1/24', '02:00:00:00:00:01');
  const up = b.routerPort(r, '203.0.113.2/24', { host: LOCAL_HOST, iface: 'eth1', mac: '02:00:00:00:00:02' });
  b.route(r, { dst_subnet: '0.0.0.0/0', next_hop: 'PORT', next_hop_port_id: up, next_hop_gateway: '203.0.113.1', weight: 100 });
  const topo = b.build();
  const dpOf = new Map([[vm1, 4], [vm2, 5], [up, 6]]);
  const portOf = new Map([...dpOf].map(([k, v]) => [v, k]));
  const dp = new RecordingDp();
  let now = 1_000;
  const state = new LocalState();
  const counters = new PacketCounters();
  const resolver = new TopologyPortResolver({ topo: () => topo, localHostId: LOCAL_HOST, localDpPort: (id) => dpOf.get(id), overlay: { gre: 1, vxlan: 2 } });
  const flows = new FlowController<InstalledFlow>(datapathFlowSink(dp, (e) => assert.fail(String(e))));
  const sim = new Simulator(topo, state);
  const wf = new PacketWorkflow({
    dp,
    ports: { portForDp: (n) => portOf.get(n), dpForTunnelKey: (k) => (k === 0x100001 ? 4 : undefined) },
    simulator: () => sim,
    state,
    flows,
    resolver,
    clock: () => now,
    counters,
    megaflow: true,
  });
  return { wf, dp, flows, counters, state, ids: { br, vm1, vm2, vm3, r, up }, tick: (ms: number) => (now += ms) };
}

const VM1 = '02:aa:00:00:00:01';
const VM2 = '02:aa:00:00:00:02';
const udp = (srcMac: string, dstMac: string, dst = '10.0.0.2') =>
  buildUdp({ ethSrc: mac(srcMac), ethDst: mac(dstMac), ipSrc: ip("10.0.0.1"), ipDst: ip(dst), srcPort: 1000, dstPort: 2000, payload: new Uint8Array(4) });

test('a flooded miss installs one flow (local vport + tunnel) and executes the packet', () => {
  const { wf, dp, flows, counters } = setup();
  wf.handleUpcall(upcall(4, udp(VM1, VM2)));
  assert.equal(dp.puts.length, 1);
  const acts = actionsOf(dp.puts[0]!.actions);
  assert.ok(acts.some((a) => a.kind === 'output' && a.port === 5), 'local vm2');
  assert.ok(acts.some((a) => a.kind === 'set' && a.key.kind === 'tunnel'), 'tunnel to the remote vm3');
  assert.ok(acts.some((a) => a.kind === 'output' && a.port === 2), 'through tnvxlan-overlay');
  assert.notEqual(dp.puts[0]!.mask, null, 'megaflow mask');
  assert.equal(dp.executes.length, 1);
  assert.equal(flows.size, 1);
  assert.equal(counters.forwarded, 1);
});

test('the same miss again is executed but not installed twice', () => {
  const { wf, dp, flows } = setup();
  wf.handleUpcall(upcall(4, udp(VM1, VM2)));
  wf.handleUpcall(upcall(4, udp(VM1, VM2)));
  assert.equal(dp.puts.length, 1);
  assert.equal(dp.executes.length, 2);
  assert.equal(flows.size, 1);
});

test('learning: after vm2 speaks, traffic to it is unicast and the flood flow is invalidated', () => {
  const { wf, dp, flows } = setup();
  wf.handleUpcall(upcall(4, udp(VM1, VM2)));
  assert.equal(flows.size, 1);
  wf.handleUpcall(upcall(5, udp(VM2, VM1, '10.0.0.1')));
  // The flood flow was tagged "vm2's MAC unknown": learning it invalidated it.
  assert.equal(dp.deletes.length, 1);
  assert.deepEqual(dp.deletes[0], bytesOf(dp.puts[0]!.key));
  assert.equal(flows.size, 1);
  wf.handleUpcall(upcall(4, udp(VM1, VM2, '10.0.0.3')));
  const last = actionsOf(dp.puts.at(-1)!.actions);
  assert.deepEqual(last, [{ kind: 'output', port: 5 }]);
});

test('an upcall from an unbound vport gets a short drop flow', () => {
  const { wf, dp, counters } = setup();
  wf.handleUpcall(upcall(9, udp(VM1, VM2)));
  assert.equal(dp.puts.length, 1);
  assert.deepEqual(actionsOf(dp.puts[0]!.actions), []);
  assert.equal(dp.executes.length, 0);
  assert.equal(counters.reasons.get('unknown-dp-port'), 1);
});

test('tunnel ingress: known key → output to the local vport without simulation; unknown → drop; 0xFFFFFF → flow state', () => {
  const { wf, dp, counters } = setup();
  const t = { src: ip('192.168.0.2'), dst: ip('192.168.0.1') };
  wf.handleUpcall(upcall(2, udp(VM2, VM1), { key: 0x100001, ...t }));
  assert.deepEqual(actionsOf(dp.puts[0]!.actions), [{ kind: 'output', port: 4 }]);
  assert.equal(dp.executes.length, 1);
  assert.equal(counters.simulations, 0);
  wf.handleUpcall(upcall(2, udp(VM2, VM1, '10.0.0.9'), { key: 0x100999, ...t }));
  assert.deepEqual(actionsOf(dp.puts[1]!.actions), []);
  wf.handleUpcall(upcall(2, udp(VM2, VM1, '10.0.0.8'), { key: 0xffffff, ...t }));
  assert.equal(wf.flowStatePackets, 1);
  assert.equal(dp.puts.length, 2);
});

test('ARP answered by the bridge: consumed, no flow, the reply is executed out of the ingress vport', () => {
  const { wf, dp, counters } = setup();
  wf.handleUpcall(upcall(4, buildArpRequest(mac(VM1), ip('10.0.0.5'), ip('10.0.0.1'))));
  assert.equal(dp.puts.length, 0);
  assert.equal(counters.consumed, 1);
  assert.equal(dp.executes.length, 1);
  assert.deepEqual(dp.executes[0]!.actions, [{ kind: 'output', port: 4 }]);
});

test('a packet waiting for ARP is parked, the ARP request goes out, and the reply releases it', () => {
  const { wf, dp, counters, ids, tick } = setup();
  const toGw = buildUdp({ ethSrc: mac(VM1), ethDst: mac("02:00:00:00:00:01"), ipSrc: ip("10.0.0.5"), ipDst: ip('8.8.8.8'), srcPort: 1, dstPort: 53, payload: new Uint8Array(8) });
  wf.handleUpcall(upcall(4, toGw));
  assert.equal(counters.parked, 1);
  assert.equal(wf.waiting.size, 1);
  const arpOut = dp.executes.find((e) => e.actions.some((a) => a.kind === 'output' && a.port === 6));
  assert.ok(arpOut, 'ARP request executed out of the uplink vport');
  tick(100);
  wf.handleUpcall(upcall(6, buildArpReply(mac('52:54:00:00:00:01'), ip('203.0.113.1'), mac('02:00:00:00:00:02'), ip('203.0.113.2'))));
  const key = waitKey({ kind: 'arp', routerId: ids.r, ip: ip('203.0.113.1') });
  wf.retryParked((k) => k === key);
  assert.equal(wf.waiting.size, 0);
  const fwd = dp.puts.find((p) => actionsOf(p.actions).some((a) => a.kind === 'output' && a.port === 6));
  assert.ok(fwd, 'the released packet is forwarded out of the uplink');
});

test('a parked packet whose wait runs out is dropped and counted', () => {
  const { wf, counters, tick } = setup();
  const toGw = buildUdp({ ethSrc: mac(VM1), ethDst: mac("02:00:00:00:00:01"), ipSrc: ip("10.0.0.5"), ipDst: ip('8.8.4.4'), srcPort: 1, dstPort: 53, payload: new Uint8Array(8) });
  wf.handleUpcall(upcall(4, toGw));
  tick(6_000);
  wf.retryParked(() => false);
  assert.equal(wf.waiting.size, 0);
  assert.equal(counters.reasons.get('not-yet-timeout'), 1);
});

test('expiry removes installed flows from the datapath by exact key', () => {
  const { wf, dp, flows } = setup();
  wf.handleUpcall(upcall(4, udp(VM1, VM2)));
  assert.equal(flows.expire(1_000 + 60_000), 1);
  assert.equal(dp.deletes.length, 1);
  assert.deepEqual(dp.deletes[0], bytesOf(dp.puts[0]!.key));
});

test('a packet parked again on retry keeps its first deadline: the wait is bounded from the first upcall', () => {
  const { wf, counters, tick } = setup();
  const toGw = buildUdp({ ethSrc: mac(VM1), ethDst: mac("02:00:00:00:00:01"), ipSrc: ip("10.0.0.5"), ipDst: ip('9.9.9.9'), srcPort: 1, dstPort: 53, payload: new Uint8Array(8) });
  wf.handleUpcall(upcall(4, toGw));
  // Every second the packet is retried and still waits (no ARP reply): parked again each time.
  for (let i = 0; i < 4; i++) {
    tick(1_000);
    wf.retryParked(() => true);
    assert.equal(wf.waiting.size, 1, `still waiting after ${i + 1} s`);
  }
  tick(1_100); // 5.1 s after the upcall: over MidoNet's 5 s bound
  wf.retryParked(() => true);
  assert.equal(wf.waiting.size, 0);
  assert.equal(counters.reasons.get('not-yet-timeout'), 1);
  assert.equal(counters.parked, 5, 'parked once per attempt');
});
