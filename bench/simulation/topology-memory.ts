/**
 * simulation/topology-memory: the heap a built topology of 10,000 ports
 * holds. 100 tenant routers, each with 10 bridges; each bridge has 8 VM ports
 * (half bound to this host, half to another) and the interior port linking it
 * to its router, whose port carries the LOCAL and subnet routes:
 * 100 × 10 × (8 + 2) = 10,000 ports, 2,000 routes, 1,000 bridges.
 *
 * Method: full GC, heapUsed; build the TopologyObjects (what ZooKeeper or the
 * topology file gives); full GC, heapUsed; buildTopology; full GC, heapUsed.
 * The deltas are retained bytes (garbage from building is collected first).
 */

import { pathToFileURL } from 'node:url';
import { buildTopology } from '../../simulation/topology/build.js';
import type { TopologySnapshot } from '../../simulation/topology/snapshot.js';
import { LOCAL_HOST, REMOTE_HOST, TopologyBuilder } from '../../test/support/topology-builder.js';
import { fullGc } from './measure.js';

const ROUTERS = 100;
const BRIDGES_PER_ROUTER = 10;
const VMS_PER_BRIDGE = 8;

function objects(): TopologyBuilder {
  const b = new TopologyBuilder();
  b.host(LOCAL_HOST, 'local');
  b.host(REMOTE_HOST, 'remote');
  for (let r = 0; r < ROUTERS; r++) {
    const router = b.router();
    for (let n = 0; n < BRIDGES_PER_ROUTER; n++) {
      const br = b.bridge();
      b.connect(br, router, `10.${r}.${n}.1/24`);
      for (let v = 0; v < VMS_PER_BRIDGE; v++) b.bridgePort(br, { host: v % 2 === 0 ? LOCAL_HOST : REMOTE_HOST, iface: `tap-${r}-${n}-${v}` });
    }
  }
  return b;
}

function heap(): number {
  fullGc();
  return process.memoryUsage().heapUsed;
}

export async function run(): Promise<void> {
  const h0 = heap();
  const t0 = performance.now();
  const b = objects();
  const t1 = performance.now();
  const h1 = heap();
  const { snapshot, diagnostics } = buildTopology(b.objects as never, { localHostId: LOCAL_HOST });
  const t2 = performance.now();
  const h2 = heap();
  const ports = b.objects.ports.length;
  if (diagnostics.items.length > 0) throw new Error(`diagnostics: ${diagnostics.items[0]!.message}`);
  if (snapshot.port(b.objects.ports[0]!.id) === null) throw new Error('port missing');
  const mb = (x: number): string => (x / 2 ** 20).toFixed(1);
  process.stdout.write(
    `simulation/topology-memory                ${ports.toLocaleString('en')} ports, ${b.objects.routes.length.toLocaleString('en')} routes, ${b.objects.networks.length} bridges\n` +
      `  objects (proto-shaped plain data)  ${mb(h1 - h0)} MiB  ${Math.round((h1 - h0) / ports)} B/port  built in ${(t1 - t0).toFixed(0)} ms\n` +
      `  snapshot (buildTopology)           ${mb(h2 - h1)} MiB  ${Math.round((h2 - h1) / ports)} B/port  built in ${(t2 - t1).toFixed(0)} ms\n`,
  );
  keep(snapshot, b);
}

// Keeps both alive until after the last measurement.
let kept: unknown;
function keep(s: TopologySnapshot, b: TopologyBuilder): void {
  kept = [s, b];
  void kept;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
