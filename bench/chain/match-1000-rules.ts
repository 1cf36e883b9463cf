/**
 * chain/match-1000-rules: one packet through a 1,000-rule chain where no rule
 * matches until the last (the worst case for a firewall chain), compiled
 * matchers against the linear reference matcher as the naive baseline.
 *
 * Rules look like a security-group chain: nw_proto + nw_src subnet + tp_dst
 * range, each with the default fragment policy. Prints ops/s, p50/p99 (µs)
 * and bytes/op (heap delta over a fixed loop, a rough figure).
 */

import { Bench } from 'tinybench';
import { pathToFileURL } from 'node:url';

import { PacketContext } from '../../simulation/packet-context.js';
import { EtherType, IpFrag, IpProto } from '../../simulation/packet/flow-match.js';
import { makeSubnet } from '../../simulation/packet/addr.js';
import { buildCondition } from '../../simulation/topology/build-condition.js';
import { evaluateChain, evaluateChainLinear } from '../../simulation/rules/chain.js';
import type { Chain, Rule } from '../../simulation/topology/model.js';
import type { TopologyView } from '../../simulation/topology/view.js';

function buildChain(n: number): Chain {
  const rules: Rule[] = [];
  for (let i = 0; i < n - 1; i++) {
    const condition = buildCondition(
      {
        nw_proto: IpProto.TCP,
        nw_src_ip: `10.${(i >> 8) & 0xff}.${i & 0xff}.0/24`,
        tp_dst: { start: 1000 + (i % 500), end: 1000 + (i % 500) },
      },
      [],
    );
    rules.push({ id: `r${i}`, chainId: 'c', kind: 'literal', action: 'ACCEPT', condition });
  }
  rules.push({ id: 'last', chainId: 'c', kind: 'literal', action: 'DROP', condition: buildCondition({}, []) });
  return { id: 'c', name: 'bench', rules };
}

function packet(): PacketContext {
  const ctx = new PacketContext();
  const m = ctx.origMatch;
  m.etherType = EtherType.IPV4;
  m.nwSrc = makeSubnet(0xc0000201, 32).address;
  m.nwDst = 0x0a000001;
  m.nwProto = IpProto.TCP;
  m.nwFrag = IpFrag.NONE;
  m.srcPort = 40000;
  m.dstPort = 1001;
  ctx.wcmatch.copyFrom(m);
  ctx.topo = { chain: () => null } as unknown as TopologyView;
  return ctx;
}

function bytesPerOp(fn: () => void, iters: number): number {
  const g = globalThis as { gc?: () => void };
  g.gc?.();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < iters; i++) fn();
  return Math.max(0, (process.memoryUsage().heapUsed - before) / iters);
}

export async function run(): Promise<void> {
  const chain = buildChain(1000);
  const ctx = packet();
  const once = (linear: boolean) => () => {
    ctx.wcmatch.seen = 0;
    ctx.tags.clear();
    const v = linear ? evaluateChainLinear(ctx, chain) : evaluateChain(ctx, chain);
    if (v.action !== 'DROP') throw new Error('bench chain must end in DROP');
  };
  const bench = new Bench({ time: 1500 });
  bench.add('chain/match-1000-rules (compiled)', once(false));
  bench.add('chain/match-1000-rules (linear baseline)', once(true));
  await bench.run();
  for (const t of bench.tasks) {
    const r = t.result;
    if (r === undefined) continue;
    const lat = (r as unknown as { latency?: { p50?: number; p99?: number } }).latency;
    const p50 = lat?.p50 ?? (r as unknown as { p50?: number }).p50 ?? NaN;
    const p99 = lat?.p99 ?? (r as unknown as { p99?: number }).p99 ?? NaN;
    const hz = (r as unknown as { throughput?: { mean?: number }; hz?: number }).throughput?.mean ?? (r as unknown as { hz?: number }).hz ?? NaN;
    const bytes = bytesPerOp(once(t.name.includes('linear')), 2000);
    console.log(
      `${t.name}: ${Math.round(hz)} ops/s  p50 ${(p50 * 1000).toFixed(1)} µs  p99 ${(p99 * 1000).toFixed(1)} µs  ~${bytes.toFixed(0)} B/op`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run();
}
