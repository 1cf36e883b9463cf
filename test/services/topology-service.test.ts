/**
 * The agent's view of a real ZooKeeper topology: the example topology written
 * into ZOOM gives the same simulation results as the topology file; writes
 * (a rule added, a port rebound, a route deleted) change the affected results
 * within a bounded time, invalidate exactly the installed flows tagged with
 * what changed, and leave the others alone; while ZooKeeper is away the agent
 * keeps simulating with the topology it has.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pino } from 'pino';
import { repoRoot } from '../support/paths.js';
import { testClient } from '../support/zk.js';
import { exampleTraffic } from '../support/example-traffic.js';
import { loadTopologyFile } from '../../agent/topology-file/index.js';
import { importTopology } from '../../agent/nsdb/zoom-import.js';
import { TopologyStore } from '../../agent/nsdb/topology-store.js';
import { Zoom } from '../../agent/nsdb/zoom.js';
import { TopologyService } from '../../agent/topology/topology-service.js';
import { FlowController, ExpiryClass } from '../../agent/flows/flow-controller.js';
import { LocalState } from '../../agent/state/local-state.js';
import { buildTopology } from '../../simulation/topology/build.js';
import { Simulator } from '../../simulation/simulator.js';
import type { TopologyView } from '../../simulation/topology/view.js';
import { seededRandom } from '../support/memory-state.js';
import { sleep, until } from '../support/wait.js';
import { zkSuite } from '../support/zk-suite.js';

const file = loadTopologyFile(join(repoRoot, 'examples', 'two-tier', 'topology.json'));
const HOST = file.localHostId!;
let rootN = 0;

const suite = zkSuite();

/** Runs the example story through a topology; returns each frame's verdict and reason. */
function story(topo: TopologyView): string[] {
  const state = new LocalState();
  const sim = new Simulator(topo, state, { random: seededRandom(3) });
  return exampleTraffic().map((p, i) => {
    const r = sim.simulate({ frame: p.frame, ingressPortId: p.port }, (p.at ?? i) * 1000);
    state.apply(r.effects, (p.at ?? i) * 1000);
    return `${r.verdict}:${r.reason}:${r.actions.length}`;
  });
}

async function agentOn(): Promise<{ zoom: Zoom; store: TopologyStore; svc: TopologyService; flows: FlowController<string>; removed: string[] }> {
  const root = `/svc${++rootN}`;
  const zoom = new Zoom(suite.writer, root);
  await importTopology(zoom, file.objects, 9);
  const client = testClient({ connectString: suite.zk.connectString, sessionTimeoutMs: 6000 });
  await client.connect();
  const store = new TopologyStore(client, { root });
  await store.loadAll();
  const removed: string[] = [];
  const flows = new FlowController<string>({ install: () => {}, remove: (k) => removed.push(k) });
  const svc = new TopologyService({ source: store, localHostId: HOST, invalidate: (t) => flows.invalidate(t), log: pino({ level: 'silent' }), batchMs: 5 });
  return { zoom, store, svc, flows, removed };
}

test('the topology from ZooKeeper gives the same results as the topology file', async () => {
  const { svc, store } = await agentOn();
  const fromFile = buildTopology(file.objects, { localHostId: HOST }).snapshot;
  const a = story(fromFile);
  const b = story(svc.current());
  assert.ok(a.some((x) => x.startsWith('forward')) && a.some((x) => x.startsWith('drop')), a.join('\n'));
  assert.deepEqual(b, a);
  svc.close();
  store.close();
});

