/**
 * nsdb/load: how long the agent takes to have a large topology from a real
 * ZooKeeper, and how fast a write reaches its view.
 *
 * Writes into a fresh ZooKeeper (test/support/zk.ts): 500 routers, 500 bridges,
 * 10,000 ports (half on bridges, half on routers), 1,000 chains holding 20,000
 * rules, in ZOOM format (text models, provenance, table directories), then:
 *  - nsdb/load-all: a new client + TopologyStore.loadAll() until every object
 *    is available; wall time, objects/s and heap growth (bytes/object).
 *  - nsdb/write-to-event: tinybench; one versioned rule update committed by a
 *    writer session until the store emits its `changed` event (p50/p99).
 * Sizes scale with NSDB_BENCH_SCALE (default 1).
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import type { TopologyObjects } from '../../simulation/topology/objects.js';
import { emptyTopologyObjects } from '../../simulation/topology/objects.js';
import { importTopology } from '../../agent/cli/topology-cmd.js';
import { TopologyStore, type TopologyEvent } from '../../agent/nsdb/topology-store.js';
import { Zoom } from '../../agent/nsdb/zoom.js';
import { createZkClient } from '../../agent/nsdb/zk/index.js';
import { startZk } from '../../test/support/zk.js';

function buildTopology(scale: number): TopologyObjects {
  const t = emptyTopologyObjects() as unknown as Record<string, unknown[]>;
  const routers = Array.from({ length: 500 * scale }, () => randomUUID());
  const networks = Array.from({ length: 500 * scale }, () => randomUUID());
  const chains = Array.from({ length: 1000 * scale }, () => randomUUID());
  const ruleIds: string[][] = chains.map(() => []);
  for (let i = 0; i < 20_000 * scale; i++) {
    const id = randomUUID();
    const c = i % chains.length;
    ruleIds[c]?.push(id);
    t['rules']?.push({
      id, type: 'LITERAL_RULE', chain_id: chains[c], action: i % 7 === 0 ? 'DROP' : 'ACCEPT',
      condition: { nw_proto: 6, tp_dst: { start: 1000 + (i % 5000), end: 1000 + (i % 5000) }, nw_src_ip: `10.${i % 250}.0.0/16` },
    });
  }
  chains.forEach((id, c) => t['chains']?.push({ id, name: `chain-${c}`, rule_ids: ruleIds[c] }));
  routers.forEach((id, i) => t['routers']?.push({ id, name: `router-${i}`, admin_state_up: true }));
  networks.forEach((id, i) => t['networks']?.push({ id, name: `bridge-${i}`, admin_state_up: true, tunnel_key: i + 1 }));
  for (let i = 0; i < 10_000 * scale; i++) {
    const onBridge = i % 2 === 0;
    t['ports']?.push(onBridge
      ? { id: randomUUID(), network_id: networks[i % networks.length], admin_state_up: true, tunnel_key: 10_000 + i,
          inbound_filter_id: chains[i % chains.length] }
      : { id: randomUUID(), router_id: routers[i % routers.length], admin_state_up: true, tunnel_key: 10_000 + i,
          port_subnet: [`10.${(i >> 8) & 255}.${i & 255}.0/24`], port_address: `10.${(i >> 8) & 255}.${i & 255}.1`,
          port_mac: `02:00:00:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}` });
  }
  return t as unknown as TopologyObjects;
}

function count(t: TopologyObjects): number {
  return Object.values(t).reduce((n, v: readonly unknown[]) => n + v.length, 0);
}

export async function run(): Promise<void> {
  const scale = Number(process.env['NSDB_BENCH_SCALE'] ?? '1');
  const zk = await startZk();
  const root = '/bench';
  try {
    const topo = buildTopology(scale);
    const total = count(topo);
    const writer = createZkClient({ connectString: zk.connectString, opTimeoutMs: 120_000 });
    await writer.connect();
    const zoom = new Zoom(writer, root);
    const tw = performance.now();
    await importTopology(zoom, topo, 200);
    console.log(`nsdb/write: ${total} objects in ${((performance.now() - tw) / 1000).toFixed(1)} s (batches of 200 per multi)`);

    global.gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    const reader = createZkClient({ connectString: zk.connectString, opTimeoutMs: 120_000 });
    const t0 = performance.now();
    await reader.connect();
    const store = new TopologyStore(reader, { root, waitMs: 120_000 });
    await store.loadAll(['routers', 'networks', 'ports', 'chains', 'rules']);
    const loadMs = performance.now() - t0;
    const loaded = count(store.snapshot());
    global.gc?.();
    const heap = process.memoryUsage().heapUsed - heap0;
    if (loaded !== total) throw new Error(`loaded ${loaded} of ${total}`);
    console.log(
      `nsdb/load-all: ${loaded} objects (10k ports, 1k routers+bridges, 20k rules ×${scale}) in ${(loadMs / 1000).toFixed(2)} s ` +
        `= ${Math.round(loaded / (loadMs / 1000))} objects/s; heap +${(heap / 1048576).toFixed(1)} MiB ` +
        `(~${Math.round(heap / loaded)} B/object${global.gc ? '' : ', run with --expose-gc for a cleaner figure'})`,
    );

    const rules = topo.rules;
    let i = 0;
    const waiting = new Map<string, () => void>();
    store.on((ev: TopologyEvent) => {
      if (ev.kind === 'changed') waiting.get(ev.id)?.();
    });
    const bench = new Bench({ time: 3000, iterations: 50 });
    bench.add('nsdb/write-to-event (rule update → store changed)', async () => {
      const rule = rules[(i++ * 7919) % rules.length];
      if (rule === undefined) throw new Error('no rule');
      const cur = await zoom.read('rules', rule.id);
      if (cur === null) throw new Error('rule vanished');
      const seen = new Promise<void>((r) => waiting.set(rule.id, r));
      await zoom.tx().update('rules', { ...cur.obj, action: cur.obj.action === 'DROP' ? 'ACCEPT' : 'DROP' }, cur.version).commit();
      await seen;
      waiting.delete(rule.id);
    });
    await bench.run();
    for (const t of bench.tasks) {
      const r = t.result as unknown as { latency?: { p50?: number; p99?: number }; throughput?: { mean?: number }; hz?: number; p50?: number; p99?: number } | undefined;
      if (r === undefined) continue;
      const p50 = r.latency?.p50 ?? r.p50 ?? NaN;
      const p99 = r.latency?.p99 ?? r.p99 ?? NaN;
      const hz = r.throughput?.mean ?? r.hz ?? NaN;
      console.log(`${t.name}: ${hz.toFixed(1)} ops/s  p50 ${p50.toFixed(2)} ms  p99 ${p99.toFixed(2)} ms (includes the read before the write)`);
    }
    store.close();
    await reader.close();
    await writer.close();
  } finally {
    await zk.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run();
}
