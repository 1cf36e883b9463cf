/**
 * Mirrors (simulation.md §15): copy a packet to another port at a fixed point of
 * a port's, bridge's or router's pipeline, while the original goes on.
 *
 * Words:
 *  - mirror: a list of conditions (OR-ed; the first match wins) and a
 *    destination port (`to_port_id`).
 *  - copy: a fork branch that egresses the destination port with the headers
 *    as they are at the mirroring point (router inbound copies carry the
 *    original MACs and TTL, outbound copies the rewritten ones).
 *
 * Contract: `applyMirrors` evaluates every listed mirror first (each evaluation
 * tags the flow and counts as one device traversal, matched or not), then runs
 * the copies, each as a branch (`fork.ts`), in MidoNet's order: the last matching
 * mirror's copy first, the original last. It returns the merged outcome of the
 * copies, or null when no mirror matched; the caller runs the original and merges
 * (`withMirrors` does both). A copy that comes back into a mirrored port keeps
 * counting traversals until the limit: ErrorDrop for the whole packet.
 */

import { branch } from '../fork.js';
import { mergeOutcomes, type Outcome } from '../outcome.js';
import type { PacketContext } from '../packet-context.js';
import { matchCondition } from '../rules/condition.js';
import { deviceTag } from '../tags.js';
import { egressPort } from './port.js';

/**
 * Evaluates `mirrorIds` against the current packet and sends a copy out of the
 * destination port of each matching mirror. Null when nothing was mirrored.
 */
export function applyMirrors(ctx: PacketContext, mirrorIds: readonly string[]): Outcome | null {
  if (mirrorIds.length === 0) return null;
  let targets: string[] | null = null;
  for (let i = 0; i < mirrorIds.length; i++) {
    const mirror = ctx.topo.mirror(mirrorIds[i]!);
    // A deleted mirror (still listed by a stale device) mirrors nothing.
    if (mirror === null) continue;
    ctx.addTag(deviceTag(mirror.id));
    ctx.devicesTraversed++;
    const conds = mirror.conditions;
    for (let c = 0; c < conds.length; c++) {
      if (matchCondition(ctx, conds[c]!)) {
        if (mirror.toPortId !== null) (targets ??= []).push(mirror.toPortId);
        break;
      }
    }
  }
  if (targets === null) return null;
  let result: Outcome | null = null;
  for (let i = targets.length - 1; i >= 0; i--) {
    const to = targets[i]!;
    const o = branch(ctx, (c) => egressPort(c, to));
    result = result === null ? o : mergeOutcomes(result, o);
  }
  return result;
}

/** Mirrors, then the rest of the pipeline (`next`), merged as one fork. */
export function withMirrors(
  ctx: PacketContext,
  mirrorIds: readonly string[],
  next: (ctx: PacketContext) => Outcome,
): Outcome {
  if (mirrorIds.length === 0) return next(ctx);
  const copies = applyMirrors(ctx, mirrorIds);
  const o = next(ctx);
  return copies === null ? o : mergeOutcomes(copies, o);
}