test('a rule, a rebinding and a route removal change the affected results and flows only', async () => {
  const { zoom, svc, store, flows, removed } = await agentOn();
  const SG_OUT = '90000000-0000-4000-8000-000000000002';
  const VM2 = 'd0000000-0000-4000-8000-000000000002';
  const EDGE = 'e0000000-0000-4000-8000-000000000002';
  const before = story(svc.current());
  // Flows as the simulation tags them: one through the security group, one on the edge router, one elsewhere.
  flows.add({ key: 'via-sg', payload: 'via-sg', tags: [SG_OUT], expiryClass: ExpiryClass.FLOW }, 0);
  flows.add({ key: 'via-edge', payload: 'via-edge', tags: [EDGE], expiryClass: ExpiryClass.FLOW }, 0);
  flows.add({ key: 'vm2', payload: 'vm2', tags: [VM2], expiryClass: ExpiryClass.FLOW }, 0);
  flows.add({ key: 'other', payload: 'other', tags: ['c0000000-0000-4000-8000-00000000ffff'], expiryClass: ExpiryClass.FLOW }, 0);

  // 1. Allow TCP 80 into the VMs: insert an ACCEPT before the final DROP.
  const chain = (await zoom.read('chains', SG_OUT))!;
  const ruleId = '91000000-0000-4000-8000-000000000099';
  const ids = [...(chain.obj.rule_ids ?? [])];
  ids.splice(ids.length - 1, 0, ruleId);
  await zoom
    .tx()
    .create('rules', { id: ruleId, type: 'LITERAL_RULE', chain_id: SG_OUT, action: 'ACCEPT', condition: { dl_type: 2048, nw_proto: 6, tp_dst: { start: 80, end: 80 }, fragment_policy: 'HEADER' } })
    .update('chains', { ...chain.obj, rule_ids: ids }, chain.version)
    .commit();
  const ms1 = await until(() => removed.includes('via-sg'), 3000, 'flows through the security group invalidated');
  const after1 = story(svc.current());
  const changed = after1.map((x, i) => (x === before[i] ? -1 : i)).filter((i) => i >= 0);
  const port80 = exampleTraffic().findIndex((p) => p.note.includes('80'));
  assert.deepEqual(changed, [port80], `only the port-80 frame changes (${before[port80]} → ${after1[port80]})`);
  assert.match(after1[port80]!, /^forward/);
  assert.deepEqual(removed, ['via-sg'], 'unaffected flows stay');

  // 2. Rebind vm2 to another interface: its flows go.
  const vm2 = (await zoom.read('ports', VM2))!;
  await zoom.tx().update('ports', { ...vm2.obj, interface_name: 'tap-moved' }, vm2.version).commit();
  await until(() => svc.current().port(VM2)?.interfaceName === 'tap-moved', 3000, 'rebinding seen');
  assert.ok(removed.includes('vm2'));

  // 3. Delete the edge router's default route: traffic to the internet now has no route.
  const route = '94000000-0000-4000-8000-000000000011';
  await zoom.tx().delete('routes', route, (await zoom.read('routes', route))!.version).commit();
  await until(() => removed.includes('via-edge'), 3000, 'edge router flows invalidated');
  const after3 = story(svc.current());
  assert.ok(after3.some((x, i) => x !== after1[i] && /short-drop/.test(x)), `a frame now meets no route:\n${after3.join('\n')}`);
  assert.ok(!removed.includes('other'));
  console.log(`rule write → flows invalidated in ${ms1} ms`);
  svc.close();
  store.close();
});

test('while ZooKeeper is down the agent keeps simulating; after it returns, changes made meanwhile arrive', async () => {
  const { zoom, svc, store } = await agentOn();
  const baseline = story(svc.current());
  await suite.zk.stop();
  await sleep(500);
  // The view in hand still answers, with the same results.
  assert.deepEqual(story(svc.current()), baseline);
  await suite.zk.start();
  await suite.writer.connect().catch(() => undefined);
  // A change written after the restart reaches the agent's view.
  const EDGE_UPLINK = 'f0000000-0000-4000-8000-000000000004';
  let r: Awaited<ReturnType<typeof zoom.read<'ports'>>> = null;
  for (let i = 0; i < 100 && r === null; i++) {
    r = await zoom.read('ports', EDGE_UPLINK).catch(() => null);
    if (r === null) await sleep(100);
  }
  assert.ok(r !== null, 'ZooKeeper back');
  await zoom.tx().update('ports', { ...r.obj, admin_state_up: false }, r.version).commit();
  await until(() => svc.current().port(EDGE_UPLINK)?.adminUp === false, 15000, 'change after restart reaches the agent');
  svc.close();
  store.close();
});
