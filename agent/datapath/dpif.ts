/**
 * Dpif: the datapath interface the agent programs — in the spirit of OVS's dpif.h, with the
 * netlink details kept in dpif-netlink.ts.
 *
 * Words:
 *  - datapath: the kernel switch `midonet` (name configurable) with its ifindex.
 *  - vport: a datapath port (netdev, internal, VXLAN/GRE tunnel). Each vport the agent creates
 *    gets its own upcall socket; the kernel sends that port's misses there.
 *  - flow: key (+ optional megaflow mask) → actions, installed with CREATE (EEXIST = a sibling
 *    upcall already installed it), deleted by exact key with its final stats returned.
 *  - upcall: a packet the kernel could not match, delivered with its key decoded into a
 *    FlowMatch. Ownership: everything an Upcall holds — the object itself, its spans, its
 *    FlowMatch and the receive slot its bytes live in — is reused for the next upcall, so it is
 *    valid only during the handler. Copy what must outlive the call (copyKeyBytes,
 *    packet.slice(), match.clone()); flow puts and executes issued from the handler encode
 *    their key/actions before returning, so closures over `u.match` passed to them are safe.
 *  - losses: upcalls the kernel dropped because a socket was full (datapath n_lost) and
 *    receive-side overflows (ENOBUFS) — counted, never silent.
 *
 * Contract: control operations (create, list, get, delete, dump, flush, sync put) return when the
 * kernel has answered and throw NetlinkError { errno, code, op } on refusal. Fire-and-forget
 * operations (putFlow, execute) report failures later through `onOutputError` and counters.
 */
import type { FlowMatch } from '../../simulation/packet/flow-match.js';
import type { DpInfo } from './genl-datapath.js';
import type { AttrSource, FlowPutSpec } from './genl-flow.js';
import type { UpcallReason } from './genl-packet.js';
import type { VportInfo, VportSpec } from './genl-vport.js';
import type { DpOp } from './netlink-error.js';
import type { NlSpan } from './nl-reader.js';
import type { Fitness } from './odp-types.js';

export type { DpInfo, VportInfo, VportSpec, FlowPutSpec, AttrSource };

/** A flow as a dump or get returns it: attribute lists as copied bytes, plus statistics. */
export interface DpFlow {
  readonly key: Uint8Array;
  readonly mask: Uint8Array | null;
  readonly actions: Uint8Array;
  readonly packets: number;
  readonly bytes: number;
  readonly tcpFlags: number;
  /** Kernel monotonic ms of last use (0 = never). */
  readonly used: number;
}

/** Final statistics of a deleted flow. */
export interface DpFlowStats {
  readonly packets: number;
  readonly bytes: number;
  readonly tcpFlags: number;
  readonly used: number;
}

/** An upcall as the handler sees it. Valid only during the handler (see "Ownership" above). */
export interface Upcall {
  /** The vport whose socket received it (the port the packet entered on). */
  readonly portNo: number;
  readonly reason: UpcallReason;
  /** The receive slot holding the message; valid only during the handler. */
  readonly buf: Uint8Array;
  readonly packet: NlSpan;
  readonly key: NlSpan;
  readonly userdata: NlSpan | null;
  /** The key decoded into a FlowMatch that is reused for the next upcall (clone() to keep it). */
  readonly match: FlowMatch;
  readonly fitness: Fitness;
}

export type UpcallHandler = (u: Upcall) => void;

/** Counters; plain integers read at scrape time. */
export interface DpifCounters {
  upcalls: number;
  upcallBatches: number;
  /** Upcalls longer than the receive slot (dropped, counted). */
  upcallsTruncated: number;
  /** Messages on an upcall socket that were not upcalls or did not parse. */
  upcallsMalformed: number;
  /** recv reported ENOBUFS: the socket overflowed and the kernel discarded messages. */
  upcallOverflows: number;
  flowPutsSent: number;
  flowPutsExisting: number;
  flowPutErrors: number;
  executesSent: number;
  executeErrors: number;
}

export type OutputErrorHandler = (op: DpOp, seq: number, errno: number) => void;

export interface Dpif {
  readonly name: string;
  readonly ifindex: number;
  readonly counters: DpifCounters;
  info(): DpInfo;
  /** Upcalls the kernel could not deliver (datapath n_lost) plus receive overflows. */
  losses(): number;

  createVport(spec: VportSpec): VportInfo;
  getVport(by: { name: string } | { portNo: number }): VportInfo;
  listVports(): VportInfo[];
  deleteVport(by: { name: string } | { portNo: number }): VportInfo;

  /** Fire-and-forget install; `seq` (the flow mark) tags a later error. */
  putFlow(flow: FlowPutSpec, seq?: number): void;
  /** Several installs in one batched send. */
  putFlows(flows: readonly FlowPutSpec[]): number;
  /** Install and wait: 'created', or 'exists' when EEXIST came back. */
  putFlowSync(flow: FlowPutSpec): 'created' | 'exists';
  getFlow(key: AttrSource): DpFlow;
  deleteFlow(key: AttrSource): DpFlowStats;
  dumpFlows(): DpFlow[];
  flushFlows(): void;

  /** Fire-and-forget packet execute (KEY, ACTIONS, PACKET last). */
  execute(key: AttrSource, actions: AttrSource, packet: Uint8Array): void;
  /**
   * Executes the upcall's own packet with the kernel's own key (copied straight from the receive
   * slot: no views, no re-encoding); `actions` pre-encoded bytes are the cheapest. Call it from the
   * handler only. Fire-and-forget like execute.
   */
  executeUpcall(u: Upcall, actions: AttrSource): void;
  /** Collects pending errors of fire-and-forget operations now (they are also polled). */
  drainOutput(): void;
  onOutputError: OutputErrorHandler;

  onUpcall(handler: UpcallHandler): void;
  close(): void;
}
