/**
 * Forks: run one branch of a simulation (a flood copy, a mirror copy) from the
 * current point and come back as if it never happened, except for what must
 * accumulate: actions, tags, effects, generated packets and the seen fields
 * (every field a branch read narrows the one kernel flow).
 *
 * Saved and restored per branch (simulation.md §3): wcmatch, in/out port ids and
 * groups, the current device and nwDstRewritten. The traversal counter is NOT
 * restored: every branch counts toward the loop limit, which is how a mirror copy
 * sent back into a mirrored port ends as an error drop.
 */

import { FlowMatch } from './packet/flow-match.js';
import type { PacketContext } from './packet-context.js';
import { mergeOutcomes, type Outcome } from './outcome.js';

interface Saved {
  readonly match: FlowMatch;
  inPortId: string | null;
  inPortGroups: readonly string[];
  outPortId: string | null;
  outPortGroups: readonly string[];
  currentDeviceId: string | null;
  nwDstRewritten: boolean;
}

// One frame per nesting depth, allocated once and reused: forks nest at most
// as deep as the traversal limit allows.
const stack: Saved[] = [];
let depth = 0;

function frameAt(d: number): Saved {
  let f = stack[d];
  if (f === undefined) {
    f = {
      match: new FlowMatch(),
      inPortId: null,
      inPortGroups: [],
      outPortId: null,
      outPortGroups: [],
      currentDeviceId: null,
      nwDstRewritten: false,
    };
    stack[d] = f;
  }
  return f;
}

/** Runs `fn` as a branch: the context is restored afterwards; returns its outcome. */
export function branch(ctx: PacketContext, fn: (ctx: PacketContext) => Outcome): Outcome {
  const f = frameAt(depth++);
  f.match.copyFrom(ctx.wcmatch);
  f.inPortId = ctx.inPortId;
  f.inPortGroups = ctx.inPortGroups;
  f.outPortId = ctx.outPortId;
  f.outPortGroups = ctx.outPortGroups;
  f.currentDeviceId = ctx.currentDeviceId;
  f.nwDstRewritten = ctx.nwDstRewritten;
  try {
    return fn(ctx);
  } finally {
    const seen = ctx.wcmatch.seen;
    ctx.wcmatch.copyFrom(f.match);
    ctx.wcmatch.seen |= seen;
    ctx.inPortId = f.inPortId;
    ctx.inPortGroups = f.inPortGroups;
    ctx.outPortId = f.outPortId;
    ctx.outPortGroups = f.outPortGroups;
    ctx.currentDeviceId = f.currentDeviceId;
    ctx.nwDstRewritten = f.nwDstRewritten;
    depth--;
  }
}

/**
 * Runs `each` once per item as separate branches and merges the outcomes
 * (ERROR_DROP poisons the whole fork; filtered branches give way to forwards).
 * With no items the result is `empty`.
 */
export function forkEach(
  ctx: PacketContext,
  items: readonly string[],
  each: (ctx: PacketContext, item: string) => Outcome,
  empty: Outcome,
): Outcome {
  if (items.length === 0) return empty;
  let result: Outcome | 0 = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const o = branch(ctx, (c) => each(c, item));
    result = result === 0 ? o : mergeOutcomes(result, o);
  }
  return result as Outcome;
}
