/**
 * The ZOOM topology against a real ZooKeeper: a topology file written object
 * by object in text format loads back into the same `TopologyObjects`; watches
 * turn writes into exactly the expected events; corrupt data is skipped; missed
 * changes are caught up after a partition and after a session expiry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { repoRoot } from '../support/paths.js';
import { startZkProxy, testClient } from '../support/zk.js';
import { loadTopologyFile } from '../../agent/topology-file/index.js';
import { importTopology, importedTopology } from '../../agent/nsdb/zoom-import.js';
import { exportTopology } from '../../agent/nsdb/zoom-export.js';
import { TopologyStore, type TopologyEvent } from '../../agent/nsdb/topology-store.js';
import { Zoom } from '../../agent/nsdb/zoom.js';
import { decodeZoomObject } from '../../agent/nsdb/zoom-object.js';
import type { TopologyObjects } from '../../simulation/topology/objects.js';
import { sleep, until } from '../support/wait.js';
import { zkSuite } from '../support/zk-suite.js';

const file = loadTopologyFile(join(repoRoot, 'examples', 'two-tier', 'topology.json'));
let rootN = 0;

const suite = zkSuite();

async function freshRoot(): Promise<{ root: string; zoom: Zoom }> {
  const root = `/mn${++rootN}`;
  const zoom = new Zoom(suite.writer, root);
  await importTopology(zoom, file.objects, 7);
  return { root, zoom };
}

function sorted(t: TopologyObjects): TopologyObjects {
  const out: Record<string, unknown[]> = {};
  for (const [k, v] of Object.entries(t)) out[k] = [...(v as { id: string }[])].sort((a, b) => a.id.localeCompare(b.id));
  return out as unknown as TopologyObjects;
}

const describe = (e: TopologyEvent): string => `${e.kind} ${e.key} ${e.id}`;

test('a topology written in ZOOM text format loads into the topology file objects', async () => {
  const { root, zoom } = await freshRoot();
  const port = file.objects.ports[0];
  assert.ok(port !== undefined);
  const text = (await suite.writer.get(zoom.paths.model('Port', port.id))).data.toString('utf8');
  assert.match(text, /^id \{\n {2}msb: \d+\n {2}lsb: \d+\n\}\n/);
  const prov = decodeZoomObject((await suite.writer.get(zoom.paths.object('Port', port.id))).data);
  assert.equal(prov.provenance.length, 1);
  assert.equal(prov.provenance[0]?.change_version, 0);
  const net = file.objects.networks[0];
  assert.ok(net !== undefined);
  assert.deepEqual((await suite.writer.getChildren(zoom.paths.tables('Network', net.id))).children.sort(), ['ip4_mac_table', 'mac_table']);

  const c = testClient({ connectString: suite.zk.connectString });
  await c.connect();
  const store = new TopologyStore(c, { root });
  await store.loadAll();
  assert.deepEqual(sorted(store.snapshot()), sorted(importedTopology(file.objects)));
  assert.deepEqual(sorted((await exportTopology(new Zoom(c, root))).objects), sorted(importedTopology(file.objects)));
  store.close();
  await c.close();
});

test('watches: add a rule, rebind a port, delete a route; nothing else moves', async () => {
  const { root, zoom } = await freshRoot();
  const c = testClient({ connectString: suite.zk.connectString });
  await c.connect();
  const store = new TopologyStore(c, { root });
  await store.loadAll();
  const seen: TopologyEvent[] = [];
  store.on((e) => seen.push(e));

  const chain = file.objects.chains[0];
  assert.ok(chain !== undefined);
  const chainRead = await zoom.read('chains', chain.id);
  assert.ok(chainRead !== null);
  const ruleId = '91000000-0000-4000-8000-0000000000ff';
  await zoom.tx()
    .create('rules', { id: ruleId, type: 'LITERAL_RULE', chain_id: chain.id, action: 'DROP' })
    .update('chains', { ...chainRead.obj, rule_ids: [...(chainRead.obj.rule_ids ?? []), ruleId] }, chainRead.version)
    .commit();
  const t0 = Date.now();
  await until(() => seen.length >= 2, 3000, 'rule events');
  const latency = Date.now() - t0;
  assert.deepEqual(seen.map(describe).sort(), [`added rules ${ruleId}`, `changed chains ${chain.id}`]);
  const changedChain = seen.find((e) => e.key === 'chains');
  assert.ok(changedChain?.kind === 'changed');
  assert.equal((changedChain.obj as { rule_ids?: readonly string[] }).rule_ids?.at(-1), ruleId);

  seen.length = 0;
  const port = file.objects.ports[0];
  assert.ok(port !== undefined);
  const pr = await zoom.read('ports', port.id);
  assert.ok(pr !== null);
  await zoom.tx().update('ports', { ...pr.obj, interface_name: 'tap-rebound' }, pr.version).commit();
  await until(() => seen.length >= 1, 3000, 'port event');
  await sleep(200);
  assert.deepEqual(seen.map(describe), [`changed ports ${port.id}`]);
  assert.equal(store.get('ports', port.id) !== null && (store.get('ports', port.id) as { interface_name?: string }).interface_name, 'tap-rebound');

  seen.length = 0;
  const route = file.objects.routes[0];
  assert.ok(route !== undefined);
  const rr = await zoom.read('routes', route.id);
  assert.ok(rr !== null);
  await zoom.tx().delete('routes', route.id, rr.version).commit();
  await until(() => seen.length >= 1, 3000, 'route event');
  await sleep(200);
  assert.deepEqual(seen.map(describe), [`deleted routes ${route.id}`]);
  assert.equal(store.get('routes', route.id), null);
  assert.ok(latency < 3000);
  store.close();
  await c.close();
});

test('corrupt and unknown data: logged and skipped, the rest loads; lazy get', async () => {
  const { root, zoom } = await freshRoot();
  const badId = 'd0000000-0000-4000-8000-0000000000bb';
  await suite.writer.create(zoom.paths.model('Port', badId), Buffer.from('id { msb: 1 lsb: 2 }\nnot valid {{{'));
  const odd = file.objects.networks[0];
  assert.ok(odd !== undefined);
  const nr = await zoom.read('networks', odd.id);
  assert.ok(nr !== null);
  // An unknown field (a newer schema's) is kept, not an error.
  const text = (await suite.writer.get(zoom.paths.model('Network', odd.id))).data.toString() + 'future_field: 7\n';
  await suite.writer.setData(zoom.paths.model('Network', odd.id), Buffer.from(text), nr.version);

  const c = testClient({ connectString: suite.zk.connectString });
  await c.connect();
  const store = new TopologyStore(c, { root });
  await store.loadAll();
  const snap = store.snapshot();
  assert.equal(snap.ports.length, file.objects.ports.length);
  assert.equal(store.get('ports', badId), null);
  assert.equal(snap.networks.length, 1);
  assert.ok((snap.networks[0]?.unknown ?? []).some((u) => u.includes('future_field')));
  // Lazy: an object never listed is loaded on demand; a missing one is null.
  const lazy = new TopologyStore(c, { root, waitMs: 2000 });
  const first = lazy.get('routers', file.objects.routers[0]?.id ?? '');
  assert.ok(first instanceof Promise);
  assert.equal((await first)?.id, file.objects.routers[0]?.id);
  assert.equal(await lazy.fetch('routers', 'e0000000-0000-4000-8000-00000000dead'), null);
  // ...and watched: it appears when created.
  const appeared: TopologyEvent[] = [];
  lazy.on((e) => appeared.push(e));
  await new Zoom(suite.writer, root).tx().create('routers', { id: 'e0000000-0000-4000-8000-00000000dead', name: 'late' }).commit();
  await until(() => appeared.length > 0, 3000, 'late router');
  assert.deepEqual(appeared.map(describe), ['added routers e0000000-0000-4000-8000-00000000dead']);
  lazy.close();
  store.close();
  await c.close();
});

test('catch-up: changes made while partitioned, then after a session expiry', async () => {
  const { root, zoom } = await freshRoot();
  const proxy = await startZkProxy(suite.zk.port);
  const c = testClient({ connectString: proxy.connectString, sessionTimeoutMs: 4000 });
  await c.connect();
  const store = new TopologyStore(c, { root });
  await store.loadAll();
  const seen: TopologyEvent[] = [];
  store.on((e) => seen.push(e));
  const rule = file.objects.rules[0];
  assert.ok(rule !== undefined);

  proxy.cut();
  let r = await zoom.read('rules', rule.id);
  assert.ok(r !== null);
  await zoom.tx().update('rules', { ...r.obj, action: 'REJECT' }, r.version).commit();
  await sleep(300);
  assert.equal(seen.length, 0);
  proxy.heal();
  await until(() => seen.length >= 1, 8000, 'caught-up change after reconnect');
  assert.deepEqual(seen.map(describe), [`changed rules ${rule.id}`]);

  seen.length = 0;
  proxy.cut();
  r = await zoom.read('rules', rule.id);
  assert.ok(r !== null);
  await zoom.tx().update('rules', { ...r.obj, action: 'ACCEPT' }, r.version).commit();
  const route = file.objects.routes[1];
  assert.ok(route !== undefined);
  await zoom.tx().delete('routes', route.id, (await zoom.read('routes', route.id))?.version ?? -1).commit();
  const cred = c.credentials();
  await suite.zk.expireSession(cred.id, cred.password);
  proxy.heal();
  await until(() => seen.length >= 2, 10_000, 'catch-up after expiry');
  await sleep(300);
  assert.deepEqual(seen.map(describe).sort(), [`changed rules ${rule.id}`, `deleted routes ${route.id}`]);
  const after1 = store.get('rules', rule.id);
  assert.ok(after1 !== null && !(after1 instanceof Promise));
  assert.equal(after1.action, 'ACCEPT');
  store.close();
  await c.close();
  await proxy.close();
});

test('midolman topology import/export commands', async () => {
  const { topologyCommand } = await import('../../agent/cli/topology-cmd.js');
  const { mkdtempSync, readFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const root = `/cmd${++rootN}`;
  const env = { MIDO_ZOOKEEPER_HOSTS: suite.zk.connectString, MIDO_ZOOKEEPER_ROOT_KEY: root };
  const src = join(repoRoot, 'examples', 'two-tier', 'topology.json');
  assert.equal(await topologyCommand(['import', src], { env, iniPaths: [] }), 0);
  assert.equal(await topologyCommand(['import', src], { env, iniPaths: [] }), 1, 'second import: objects exist');
  const out = join(mkdtempSync(join(tmpdir(), 'mm-exp-')), 'out.json');
  assert.equal(await topologyCommand(['export', out], { env, iniPaths: [] }), 0);
  const back = loadTopologyFile(out);
  assert.deepEqual(sorted(back.objects), sorted(importedTopology(file.objects)));
  assert.ok(readFileSync(out, 'utf8').startsWith('{'));
  assert.equal(await topologyCommand(['frobnicate'], { env, iniPaths: [] }), 1);
});
