/**
 * Outcome: what one device step (a port's ingress or egress, a bridge, a router)
 * decided, MidoNet's simulation results without their payload (the actions live
 * in the packet context). Small integers so the device loop allocates nothing.
 *
 * Fork merging (MidoNet's Fork semantics, simulation.md §3): ERROR_DROP wins over
 * everything; DROP, SHORT_DROP and NOOP give way to a forward; two forwards stay
 * a forward. Between the give-way kinds, the stronger drop is kept.
 */

export const Outcome = {
  FORWARD: 1,
  DROP: 2,
  SHORT_DROP: 3,
  ERROR_DROP: 4,
  NOOP: 5,
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

// Higher wins when merging two branches.
const RANK: readonly number[] = [0, 3, 1, 2, 4, 0];

export function mergeOutcomes(a: Outcome, b: Outcome): Outcome {
  return RANK[b]! > RANK[a]! ? b : a;
}

export function outcomeName(o: Outcome): string {
  switch (o) {
    case Outcome.FORWARD: return 'forward';
    case Outcome.DROP: return 'drop';
    case Outcome.SHORT_DROP: return 'short-drop';
    case Outcome.ERROR_DROP: return 'error-drop';
    case Outcome.NOOP: return 'consumed';
  }
}
