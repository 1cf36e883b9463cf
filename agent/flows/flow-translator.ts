/**
 * FlowTranslator: a simulation's virtual actions → the kernel's ODP actions,
 * and the FlowSpec (key, mask, actions) the datapath layer installs.
 *
 * Words:
 *  - virtual action: what the simulation decided (simulation/result.ts), on
 *    virtual ports named by UUID.
 *  - PortResolver: where a virtual port is now. `local`: bound on this host at
 *    datapath port `dpPort`. `tunnel`: bound on a peer; reach it through the
 *    overlay vport `dpPort` with tunnel key `key` from `srcIp` to `dstIp`
 *    (datapath.md §4.2). `unknown`: not resolvable (not bound anywhere, no
 *    route to the peer): the output is dropped, which is what MidoNet does.
 *  - translation, action by action, order kept (each ODP action applies to the
 *    packet as the previous ones left it, as the virtual actions do):
 *      set-eth → SET(eth), set-ipv4 → SET(ipv4) with proto and frag copied from
 *      the match (the kernel rejects an IPv4 SET whose proto/frag differ from
 *      the flow key's; the mask forces them exact), set-tcp/udp/icmp →
 *      SET(tcp/udp/icmp), push-vlan → PUSH_VLAN (CFI on), pop-vlan → POP_VLAN,
 *      output → OUTPUT(local) or SET(TUNNEL{id,src,dst,tos,ttl=255}) +
 *      OUTPUT(overlay vport). set-icmp-data is userspace-only: no ODP form.
 *    The same destination twice with no rewrite in between is emitted once.
 *  - an empty list is a drop flow (verdicts other than forward/userspace give
 *    one).
 *
 * Contract: pure; reads the match with peek() only, so translating never
 * widens the flow.
 */

import { Field, type FlowMatch } from '../../simulation/packet/flow-match.js';
import type { SimResult, VirtualAction } from '../../simulation/result.js';
import type { NlWriter } from '../datapath/nl-writer.js';
import { encodeActions } from '../datapath/odp-actions.js';
import { encodeFlowKey } from '../datapath/odp-flow-key.js';
import { encodeFlowMask } from '../datapath/odp-flow-mask.js';
import {
  OVS_FLOW_ATTR_ACTIONS, OVS_FLOW_ATTR_KEY, OVS_FLOW_ATTR_MASK, VLAN_CFI, type OdpAction,
} from '../datapath/odp-types.js';

/** Tunnel TTL MidoNet always writes (the kernel rejects 0). */
export const TUNNEL_TTL = 255;

export type PortResolution =
  | { readonly kind: 'local'; readonly dpPort: number }
  | {
      readonly kind: 'tunnel';
      /** The overlay vport (tngre-overlay / tnvxlan-overlay / tnvxlan-vtep). */
      readonly dpPort: number;
      /** Tunnel key of the egress port (24 bits; VNI for VXLAN, key for GRE). */
      readonly key: number;
      readonly srcIp: number;
      readonly dstIp: number;
      readonly tos: number;
    }
  | { readonly kind: 'unknown'; readonly why?: string };

export interface PortResolver {
  resolve(portId: string): PortResolution;
}

/** Counters a caller may keep (one per worker): outputs nobody could resolve. */
export interface TranslateStats {
  unresolvedOutputs: number;
}

/** The ODP action list for a simulation result (empty = drop). */
export function translateActions(result: SimResult, resolver: PortResolver, stats?: TranslateStats): OdpAction[] {
  if (result.verdict !== 'forward' && result.verdict !== 'userspace') return [];
  return translateVirtualActions(result.actions, result.origMatch, resolver, stats);
}

