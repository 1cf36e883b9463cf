/**
 * simulation/router-sg-conntrack: a TCP SYN from a VM on bridge A through
 * router R to a VM on bridge B, where B's VM port has a 20-rule security-group
 * chain (return-flow rule first, so conntrack is looked up; 18 port rules; an
 * IP-address-group rule that accepts; DROP) and A's VM port has the usual
 * egress chain (return flow, accept all). Next hop from the bridge ARP table.
 * Each call is a forward flow that creates a conntrack key (not applied, so
 * every call does the same work). Target ≥ 150,000/s.
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

export function routerSgCase(): () => void {
  const b = new TopologyBuilder();
  const a = b.bridge('A');
  const bb = b.bridge('B');
  const r = b.router('R');
  const vmA = b.bridgePort(a, { host: LOCAL_HOST, iface: 'tapA' });
  const vmB = b.bridgePort(bb, { host: LOCAL_HOST, iface: 'tapB' });
  b.connect(a, r, '10.0.1.1/24', '02:00:00:aa:00:01');
  b.connect(bb, r, '10.0.2.1/24', '02:00:00:bb:00:01');
  const group = b.ipAddrGroup(['10.0.1.10', '10.0.1.11', '10.0.1.12']);
  const egress = b.chain('sg-egress');
  b.rule(egress, { action: 'ACCEPT', condition: { match_return_flow: true, fragment_policy: 'ANY' } });
  b.rule(egress, { action: 'ACCEPT', condition: { fragment_policy: 'ANY' } });
  const ingress = b.chain('sg-ingress');
  b.rule(ingress, { action: 'ACCEPT', condition: { match_return_flow: true, fragment_policy: 'ANY' } });
  for (let i = 0; i < 17; i++) {
    b.rule(ingress, { action: 'ACCEPT', condition: { dl_type: 0x800, nw_proto: IpProto.TCP, tp_dst: { start: 8000 + i, end: 8000 + i }, fragment_policy: 'HEADER' } });
  }
  b.rule(ingress, { action: 'ACCEPT', condition: { dl_type: 0x800, ip_addr_group_id_src: group, fragment_policy: 'ANY' } });
  b.rule(ingress, { action: 'DROP', condition: { fragment_policy: 'ANY' } });
  for (const p of [vmA, vmB]) Object.assign(b.port(p), { inbound_filter_id: egress, outbound_filter_id: ingress });
  const state = new MemoryState();
  state.apply([
    { kind: 'mac-learned', bridgeId: a, vlan: 0, mac: mac('02:00:00:00:0a:10'), portId: vmA },
    { kind: 'mac-learned', bridgeId: bb, vlan: 0, mac: mac('02:00:00:00:0b:20'), portId: vmB },
    { kind: 'bridge-arp', bridgeId: bb, ip: ip('10.0.2.20'), mac: mac('02:00:00:00:0b:20') },
  ], 0);
  const sim = new Simulator(b.build(), state, { random: seededRandom(1) });
  const frame = buildTcp({ ethSrc: mac('02:00:00:00:0a:10'), ethDst: mac('02:00:00:aa:00:01'), ipSrc: ip('10.0.1.10'), ipDst: ip('10.0.2.20'), srcPort: 33000, dstPort: 443, flags: SYN });
  const input = { frame, ingressPortId: vmA };
  return () => {
    const res = sim.simulate(input, 1000);
    if (res.verdict !== 'forward' || !res.stateful) throw new Error(`unexpected ${res.verdict} ${res.reason}`);
  };
}

export async function run(): Promise<void> {
  await measure('simulation/router-sg-conntrack', routerSgCase(), { target: 150_000 });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
