/**
 * NAT rules (simulation.md §10): what a NAT rule does once its condition
 * matched. Three kinds, told apart when the rule is built (§10.1):
 *
 *  - static (floating IP): every target has ports 0–0. Rewrites one address
 *    to the first target's `nw_start`, touches no port, keeps no state and
 *    works for any IPv4 protocol. ICMP errors also get the matching address of
 *    their quoted packet rewritten, chosen by the rule's condition (§10.2).
 *  - dynamic: some target has a port range. Allocates or reuses a binding in
 *    the NAT tables (nat-state.ts) for IPv4 TCP, UDP and ICMP echo/errors only.
 *  - reverse: no targets; translates replies back by looking up the reverse
 *    key a dynamic rule stored. No entry → the rule does not apply.
 *
 * Contract: `applyNatRule` returns 'applied' when the translation happened
 * (the rule then yields its action), 'unsupported' when it did not (the rule
 * yields CONTINUE) and 'exhausted' when no SNAT port can be had anywhere
 * (MidoNet drops such a packet; the chain reports ERROR). It throws NotYetError
 * while an SNAT port block is being claimed.
 */

import { IpProto } from '../packet/flow-match.js';
import type { PacketContext } from '../packet-context.js';
import type { NatRule } from '../topology/model.js';
import { applyForwardNat, reverseDnat, reverseSnat, rewriteIcmpData, type NatApply } from './nat-state.js';

export type { NatApply } from './nat-state.js';

/** Applies a NAT rule whose condition matched. */
export function applyNatRule(ctx: PacketContext, rule: NatRule): NatApply {
  if (rule.reverse) {
    const ok = rule.dnat ? reverseDnat(ctx, 'REV_DNAT') : reverseSnat(ctx);
    return ok ? 'applied' : 'unsupported';
  }
  if (rule.dynamic) return applyForwardNat(ctx, rule.dnat ? 'FWD_DNAT' : 'FWD_SNAT', rule.targets);
  return applyStaticNat(ctx, rule);
}

/**
 * Static NAT (MidoNet's StaticForwardNatRule). For DNAT a condition on the
 * ICMP data means the rule exists for errors only, so the outer destination
 * is left alone; the quoted packet of an error is rewritten by whichever of
 * the condition's addresses names it.
 */
export function applyStaticNat(ctx: PacketContext, rule: NatRule): NatApply {
  const target = rule.targets[0];
  if (target === undefined) return 'unsupported';
  const to = target.nwStart;
  const c = rule.condition;
  const m = ctx.wcmatch;
  if (rule.dnat) {
    if (c.icmpDataSrcIp === null && c.icmpDataDstIp === null) {
      m.nwDst = to;
      ctx.nwDstRewritten = true;
    }
    if (m.nwProto === IpProto.ICMP) {
      if (c.icmpDataDstIp !== null) rewriteIcmpData(m, 'dst', c.icmpDataDstIp.address, to, -1);
      else if (c.nwDstIp !== null) rewriteIcmpData(m, 'src', c.nwDstIp.address, to, -1);
    }
  } else {
    m.nwSrc = to;
    if (m.nwProto === IpProto.ICMP && c.nwSrcIp !== null) {
      rewriteIcmpData(m, 'dst', c.nwSrcIp.address, to, -1);
    }
  }
  return 'applied';
}
