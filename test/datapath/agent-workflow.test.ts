/**
 * The agent's own packet path on the real openvswitch.ko: two VM namespaces on
 * two tenant bridges joined by a virtual router, nothing pre-installed. Every
 * miss goes upcall → PacketWorkflow → Simulator → flow put + execute, exactly
 * as in the daemon: the bridge answers ARP for the gateway, the router ARPs for
 * the far VM (the packet waits in the waiting room), the reply releases it, and
 * the kernel then forwards the ping on the installed megaflows (MAC rewrite,
 * TTL decrement). `ovs-dpctl dump-flows` is the independent check.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { DpifNetlink } from '../../agent/datapath/dpif-netlink.js';
import { DatapathController } from '../../agent/datapath/datapath-controller.js';
import { FlowController } from '../../agent/flows/flow-controller.js';
import { TopologyPortResolver } from '../../agent/flows/port-resolver.js';
import { PacketCounters } from '../../agent/runtime/metrics.js';
import { LocalState } from '../../agent/state/local-state.js';
import { PacketWorkflow, datapathFlowSink, type InstalledFlow } from '../../agent/workflow/packet-workflow.js';
import { toOdpFlow } from '../../agent/datapath/dpif-flow-spec.js';
import { formatFlow } from '../../agent/datapath/flow-text.js';
import { Simulator } from '../../simulation/simulator.js';
import { TopologyBuilder, LOCAL_HOST } from '../support/topology-builder.js';
import { requireGuest } from '../support/vm.js';
import { sh, shAsync } from '../support/guest.js';

const DP = 'mmtest-agent';
let dp: DpifNetlink;

function makeVm(ns: string, hostIf: string, cidr: string, gw: string): void {
  sh([
    `ip netns add ${ns}`,
    `ip netns exec ${ns} sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1`,
    `ip link add ${hostIf} type veth peer name eth0 netns ${ns}`,
    `ip -n ${ns} addr add ${cidr} dev eth0`,
    `ip -n ${ns} link set eth0 up`,
    `ip -n ${ns} link set lo up`,
    `ip -n ${ns} route add default via ${gw}`,
    `ip link set ${hostIf} up`,
  ].join(' && '));
}

before(() => {
  requireGuest();
  sh('sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1');
  makeVm('mmwa', 'mmw1', '10.0.0.2/24', '10.0.0.1');
  makeVm('mmwb', 'mmw2', '10.0.1.2/24', '10.0.1.1');
  dp = DpifNetlink.open(DP, { mode: 'recreate' });
});

after(() => {
  dp?.destroy();
  sh('ip netns del mmwa; ip netns del mmwb; true');
});

test('ping between two tenant bridges through a virtual router, simulated by the agent', async () => {
  const b = new TopologyBuilder();
  b.host(LOCAL_HOST);
  const brA = b.bridge('a');
  const brB = b.bridge('b');
  const pA = b.bridgePort(brA, { host: LOCAL_HOST, iface: 'mmw1' });
  const pB = b.bridgePort(brB, { host: LOCAL_HOST, iface: 'mmw2' });
  const r = b.router('r');
  b.connect(brA, r, '10.0.0.1/24', '02:00:0a:00:00:01');
  b.connect(brB, r, '10.0.1.1/24', '02:00:0a:00:01:01');
  const topo = b.build();

  const log = pino({ level: 'silent' });
  const counters = new PacketCounters();
  const state = new LocalState();
  const flows = new FlowController<InstalledFlow>(datapathFlowSink(dp, (e) => assert.fail(String(e))));
  const datapath = new DatapathController({
    dpif: dp,
    log,
    vxlanOverlayPort: 6677,
    vxlanVtepPort: 4789,
    setPortActive: async () => 0x100001,
    legacyTunnelKey: () => undefined,
    invalidate: (t) => flows.invalidate(t),
  });
  assert.deepEqual(datapath.ensureOverlay(), [], 'tunnel vports created');
  await datapath.bind(pA, 'mmw1');
  await datapath.bind(pB, 'mmw2');
  await datapath.interfaceUp('mmw1');
  await datapath.interfaceUp('mmw2');
  assert.ok(datapath.localDpPort(pA) !== undefined && datapath.localDpPort(pB) !== undefined);

  const sim = new Simulator(topo, state);
  const workflow = new PacketWorkflow({
    dp,
    ports: datapath,
    simulator: () => sim,
    state,
    flows,
    resolver: new TopologyPortResolver({ topo: () => topo, localHostId: LOCAL_HOST, localDpPort: (id) => datapath.localDpPort(id), overlay: datapath.overlay }),
    clock: Date.now,
    counters,
    megaflow: dp.info().megaflow !== null,
  });
  dp.onUpcall((u) => {
    workflow.handleUpcall(u);
    // Parked packets are retried as soon as anything new was learned.
    if (workflow.waiting.size > 0) workflow.retryParked(() => true);
  });

  const ping = await shAsync('ip netns exec mmwa ping -c 4 -i 0.3 -W 3 10.0.1.2', 90_000);
  dp.drainOutput();
  assert.equal(ping.status, 0, `ping failed:\n${ping.out}\ncounters ${JSON.stringify(counters)} reasons ${JSON.stringify([...counters.reasons])}`);
  assert.match(ping.out, / 0% packet loss|[34] received/);

  assert.ok(counters.consumed >= 2, 'ARP for each gateway answered by the bridge');
  assert.ok(counters.parked >= 1, 'the first routed packet waited for ARP');
  assert.equal(dp.counters.flowPutErrors, 0, 'every flow the simulation produced was accepted by the kernel');
  assert.equal(dp.counters.executeErrors, 0);

  // The independent check: what the kernel holds, as ovs-dpctl prints it.
  const dumped = sh(`ovs-dpctl dump-flows ${DP}`);
  const routed = dumped.split('\n').filter((l) => l.includes('set(ipv4('));
  assert.ok(routed.length >= 2, `routed flows in both directions:\n${dumped}`);
  assert.ok(routed.some((l) => /ttl=63/.test(l) && /set\(eth\(src=02:00:0a:00:01:01/.test(l)), `a→b flow rewrites MACs and decrements TTL:\n${dumped}`);
  assert.ok(routed.some((l) => /packets:[1-9]/.test(l)), `the kernel forwarded on the installed flows:\n${dumped}`);
  // Our own dump, in the same text: masks from the fields the simulation read.
  const ours = dp.dumpFlows().map((f) => toOdpFlow(f)).map((f) => (typeof f === 'string' ? f : formatFlow(f)));
  assert.ok(ours.some((l) => l.includes('ipv4(') && l.includes('dst=10.0.1.2')), ours.join('\n'));
  assert.ok(flows.size >= 2);
});
