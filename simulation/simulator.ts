/**
 * The simulator: one packet in, one SimResult out (MidoNet's Simulator and the
 * simulation half of PacketWorkflow).
 *
 *   simulate(ctx, input, topo, state, now)
 *     parse frame → origMatch           (packet/parse.ts; malformed → drop)
 *     DHCP interception                  (replies/dhcp.ts; answered → consumed)
 *     Port.ingress(ingress port)         (devices/port.ts → bridge / router / chains)
 *     generated packets, each from Port.egress of its port
 *     → SimResult (verdict, actions, wildcard, tags, generated, effects)
 *
 * Pure: no I/O, no clock (now is an input), no shared mutable state; the context
 * is pooled by the caller. A missing-but-loading object surfaces as verdict
 * 'not-yet' with what to wait for.
 */

import { Field, USERSPACE_FIELDS } from './packet/flow-match.js';
import { ParsedPacket, parseFrame } from './packet/parse.js';
import { applyActions } from './packet/rewrite.js';
import { PacketContext } from './packet-context.js';
import { ingressPort, egressPort } from './devices/port.js';
import { DHCP_DROP, dhcpReply, type DhcpConfig } from './replies/dhcp.js';
import { NotYetError } from './not-yet.js';
import { Outcome, outcomeName } from './outcome.js';
import type { GeneratedPacket, SimResult, Verdict } from './result.js';
import type { StateView } from './state/views.js';
import type { TopologyView } from './topology/view.js';

export interface SimInput {
  /** The whole Ethernet frame (a view; not kept). */
  readonly frame: Uint8Array;
  /** Virtual port the packet entered on. */
  readonly ingressPortId: string;
  /** Datapath input port number, when known (goes into the flow key). */
  readonly dpInPort?: number;
}

export interface SimOptions {
  readonly random?: () => number;
  /** Cap on generated packets simulated per input (loops of replies). */
  readonly maxGenerated?: number;
  /** agent.midolman.dhcp_mtu and the underlay MTU (tunnel interface MTU − overhead). */
  readonly dhcp?: DhcpConfig;
}

const EMPTY: readonly never[] = Object.freeze([]);

/** Pooled contexts: one for the packet, one for its generated packets. */
export class Simulator {
  private readonly ctx = new PacketContext();
  private readonly genCtx = new PacketContext();
  private readonly pkt = new ParsedPacket();
  private readonly genPkt = new ParsedPacket();

  constructor(
    private readonly topo: TopologyView,
    private readonly state: StateView,
    private readonly options: SimOptions = {},
  ) {}

  simulate(input: SimInput, now: number): SimResult {
    const ctx = this.ctx;
    ctx.reset();
    ctx.topo = this.topo;
    ctx.state = this.state;
    ctx.now = now;
    if (this.options.random !== undefined) ctx.random = this.options.random;
    ctx.frame = input.frame;
    ctx.packet = this.pkt;
    const parsed = parseFrame(input.frame, ctx.origMatch, this.pkt);
    if (!parsed.ok) return dropUnparsed(ctx, parsed.reason);
    if (input.dpInPort !== undefined) ctx.origMatch.inPort = input.dpInPort;
    ctx.wcmatch.copyFrom(ctx.origMatch);
    ctx.lastEmitted.copyFrom(ctx.origMatch);

    let outcome: Outcome;
    try {
      outcome = this.enter(ctx, input.ingressPortId);
    } catch (e) {
      if (!(e instanceof NotYetError)) throw e;
      // The packet waits, but what was generated on the way (an ARP request
      // for the missing MAC) still goes out.
      this.simulateGenerated(ctx);
      return notYet(ctx, e);
    }
    this.simulateGenerated(ctx);
    return finish(ctx, outcome);
  }

  private enter(ctx: PacketContext, portId: string): Outcome {
    const port = ctx.topo.port(portId);
    if (port === null) return ctx.fail('unknown-ingress-port', Outcome.ERROR_DROP);
    // Conntrack looks packets up in the scope of the device they entered on.
    ctx.ingressPortId = port.id;
    ctx.ingressDeviceId = port.deviceId;
    if (port.kind === 'bridge' && port.isExterior) {
      const reply = dhcpReply(ctx, port, this.options.dhcp);
      // A malformed request is a temporary drop (MidoNet's ErrorDrop).
      if (reply === DHCP_DROP) return ctx.fail('dhcp-malformed', Outcome.ERROR_DROP);
      if (reply !== null) {
        ctx.generate(port.id, reply);
        return ctx.fail('dhcp', Outcome.NOOP);
      }
    }
    return ingressPort(ctx, portId);
  }

