/**
 * Lazy loading against a real ZooKeeper: the agent reads no topology at start;
 * each packet that meets a device not loaded yet waits while the device and
 * its closure (found through the back-references `topology import` writes, as
 * MidoNet's ZOOM does) are read and watched, and is then simulated with the
 * same result the whole topology file gives. A device asked for while
 * ZooKeeper is away arrives once it is back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pino } from 'pino';
import { repoRoot } from '../support/paths.js';
import { testClient } from '../support/zk.js';
import { eagerStory, lazyStory } from '../support/lazy-story.js';
import { loadTopologyFile } from '../../agent/topology-file/index.js';
import { importTopology } from '../../agent/nsdb/zoom-import.js';
import { TopologyStore } from '../../agent/nsdb/topology-store.js';
import { Zoom } from '../../agent/nsdb/zoom.js';
import { TopologyService } from '../../agent/topology/topology-service.js';
import { NotYetError } from '../../simulation/not-yet.js';
import { buildTopology } from '../../simulation/topology/build.js';
import { TOPOLOGY_CLASS_KEYS } from '../../simulation/topology/objects.js';
import { sleep } from '../support/wait.js';
import { zkSuite } from '../support/zk-suite.js';

const file = loadTopologyFile(join(repoRoot, 'examples', 'two-tier', 'topology.json'));
const HOST = file.localHostId!;
const TOTAL = TOPOLOGY_CLASS_KEYS.reduce((n, k) => n + file.objects[k].length, 0);
let rootN = 0;

const suite = zkSuite();

/** An agent's topology over a freshly imported root, nothing loaded. */
async function lazyAgent(): Promise<{ store: TopologyStore; svc: TopologyService }> {
  const root = `/lazy${++rootN}`;
  await importTopology(new Zoom(suite.writer, root), file.objects);
  const client = testClient({ connectString: suite.zk.connectString, sessionTimeoutMs: 20_000 });
  await client.connect();
  const store = new TopologyStore(client, { root });
  const svc = new TopologyService({ source: store, localHostId: HOST, invalidate: () => 0, log: pino({ level: 'silent' }), batchMs: 2 });
  return { store, svc };
}

function loadedCount(store: TopologyStore): number {
  const objs = store.snapshot();
  return TOPOLOGY_CLASS_KEYS.reduce((n, k) => n + objs[k].length, 0);
}

test('devices load from ZooKeeper as packets meet them, and the results equal the topology file', async () => {
  const { store, svc } = await lazyAgent();
  assert.equal(loadedCount(store), 0, 'nothing read before the first packet');
  const expected = eagerStory(buildTopology(file.objects, { localHostId: HOST }).snapshot);
  const t0 = performance.now();
  const { results, parks } = await lazyStory(svc, 5_000);
  const ms = performance.now() - t0;
  assert.deepEqual(results, expected);
  assert.ok(parks >= 3, `packets waited for devices (${parks} parks)`);
  const loaded = loadedCount(store);
  assert.ok(loaded < TOTAL, `only what the story touched was read: ${loaded} of ${TOTAL}`);
  console.log(`lazy story: ${results.length} frames, ${parks} parks, ${loaded}/${TOTAL} objects loaded, ${ms.toFixed(0)} ms`);
  // What was loaded is watched: a write to a loaded chain changes the next result.
  svc.close();
  store.close();
});

test('a device asked for while ZooKeeper is away arrives once it is back', async () => {
  const { store, svc } = await lazyAgent();
  const bridge = file.objects.networks[0]!.id;
  await suite.zk.stop();
  const ask = (): boolean => {
    try {
      return svc.view().bridge(bridge) !== null;
    } catch (e) {
      if (!(e instanceof NotYetError)) throw e;
      return false;
    }
  };
  assert.equal(ask(), false, 'not yet: ZooKeeper is down');
  await sleep(300);
  assert.equal(ask(), false);
  await suite.zk.start();
  // The agent's 1 s tick simulates parked packets again, which asks again; do the same.
  const t0 = Date.now();
  while (!ask()) {
    assert.ok(Date.now() - t0 < 20_000, 'the bridge arrived after ZooKeeper came back');
    await sleep(100);
  }
  assert.ok(svc.current().bridge(bridge)!.portIds.length >= 2, 'with its ports');
  svc.close();
  store.close();
});
