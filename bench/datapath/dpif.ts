/**
 * datapath/dpif: the two datapath paths through the native addon, against the kernel, beside a
 * C program doing the same netlink calls (bench/datapath/c/nl-bench.c) as the physical limit.
 *  - dpif/flow-put: megaflow installs from a simulated FlowMatch (key + mask + OUTPUT), 64 per
 *    sendmmsg, errors drained — tinybench per batch (p50/p99), then fixed runs of N installs,
 *    alternating with C, which encodes the same N flows from a match struct per flow (`nl-bench
 *    put`, checked byte for byte against the addon's messages first) and sends them the same way.
 *  - dpif/upcall-execute: misses generated on a veth (nl-bench gen, AF_PACKET) arrive as
 *    upcalls; each is answered with EXECUTE(kernel key, OUTPUT, packet) — dpif.executeUpcall,
 *    actions pre-encoded; C does the same with recvmmsg/sendmmsg on its own vport socket. Both
 *    take a timestamp per received batch. Lost upcalls (n_lost) are reported.
 * Runs inside the test VM (root, openvswitch.ko): `npm run bench:datapath`. TCG makes absolute
 * figures small; the ratio is the point (target ≥ 70 %).
 */
import { Bench } from 'tinybench';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DpifNetlink } from '../../agent/datapath/dpif-netlink.js';
import { flowPutFromMatch } from '../../agent/datapath/dpif-flow-spec.js';
import { writeFlowPut, type FlowPutSpec } from '../../agent/datapath/genl-flow.js';
import { NlWriter } from '../../agent/datapath/nl-writer.js';
import { encodeActions, output } from '../../agent/datapath/odp-actions.js';
import { EtherType, FlowMatch, IpFrag } from '../../simulation/packet/flow-match.js';
import { makeVethPair, removeNetns, sh } from '../../test/support/guest.js';
import { repoRoot } from '../../test/support/paths.js';
import { requireGuest } from '../../test/support/vm.js';

const BATCH = 64;
const N_PUT = 20_000;
const N_UPCALL = 20_000;
const N_WARM = 5_000;
const CBIN = '/tmp/mm-nl-bench';
const ROUNDS = 5;

let flowId = 0;
function nextFlows(inPort: number, outPort: number, n: number): FlowPutSpec[] {
  const specs: FlowPutSpec[] = [];
  for (let i = 0; i < n; i++) {
    const id = flowId++;
    const m = new FlowMatch();
    m.inPort = inPort; m.ethSrc = 0x020000000001; m.ethDst = 0x020000000002; m.etherType = EtherType.IPV4;
    m.nwSrc = 0x0a000000 + (id >>> 8); m.nwDst = 0x0b000000 + (id & 0xff); m.nwProto = 17; m.nwTos = 0; m.nwTtl = 64;
    m.nwFrag = IpFrag.NONE; m.srcPort = 1000; m.dstPort = 53;
    void m.inPort; void m.nwSrc; void m.nwDst; void m.dstPort; // what a simulation would have read
    specs.push(flowPutFromMatch(m, [output(outPort)]));
  }
  return specs;
}

/** Progress on stderr: a hung step inside the VM is otherwise silent until the VM timeout. */
function step(what: string): void {
  if (process.env['BENCH_TRACE'] !== undefined) process.stderr.write(`bench: ${what}\n`);
}

/** Waits for a child's exit, at most `ms` (then kills it and throws: a benchmark never hangs). */
async function exited(p: ReturnType<typeof spawn>, what: string, ms = 60_000): Promise<void> {
  if (p.exitCode !== null) return;
  const t = setTimeout(() => p.kill('SIGKILL'), ms);
  const [code, sig] = (await once(p, 'exit')) as [number | null, string | null];
  clearTimeout(t);
  if (sig === 'SIGKILL') throw new Error(`${what}: no exit within ${ms} ms`);
  if (code !== 0) throw new Error(`${what}: exit ${code}`);
}

function cBench(args: string[]): Record<string, number> {
  return JSON.parse(execFileSync(CBIN, args, { encoding: 'utf8' }).trim().split('\n').pop()!) as Record<string, number>;
}

function pct(a: number, b: number): string {
  return `${((100 * a) / b).toFixed(0)} %`;
}

