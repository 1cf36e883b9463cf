/**
 * State effects: what a simulation wants changed in the agent's tables. The
 * simulation is pure, so instead of writing a MAC table or a conntrack table it
 * lists effects in its result; the agent applies them (agent/state/) and the
 * replication and Cassandra layers subscribe to what was applied.
 */

import type { ConnTrackKey, NatBinding, NatKey } from './keys.js';

export type SimEffect =
  /** A bridge learned (MAC, VLAN) on a port; referenced by the installed flow. */
  | {
      readonly kind: 'mac-learned';
      readonly bridgeId: string;
      readonly vlan: number;
      readonly mac: number;
      readonly portId: string;
    }
  /** A bridge's IPv4→MAC table entry (from a gratuitous ARP). */
  | { readonly kind: 'bridge-arp'; readonly bridgeId: string; readonly ip: number; readonly mac: number }
  /** A router learned an ARP entry. */
  | { readonly kind: 'router-arp'; readonly routerId: string; readonly ip: number; readonly mac: number }
  /** A router needs the MAC of `ip` on `portId`: the ARP broker sends requests. */
  | { readonly kind: 'arp-needed'; readonly routerId: string; readonly portId: string; readonly ip: number }
  /** A conntrack return key to store (or re-reference when it exists). */
  | { readonly kind: 'conntrack'; readonly key: ConnTrackKey }
  /** A NAT binding to store (or re-reference); forward and reverse come as two effects. */
  | { readonly kind: 'nat'; readonly key: NatKey; readonly binding: NatBinding }
  /** A NAT binding found invalid (LB backend gone): delete it. */
  | { readonly kind: 'nat-delete'; readonly key: NatKey }
  /** An SNAT port leased from an owned block. */
  | {
      readonly kind: 'snat-lease';
      readonly deviceId: string;
      readonly ip: number;
      readonly port: number;
      readonly dstIp: number;
      readonly dstPort: number;
    }
  /** A trace rule fired: the agent enables tracing for the request. */
  | { readonly kind: 'trace'; readonly requestId: string };
