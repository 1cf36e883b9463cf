/**
 * Frames and a runner for the port, bridge, mirror and DHCP tests: Ethernet
 * frames from the production builders, 802.1Q tagging, and `run` which
 * simulates a frame entering a port with the real Simulator and (optionally)
 * applies the result's effects to the state, as the agent does.
 */
import { parseIpv4, parseMac } from '../../../../simulation/packet/addr.js';
import { buildArpReply, buildArpRequest, buildUdp, writeEthernet } from '../../../../simulation/packet/build.js';
import type { SimResult, VirtualAction } from '../../../../simulation/result.js';
import { Simulator } from '../../../../simulation/simulator.js';
import type { TopologySnapshot } from '../../../../simulation/topology/snapshot.js';
import { MemoryState } from '../../../support/memory-state.js';

export const NOW = 1_000_000;

export function ip(s: string): number {
  const v = parseIpv4(s);
  if (v === null) throw new Error(`bad ip ${s}`);
  return v;
}
export function mac(s: string): number {
  const v = parseMac(s);
  if (v === null) throw new Error(`bad mac ${s}`);
  return v;
}

export const MA = '02:00:00:00:aa:01';
export const MB = '02:00:00:00:bb:02';
export const MC = '02:00:00:00:cc:03';
export const IPA = '10.0.0.1';
export const IPB = '10.0.0.2';

/** A small UDP/IPv4 frame between two MACs (and IPs). */
export function udp(src: string, dst: string, o: { tos?: number; ipSrc?: string; ipDst?: string } = {}): Uint8Array {
  return buildUdp({
    ethSrc: mac(src),
    ethDst: mac(dst),
    ipSrc: ip(o.ipSrc ?? IPA),
    ipDst: ip(o.ipDst ?? IPB),
    ...(o.tos === undefined ? {} : { tos: o.tos }),
    srcPort: 1000,
    dstPort: 2000,
    payload: Uint8Array.of(1, 2, 3, 4),
  });
}

/** A non-IP frame (ethertype 0x88b5, local experimental). */
export function raw(src: string, dst: string): Uint8Array {
  const f = new Uint8Array(60);
  writeEthernet(f, 0, mac(dst), mac(src), 0x88b5);
  return f;
}

export function arpRequest(srcMac: string, srcIp: string, targetIp: string): Uint8Array {
  return buildArpRequest(mac(srcMac), ip(srcIp), ip(targetIp));
}

/** An ARP reply sent to the broadcast address (eth dst ff:ff:ff:ff:ff:ff). */
export function arpReplyBroadcast(srcMac: string, srcIp: string, dstMac: string, dstIp: string): Uint8Array {
  const f = buildArpReply(mac(srcMac), ip(srcIp), mac(dstMac), ip(dstIp));
  f.fill(0xff, 0, 6);
  return f;
}

/** Inserts an 802.1Q tag with `vid` after the MACs. */
export function tagged(frame: Uint8Array, vid: number): Uint8Array {
  const out = new Uint8Array(frame.length + 4);
  out.set(frame.subarray(0, 12), 0);
  out[12] = 0x81;
  out[13] = 0x00;
  out[14] = (vid >> 8) & 0x0f;
  out[15] = vid & 0xff;
  out.set(frame.subarray(12), 16);
  return out;
}

export interface Runner {
  readonly state: MemoryState;
  /** Simulates `frame` entering `portId`; applies the effects unless told not to. */
  run(portId: string, frame: Uint8Array, apply?: boolean): SimResult;
}

export function runner(topo: TopologySnapshot, state: MemoryState = new MemoryState()): Runner {
  const sim = new Simulator(topo, state);
  return {
    state,
    run(portId, frame, apply = true) {
      const r = sim.simulate({ frame, ingressPortId: portId }, NOW);
      if (apply) state.apply(r.effects, NOW);
      return r;
    },
  };
}

/** The ports of the output actions, in order. */
export function outputs(r: SimResult): string[] {
  return r.actions.filter((a): a is Extract<VirtualAction, { kind: 'output' }> => a.kind === 'output').map((a) => a.portId);
}

export function kinds(r: SimResult): string[] {
  return r.actions.map((a) => (a.kind === 'output' ? `output:${a.portId}` : a.kind));
}