async function flowPut(dp: DpifNetlink, p1: number, p2: number): Promise<void> {
  const bench = new Bench({ time: 2000 });
  bench.add('dpif/flow-put (batch of 64)', () => {
    dp.putFlows(nextFlows(p1, p2, BATCH));
    dp.drainOutput();
  });
  await bench.run();
  const t = bench.tasks[0]!;
  const res = t.result as unknown as { latency?: { p50?: number; p99?: number }; throughput?: { mean?: number } } | undefined;
  console.log(`${t.name}: ${Math.round((res?.throughput?.mean ?? NaN) * BATCH)} flows/s  ` +
    `p50 ${(res?.latency?.p50 ?? NaN).toFixed(3)} ms  p99 ${(res?.latency?.p99 ?? NaN).toFixed(3)} ms per batch`);
  dp.flushFlows();

  // Fixed runs, alternating with C on the same flows (the machine is noisy: medians).
  const ts: number[] = [], cs: number[] = [];
  let installed = 0, cInstalled = 0, errors = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const first = flowId;
    const specs = nextFlows(p1, p2, N_PUT);
    const errorsBefore = dp.counters.flowPutErrors;
    const t0 = performance.now();
    for (let i = 0; i < N_PUT; i += BATCH) {
      dp.putFlows(specs.slice(i, i + BATCH));
      dp.drainOutput();
    }
    ts.push(N_PUT / ((performance.now() - t0) / 1000));
    installed = dp.info().stats.flows;
    errors += dp.counters.flowPutErrors - errorsBefore;
    dp.flushFlows();
    // The addon's messages for these flows: C checks its own encoding against them.
    const w = new NlWriter(1 << 20);
    const file = new NlWriter(N_PUT * 256);
    for (const s of specs) {
      w.reset();
      writeFlowPut(w, dp.families.flow.id, 1, dp.ifindex, s);
      const at = file.reserve(4);
      file.view.setUint32(at, w.length, true);
      const b = file.reserve(w.length);
      file.buf.set(w.bytes(), b);
    }
    writeFileSync('/tmp/mm-flows.bin', file.bytes());
    const c = cBench(['put', String(dp.families.flow.id), String(dp.ifindex), String(p1), String(p2), String(N_PUT), String(BATCH), String(first), '/tmp/mm-flows.bin']);
    cs.push(c['rate']!);
    cInstalled = dp.info().stats.flows;
    dp.flushFlows();
  }
  const tsRate = median(ts), cRate = median(cs);
  console.log(`dpif/flow-put fixed runs (median of ${ROUNDS}): addon ${Math.round(tsRate)} flows/s (${installed} installed, ${errors} errors)` +
    ` | C ${Math.round(cRate)} flows/s (${cInstalled} installed) | ratio ${pct(tsRate, cRate)}` +
    `  [addon ${ts.map(Math.round).join(' ')} | C ${cs.map(Math.round).join(' ')}]`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function upcallExecute(dp: DpifNetlink, p1: number, p2: number): Promise<void> {
  let handled = 0, tFirst = 0, tLast = 0, batch = -1;
  const aw = new NlWriter(64);
  encodeActions(aw, [output(p2)]);
  const out = aw.bytes().slice();
  dp.onUpcall((u) => {
    if (u.portNo !== p1) return;
    // One timestamp per received batch, as the C program takes one per recvmmsg.
    if (dp.counters.upcallBatches !== batch) {
      batch = dp.counters.upcallBatches;
      tLast = performance.now();
      if (handled === 0) tFirst = tLast;
    }
    handled++;
    dp.executeUpcall(u, out);
  });
  // Warm-up burst (not counted): the JIT has compiled the upcall path before the measured one,
  // as tinybench warms the flow-put task; the C program is compiled ahead of time.
  const warm = spawn('ip', ['netns', 'exec', 'mmba', CBIN, 'gen', 'eth0', String(N_WARM)], { stdio: 'inherit' });
  step('warm-up burst');
  await exited(warm, 'gen (warm-up)');
  await new Promise((r) => setTimeout(r, 1000));
  handled = 0; batch = -1;
  const batches0 = dp.counters.upcallBatches;
  const lost0 = dp.info().stats.lost;
  const gen = spawn('ip', ['netns', 'exec', 'mmba', CBIN, 'gen', 'eth0', String(N_UPCALL)], { stdio: 'inherit' });
  step('measured burst');
  await exited(gen, 'gen');
  await new Promise((r) => setTimeout(r, 1500));
  dp.drainOutput();
  const tsLost = dp.info().stats.lost - lost0;
  const tsBatches = dp.counters.upcallBatches - batches0;
  const tsRate = handled / ((tLast - tFirst) / 1000);
  dp.onUpcall(() => {});

  // C on its own socket: hand the vport over.
  const name = dp.getVport({ portNo: p1 }).name;
  dp.deleteVport({ portNo: p1 });
  const f = dp.families;
  const cproc = spawn(CBIN, ['upcall', String(f.vport.id), String(f.packet.id), String(dp.ifindex), name, String(p2), String(N_UPCALL)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let cout = '';
  cproc.stdout.on('data', (b: Buffer) => { cout += b.toString(); });
  step('C upcall: waiting for its vport');
  const ready = setTimeout(() => cproc.kill('SIGKILL'), 30_000);
  while (!cout.includes('ready')) {
    if (cproc.exitCode !== null || cproc.signalCode !== null) throw new Error(`nl-bench upcall exited before ready: ${cout}`);
    await Promise.race([once(cproc.stdout, 'data'), once(cproc, 'exit')]);
  }
  clearTimeout(ready);
  const lost1 = dp.info().stats.lost;
  const gen2 = spawn('ip', ['netns', 'exec', 'mmba', CBIN, 'gen', 'eth0', String(N_UPCALL)], { stdio: 'inherit' });
  step('C burst');
  await exited(gen2, 'gen (C)');
  await exited(cproc, 'nl-bench upcall');
  const c = JSON.parse(cout.trim().split('\n').pop()!) as Record<string, number>;
  const cLost = dp.info().stats.lost - lost1;
  console.log(`dpif/upcall-execute: addon ${Math.round(tsRate)} round trips/s (${handled} handled in ${tsBatches} batches, ${tsLost} lost, ${dp.counters.executeErrors} execute errors)` +
    ` | C ${Math.round(c['rate']!)} round trips/s (${c['roundTrips']} handled, ${cLost} lost) | ratio ${pct(tsRate, c['rate']!)}`);
}

export async function run(): Promise<void> {
  requireGuest();
  execFileSync('gcc', ['-O2', '-o', CBIN, join(repoRoot, 'bench', 'datapath', 'c', 'nl-bench.c')]);
  makeVethPair('mmb');
  const dp = DpifNetlink.open('mmbench', { mode: 'recreate' });
  try {
    const p1 = dp.createVport({ name: 'mmb1', type: 'netdev' }).portNo;
    const p2 = dp.createVport({ name: 'mmb2', type: 'netdev' }).portNo;
    await flowPut(dp, p1, p2);
    await upcallExecute(dp, p1, p2);
  } finally {
    dp.destroy();
    removeNetns('mmba', 'mmbb');
    sh('true');
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run();
}
