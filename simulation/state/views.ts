/**
 * Read-only views of the agent's state tables, as the simulation sees them.
 * The agent owns the tables (agent/state/); the simulation reads through these
 * and asks for changes with effects (effects.ts). Time is not read here: the
 * simulation is given `now` (ms) as an input.
 */

import type { ConnTrackKey, NatBinding, NatKey } from './keys.js';

export interface ArpEntryView {
  /** null while unresolved (a request is outstanding). */
  readonly mac: number | null;
  /** Epoch ms after which the entry is stale (still used, but re-ARPed). */
  readonly stale: number;
  /** Epoch ms after which the entry is gone. */
  readonly expiry: number;
}

/** Outcome of asking the NAT leaser for an SNAT port. */
export type SnatPortAnswer =
  | { readonly kind: 'port'; readonly port: number }
  /** No block owned in the range yet: one is being requested (simulation waits). */
  | { readonly kind: 'no-block' }
  /** No block can be obtained: drop. */
  | { readonly kind: 'exhausted' };

export interface StateView {
  /** Port learned for (bridge, VLAN, MAC), or null. */
  macPort(bridgeId: string, vlan: number, mac: number): string | null;
  /** The bridge's replicated IPv4→MAC table (null if no entry or no table). */
  bridgeArp(bridgeId: string, ip: number): number | null;
  /** The router's ARP table entry, or null. */
  routerArp(routerId: string, ip: number): ArpEntryView | null;
  /** True when the conntrack key is stored (the packet is a return flow). */
  conntrackHasReturn(key: ConnTrackKey): boolean;
  /** NAT binding for a key, or null. */
  natBinding(key: NatKey): NatBinding | null;
  /**
   * An SNAT port for (device, ip) within [portStart, portEnd], free for the
   * destination (dstIp, dstPort); `rand` in [0,1) picks the starting point.
   */
  snatPort(
    deviceId: string,
    ip: number,
    portStart: number,
    portEnd: number,
    dstIp: number,
    dstPort: number,
    rand: number,
  ): SnatPortAnswer;
  /** Health-monitor status of a pool member ('ACTIVE'/'INACTIVE'), or null if unknown. */
  poolMemberStatus(memberId: string): 'ACTIVE' | 'INACTIVE' | null;
}