export function translateVirtualActions(
  actions: readonly VirtualAction[], match: FlowMatch, resolver: PortResolver, stats?: TranslateStats,
): OdpAction[] {
  const out: OdpAction[] = [];
  const emitted = new Set<string>(); // destinations since the last rewrite
  for (const a of actions) {
    switch (a.kind) {
      case 'set-eth':
        out.push({ kind: 'set', key: { kind: 'eth', src: a.src, dst: a.dst } });
        emitted.clear();
        break;
      case 'set-ipv4':
        out.push({
          kind: 'set',
          key: {
            kind: 'ipv4', src: a.src, dst: a.dst, tos: a.tos, ttl: a.ttl,
            proto: match.peek(Field.NW_PROTO), frag: match.peek(Field.NW_FRAG),
          },
        });
        emitted.clear();
        break;
      case 'set-tcp':
      case 'set-udp':
        out.push({ kind: 'set', key: { kind: a.kind === 'set-tcp' ? 'tcp' : 'udp', src: a.src, dst: a.dst } });
        emitted.clear();
        break;
      case 'set-icmp':
        out.push({ kind: 'set', key: { kind: 'icmp', type: a.type, code: a.code } });
        emitted.clear();
        break;
      case 'push-vlan':
        out.push({ kind: 'push_vlan', tpid: a.tpid, tci: VLAN_CFI | (a.vid & 0x0fff) });
        emitted.clear();
        break;
      case 'pop-vlan':
        out.push({ kind: 'pop_vlan' });
        emitted.clear();
        break;
      case 'set-icmp-data':
        break; // applied to the frame in userspace; the result is userspace-only
      case 'output':
        emitOutput(out, emitted, resolver.resolve(a.portId), stats);
        break;
      default: {
        const never: never = a;
        throw new Error(`unknown virtual action ${JSON.stringify(never)}`);
      }
    }
  }
  return out;
}

function emitOutput(out: OdpAction[], emitted: Set<string>, r: PortResolution, stats?: TranslateStats): void {
  if (r.kind === 'unknown') {
    if (stats) stats.unresolvedOutputs++;
    return;
  }
  const sig = r.kind === 'local' ? `l${r.dpPort}` : `t${r.dpPort}/${r.key}/${r.srcIp}/${r.dstIp}/${r.tos}`;
  if (emitted.has(sig)) return;
  emitted.add(sig);
  if (r.kind === 'tunnel') {
    out.push({
      kind: 'set',
      key: { kind: 'tunnel', tunnel: { id: BigInt(r.key), src: r.srcIp, dst: r.dstIp, tos: r.tos, ttl: TUNNEL_TTL } },
    });
  }
  out.push({ kind: 'output', port: r.dpPort });
}

// --- the flow to install --------------------------------------------------------------

/**
 * What the datapath layer installs: the key from `match`'s values, the mask
 * from its seen ∧ present fields (odp-flow-mask.ts, which also reads `actions`
 * to force ethertype/proto exact under an L3/L4 SET), and `actions`.
 */
export interface FlowSpec {
  readonly match: FlowMatch;
  readonly actions: readonly OdpAction[];
}

/**
 * The FlowSpec for a result, or null when no kernel flow may be installed
 * (userspace-only fields read, nothing decided yet, or consumed by the agent).
 */
export function flowSpecFor(result: SimResult, resolver: PortResolver, stats?: TranslateStats): FlowSpec | null {
  if (result.userspaceOnly || result.verdict === 'userspace' || result.verdict === 'consumed' || result.verdict === 'not-yet') {
    return null;
  }
  return { match: result.origMatch, actions: translateActions(result, resolver, stats) };
}

/**
 * Writes OVS_FLOW_ATTR_KEY, [OVS_FLOW_ATTR_MASK] and OVS_FLOW_ATTR_ACTIONS
 * (present even when empty: that is a drop flow). `megaflow` false when the
 * datapath did not report MEGAFLOW_STATS (exact-match flows, no mask).
 */
export function encodeFlowSpec(w: NlWriter, spec: FlowSpec, megaflow = true): void {
  const k = w.beginNested(OVS_FLOW_ATTR_KEY);
  encodeFlowKey(w, spec.match);
  w.endNested(k);
  if (megaflow) {
    const m = w.beginNested(OVS_FLOW_ATTR_MASK);
    encodeFlowMask(w, spec.match, spec.actions);
    w.endNested(m);
  }
  const a = w.beginNested(OVS_FLOW_ATTR_ACTIONS);
  encodeActions(w, spec.actions);
  w.endNested(a);
}
