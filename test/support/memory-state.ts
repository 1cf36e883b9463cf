/**
 * State for simulation tests: the agent's real LocalState tables (so tests run
 * the same effect application the agent does) plus a seeded random source so
 * NAT and load-balancer picks are reproducible.
 */
export { LocalState as MemoryState } from '../../agent/state/local-state.js';

/** A small deterministic PRNG (mulberry32) returning values in [0,1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
