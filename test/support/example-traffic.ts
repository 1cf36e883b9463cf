/**
 * The story told by examples/two-tier: a short day in the life of vm1 on
 * compute-1, as frames arriving at the agent (examples/two-tier/topology.json).
 *
 *   vm1 10.0.0.10  vm3 10.0.0.12 (compute-1)   vm2 10.0.0.11 (compute-2)
 *        └──────────── tenant-net ────────────────┘
 *                         │ 10.0.0.1
 *                  tenant-router   FIP 192.0.2.10 → 10.0.0.10, SNAT 192.0.2.2
 *                         │ 172.16.0.2/30
 *                   edge-router ── eth-uplink 203.0.113.2/24 (gateway .1)
 *
 * Each entry is what the agent receives: the virtual port the frame entered on
 * (for the uplink, the exterior edge-router port), the frame, and optionally
 * the clock in seconds (packets.json's `at`). `note` says what should happen;
 * test/unit/examples/two-tier.test.ts pins the verdicts, and
 * write-example-packets.ts writes packets.json and traffic.pcap from this list.
 */

import { buildArpReply, buildArpRequest, buildIcmpEchoReply, buildIcmpEchoRequest, buildTcp } from '../../simulation/packet/build.js';
import { SYN, ACK_FLAG } from '../../simulation/packet/tcp.js';
import { buildBadIhl, buildDhcpRequest, buildGarp, DHCP_DISCOVER, DHCP_REQUEST, ip, mac } from './frames.js';

export interface ExampleFrame {
  readonly port: string;
  readonly frame: Uint8Array;
  /** Simulation clock, seconds. */
  readonly at?: number;
  readonly note: string;
}

/** Ids and addresses of the example topology, for the tests. */
export const EX = {
  vm1Port: 'd0000000-0000-4000-8000-000000000001',
  vm2Port: 'd0000000-0000-4000-8000-000000000002',
  vm3Port: 'd0000000-0000-4000-8000-000000000003',
  uplinkPort: 'f0000000-0000-4000-8000-000000000004',
  tenantRouter: 'e0000000-0000-4000-8000-000000000001',
  edgeRouter: 'e0000000-0000-4000-8000-000000000002',
  bridge: 'c0000000-0000-4000-8000-000000000001',
  vm1Mac: 'fa:16:3e:00:00:01',
  vm2Mac: 'fa:16:3e:00:00:02',
  vm3Mac: 'fa:16:3e:00:00:03',
  gatewayMac: '02:00:0a:00:00:01',
  uplinkMac: '02:00:cb:00:71:02',
  upstreamMac: '52:54:00:cb:00:01',
  vm1: '10.0.0.10',
  vm2: '10.0.0.11',
  vm3: '10.0.0.12',
  gateway: '10.0.0.1',
  fip: '192.0.2.10',
  uplink: '203.0.113.2',
  upstream: '203.0.113.1',
  remote: '198.51.100.7',
} as const;

const VM1_SPORT = 40001;
const PING_DATA = Uint8Array.from('midolman-ts ping', (c) => c.charCodeAt(0));

