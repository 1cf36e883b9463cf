/**
 * simulation/bridge-learned: one UDP frame VM → VM across a bridge whose MAC
 * table already knows both VMs (the commonest upcall: a new flow between two
 * learned endpoints). The whole Simulator.simulate call: parse, DHCP check,
 * port ingress, bridge, port egress, emit, SimResult. Target ≥ 500,000/s.
 */

import { pathToFileURL } from 'node:url';
import { buildUdp } from '../../simulation/packet/build.js';
import { Simulator } from '../../simulation/simulator.js';
import { ip, mac } from '../../test/support/frames.js';
import { MemoryState, seededRandom } from '../../test/support/memory-state.js';
import { LOCAL_HOST, TopologyBuilder } from '../../test/support/topology-builder.js';
import { measure } from './measure.js';

export function bridgeLearnedCase(): () => void {
  const b = new TopologyBuilder();
  const br = b.bridge('B');
  const p1 = b.bridgePort(br, { host: LOCAL_HOST, iface: 'tap1' });
  const p2 = b.bridgePort(br, { host: LOCAL_HOST, iface: 'tap2' });
  for (let i = 3; i <= 8; i++) b.bridgePort(br, { host: LOCAL_HOST, iface: `tap${i}` });
  const state = new MemoryState();
  state.apply([
    { kind: 'mac-learned', bridgeId: br, vlan: 0, mac: mac('02:00:00:00:00:01'), portId: p1 },
    { kind: 'mac-learned', bridgeId: br, vlan: 0, mac: mac('02:00:00:00:00:02'), portId: p2 },
  ], 0);
  const sim = new Simulator(b.build(), state, { random: seededRandom(1) });
  const frame = buildUdp({ ethSrc: mac('02:00:00:00:00:01'), ethDst: mac('02:00:00:00:00:02'), ipSrc: ip('10.0.0.1'), ipDst: ip('10.0.0.2'), srcPort: 5000, dstPort: 6000, payload: new Uint8Array(64) });
  const input = { frame, ingressPortId: p1 };
  return () => {
    const r = sim.simulate(input, 1000);
    if (r.verdict !== 'forward' || r.actions.length !== 1) throw new Error(`unexpected ${r.verdict} ${r.reason}`);
  };
}

export async function run(): Promise<void> {
  await measure('simulation/bridge-learned', bridgeLearnedCase(), { target: 500_000 });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