  /**
   * Generated packets (ARP replies, ICMP errors, DHCP replies, ARP requests) go
   * through the egress pipeline of their port; their outputs become frames.
   * They never install flows or create state; their own generated packets are
   * followed up to a bound, so reply loops end.
   */
  private simulateGenerated(parent: PacketContext): void {
    const max = this.options.maxGenerated ?? 16;
    let done = 0;
    for (let i = 0; i < parent.generated.length && done < max; i++, done++) {
      const g = parent.generated[i]!;
      const ctx = this.genCtx;
      ctx.reset();
      ctx.topo = this.topo;
      ctx.state = this.state;
      ctx.now = parent.now;
      ctx.random = parent.random;
      ctx.isGenerated = true;
      ctx.frame = g.frame;
      ctx.packet = this.genPkt;
      if (!parseFrame(g.frame, ctx.origMatch, this.genPkt).ok) continue;
      ctx.wcmatch.copyFrom(ctx.origMatch);
      ctx.lastEmitted.copyFrom(ctx.origMatch);
      let o: Outcome;
      try {
        o = egressPort(ctx, g.portId);
      } catch (e) {
        if (e instanceof NotYetError) continue;
        throw e;
      }
      if (o === Outcome.FORWARD) {
        const outs = applyActions(g.frame, this.genPkt, ctx.actions);
        for (const out of outs) parent.generatedOut.push(out);
      }
      for (const gg of ctx.generated) parent.generated.push(gg);
      for (const e of ctx.effects) if (e.kind === 'router-arp' || e.kind === 'arp-needed') parent.effects.push(e);
    }
  }
}

function verdictOf(ctx: PacketContext, o: Outcome): Verdict {
  switch (o) {
    case Outcome.FORWARD:
      return isUserspace(ctx) ? 'userspace' : 'forward';
    case Outcome.DROP:
      return isUserspace(ctx) ? 'userspace' : 'drop';
    case Outcome.SHORT_DROP:
      return 'short-drop';
    case Outcome.ERROR_DROP:
      return 'error-drop';
    case Outcome.NOOP:
      return 'consumed';
  }
}

function isUserspace(ctx: PacketContext): boolean {
  return ctx.userspaceOnly || ((ctx.wcmatch.seen | ctx.origMatch.seen) & USERSPACE_FIELDS) !== 0;
}

function finish(ctx: PacketContext, o: Outcome): SimResult {
  const orig = ctx.origMatch.clone();
  orig.seen |= ctx.wcmatch.seen;
  const verdict = verdictOf(ctx, o);
  // ErrorDrop: tags cleared and no state committed (simulation.md §12).
  const errorDrop = o === Outcome.ERROR_DROP;
  const generated: GeneratedPacket[] = ctx.generatedOut.slice();
  return {
    verdict,
    reason: reasonOf(ctx, verdict, o),
    actions: o === Outcome.FORWARD ? ctx.actions.slice() : EMPTY,
    origMatch: orig,
    userspaceOnly: isUserspace(ctx),
    tags: errorDrop ? EMPTY : ctx.tags.toArray(),
    generated,
    effects: errorDrop ? ctx.effects.filter(isArpEffect) : ctx.effects.slice(),
    stateful: !errorDrop && ctx.stateful,
  };
}

/**
 * Why the packet ended as it did. A forward has no reason (a flood branch that
 * a filter dropped is not the packet's fate); a userspace result names what
 * forbade the kernel flow.
 */
function reasonOf(ctx: PacketContext, verdict: Verdict, o: Outcome): string {
  if (verdict === 'forward') return '';
  if (verdict === 'userspace') {
    // A drop keeps its own reason; a forward says what forbade the kernel flow.
    if (o !== Outcome.FORWARD && ctx.reason !== '') return ctx.reason;
    const seen = ctx.wcmatch.seen | ctx.origMatch.seen;
    if (seen & Field.ICMP_ID) return 'userspace:icmp-id-read';
    if (seen & Field.ICMP_DATA) return 'userspace:icmp-data-read';
    if (seen & Field.USERSPACE_MARK) return 'userspace:mark-read';
    return 'userspace:no-kernel-flow';
  }
  return ctx.reason || outcomeName(o);
}

function isArpEffect(e: { readonly kind: string }): boolean {
  return e.kind === 'router-arp' || e.kind === 'arp-needed';
}

/**
 * A frame the parser refused is dropped without a kernel flow: what we could
 * not parse we cannot describe as a key, and the kernel's own key for it says
 * nothing about why we refused it.
 */
function dropUnparsed(ctx: PacketContext, reason: string): SimResult {
  return {
    verdict: 'drop',
    reason,
    actions: EMPTY,
    origMatch: ctx.origMatch.clone(),
    userspaceOnly: true,
    tags: EMPTY,
    generated: EMPTY,
    effects: EMPTY,
    stateful: false,
  };
}

function notYet(ctx: PacketContext, e: NotYetError): SimResult {
  return {
    verdict: 'not-yet',
    reason: e.message,
    actions: EMPTY,
    origMatch: ctx.origMatch.clone(),
    userspaceOnly: false,
    tags: EMPTY,
    generated: ctx.generatedOut.slice(),
    effects: ctx.effects.filter(isArpEffect),
    stateful: false,
    waitingFor: e.key,
  };
}
