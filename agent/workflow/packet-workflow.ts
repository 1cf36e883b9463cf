/**
 * PacketWorkflow: one upcall in, kernel flow and packet execution out
 * (MidoNet's PacketWorkflow, datapath.md §3.1).
 *
 *   upcall ── tunnel key 0xFFFFFF ──────────→ flow-state packet (counted)
 *          ── tunnel key, overlay vport ──────→ key → local vport: tunnel flow (300 s)
 *          ── vport bound to a virtual port ──→ simulate
 *                 effects → agent/state; generated packets executed
 *                 forward/drop → flow put (mask = fields read) + execute
 *                 userspace    → execute only
 *                 not-yet      → waiting room (resimulated when ready or dropped)
 *          ── anything else ───────────────────→ 5 s drop flow
 *
 * Contract: single-threaded, driven by the dpif's upcall callback. The upcall's
 * buffers belong to the dpif until the handler returns: a parked packet copies
 * its frame. Nothing here logs per packet above debug; outcomes are counters.
 */

import { Field, FlowMatch, TUNNEL_FIELDS } from '../../simulation/packet/flow-match.js';
import { ParsedPacket, parseFrame } from '../../simulation/packet/parse.js';
import type { SimResult } from '../../simulation/result.js';
import type { Simulator } from '../../simulation/simulator.js';
import { dpPortTag, tunnelKeyTag } from '../../simulation/tags.js';
import type { Dpif, Upcall } from '../datapath/dpif.js';
import type { FlowPutSpec } from '../datapath/genl-flow.js';
import { NlWriter } from '../datapath/nl-writer.js';
import { encodeActions } from '../datapath/odp-actions.js';
import { encodeFlowKey } from '../datapath/odp-flow-key.js';
import { encodeFlowMask } from '../datapath/odp-flow-mask.js';
import type { OdpAction } from '../datapath/odp-types.js';
import { ExpiryClass, type FlowController, type FlowSink } from '../flows/flow-controller.js';
import { isNetlinkError } from '../datapath/netlink-error.js';
import { translateActions, translateVirtualActions, type PortResolver } from '../flows/flow-translator.js';
import type { PacketCounters } from '../runtime/metrics.js';
import type { LocalState } from '../state/local-state.js';
import { applyEffects } from './apply-effects.js';
import { WaitingRoom } from './waiting-room.js';

/** Tunnel key reserved for flow-state packets (datapath.md §4.1). */
export const FLOW_STATE_TUNNEL_KEY = 0xffffff;

/** What the workflow needs to know about datapath ports. */
export interface DpPortMap {
  /** Virtual port bound to this local vport, if any. */
  portForDp(dpPort: number): string | undefined;
  /** Local vport for an ingress tunnel key (published local key or legacy Port.tunnel_key). */
  dpForTunnelKey(key: number): number | undefined;
}

/** The datapath half of the workflow (the dpif, or a recorder in tests). */
export type WorkflowDatapath = Pick<Dpif, 'putFlow' | 'execute'>;

/**
 * A kernel flow as the flow controller keeps it: the exact key to delete by,
 * and the put spec until the sink has sent it (then dropped, so a recorded flow
 * costs its key bytes, not a match).
 */
export interface InstalledFlow {
  readonly key: Uint8Array;
  spec: FlowPutSpec | null;
}

export interface WorkflowDeps {
  readonly dp: WorkflowDatapath;
  readonly ports: DpPortMap;
  readonly simulator: () => Simulator;
  readonly state: LocalState;
  readonly flows: FlowController<InstalledFlow>;
  readonly resolver: PortResolver;
  readonly clock: () => number;
  readonly counters: PacketCounters;
  /** Datapath supports megaflows (MEGAFLOW_STATS present): install masks. */
  readonly megaflow: boolean;
  /** How long a packet may wait for topology or ARP (MidoNet: 5 s). */
  readonly maxWaitMs?: number;
}

export class PacketWorkflow {
  private readonly w = new NlWriter(8192);
  private readonly genMatch = new FlowMatch();
  private readonly genPkt = new ParsedPacket();
  readonly waiting: WaitingRoom;
  /** Flow-state packets received (replication is not handled by this agent yet). */
  flowStatePackets = 0;

  constructor(private readonly d: WorkflowDeps) {
    this.waiting = new WaitingRoom(d.maxWaitMs ?? 5_000);
  }

  handleUpcall(u: Upcall): void {
    this.d.counters.upcalls++;
    if (u.reason === 'action') return; // a copy for a userspace action: nothing to decide
    const frame = u.buf.subarray(u.packet.off, u.packet.off + u.packet.len);
    const m = u.match;
    if (m.isPresent(Field.TUNNEL_KEY)) {
      this.tunnelIngress(u.portNo, m, frame);
      return;
    }
    const portId = this.d.ports.portForDp(u.portNo);
    if (portId === undefined) {
      this.d.counters.countReason('unknown-dp-port');
      this.installDrop(m, ExpiryClass.ERROR, [dpPortTag(u.portNo)]);
      return;
    }
    this.simulate(portId, u.portNo, frame);
  }

  /** Simulates again every parked packet whose wait is over; drops the expired ones. */
  retryParked(ready: (key: string) => boolean): void {
    const now = this.d.clock();
    const dropped = this.waiting.dropped;
    const due = this.waiting.take(ready, now);
    this.waiting.expire(now);
    this.d.counters.countReasonN('not-yet-timeout', this.waiting.dropped - dropped);
    for (const p of due) this.simulate(p.portId, p.dpPort, p.frame, p.deadline);
  }

