/**
 * One rule: condition, then the kind's `apply` (MidoNet's Rule.process and
 * its subclasses, simulation.md §9.1). A rule fires when its condition
 * matches AND its apply succeeds; otherwise it yields CONTINUE.
 *
 * Steps are strings, the RuleResult actions plus ERROR (a dynamic SNAT with no
 * port left, which MidoNet drops). JUMP names no target here: the chain reads
 * it from the rule, as it reads the redirect target for REDIRECT.
 *
 *  - literal: ACCEPT, DROP, REJECT or RETURN; always applies.
 *  - jump: JUMP; always applies.
 *  - NAT: its action (ACCEPT, CONTINUE or RETURN) if the translation happened.
 *  - trace: CONTINUE, and a `trace` effect asking the agent to trace the
 *    request (MidoNet restarts the simulation with tracing on; the packet's
 *    fate does not change).
 *  - L2 transform: pops the outermost VLAN and/or pushes one; applies only if
 *    something changed. REDIRECT always applies; a redirect out of the target
 *    port flags the packet redirected-out with the rule's fail-open.
 */

import type { PacketContext } from '../packet-context.js';
import type { L2TransformRule, Rule, TraceRule } from '../topology/model.js';
import type { RuleAction } from '../topology/objects.js';
import type { Matcher } from './compile.js';
import { applyNatRule } from './nat.js';

export type RuleStep = 'ACCEPT' | 'DROP' | 'REJECT' | 'RETURN' | 'CONTINUE' | 'JUMP' | 'REDIRECT' | 'ERROR';

/** Runs `rule` with `match` as its condition matcher. */
export function processRule(ctx: PacketContext, rule: Rule, match: Matcher): RuleStep {
  if (!match(ctx)) return 'CONTINUE';
  return applyRule(ctx, rule);
}

/** The rule's `apply` after its condition matched. */
export function applyRule(ctx: PacketContext, rule: Rule): RuleStep {
  switch (rule.kind) {
    case 'literal':
      return rule.action;
    case 'jump':
      return 'JUMP';
    case 'nat': {
      const r = applyNatRule(ctx, rule);
      if (r === 'applied') return rule.action;
      if (r === 'exhausted') return ctx.fail('snat-ports-exhausted', 'ERROR');
      return 'CONTINUE';
    }
    case 'trace':
      return applyTrace(ctx, rule);
    case 'l2transform':
      return applyL2Transform(ctx, rule);
  }
}

function applyTrace(ctx: PacketContext, rule: TraceRule): RuleStep {
  const id = rule.requestId;
  if (id === null) return 'CONTINUE';
  const effects = ctx.effects;
  for (let i = 0; i < effects.length; i++) {
    const e = effects[i]!;
    if (e.kind === 'trace' && e.requestId === id) return 'CONTINUE';
  }
  ctx.addEffect({ kind: 'trace', requestId: id });
  return 'CONTINUE';
}

function applyL2Transform(ctx: PacketContext, rule: L2TransformRule): RuleStep {
  const m = ctx.wcmatch;
  let changed = false;
  // MidoNet's pop on an untagged frame throws; here it simply changes nothing.
  if (rule.popVlan && m.vlanIds.length > 0) {
    m.popVlan();
    changed = true;
  }
  if (rule.pushVlan !== 0) {
    m.pushVlan(rule.pushVlan);
    changed = true;
  }
  if (rule.action === 'REDIRECT') {
    if (rule.targetPortId === null) return ctx.fail('redirect-without-port', 'ERROR');
    if (!rule.ingress) {
      ctx.redirectedOut = true;
      ctx.failOpen = rule.failOpen;
    }
    return 'REDIRECT';
  }
  return changed ? transformAction(rule.action) : 'CONTINUE';
}

function transformAction(a: RuleAction): RuleStep {
  // A JUMP without a jump target cannot go anywhere: it continues.
  return a === 'JUMP' ? 'CONTINUE' : a;
}
