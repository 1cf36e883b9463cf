/**
 * Chain evaluation (MidoNet's Chain.process, simulation.md §5 and §9.2).
 *
 * Words:
 *  - chain list: the chains a device or port runs at one point, in order
 *    (e.g. a port's [L2-insertion in-filter, inbound filter]). Each chain is
 *    evaluated; the list stops at the first verdict that is not ACCEPT, so an
 *    ACCEPT does not skip the next chain. A missing chain id is skipped.
 *  - verdict: ACCEPT, DROP, REJECT, REDIRECT (with its target port) or ERROR.
 *    At the top level a chain ending in CONTINUE or RETURN accepts.
 *  - jump: evaluates the target chain inline; its RETURN continues the
 *    caller, its decisive result ends the whole evaluation. A jump to a
 *    missing chain, or to any chain already entered during this evaluation
 *    (MidoNet keeps every chain entered, not just the current path), continues.
 *
 * Every chain entered tags the flow with its id. Rules run by index; each
 * chain's conditions are compiled once (compile.ts) and cached per chain
 * object. `evaluateChainLinear` runs the same loop with the reference matcher
 * and exists for tests.
 */

import type { PacketContext } from '../packet-context.js';
import { deviceTag } from '../tags.js';
import type { Chain, L2TransformRule, Rule } from '../topology/model.js';
import type { Matcher } from './compile.js';
import { matchConditionLinear, matcherFor } from './condition.js';
import { applyRule, type RuleStep } from './rule.js';

export interface ChainVerdict {
  readonly action: 'ACCEPT' | 'DROP' | 'REJECT' | 'REDIRECT' | 'ERROR';
  readonly redirect?: { readonly portId: string; readonly ingress: boolean; readonly failOpen: boolean };
}

export const ACCEPT: ChainVerdict = Object.freeze({ action: 'ACCEPT' });
export const DROP: ChainVerdict = Object.freeze({ action: 'DROP' });
export const REJECT: ChainVerdict = Object.freeze({ action: 'REJECT' });
export const ERROR: ChainVerdict = Object.freeze({ action: 'ERROR' });

const compiledChains = new WeakMap<Chain, readonly Matcher[]>();
const redirectVerdicts = new WeakMap<Rule, ChainVerdict>();

function matchersOf(chain: Chain): readonly Matcher[] {
  let ms = compiledChains.get(chain);
  if (ms === undefined) {
    ms = Object.freeze(chain.rules.map((r) => matcherFor(r.condition)));
    compiledChains.set(chain, ms);
  }
  return ms;
}

// Chains entered during the current evaluation, from `base` on. One array for
// the whole module: an evaluation never starts another one while running.
const entered: string[] = [];
// The REDIRECT rule that decided the evaluation, read once it returns.
let redirectRule: L2TransformRule | null = null;

/** Evaluates a chain list in order; the first non-ACCEPT verdict wins. */
export function evaluateChains(ctx: PacketContext, chainIds: readonly string[]): ChainVerdict {
  for (let i = 0; i < chainIds.length; i++) {
    const chain = ctx.topo.chain(chainIds[i]!);
    if (chain === null) continue;
    const v = evaluateChain(ctx, chain);
    if (v.action !== 'ACCEPT') return v;
  }
  return ACCEPT;
}

/** Evaluates one chain with compiled conditions. */
export function evaluateChain(ctx: PacketContext, chain: Chain): ChainVerdict {
  return run(ctx, chain, false);
}

/** Evaluates one chain with the reference matcher (the oracle for tests). */
export function evaluateChainLinear(ctx: PacketContext, chain: Chain): ChainVerdict {
  return run(ctx, chain, true);
}

function run(ctx: PacketContext, chain: Chain, linear: boolean): ChainVerdict {
  const base = entered.length;
  redirectRule = null;
  let step: RuleStep;
  try {
    step = applyChain(ctx, chain, base, linear);
  } finally {
    entered.length = base;
  }
  switch (step) {
    case 'DROP':
      return DROP;
    case 'REJECT':
      return REJECT;
    case 'ERROR':
      return ERROR;
    case 'REDIRECT':
      return redirectRule === null ? ERROR : redirectVerdict(redirectRule);
    default:
      // ACCEPT, and CONTINUE/RETURN falling off the top level.
      return ACCEPT;
  }
}

function applyChain(ctx: PacketContext, chain: Chain, base: number, linear: boolean): RuleStep {
  ctx.addTag(deviceTag(chain.id));
  entered.push(chain.id);
  const rules = chain.rules;
  const ms = linear ? null : matchersOf(chain);
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    const hit = ms === null ? matchConditionLinear(ctx, rule.condition) : ms[i]!(ctx);
    if (!hit) continue;
    const step = applyRule(ctx, rule);
    if (step === 'CONTINUE') continue;
    if (step === 'JUMP' && rule.kind === 'jump') {
      const r = jump(ctx, rule.jumpChainId, base, linear);
      if (r === 'CONTINUE') continue;
      return r;
    }
    if (step === 'REDIRECT' && rule.kind === 'l2transform') redirectRule = rule;
    return step;
  }
  return 'CONTINUE';
}

function jump(ctx: PacketContext, chainId: string, base: number, linear: boolean): RuleStep {
  const target = ctx.topo.chain(chainId);
  if (target === null) return 'CONTINUE';
  for (let i = base; i < entered.length; i++) if (entered[i] === chainId) return 'CONTINUE';
  const r = applyChain(ctx, target, base, linear);
  return r === 'RETURN' ? 'CONTINUE' : r;
}

function redirectVerdict(rule: L2TransformRule): ChainVerdict {
  let v = redirectVerdicts.get(rule);
  if (v === undefined) {
    v = Object.freeze({
      action: 'REDIRECT',
      redirect: Object.freeze({ portId: rule.targetPortId ?? '', ingress: rule.ingress, failOpen: rule.failOpen }),
    });
    redirectVerdicts.set(rule, v);
  }
  return v;
}
