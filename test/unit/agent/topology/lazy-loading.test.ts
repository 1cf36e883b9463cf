/**
 * Lazy loading per device: the packet path asks for devices as it meets them;
 * a device not loaded yet parks the packet (NotYet) while its closure is
 * fetched, and the retried packet gets exactly the result a fully loaded
 * topology gives. Here the source is an in-memory ZOOM with asynchronous
 * reads; test/services/topology-lazy.test.ts does the same against ZooKeeper.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pino } from 'pino';
import { TopologyService, type TopologyChange, type TopologySource } from '../../../../agent/topology/topology-service.js';
import { missingForDevice } from '../../../../agent/topology/device-closure.js';
import type { TopologyObject } from '../../../../agent/nsdb/proto-objects.js';
import { loadTopologyFile } from '../../../../agent/topology-file/index.js';
import { buildTopology } from '../../../../simulation/topology/build.js';
import { TOPOLOGY_CLASS_KEYS, type TopologyClassKey, type TopologyObjects } from '../../../../simulation/topology/objects.js';
import { repoRoot } from '../../../support/paths.js';
import { importedTopology } from '../../../../agent/nsdb/zoom-import.js';
import { eagerStory, lazyStory } from '../../../support/lazy-story.js';
import { sleep, until } from '../../../support/wait.js';

type Obj = { readonly id: string } & Record<string, unknown>;

/** ZOOM in memory: nothing is loaded until fetched; a fetch settles a few ms later. */
class SlowSource implements TopologySource {
  private readonly all = new Map<string, Obj>();
  private readonly loaded = new Map<string, Obj | null>();
  private listeners: ((ev: TopologyChange) => void)[] = [];
  fetches = 0;
  /** Ids whose fetch never settles (ZooKeeper unreachable for them). */
  readonly stuck = new Set<string>();

  constructor(objs: TopologyObjects, readonly delayMs = 2) {
    for (const key of TOPOLOGY_CLASS_KEYS) for (const o of objs[key] as readonly Obj[]) this.all.set(`${key}/${o.id}`, o);
  }
  get total(): number {
    return this.all.size;
  }
  get loadedCount(): number {
    return [...this.loaded.values()].filter((o) => o !== null).length;
  }
  on(l: (ev: TopologyChange) => void): () => void {
    this.listeners.push(l);
    return () => (this.listeners = this.listeners.filter((x) => x !== l));
  }
  snapshot(): TopologyObjects {
    const out = Object.fromEntries(TOPOLOGY_CLASS_KEYS.map((k) => [k, [] as Obj[]])) as Record<TopologyClassKey, Obj[]>;
    for (const [k, o] of this.loaded) if (o !== null) out[k.slice(0, k.indexOf('/')) as TopologyClassKey].push(o);
    return out as unknown as TopologyObjects;
  }
  peek<K extends TopologyClassKey>(key: K, id: string): TopologyObject<K> | null | undefined {
    const o = this.loaded.get(`${key}/${id}`);
    return o as TopologyObject<K> | null | undefined;
  }
  fetch(key: TopologyClassKey, id: string): Promise<unknown> {
    this.fetches++;
    const k = `${key}/${id}`;
    if (this.stuck.has(id)) return new Promise(() => undefined);
    return new Promise((resolve) =>
      setTimeout(() => {
        if (!this.loaded.has(k)) {
          const o = this.all.get(k) ?? null;
          this.loaded.set(k, o);
          if (o !== null) for (const l of this.listeners) l({ kind: 'added', key, id, obj: o });
        }
        resolve(undefined);
      }, this.delayMs),
    );
  }
  /** A write to ZooKeeper of an object already loaded (the watch fires). */
  change(key: TopologyClassKey, obj: Obj): void {
    const k = `${key}/${obj.id}`;
    this.all.set(k, obj);
    if (!this.loaded.has(k)) return;
    this.loaded.set(k, obj);
    for (const l of this.listeners) l({ kind: 'changed', key, id: obj.id, obj });
  }
  add(key: TopologyClassKey, obj: Obj): void {
    this.all.set(`${key}/${obj.id}`, obj);
  }
}

const file = loadTopologyFile(join(repoRoot, 'examples', 'two-tier', 'topology.json'));
const HOST = file.localHostId!;
const objects = importedTopology(file.objects);

function service(src: SlowSource): TopologyService {
  return new TopologyService({ source: src, localHostId: HOST, invalidate: () => 0, log: pino({ level: 'silent' }), batchMs: 1 });
}

test('packets wait for the devices they touch and then get the results of a fully loaded topology', async () => {
  const src = new SlowSource(objects);
  const svc = service(src);
  const expected = eagerStory(buildTopology(objects, { localHostId: HOST }).snapshot);
  const { results, parks } = await lazyStory(svc);
  svc.close();
  assert.deepEqual(results, expected);
  assert.ok(parks >= 3, `the story met unloaded devices (${parks} parks)`);
  // Only what the story touched was read: not the whole topology.
  assert.ok(src.loadedCount < src.total, `${src.loadedCount} of ${src.total} objects loaded`);
});

