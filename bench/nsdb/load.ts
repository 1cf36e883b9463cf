/**
 * nsdb/load: how long the agent takes to have a large topology from a real
 * ZooKeeper, and how fast a write reaches its view.
 *
 * Writes into a fresh ZooKeeper (test/support/zk.ts): 500 routers, 500 bridges,
 * 10,000 ports (half on bridges, half on routers), 1,000 chains holding 20,000
 * rules, in ZOOM format (text models, provenance, table directories), then:
 *  - nsdb/load-all: a new client + TopologyStore.loadAll() until every object
 *    is available; wall time, objects/s and heap growth (bytes/object).
 *  - nsdb/first-simulation: what the agent does (lazy loading): a new client,
 *    nothing loaded, one packet from a bridge port with a 20-rule chain whose
 *    bridge is linked to a router; simulated again after each NotYet until it
 *    has a result. Wall time from connect, parks, objects read, heap growth.
 *    Runs before load-all, on its own session, so nothing is cached.
 *  - nsdb/write-to-event: tinybench; one versioned rule update committed by a
 *    writer session until the store emits its `changed` event (p50/p99).
 * Sizes scale with NSDB_BENCH_SCALE (default 1).
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import { pino } from 'pino';
import type { TopologyObjects } from '../../simulation/topology/objects.js';
import { CLASS_OF, emptyTopologyObjects, TOPOLOGY_CLASS_KEYS } from '../../simulation/topology/objects.js';
import { buildUdp } from '../../simulation/packet/build.js';
import { Simulator } from '../../simulation/simulator.js';
import { LocalState } from '../../agent/state/local-state.js';
import { TopologyService } from '../../agent/topology/topology-service.js';
import type { DeviceClassKey } from '../../agent/topology/device-closure.js';
import { importTopology } from '../../agent/nsdb/zoom-import.js';
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
  const portIds = Array.from({ length: 10_000 * scale }, () => randomUUID());
  for (let i = 0; i < portIds.length; i++) {
    const onBridge = i % 2 === 0;
    // The first 500 bridge ports are linked to the router port that follows them.
    const linked = i < 1000;
    const peer = linked ? { peer_id: portIds[onBridge ? i + 1 : i - 1] } : {};
    t['ports']?.push(onBridge
      ? { id: portIds[i], network_id: networks[(i >> 1) % networks.length], admin_state_up: true, tunnel_key: 10_000 + i,
          inbound_filter_id: chains[i % chains.length], ...peer }
      : { id: portIds[i], router_id: routers[(i >> 1) % routers.length], admin_state_up: true, tunnel_key: 10_000 + i,
          port_subnet: [`10.${(i >> 8) & 255}.${i & 255}.0/24`], port_address: `10.${(i >> 8) & 255}.${i & 255}.1`,
          port_mac: `02:00:00:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
          ...peer });
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

    await firstSimulation(zk.connectString, root, topo);

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

/** The agent's path to its first result: lazy loading of what one packet touches. */
async function firstSimulation(connectString: string, root: string, topo: TopologyObjects): Promise<void> {
  // Port 1000 (bridge 0, a 20-rule chain) is a VM port; port 0 of the same bridge is linked to
  // port 1 (router 0, MAC 02:00:00:00:00:01): the packet crosses the chain, the bridge and the
  // router, which has no route for it.
  const ingress = topo.ports[1000];
  if (ingress === undefined) throw new Error('no port');
  const frame = buildUdp({
    ethSrc: 0x02aa00000001, ethDst: 0x020000000001, ipSrc: 0x0a000005, ipDst: 0xc0a80105, srcPort: 1000, dstPort: 2000,
    payload: new Uint8Array(16),
  });
  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const client = createZkClient({ connectString, opTimeoutMs: 120_000 });
  await client.connect();
  const store = new TopologyStore(client, { root, waitMs: 120_000 });
  const svc = new TopologyService({ source: store, localHostId: randomUUID(), invalidate: () => 0, log: pino({ level: 'silent' }), batchMs: 1 });
  const state = new LocalState();
  let parks = 0;
  for (;;) {
    const r = new Simulator(svc.view(), state).simulate({ frame, ingressPortId: ingress.id }, 0);
    if (r.verdict !== 'not-yet') {
      const ms = performance.now() - t0;
      global.gc?.();
      const heap = process.memoryUsage().heapUsed - heap0;
      const loaded = count(store.snapshot());
      console.log(
        `nsdb/first-simulation (lazy): ${r.verdict}/${r.reason} after ${ms.toFixed(0)} ms from connect, ${parks} parks, ` +
          `${loaded} of ${count(topo)} objects read, heap +${(heap / 1048576).toFixed(1)} MiB`,
      );
      break;
    }
    parks++;
    if (parks > 50 || r.waitingFor?.kind !== 'object') throw new Error(`first simulation stuck: ${r.reason}`);
    const w = r.waitingFor;
    const key = TOPOLOGY_CLASS_KEYS.find((k) => CLASS_OF[k] === w.objectClass) as DeviceClassKey;
    while (!svc.view().isReady(key, w.id)) await new Promise((res) => setTimeout(res, 1));
  }
  svc.close();
  store.close();
  await client.close();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run();
}
