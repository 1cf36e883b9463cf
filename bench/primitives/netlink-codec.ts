/**
 * primitives/netlink-codec: the two codec operations on the packet path.
 *  - nl/flow-put-encode: a whole OVS_FLOW_CMD_NEW message (nlmsghdr, genl,
 *    ovs_header, KEY from a FlowMatch, MASK from its seen fields, ACTIONS =
 *    SET(TUNNEL)+OUTPUT) into one reused writer.
 *  - odp/upcall-key-decode: a kernel upcall key list (with the recirc/ct
 *    metadata the kernel always adds) into a reused FlowMatch, with fitness.
 * Naive baselines: the record codec (decodeKeyAttrs, an object per attribute)
 * and the text form. Prints ops/s, p50/p99 and bytes/op (heap delta over a
 * fixed loop; run with --expose-gc for steadier figures).
 */

import { Bench } from 'tinybench';
import { pathToFileURL } from 'node:url';

import { NlWriter } from '../../agent/datapath/nl-writer.js';
import { NLM_F_CREATE, NLM_F_REQUEST } from '../../agent/datapath/nl-constants.js';
import { decodeFlowKey, encodeFlowKey } from '../../agent/datapath/odp-flow-key.js';
import { encodeFlowMask } from '../../agent/datapath/odp-flow-mask.js';
import { encodeActions } from '../../agent/datapath/odp-actions.js';
import { decodeKeyAttrs } from '../../agent/datapath/odp-key-attrs.js';
import { formatKeyList } from '../../agent/datapath/flow-text.js';
import {
  Fitness, OVS_FLOW_ATTR_ACTIONS, OVS_FLOW_ATTR_KEY, OVS_FLOW_ATTR_MASK, OVS_FLOW_CMD_NEW, OVS_FLOW_VERSION,
  type OdpAction,
} from '../../agent/datapath/odp-types.js';
import { EtherType, FlowMatch, IpFrag } from '../../simulation/packet/flow-match.js';

function simulatedMatch(): FlowMatch {
  const m = new FlowMatch();
  m.inPort = 3; m.ethSrc = 0x001122334455; m.ethDst = 0x66778899aabb; m.etherType = EtherType.IPV4;
  m.nwSrc = 0x0a000001; m.nwDst = 0x0a000002; m.nwProto = 6; m.nwTos = 0; m.nwTtl = 64; m.nwFrag = IpFrag.NONE;
  m.srcPort = 40000; m.dstPort = 80;
  void m.ethDst; void m.nwDst; void m.dstPort; // what a bridge + chain would read
  return m;
}

const ACTIONS: OdpAction[] = [
  { kind: 'set', key: { kind: 'tunnel', tunnel: { id: 0x100005n, src: 0x0a000001, dst: 0x0a000002, tos: 0, ttl: 255 } } },
  { kind: 'output', port: 4 },
];

function upcallKey(): Uint8Array {
  const w = new NlWriter();
  w.putU32(20, 0); w.putU32(19, 0); w.putU32(2, 0); w.putU32(3, 3); w.putU32(15, 0);
  w.putU32(22, 0); w.putU16(23, 0); w.putU32(24, 0); w.putBytes(25, new Uint8Array(16));
  encodeFlowKey(w, simulatedMatch());
  w.putBe16(18, 0x02);
  return w.bytes().slice();
}

function bytesPerOp(fn: () => void, iters: number): number {
  const g = globalThis as { gc?: () => void };
  for (let i = 0; i < 1000; i++) fn();
  g.gc?.();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < iters; i++) fn();
  return Math.max(0, (process.memoryUsage().heapUsed - before) / iters);
}

export async function run(): Promise<void> {
  const m = simulatedMatch();
  const w = new NlWriter(4096);
  let seq = 0;
  const flowPut = (): void => {
    w.reset();
    w.beginMessage(0x1d, NLM_F_REQUEST | NLM_F_CREATE, ++seq, 0);
    w.putGenlHeader(OVS_FLOW_CMD_NEW, OVS_FLOW_VERSION);
    w.putOvsHeader(5);
    const k = w.beginNested(OVS_FLOW_ATTR_KEY);
    encodeFlowKey(w, m);
    w.endNested(k);
    const mk = w.beginNested(OVS_FLOW_ATTR_MASK);
    encodeFlowMask(w, m, ACTIONS);
    w.endNested(mk);
    const a = w.beginNested(OVS_FLOW_ATTR_ACTIONS);
    encodeActions(w, ACTIONS);
    w.endNested(a);
    w.endMessage();
  };
  const key = upcallKey();
  const into = new FlowMatch();
  const decode = (): void => {
    if (decodeFlowKey(key, 0, key.length, into) !== Fitness.PERFECT) throw new Error('bench key must be PERFECT');
  };
  const decodeRecords = (): void => {
    if (!decodeKeyAttrs(key, 0, key.length).ok) throw new Error('bad key');
  };
  const r = decodeKeyAttrs(key, 0, key.length);
  const recs = r.ok ? r.value : [];
  const text = (): void => void formatKeyList(recs, undefined);

  const cases: Array<[string, () => void]> = [
    ['nl/flow-put-encode', flowPut],
    ['odp/upcall-key-decode', decode],
    ['odp/upcall-key-decode (records baseline)', decodeRecords],
    ['flow-text/format-key (text baseline)', text],
  ];
  flowPut();
  console.log(`flow-put message: ${w.length} bytes; upcall key: ${key.length} bytes`);
  const bench = new Bench({ time: 1000 });
  for (const [name, fn] of cases) bench.add(name, fn);
  await bench.run();
  for (const t of bench.tasks) {
    const res = t.result as unknown as { latency?: { p50?: number; p99?: number }; throughput?: { mean?: number } } | undefined;
    if (res === undefined) continue;
    const fn = cases.find(([n]) => n === t.name)![1];
    const bytes = bytesPerOp(fn, 20000);
    console.log(
      `${t.name}: ${Math.round(res.throughput?.mean ?? NaN)} ops/s  p50 ${((res.latency?.p50 ?? NaN) * 1000).toFixed(2)} µs  ` +
        `p99 ${((res.latency?.p99 ?? NaN) * 1000).toFixed(2)} µs  ~${bytes.toFixed(0)} B/op`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run();
}