test('a ready device is never replaced by a partial one: a port added to a bridge is loaded before the rebuild', async () => {
  const src = new SlowSource(objects, 20);
  const svc = service(src);
  const bridge = objects.networks[0]!;
  await svc.demand('networks', bridge.id);
  await until(() => svc.view().isReady('networks', bridge.id), 2000, 'bridge ready', 1);
  const before = svc.current().bridge(bridge.id)!.portIds.length;
  // A new port: ZOOM writes it and the bridge's back-reference in one multi.
  const port = { id: 'd0000000-0000-4000-8000-0000000000ff', network_id: bridge.id, admin_state_up: true };
  src.add('ports', port);
  src.change('networks', { ...bridge, port_ids: [...(bridge.port_ids ?? []), port.id] });
  // While the new port is being fetched (20 ms) every view still serves the bridge.
  const t0 = Date.now();
  let served = 0;
  while (svc.current().bridge(bridge.id)!.portIds.length === before) {
    assert.ok(svc.view().isReady('networks', bridge.id), 'the bridge stays ready while its new port loads');
    served++;
    assert.ok(Date.now() - t0 < 2000, 'the bridge gained its port');
    await sleep(1);
  }
  svc.close();
  assert.ok(served > 0);
  assert.equal(svc.current().bridge(bridge.id)!.portIds.length, before + 1);
  assert.ok(svc.view().isReady('networks', bridge.id));
});

test('the closure of a bridge is its ports, their peers and its DHCP subnets; of a router its ports and routes', () => {
  const have = new Map<string, unknown>();
  for (const key of TOPOLOGY_CLASS_KEYS) for (const o of objects[key] as readonly Obj[]) have.set(`${key}/${o.id}`, o);
  const lookupAll = <K extends TopologyClassKey>(key: K, id: string): TopologyObject<K> | null | undefined =>
    (have.get(`${key}/${id}`) as TopologyObject<K> | undefined) ?? null;
  const bridge = objects.networks[0]!;
  assert.deepEqual(missingForDevice('networks', bridge.id, lookupAll), []);
  // With nothing loaded, the first round asks for the bridge only; then its ports and DHCP; then the peers.
  const loaded = new Set<string>();
  const lookupSome = <K extends TopologyClassKey>(key: K, id: string): TopologyObject<K> | null | undefined =>
    loaded.has(`${key}/${id}`) ? lookupAll(key, id) : undefined;
  const rounds: string[][] = [];
  for (;;) {
    const m = missingForDevice('networks', bridge.id, lookupSome);
    if (m.length === 0) break;
    rounds.push(m.map((r) => r.key).sort());
    for (const r of m) loaded.add(`${r.key}/${r.id}`);
  }
  assert.deepEqual(rounds[0], ['networks']);
  assert.ok(rounds[1]!.includes('ports') && rounds[1]!.includes('dhcps'), rounds[1]!.join());
  assert.ok(rounds.length === 3 && rounds[2]!.every((k) => k === 'ports'), 'peers of interior ports come last');
  const router = objects.routers[0]!;
  loaded.clear();
  const first = missingForDevice('routers', router.id, lookupSome);
  assert.deepEqual(first, [{ key: 'routers', id: router.id }]);
  loaded.add(`routers/${router.id}`);
  const second = missingForDevice('routers', router.id, lookupSome).map((r) => r.key);
  assert.ok(second.includes('ports') && second.includes('routes'), second.join());
});

test('a device that never arrives keeps the packet not-yet (bounded by the waiting room), others still load', async () => {
  const src = new SlowSource(objects);
  const svc = service(src);
  const bridge = objects.networks[0]!;
  src.stuck.add(bridge.id);
  assert.throws(() => svc.view().bridge(bridge.id), /not yet: Network/);
  await sleep(30);
  assert.throws(() => svc.view().bridge(bridge.id), /not yet: Network/);
  const router = objects.routers[0]!;
  await svc.demand('routers', router.id);
  await until(() => svc.view().isReady('routers', router.id), 2000, 'router ready', 1);
  assert.notEqual(svc.view().router(router.id), null);
  svc.close();
});

test('an object that does not exist is ready as null, not a wait', async () => {
  const src = new SlowSource(objects);
  const svc = service(src);
  const ghost = 'ffffffff-0000-4000-8000-000000000000';
  assert.throws(() => svc.view().port(ghost), /not yet: Port/);
  await until(() => svc.view().isReady('ports', ghost), 2000, 'absent port settled', 1);
  assert.equal(svc.view().port(ghost), null);
  svc.close();
});
