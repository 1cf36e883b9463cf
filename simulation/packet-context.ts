/**
 * PacketContext: everything one simulation works on, pooled and reset between
 * packets (MidoNet's PacketContext). Devices read and rewrite it; nothing in it
 * outlives the simulation except what `simulate` copies into the SimResult.
 *
 * Three matches (simulation.md §1):
 *  - origMatch: the packet as it arrived. Never rewritten. Its values plus the
 *    seen bits become the kernel flow's key and mask.
 *  - wcmatch: the working copy devices and rules rewrite. Reads mark seen on it;
 *    the simulator folds its seen bits into origMatch at the end.
 *  - preRoutingMatch: snapshot of wcmatch taken when a router is entered; ICMP
 *    errors quote it.
 * `lastEmitted` is the header state the physical packet has after the previous
 * output: set-field actions before each output are the diff against it.
 *
 * Ownership: `frame` and `packet` are views of the caller's buffer for the
 * duration of `simulate`; anything kept (generated frames) is copied.
 */

import { FlowMatch } from './packet/flow-match.js';
import type { ParsedPacket } from './packet/parse.js';
import type { GeneratedPacket, VirtualAction } from './result.js';
import type { SimEffect } from './state/effects.js';
import type { StateView } from './state/views.js';
import type { TopologyView } from './topology/view.js';

/** Packet that a device generated; simulated after the current one (from port egress). */
export interface PendingGenerated {
  readonly portId: string;
  readonly frame: Uint8Array;
}

export class PacketContext {
  readonly origMatch = new FlowMatch();
  readonly wcmatch = new FlowMatch();
  readonly preRoutingMatch = new FlowMatch();
  readonly lastEmitted = new FlowMatch();

  frame: Uint8Array = new Uint8Array(0);
  packet!: ParsedPacket;
  topo!: TopologyView;
  state!: StateView;
  /** Simulation time, epoch ms. */
  now = 0;
  /** Random source in [0,1) (ECMP among equals, NAT picks, LB members): an input. */
  random: () => number = Math.random;

  /** The port where the packet entered the virtual network (first ingress). */
  ingressPortId: string | null = null;
  /** Device owning the first ingress port (conntrack lookup scope). */
  ingressDeviceId: string | null = null;

  // Per-device fields, rewritten as the packet moves (saved/restored by forks).
  inPortId: string | null = null;
  inPortGroups: readonly string[] = EMPTY;
  outPortId: string | null = null;
  outPortGroups: readonly string[] = EMPTY;
  /** Port groups of the exterior port where the packet entered. */
  portGroups: readonly string[] = EMPTY;
  /** Device owning the last ingressed port; the NAT scope. */
  currentDeviceId: string | null = null;
  /** A DNAT or reverse SNAT happened on the current device since ingress. */
  nwDstRewritten = false;
  devicesTraversed = 0;

  /** Set by a REDIRECT rule (L2 insertion). */
  redirectedOut = false;
  failOpen = false;

  /** A generated packet: always a return flow, never installs a flow or state. */
  isGenerated = false;

  /** Conntrack: 0 not looked up, 1 forward flow, 2 return flow. */
  conntrackState = 0;
  /** Conntrack or NAT state was created or used (flow lives 30 s). */
  stateful = false;
  /** The result must not install a kernel flow (GARP flood, ICMP id read...). */
  userspaceOnly = false;
  /** Why the packet was dropped or ended (last writer wins). */
  reason = '';

  readonly tags = new TagSet();
  readonly actions: VirtualAction[] = [];
  readonly generated: PendingGenerated[] = [];
  readonly effects: SimEffect[] = [];
  /** Egress ports of outputs so far (flow-state peers). */
  readonly egressPorts: string[] = [];
  /** Final generated packets, filled by the simulator. */
  readonly generatedOut: GeneratedPacket[] = [];

  reset(): void {
    this.origMatch.reset();
    this.wcmatch.reset();
    this.preRoutingMatch.reset();
    this.lastEmitted.reset();
    this.frame = EMPTY_FRAME;
    this.now = 0;
    this.random = Math.random;
    this.ingressPortId = null;
    this.ingressDeviceId = null;
    this.inPortId = null;
    this.inPortGroups = EMPTY;
    this.outPortId = null;
    this.outPortGroups = EMPTY;
    this.portGroups = EMPTY;
    this.currentDeviceId = null;
    this.nwDstRewritten = false;
    this.devicesTraversed = 0;
    this.redirectedOut = false;
    this.failOpen = false;
    this.isGenerated = false;
    this.conntrackState = 0;
    this.stateful = false;
    this.userspaceOnly = false;
    this.reason = '';
    this.tags.clear();
    // Setting length is a runtime call even on an empty array: skip it then.
    if (this.actions.length !== 0) this.actions.length = 0;
    if (this.generated.length !== 0) this.generated.length = 0;
    if (this.effects.length !== 0) this.effects.length = 0;
    if (this.egressPorts.length !== 0) this.egressPorts.length = 0;
    if (this.generatedOut.length !== 0) this.generatedOut.length = 0;
  }

  addTag(tag: string): void {
    this.tags.add(tag);
  }

  hasTag(tag: string): boolean {
    return this.tags.has(tag);
  }

  addEffect(e: SimEffect): void {
    this.effects.push(e);
  }

  /** Queues a generated frame (copied by the caller) to egress `portId` afterwards. */
  generate(portId: string, frame: Uint8Array): void {
    this.generated.push({ portId, frame });
  }

  /** Records a drop reason and returns the outcome, for `return ctx.drop(...)`. */
  fail<T>(reason: string, outcome: T): T {
    this.reason = reason;
    return outcome;
  }
}

const EMPTY: readonly string[] = Object.freeze([]);
const EMPTY_FRAME = new Uint8Array(0);

/**
 * The flow's tags, in insertion order. A simulation adds a handful (about 5 to
 * 25), so appending to a reused array beats hashing them; unlike Set.clear(),
 * which reallocates its table, clearing keeps the slots. Duplicates are not
 * removed: the flow controller's tag index is a set of sets.
 */
export class TagSet implements Iterable<string> {
  // Slots are reused across packets: `n` is the logical size. Duplicates are
  // kept (the flow index tolerates them) so `add` is a store, not a lookup;
  // `has` (the traversed-device condition, rare) scans.
  private readonly list: string[] = [];
  private n = 0;

  get size(): number {
    return this.n;
  }

  add(tag: string): this {
    this.list[this.n++] = tag;
    return this;
  }

  has(tag: string): boolean {
    const l = this.list;
    for (let i = 0; i < this.n; i++) if (l[i] === tag) return true;
    return false;
  }

  clear(): void {
    this.n = 0;
  }

  /** A fresh array of the tags, in insertion order (duplicates possible). */
  toArray(): string[] {
    return this.list.slice(0, this.n);
  }

  [Symbol.iterator](): Iterator<string> {
    return this.list.slice(0, this.n)[Symbol.iterator]();
  }
}
