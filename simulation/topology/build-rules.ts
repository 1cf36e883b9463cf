/**
 * Chain and Rule objects → model Chains with their rules in evaluation order.
 *
 * Order: Chain.rule_ids first (the back-reference ZOOM keeps in order); rules
 * that name the chain but are missing from that list (a topology file need not
 * write back-references) follow in the order they were given.
 *
 * Validation is MidoNet's (Rule.java, NatRule.java): a JUMP_RULE needs jump data
 * and action JUMP; a NAT_RULE needs NAT data and, unless reverse, a target; a
 * TRACE_RULE needs action CONTINUE. A rule that fails is left out of its chain
 * and reported, never fatal.
 */

import type { Chain as ChainObject, NatTarget as NatTargetObject, Rule as RuleObject } from './objects.js';
import type { Chain, NatTarget, Rule } from './model.js';
import { buildCondition } from './build-condition.js';
import { parseIpv4 } from '../packet/addr.js';
import type { Diagnostics } from './diagnostics.js';

export function buildChains(
  chains: readonly ChainObject[],
  rules: readonly RuleObject[],
  diag: Diagnostics,
): Map<string, Chain> {
  const rulesById = new Map<string, RuleObject>();
  const byChain = new Map<string, RuleObject[]>();
  for (const r of rules) {
    rulesById.set(r.id, r);
    if (r.chain_id !== undefined) {
      let l = byChain.get(r.chain_id);
      if (l === undefined) byChain.set(r.chain_id, (l = []));
      l.push(r);
    }
  }
  const out = new Map<string, Chain>();
  for (const c of chains) {
    const ordered: RuleObject[] = [];
    const taken = new Set<string>();
    for (const id of c.rule_ids ?? []) {
      const r = rulesById.get(id);
      if (r === undefined) {
        diag.warn('Chain', c.id, `rule ${id} listed in rule_ids does not exist`);
        continue;
      }
      ordered.push(r);
      taken.add(id);
    }
    for (const r of byChain.get(c.id) ?? []) if (!taken.has(r.id)) ordered.push(r);
    const built: Rule[] = [];
    for (const r of ordered) {
      const b = buildRule(r, c.id, diag);
      if (b !== null) built.push(b);
    }
    out.set(c.id, Object.freeze({ id: c.id, name: c.name ?? '', rules: Object.freeze(built) }));
  }
  return out;
}

export function buildRule(r: RuleObject, chainId: string, diag: Diagnostics): Rule | null {
  const problems: string[] = [];
  const condition = buildCondition(r.condition, problems);
  for (const p of problems) diag.warn('Rule', r.id, `condition.${p}`);
  const base = { id: r.id, chainId, condition };
  const action = r.action;
  switch (r.type ?? 'LITERAL_RULE') {
    case 'LITERAL_RULE':
      if (
        action === 'ACCEPT' ||
        action === 'DROP' ||
        action === 'REJECT' ||
        action === 'RETURN' ||
        action === 'CONTINUE'
      ) {
        return Object.freeze({ ...base, kind: 'literal', action });
      }
      diag.warn('Rule', r.id, `literal rule with action ${action ?? '(none)'}`);
      return null;
    case 'JUMP_RULE': {
      const target = r.jump_rule_data?.jump_chain_id;
      if (action !== 'JUMP' || target === undefined) {
        diag.warn('Rule', r.id, 'jump rule needs action JUMP and jump_rule_data.jump_chain_id');
        return null;
      }
      return Object.freeze({ ...base, kind: 'jump', jumpChainId: target });
    }
    case 'NAT_RULE': {
      const d = r.nat_rule_data;
      if (d === undefined) {
        diag.warn('Rule', r.id, 'NAT rule without nat_rule_data');
        return null;
      }
      const reverse = d.reverse ?? false;
      const targets = (d.nat_targets ?? []).map((t) => natTarget(t, r.id, diag)).filter(isTarget);
      if (!reverse && targets.length === 0) {
        diag.warn('Rule', r.id, 'forward NAT rule without a usable target');
        return null;
      }
      const natAction = action === 'ACCEPT' || action === 'CONTINUE' || action === 'RETURN' ? action : 'ACCEPT';
      if (natAction !== action) diag.warn('Rule', r.id, `NAT rule action ${action ?? '(none)'} treated as ACCEPT`);
      return Object.freeze({
        ...base,
        kind: 'nat',
        action: natAction,
        dnat: d.dnat ?? false,
        reverse,
        dynamic: !reverse && targets.some((t) => t.tpStart !== 0 || t.tpEnd !== 0),
        targets: Object.freeze(targets),
      });
    }
    case 'TRACE_RULE':
      if (action !== undefined && action !== 'CONTINUE') {
        diag.warn('Rule', r.id, 'trace rule needs action CONTINUE');
        return null;
      }
      return Object.freeze({
        ...base,
        kind: 'trace',
        requestId: r.trace_rule_data?.trace_request_id ?? null,
        limit: r.trace_rule_data?.limit ?? 0,
      });
    case 'L2TRANSFORM_RULE': {
      const t = r.transform_rule_data ?? {};
      return Object.freeze({
        ...base,
        kind: 'l2transform',
        action: action ?? 'CONTINUE',
        popVlan: t.pop_vlan ?? false,
        pushVlan: t.push_vlan ?? 0,
        targetPortId: t.target_port_id ?? null,
        ingress: t.ingress ?? false,
        failOpen: t.fail_open ?? false,
      });
    }
  }
}

function natTarget(t: NatTargetObject, ruleId: string, diag: Diagnostics): NatTarget | null {
  const start = t.nw_start === undefined ? null : parseIpv4(t.nw_start);
  const end = t.nw_end === undefined ? start : parseIpv4(t.nw_end);
  if (start === null || end === null) {
    diag.warn('Rule', ruleId, `NAT target with bad address range ${t.nw_start ?? '?'}-${t.nw_end ?? '?'}`);
    return null;
  }
  return Object.freeze({ nwStart: start, nwEnd: end, tpStart: t.tp_start ?? 0, tpEnd: t.tp_end ?? 0 });
}

function isTarget(t: NatTarget | null): t is NatTarget {
  return t !== null;
}
