/**
 * datapath/dpif: the two datapath paths through the native addon, against the kernel, beside a
 * C program doing the same netlink calls (bench/datapath/c/nl-bench.c) as the physical limit.
 *  - dpif/flow-put: megaflow installs from a simulated FlowMatch (key + mask + OUTPUT), 64 per
 *    sendmmsg, errors drained — tinybench per batch (p50/p99), then a fixed run of N installs;
 *    C replays the very same N messages (dumped to a file) with sendmmsg.
 *  - dpif/upcall-execute: misses generated on a veth (nl-bench gen, AF_PACKET) arrive as
 *    upcalls; each is answered with EXECUTE(key, OUTPUT, packet); C does the same with
 *    recvmmsg/sendmmsg on its own vport socket. Lost upcalls (n_lost) are reported.
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
import { actionsFromRecords, flowPutFromMatch } from '../../agent/datapath/dpif-flow-spec.js';
import { writeFlowPut, type FlowPutSpec } from '../../agent/datapath/genl-flow.js';
import { NlWriter } from '../../agent/datapath/nl-writer.js';
import { output } from '../../agent/datapath/odp-actions.js';
import { EtherType, FlowMatch, IpFrag } from '../../simulation/packet/flow-match.js';
import { makeVethPair, removeNetns, sh } from '../../test/support/guest.js';
import { repoRoot } from '../../test/support/paths.js';
import { requireGuest } from '../../test/support/vm.js';

const BATCH = 64;
const N_PUT = 20_000;
const N_UPCALL = 20_000;
const CBIN = '/tmp/mm-nl-bench';

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

  // Fixed run, then the same messages for C.
  const specs = nextFlows(p1, p2, N_PUT);
  const errorsBefore = dp.counters.flowPutErrors;
  const t0 = performance.now();
  for (let i = 0; i < N_PUT; i += BATCH) {
    dp.putFlows(specs.slice(i, i + BATCH));
    dp.drainOutput();
  }
  const tsRate = N_PUT / ((performance.now() - t0) / 1000);
  const installed = dp.info().stats.flows;
  dp.flushFlows();
  const w = new NlWriter(1 << 20);
  const file = new NlWriter(N_PUT * 256);
  for (const s of nextFlows(p1, p2, N_PUT)) {
    w.reset();
    writeFlowPut(w, dp.families.flow.id, 1, dp.ifindex, s);
    const at = file.reserve(4);
    file.view.setUint32(at, w.length, true);
    const b = file.reserve(w.length);
    file.buf.set(w.bytes(), b);
  }
  writeFileSync('/tmp/mm-flows.bin', file.bytes());
  const c = cBench(['send', '/tmp/mm-flows.bin', String(BATCH)]);
  const cInstalled = dp.info().stats.flows;
  dp.flushFlows();
  console.log(`dpif/flow-put fixed run: addon ${Math.round(tsRate)} flows/s (${installed} installed, ${dp.counters.flowPutErrors - errorsBefore} errors)` +
    ` | C ${Math.round(c['rate']!)} flows/s (${cInstalled} installed) | ratio ${pct(tsRate, c['rate']!)}`);
}

async function upcallExecute(dp: DpifNetlink, p1: number, p2: number): Promise<void> {
  let handled = 0, tFirst = 0, tLast = 0;
  const out = actionsFromRecords([output(p2)]);
  dp.onUpcall((u) => {
    if (u.portNo !== p1) return;
    if (handled++ === 0) tFirst = performance.now();
    tLast = performance.now();
    dp.execute(u.buf.subarray(u.key.off, u.key.off + u.key.len), out, u.buf.subarray(u.packet.off, u.packet.off + u.packet.len));
  });
  const lost0 = dp.info().stats.lost;
  const gen = spawn('ip', ['netns', 'exec', 'mmba', CBIN, 'gen', 'eth0', String(N_UPCALL)], { stdio: 'inherit' });
  await once(gen, 'exit');
  await new Promise((r) => setTimeout(r, 1500));
  dp.drainOutput();
  const tsLost = dp.info().stats.lost - lost0;
  const tsRate = handled / ((tLast - tFirst) / 1000);
  dp.onUpcall(() => {});

  // C on its own socket: hand the vport over.
  const name = dp.getVport({ portNo: p1 }).name;
  dp.deleteVport({ portNo: p1 });
  const f = dp.families;
  const cproc = spawn(CBIN, ['upcall', String(f.vport.id), String(f.packet.id), String(dp.ifindex), name, String(p2), String(N_UPCALL)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let cout = '';
  cproc.stdout.on('data', (b: Buffer) => { cout += b.toString(); });
  while (!cout.includes('ready')) await once(cproc.stdout, 'data');
  const lost1 = dp.info().stats.lost;
  const gen2 = spawn('ip', ['netns', 'exec', 'mmba', CBIN, 'gen', 'eth0', String(N_UPCALL)], { stdio: 'inherit' });
  await once(gen2, 'exit');
  await once(cproc, 'exit');
  const c = JSON.parse(cout.trim().split('\n').pop()!) as Record<string, number>;
  const cLost = dp.info().stats.lost - lost1;
  console.log(`dpif/upcall-execute: addon ${Math.round(tsRate)} round trips/s (${handled} handled, ${tsLost} lost, ${dp.counters.executeErrors} execute errors)` +
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
