/**
 * What one simulation hands back to the agent: a verdict, the virtual actions to
 * turn into a kernel flow, the wildcard (seen fields), the invalidation tags of
 * everything traversed, packets the devices generated, and the state effects
 * (MAC learned, ARP entries, conntrack and NAT keys) for the agent to apply.
 *
 * The simulation never mutates shared state; it describes changes here and the
 * agent (agent/state/) applies them. A result owns no packet buffer: generated
 * frames are fresh copies.
 */

import type { FlowMatch } from './packet/flow-match.js';
import type { SimEffect } from './state/effects.js';

/**
 * Virtual actions, in the order they apply to one packet. Set-field actions carry
 * the whole header group as it must be after the rewrite (the kernel's SET takes
 * the full key struct); `output` names a virtual port, which the agent resolves
 * to a local datapath port or a tunnel.
 */
export type VirtualAction =
  | { readonly kind: 'set-eth'; readonly src: number; readonly dst: number }
  | {
      readonly kind: 'set-ipv4';
      readonly src: number;
      readonly dst: number;
      readonly proto: number;
      readonly tos: number;
      readonly ttl: number;
      readonly frag: number;
    }
  | { readonly kind: 'pop-vlan' }
  | { readonly kind: 'push-vlan'; readonly tpid: number; readonly vid: number }
  | { readonly kind: 'set-tcp'; readonly src: number; readonly dst: number }
  | { readonly kind: 'set-udp'; readonly src: number; readonly dst: number }
  | { readonly kind: 'set-icmp'; readonly type: number; readonly code: number }
  /** Userspace-only: rewritten ICMP error payload (NAT inside the quoted packet). */
  | { readonly kind: 'set-icmp-data'; readonly data: Uint8Array }
  | { readonly kind: 'output'; readonly portId: string };

/**
 * The verdict, MidoNet's result kinds.
 *  - forward: one or more outputs (AddVirtualWildcardFlow).
 *  - drop: a device or filter decided to drop (drop flow, 60 s).
 *  - short-drop: drop to retry soon: no route, reject route (drop flow, 5 s).
 *  - error-drop: loop, blackhole, TTL, unknown MAC on ingress, ARP timeout
 *    (drop flow, 5 s, no state committed).
 *  - consumed: answered by the agent (ARP, DHCP, echo): no flow (NoOp).
 *  - userspace: any forward/drop after a userspace-only field was read; the
 *    packet is executed with `actions` but no kernel flow is installed.
 *  - not-yet: the simulation needs topology or state that is not loaded yet
 *    (NotYetException); the agent parks the packet and retries.
 */
export type Verdict =
  | 'forward'
  | 'drop'
  | 'short-drop'
  | 'error-drop'
  | 'consumed'
  | 'userspace'
  | 'not-yet';

/** A frame the simulation generated, leaving through a port (already simulated). */
export interface GeneratedPacket {
  /** Virtual port it egresses (after that port's egress pipeline). */
  readonly portId: string;
  /** The whole Ethernet frame, checksums correct. Owned by the result. */
  readonly frame: Uint8Array;
}

/** Something the simulation is waiting for (the WaitingRoom key). */
export type NotYetKey =
  | { readonly kind: 'object'; readonly objectClass: string; readonly id: string }
  | { readonly kind: 'arp'; readonly routerId: string; readonly ip: number }
  | { readonly kind: 'nat-block'; readonly deviceId: string; readonly ip: number };

export interface SimResult {
  readonly verdict: Verdict;
  /** Why, for drops and userspace/not-yet; short stable code (e.g. 'no-route'). */
  readonly reason: string;
  /** Ordered virtual actions (empty for drops). */
  readonly actions: readonly VirtualAction[];
  /** The packet as it arrived, with `seen` = the fields read (the wildcard). */
  readonly origMatch: FlowMatch;
  /**
   * True when a userspace-only field was read, or the result says so (GARP
   * flood, ICMP through conntrack): execute the packet, install no flow.
   */
  readonly userspaceOnly: boolean;
  /** Invalidation tags (strings; see tags.ts). */
  readonly tags: readonly string[];
  readonly generated: readonly GeneratedPacket[];
  readonly effects: readonly SimEffect[];
  /** True if conntrack/NAT state was created or used: the flow expires in 30 s. */
  readonly stateful: boolean;
  /** Set when verdict is 'not-yet'. */
  readonly waitingFor?: NotYetKey;
}
