/**
 * simulation/floating-ip: a TCP SYN from the Internet to a floating IP, as in
 * examples/two-tier: in on the edge router's uplink, routed to the tenant
 * router, static DNAT in its pre-routing chain, routed to the tenant bridge,
 * the VM port's security group (return-flow lookup, port 22 accepted). Three
 * devices, two routers, conntrack; loaded from the example's topology file.
 */

import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadTopologyFile } from '../../agent/topology-file/index.js';
import { buildTcp } from '../../simulation/packet/build.js';
import { SYN } from '../../simulation/packet/tcp.js';
import { Simulator } from '../../simulation/simulator.js';
import { buildTopology } from '../../simulation/topology/build.js';
import { EX } from '../../test/support/example-traffic.js';
import { buildGarp, ip, mac } from '../../test/support/frames.js';
import { MemoryState, seededRandom } from '../../test/support/memory-state.js';
import { repoRoot } from '../../test/support/paths.js';
import { measure } from './measure.js';

export function floatingIpCase(): () => void {
  const { objects, localHostId } = loadTopologyFile(join(repoRoot, 'examples', 'two-tier', 'topology.json'));
  const topo = buildTopology(objects, { localHostId: localHostId ?? null }).snapshot;
  const state = new MemoryState();
  const sim = new Simulator(topo, state, { random: seededRandom(1) });
  // vm1 announces itself so the tenant router finds its MAC (bridge ARP table).
  state.apply(sim.simulate({ frame: buildGarp(mac(EX.vm1Mac), ip(EX.vm1)), ingressPortId: EX.vm1Port }, 0).effects, 0);
  const frame = buildTcp({ ethSrc: mac(EX.upstreamMac), ethDst: mac(EX.uplinkMac), ipSrc: ip(EX.remote), ipDst: ip(EX.fip), srcPort: 51022, dstPort: 22, flags: SYN });
  const input = { frame, ingressPortId: EX.uplinkPort };
  return () => {
    const r = sim.simulate(input, 1000);
    if (r.verdict !== 'forward') throw new Error(`unexpected ${r.verdict} ${r.reason}`);
  };
}

export async function run(): Promise<void> {
  await measure('simulation/floating-ip', floatingIpCase());
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