export function exampleTraffic(): ExampleFrame[] {
  const vm1 = mac(EX.vm1Mac);
  const vm3 = mac(EX.vm3Mac);
  const gw = mac(EX.gatewayMac);
  const uplink = mac(EX.uplinkMac);
  const upstream = mac(EX.upstreamMac);
  const syn = buildTcp({
    ethSrc: vm1, ethDst: gw, ipSrc: ip(EX.vm1), ipDst: ip(EX.remote),
    srcPort: VM1_SPORT, dstPort: 443, flags: SYN, seq: 1000,
  });
  const inbound = (dstPort: number, srcPort: number, flags: number): Uint8Array =>
    buildTcp({
      ethSrc: upstream, ethDst: uplink, ipSrc: ip(EX.remote), ipDst: ip(EX.fip),
      srcPort, dstPort, flags, seq: 5000, ...(flags & ACK_FLAG ? { ack: 1001 } : {}),
    });
  return [
    { port: EX.vm1Port, frame: buildGarp(vm1, ip(EX.vm1)), at: 0,
      note: 'vm1 announces itself (GARP): flooded, userspace only; the bridge learns its MAC and IP' },
    { port: EX.vm3Port, frame: buildGarp(vm3, ip(EX.vm3)), at: 0.5,
      note: 'vm3 announces itself too' },
    { port: EX.vm1Port, frame: buildDhcpRequest({ clientMac: vm1, xid: 0x1001, type: DHCP_DISCOVER }), at: 1,
      note: 'vm1 DHCP DISCOVER: answered by the agent with an OFFER of 10.0.0.10' },
    { port: EX.vm1Port, frame: buildDhcpRequest({ clientMac: vm1, xid: 0x1001, type: DHCP_REQUEST, requestedIp: ip(EX.vm1) }), at: 1.1,
      note: 'vm1 DHCP REQUEST: ACK' },
    { port: EX.vm1Port, frame: buildArpRequest(vm1, ip(EX.vm1), ip(EX.gateway)), at: 2,
      note: 'vm1 asks for its gateway: the bridge answers for the router port' },
    { port: EX.vm1Port, frame: buildIcmpEchoRequest({ ethSrc: vm1, ethDst: vm3, ipSrc: ip(EX.vm1), ipDst: ip(EX.vm3), id: 0x77, seq: 1, data: PING_DATA }), at: 3,
      note: 'vm1 pings vm3 on the same host: bridged to tap-vm3' },
    { port: EX.vm3Port, frame: buildIcmpEchoReply({ ethSrc: vm3, ethDst: vm1, ipSrc: ip(EX.vm3), ipDst: ip(EX.vm1), id: 0x77, seq: 1, data: PING_DATA }), at: 3.001,
      note: 'vm3 answers: bridged back to tap-vm1, a return flow' },
    { port: EX.vm1Port, frame: buildIcmpEchoRequest({ ethSrc: vm1, ethDst: gw, ipSrc: ip(EX.vm1), ipDst: ip(EX.gateway), id: 0x78, seq: 1, data: PING_DATA }), at: 4,
      note: 'vm1 pings its gateway: the tenant router answers (echo reply to vm1)' },
    { port: EX.vm1Port, frame: syn, at: 5,
      note: 'vm1 opens TCP to 198.51.100.7:443: the edge router does not know its gateway yet (ARP request out of eth-uplink; the packet waits)' },
    { port: EX.uplinkPort, frame: buildArpReply(upstream, ip(EX.upstream), uplink, ip(EX.uplink)), at: 5.01,
      note: 'the upstream gateway answers the ARP on the uplink' },
    { port: EX.vm1Port, frame: syn, at: 5.02,
      note: 'the SYN again: forwarded out of eth-uplink, source rewritten to the floating IP 192.0.2.10' },
    { port: EX.uplinkPort, frame: inbound(VM1_SPORT, 443, SYN | ACK_FLAG), at: 5.05,
      note: 'the SYN-ACK comes back to the floating IP: DNAT to 10.0.0.10, a return flow, let in to vm1' },
    { port: EX.uplinkPort, frame: inbound(22, 51022, SYN), at: 6,
      note: 'someone outside connects to the floating IP port 22: the security group allows it' },
    { port: EX.uplinkPort, frame: inbound(80, 51080, SYN), at: 6.5,
      note: 'and to port 80: dropped by the security group' },
    { port: EX.vm1Port, frame: buildArpRequest(vm1, ip(EX.vm1), ip(EX.vm2)), at: 7,
      note: 'vm1 asks for vm2 (on compute-2): flooded to tap-vm3 and through the tunnel to compute-2' },
    { port: EX.vm1Port, frame: buildBadIhl(vm1, vm3), at: 8,
      note: 'a malformed frame (IPv4 header length 16): dropped before simulation' },
  ];
}
