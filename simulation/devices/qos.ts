/**
 * QoS DSCP marking at bridge-port ingress (simulation.md §4.1, §16).
 *
 * A bridge port's QoS policy, or its bridge's when the port has none, may carry
 * a DSCP marking rule. An IPv4 packet entering such a port gets
 * TOS = (mark << 2) | (old TOS & 0x3): the DSCP bits are replaced, the two ECN
 * bits kept. The rewrite lives in the working match, so the exterior emit turns
 * it into a set-ipv4 action (emit.ts).
 *
 * Reads, as MidoNet does: the ethertype always (it is tested first); the TOS
 * only when a mark applies. Bandwidth-limit rules are enforced by traffic
 * control on the host, not here.
 */

import { EtherType } from '../packet/flow-match.js';
import type { PacketContext } from '../packet-context.js';
import type { BridgePort } from '../topology/model.js';

/** The DSCP mark that applies to packets entering `port`, or null. */
export function dscpMarkFor(ctx: PacketContext, port: BridgePort): number | null {
  let policyId = port.qosPolicyId;
  if (policyId === null) {
    const bridge = ctx.topo.bridge(port.deviceId);
    policyId = bridge === null ? null : bridge.qosPolicyId;
  }
  if (policyId === null) return null;
  const policy = ctx.topo.qosPolicy(policyId);
  return policy === null ? null : policy.dscpMark;
}

/** Applies the port's DSCP mark to an IPv4 packet's TOS, keeping the ECN bits. */
export function markDscp(ctx: PacketContext, port: BridgePort): void {
  const m = ctx.wcmatch;
  if (m.etherType !== EtherType.IPV4) return;
  const mark = dscpMarkFor(ctx, port);
  if (mark === null) return;
  const ecn = m.nwTos & 0x3;
  m.nwTos = ((mark & 0x3f) << 2) | ecn;
}