  private simulate(portId: string, dpPort: number, frame: Uint8Array, deadline?: number): void {
    const now = this.d.clock();
    this.d.counters.simulations++;
    const r = this.d.simulator().simulate({ frame, ingressPortId: portId, dpInPort: dpPort }, now);
    if (r.effects.length > 0) applyEffects(this.d.state, r.effects, now, (t) => this.d.flows.invalidate(t));
    this.executeGenerated(r);
    switch (r.verdict) {
      case 'not-yet':
        this.d.counters.parked++;
        // A retried packet already owns its copy; it keeps its first deadline.
        if (deadline === undefined) this.waiting.park(r.waitingFor!, { portId, dpPort, frame: frame.slice() }, now);
        else this.waiting.park(r.waitingFor!, { portId, dpPort, frame, deadline }, now);
        return;
      case 'consumed':
        this.d.counters.consumed++;
        return;
      case 'userspace':
        this.d.counters.userspace++;
        this.execute(r.origMatch, translateActions(r, this.d.resolver), frame);
        return;
      case 'forward': {
        this.d.counters.forwarded++;
        const actions = translateActions(r, this.d.resolver);
        this.install(r, actions, r.stateful ? ExpiryClass.STATEFUL : ExpiryClass.FLOW);
        this.execute(r.origMatch, actions, frame);
        return;
      }
      case 'drop':
        this.dropped(r, ExpiryClass.FLOW);
        return;
      case 'short-drop':
      case 'error-drop':
        this.dropped(r, ExpiryClass.ERROR);
        return;
    }
  }

  private dropped(r: SimResult, cls: ExpiryClass): void {
    this.d.counters.dropped++;
    this.d.counters.countReason(r.reason);
    // A drop that may not become a flow (unparsable frame) just drops the packet.
    if (!r.userspaceOnly) this.install(r, [], cls);
  }

  /** Flow put with the mask of the fields the simulation read. */
  private install(r: SimResult, actions: readonly OdpAction[], cls: ExpiryClass): void {
    this.putFlow(r.origMatch, actions, cls, r.tags);
  }

  private putFlow(match: FlowMatch, actions: readonly OdpAction[], cls: ExpiryClass, tags: readonly string[]): void {
    const w = this.w;
    w.reset();
    encodeFlowKey(w, match);
    const key = w.bytes().slice();
    const id = latin1(key);
    if (this.d.flows.has(id)) return;
    const spec: FlowPutSpec = {
      key,
      mask: this.d.megaflow ? (wr) => encodeFlowMask(wr, match, actions) : null,
      actions: (wr) => encodeActions(wr, actions),
    };
    if (this.d.flows.add({ key: id, payload: { key, spec }, tags, expiryClass: cls }, this.d.clock())) {
      this.d.counters.flowsInstalled++;
    }
  }

  private installDrop(m: FlowMatch, cls: ExpiryClass, tags: readonly string[]): void {
    m.markSeen(Field.IN_PORT);
    this.putFlow(m, [], cls, tags);
  }

  private execute(match: FlowMatch, actions: readonly OdpAction[], frame: Uint8Array): void {
    if (actions.length === 0) return;
    this.d.dp.execute((w) => encodeFlowKey(w, match), (w) => encodeActions(w, actions), frame);
  }

  /** Generated packets leave through their port: local vport or tunnel; never a flow. */
  private executeGenerated(r: SimResult): void {
    for (const g of r.generated) {
      this.genMatch.reset();
      if (!parseFrame(g.frame, this.genMatch, this.genPkt).ok) continue;
      const actions = translateVirtualActions([{ kind: 'output', portId: g.portId }], this.genMatch, this.d.resolver);
      this.execute(this.genMatch, actions, g.frame);
    }
  }

  /**
   * A packet from a peer host: the sender already simulated it, the tunnel key
   * names the local port (datapath.md §4.3). Flow: in_port + tunnel exact,
   * everything else wildcarded → output; 300 s. Unknown key: 5 s drop flow.
   */
  private tunnelIngress(dpPort: number, m: FlowMatch, frame: Uint8Array): void {
    const key = m.peek(Field.TUNNEL_KEY);
    if (key === FLOW_STATE_TUNNEL_KEY) {
      this.flowStatePackets++;
      return;
    }
    m.markSeen(Field.IN_PORT | (TUNNEL_FIELDS & m.present));
    const tags = [tunnelKeyTag(key), dpPortTag(dpPort)];
    const out = this.d.ports.dpForTunnelKey(key);
    if (out === undefined) {
      this.d.counters.countReason('unknown-tunnel-key');
      this.putFlow(m, [], ExpiryClass.ERROR, tags);
      return;
    }
    const actions: OdpAction[] = [{ kind: 'output', port: out }];
    this.d.counters.forwarded++;
    this.putFlow(m, actions, ExpiryClass.TUNNEL, [...tags, dpPortTag(out)]);
    this.execute(m, actions, frame);
  }
}

/**
 * The FlowSink that connects a flow controller to the datapath: install sends
 * the put (fire-and-forget; EEXIST comes back as an output error), remove
 * deletes by exact key. A flow already gone (ENOENT) is not an error.
 */
export function datapathFlowSink(dp: Pick<Dpif, 'putFlow' | 'deleteFlow'>, onError: (e: unknown) => void): FlowSink<InstalledFlow> {
  return {
    install(p: InstalledFlow): void {
      if (p.spec !== null) dp.putFlow(p.spec);
      p.spec = null;
    },
    remove(p: InstalledFlow): void {
      try {
        dp.deleteFlow(p.key);
      } catch (e) {
        if (!isNetlinkError(e, 'ENOENT', 'ENODEV', 'ENXIO')) onError(e);
      }
    },
  };
}

/** The key bytes as a string, one char per byte: the flow's identity in the flow controller. */
function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}
