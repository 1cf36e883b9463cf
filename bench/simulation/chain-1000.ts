/**
 * simulation/chain-1000: a whole simulation (bridge unicast between learned
 * VMs) where the destination VM port's outbound chain has 1,000 rules and only
 * the last one (ACCEPT all) matches: the worst case of a big security group.
 * Compare bench/chain/match-1000-rules.ts (the matcher alone) and
 * simulation/bridge-learned (the same path without the chain).
 */

import { pathToFileURL } from 'node:url';
import { buildTcp } from '../../simulation/packet/build.js';
import { IpProto } from '../../simulation/packet/flow-match.js';
import { SYN } from '../../simulation/packet/tcp.js';
import { Simulator } from '../../simulation/simulator.js';
import { ip, mac } from '../../test/support/frames.js';
import { MemoryState, seededRandom } from '../../test/support/memory-state.js';
import { LOCAL_HOST, TopologyBuilder } from '../../test/support/topology-builder.js';
import { measure } from './measure.js';

export function chain1000Case(): () => void {
  const b = new TopologyBuilder();
  const br = b.bridge('B');
  const p1 = b.bridgePort(br, { host: LOCAL_HOST, iface: 'tap1' });
  const p2 = b.bridgePort(br, { host: LOCAL_HOST, iface: 'tap2' });
  const c = b.chain('big-sg');
  for (let i = 0; i < 999; i++) {
    b.rule(c, { action: 'ACCEPT', condition: {
      dl_type: 0x800, nw_proto: IpProto.TCP, nw_src_ip: `172.${16 + (i >> 8)}.${i & 0xff}.0/24`,
      tp_dst: { start: 1000 + (i % 500), end: 1000 + (i % 500) }, fragment_policy: 'HEADER',
    } });
  }
  b.rule(c, { action: 'ACCEPT', condition: { fragment_policy: 'ANY' } });
  b.port(p2).outbound_filter_id = c;
  const state = new MemoryState();
  state.apply([
    { kind: 'mac-learned', bridgeId: br, vlan: 0, mac: mac('02:00:00:00:00:01'), portId: p1 },
    { kind: 'mac-learned', bridgeId: br, vlan: 0, mac: mac('02:00:00:00:00:02'), portId: p2 },
  ], 0);
  const sim = new Simulator(b.build(), state, { random: seededRandom(1) });
  const frame = buildTcp({ ethSrc: mac('02:00:00:00:00:01'), ethDst: mac('02:00:00:00:00:02'), ipSrc: ip('10.0.0.1'), ipDst: ip('10.0.0.2'), srcPort: 40000, dstPort: 1001, flags: SYN });
  const input = { frame, ingressPortId: p1 };
  return () => {
    const r = sim.simulate(input, 1000);
    if (r.verdict !== 'forward') throw new Error(`unexpected ${r.verdict} ${r.reason}`);
  };
}

export async function run(): Promise<void> {
  await measure('simulation/chain-1000', chain1000Case(), { time: 1500 });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
