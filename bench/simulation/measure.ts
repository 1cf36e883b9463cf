/**
 * Measuring whole simulations: tinybench for speed, a heap-delta probe for
 * allocation, one line of figures per case.
 *
 * Speed: tinybench runs the case for `time` ms on one core (node is single
 * threaded; nothing else of ours runs); we print calls per second (1 / mean
 * latency) and the latency distribution (mean, p50, p99, in µs). On a shared
 * machine p50 is the steadiest figure.
 *
 * Bytes per simulation: V8 has no per-call allocation counter in Node 20, so
 * we read `process.memoryUsage().heapUsed` before and after a batch of calls.
 * The batch is small (500 calls, a few MB) so that it fits in the young generation and
 * no scavenge runs inside it; a full GC (`gc()`, exposed at runtime through
 * v8.setFlagsFromString('--expose-gc')) settles the heap before each batch.
 * A batch whose delta is negative was interrupted by a GC and is discarded;
 * the figure is the median of the remaining batches. It counts everything the
 * call allocates and does not free before returning (results, effects, tags,
 * strings), i.e. what the garbage collector must later reclaim.
 */

import { Bench } from 'tinybench';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface Figures {
  readonly name: string;
  readonly opsPerSec: number;
  readonly meanUs: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly bytesPerOp: number;
}

let gcFn: (() => void) | null = null;

/** A full GC, with --expose-gc turned on at runtime if node was started without it. */
export function fullGc(): void {
  if (gcFn === null) {
    const g = (globalThis as { gc?: () => void }).gc;
    if (g !== undefined) gcFn = g;
    else {
      setFlagsFromString('--expose-gc');
      gcFn = runInNewContext('gc') as () => void;
    }
  }
  gcFn();
}

/** Median heap growth per call over `batches` batches of `perBatch` calls. */
export function bytesPerCall(fn: () => void, perBatch = 500, batches = 15): number {
  const deltas: number[] = [];
  for (let b = 0; b < batches; b++) {
    fullGc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < perBatch; i++) fn();
    const d = process.memoryUsage().heapUsed - before;
    if (d >= 0) deltas.push(d / perBatch);
  }
  if (deltas.length === 0) return NaN;
  deltas.sort((a, b) => a - b);
  return deltas[deltas.length >> 1]!;
}

export async function measure(name: string, fn: () => void, o: { time?: number; target?: number } = {}): Promise<Figures> {
  for (let i = 0; i < 5000; i++) fn(); // warm up (JIT) before timing
  const bench = new Bench({ time: o.time ?? 2000 });
  bench.add(name, fn);
  await bench.run();
  const r = bench.tasks[0]!.result;
  if (r.state !== 'completed') throw new Error(`${name}: ${r.state}`);
  const f: Figures = {
    name,
    // Calls per second of wall time (1 / mean latency), not tinybench's mean of
    // per-sample throughputs, which a skewed latency distribution inflates.
    opsPerSec: 1000 / r.latency.mean,
    meanUs: r.latency.mean * 1000,
    p50Us: r.latency.p50 * 1000,
    p99Us: r.latency.p99 * 1000,
    bytesPerOp: bytesPerCall(fn),
  };
  print(f, o.target);
  return f;
}

export function print(f: Figures, target?: number): void {
  const t = target === undefined ? '' : `  target ${target.toLocaleString('en')}/s ${f.opsPerSec >= target ? 'MET' : 'MISSED'}`;
  process.stdout.write(
    `${f.name.padEnd(40)} ${Math.round(f.opsPerSec).toLocaleString('en').padStart(11)} ops/s` +
      `  mean ${f.meanUs.toFixed(2)} µs  p50 ${f.p50Us.toFixed(2)} µs  p99 ${f.p99Us.toFixed(2)} µs` +
      `  ${Math.round(f.bytesPerOp).toLocaleString('en')} B/sim${t}\n`,
  );
}
