/**
 * primitives/parse: parseFrame on the frames an upcall typically carries, into a
 * pooled FlowMatch and ParsedPacket:
 *  - packet/parse-eth-ipv4-tcp, packet/parse-arp, packet/parse-vlan-ipv4-udp,
 *    packet/parse-ipv6-tcp.
 * Baseline: a naive parser that makes a DataView and one object per header (what
 * the views avoid). Every case includes FlowMatch.reset(), as an upcall would. Prints ops/s, p50/p99 in ns and bytes allocated per parse,
 * from the heap delta over short chunks of calls (chunks in which a scavenge ran
 * are dropped; run node with --expose-gc to settle the heap first).
 */

import { Bench } from 'tinybench';
import { pathToFileURL } from 'node:url';

import { buildArpRequest, buildTcp, buildUdp } from '../../simulation/packet/build.js';
import { FlowMatch } from '../../simulation/packet/flow-match.js';
import { ParsedPacket, parseFrame } from '../../simulation/packet/parse.js';
import { insertVlanTag } from '../../simulation/packet/rewrite.js';

const A = { ethSrc: 0x020000000001, ethDst: 0x020000000002, ipSrc: 0x0a000001, ipDst: 0x0a000002 };

function ipv6Tcp(): Uint8Array {
  const f = new Uint8Array(14 + 40 + 20);
  f.set([0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x86, 0xdd]);
  f.set([0x60, 0, 0, 0, 0, 20, 6, 64], 14);
  f[14 + 8] = 0x20;
  f[14 + 24] = 0x20;
  f.set([0x9c, 0x40, 0x00, 0x50], 54);
  f[54 + 12] = 0x50;
  f[54 + 13] = 0x02;
  return f;
}

export const FRAMES: ReadonlyArray<readonly [string, Uint8Array]> = [
  ['packet/parse-eth-ipv4-tcp', buildTcp({ ...A, srcPort: 40000, dstPort: 80, flags: 0x02, payload: new Uint8Array(64) })],
  ['packet/parse-arp', buildArpRequest(A.ethSrc, A.ipSrc, A.ipDst)],
  ['packet/parse-vlan-ipv4-udp', insertVlanTag(buildUdp({ ...A, srcPort: 5000, dstPort: 53, payload: new Uint8Array(32) }), 0x8100, 100)],
  ['packet/parse-ipv6-tcp', ipv6Tcp()],
];

/** Keeps the baseline's objects alive so escape analysis cannot delete them. */
export let sink: unknown = null;

/** The naive way: a DataView and an object per header. */
function naiveParse(frame: Uint8Array): unknown {
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  let type = dv.getUint16(12);
  let off = 14;
  const vlans: number[] = [];
  while (type === 0x8100 || type === 0x88a8) {
    vlans.push(dv.getUint16(off) & 0xfff);
    type = dv.getUint16(off + 2);
    off += 4;
  }
  const eth = { dst: frame.slice(0, 6), src: frame.slice(6, 12), type, vlans };
  if (type === 0x0800) {
    const ip = { src: dv.getUint32(off + 12), dst: dv.getUint32(off + 16), proto: dv.getUint8(off + 9), hl: (dv.getUint8(off) & 15) * 4 };
    const l4 = { src: dv.getUint16(off + ip.hl), dst: dv.getUint16(off + ip.hl + 2) };
    return { eth, ip, l4 };
  }
  if (type === 0x86dd) {
    const ip6 = { src: frame.slice(off + 8, off + 24), dst: frame.slice(off + 24, off + 40), nh: dv.getUint8(off + 6) };
    return { eth, ip6, l4: { src: dv.getUint16(off + 40), dst: dv.getUint16(off + 42) } };
  }
  if (type === 0x0806) return { eth, arp: { op: dv.getUint16(off + 6), spa: dv.getUint32(off + 14), tpa: dv.getUint32(off + 24) } };
  return { eth };
}

/**
 * Heap bytes per call: the heap delta over chunks of calls, dropping any chunk in
 * which the heap shrank (a scavenge ran inside it), median of the rest.
 */
function bytesPerOp(fn: () => void, chunks: number, perChunk: number): { bytes: number; kept: number } {
  const g = globalThis as { gc?: () => void };
  for (let i = 0; i < 5000; i++) fn();
  g.gc?.();
  const deltas: number[] = [];
  for (let c = 0; c < chunks; c++) {
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < perChunk; i++) fn();
    const d = process.memoryUsage().heapUsed - before;
    if (d >= 0) deltas.push(d / perChunk);
  }
  deltas.sort((x, y) => x - y);
  return { bytes: deltas[deltas.length >> 1] ?? NaN, kept: deltas.length };
}

/**
 * Mean ns per call over a tight loop: tinybench's per-sample timer calls cost
 * about as much as a parse, so its p50 overstates the parse itself.
 */
function batchNs(fn: () => void, iters: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iters; i++) fn();
  return Number(process.hrtime.bigint() - t0) / iters;
}

export async function run(): Promise<void> {
  const m = new FlowMatch();
  const p = new ParsedPacket();
  const cases: Array<[string, () => void]> = [];
  for (const [name, frame] of FRAMES) {
    cases.push([
      name,
      () => {
        m.reset();
        if (!parseFrame(frame, m, p).ok) throw new Error(`${name}: bench frame must parse`);
      },
    ]);
  }
  const tcp = FRAMES[0]![1];
  cases.push(['packet/parse-eth-ipv4-tcp (naive baseline)', () => void (sink = naiveParse(tcp))]);

  const bench = new Bench({ time: 700 });
  for (const [name, fn] of cases) bench.add(name, fn);
  await bench.run();
  for (const t of bench.tasks) {
    const res = t.result as unknown as { latency?: { p50?: number; p99?: number }; throughput?: { mean?: number } } | undefined;
    if (res === undefined) continue;
    const fn = cases.find(([n]) => n === t.name)![1];
    const a = bytesPerOp(fn, 40, 5_000);
    const batch = batchNs(fn, 500_000);
    console.log(
      `${t.name}: ${Math.round(res.throughput?.mean ?? NaN)} ops/s  p50 ${((res.latency?.p50 ?? NaN) * 1e6).toFixed(0)} ns  ` +
        `p99 ${((res.latency?.p99 ?? NaN) * 1e6).toFixed(0)} ns  batch ${batch.toFixed(0)} ns/op  ` +
        `~${a.bytes.toFixed(1)} B/op (${a.kept}/40 chunks without GC)`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run();
}
