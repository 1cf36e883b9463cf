/**
 * Glue between the odp codecs and the dpif's wire-level flow operations.
 *
 * The dpif takes key, mask and actions as `AttrSource`s (bytes, or a writer of attributes into
 * the open container). This module builds them from what callers hold:
 *  - a FlowMatch after simulation (hot path: key from the match's values, mask from the fields
 *    the simulation saw, datapath.md §2.2), with the action records to run;
 *  - OdpKeyAttr/OdpAction records (tools, tests, mm-dpctl);
 *  - a raw key list kept from an upcall (delete or execute by the exact kernel key).
 * And back: a dumped DpFlow decoded into an OdpFlow record, the input of flow-text.ts.
 */
import type { FlowMatch } from '../../simulation/packet/flow-match.js';
import type { DpFlow } from './dpif.js';
import type { AttrSource, FlowPutSpec } from './genl-flow.js';
import type { NlWriter } from './nl-writer.js';
import { encodeActions, decodeActions } from './odp-actions.js';
import { encodeFlowKey } from './odp-flow-key.js';
import { encodeFlowMask } from './odp-flow-mask.js';
import { decodeKeyAttrs, encodeKeyAttrs } from './odp-key-attrs.js';
import type { OdpAction, OdpFlow, OdpKeyAttr } from './odp-types.js';

/** Key written from a FlowMatch's values (never marks fields seen). */
export function keyFromMatch(m: FlowMatch): AttrSource {
  return (w: NlWriter) => encodeFlowKey(w, m);
}

export function keyFromRecords(key: readonly OdpKeyAttr[]): AttrSource {
  return (w: NlWriter) => encodeKeyAttrs(w, key);
}

export function actionsFromRecords(actions: readonly OdpAction[]): AttrSource {
  return (w: NlWriter) => encodeActions(w, actions);
}

/**
 * The flow to install for a simulated match: its key, the megaflow mask of its seen fields
 * (null when the datapath has no megaflow support: exact match), and `actions`.
 */
export function flowPutFromMatch(m: FlowMatch, actions: readonly OdpAction[], megaflow = true): FlowPutSpec {
  return {
    key: (w) => encodeFlowKey(w, m),
    mask: megaflow ? (w) => encodeFlowMask(w, m, actions) : null,
    actions: (w) => encodeActions(w, actions),
  };
}

/** The flow described by records (mask null = exact match). */
export function flowPutFromRecords(key: readonly OdpKeyAttr[], mask: readonly OdpKeyAttr[] | null, actions: readonly OdpAction[]): FlowPutSpec {
  return {
    key: (w) => encodeKeyAttrs(w, key),
    mask: mask === null ? null : (w) => encodeKeyAttrs(w, mask),
    actions: (w) => encodeActions(w, actions),
  };
}

/** Kernel monotonic milliseconds, the clock of a flow's `used` stamp. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}

/** Decodes a dumped flow into records; a reason when one of its lists does not parse. */
export function toOdpFlow(f: DpFlow, nowMs = monotonicMs()): OdpFlow | string {
  const key = decodeKeyAttrs(f.key, 0, f.key.length);
  if (!key.ok) return `key: ${key.reason}`;
  const actions = decodeActions(f.actions, 0, f.actions.length);
  if (!actions.ok) return `actions: ${actions.reason}`;
  let mask: OdpKeyAttr[] | undefined;
  if (f.mask !== null) {
    const m = decodeKeyAttrs(f.mask, 0, f.mask.length);
    if (!m.ok) return `mask: ${m.reason}`;
    mask = m.value;
  }
  const stats = { packets: f.packets, bytes: f.bytes, used: f.used === 0 ? null : Math.max(0, nowMs - f.used) / 1000, tcpFlags: f.tcpFlags };
  return mask === undefined ? { key: key.value, stats, actions: actions.value } : { key: key.value, mask, stats, actions: actions.value };
}
