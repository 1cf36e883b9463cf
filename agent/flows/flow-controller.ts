/**
 * FlowController: the agent's record of the kernel flows it installed, and the
 * only thing that removes them (MidoNet's FlowController with its
 * FlowExpirationIndexer and tag index).
 *
 * Words:
 *  - managed flow: one installed kernel flow: its identity (the exact key), the
 *    datapath payload needed to delete it, its tags and its hard deadline.
 *  - expiry class: MidoNet's hard lifetimes (datapath.md §3.3). The kernel never
 *    times flows out; each class is a FIFO because every flow in it lives the
 *    same time, so the head is always the next to go.
 *  - tag: a string naming what the flow depends on (simulation/tags.ts);
 *    `invalidate(tag)` deletes every flow carrying it.
 *
 * Contract: single-threaded (the packet workflow's thread). Capacity is bounded:
 * past `maxFlows` the oldest flow is evicted. Removal runs the flow's
 * `onRemoved` callbacks (they unref flow-state keys and learned MACs).
 */

export const ExpiryClass = {
  ERROR: 0,
  FLOW: 1,
  STATEFUL: 2,
  TUNNEL: 3,
} as const;
export type ExpiryClass = (typeof ExpiryClass)[keyof typeof ExpiryClass];

/** Hard lifetimes in ms, indexed by ExpiryClass. */
export const LIFETIME_MS: readonly number[] = Object.freeze([5_000, 60_000, 30_000, 300_000]);

export interface ManagedFlow<P> {
  /** Identity of the kernel flow (exact key); a second add with the same key is a duplicate. */
  readonly key: string;
  readonly payload: P;
  readonly tags: readonly string[];
  readonly expiryClass: ExpiryClass;
  readonly onRemoved?: () => void;
}

/** Where flows really live: the datapath (or a fake in tests). */
export interface FlowSink<P> {
  install(payload: P): void;
  remove(payload: P): void;
}

interface Entry<P> {
  readonly flow: ManagedFlow<P>;
  readonly deadline: number;
  alive: boolean;
}

export class FlowController<P> {
  private readonly byKey = new Map<string, Entry<P>>();
  private readonly byTag = new Map<string, Set<Entry<P>>>();
  /** One FIFO per expiry class; dead entries are skipped lazily. */
  private readonly queues: Entry<P>[][] = [[], [], [], []];
  private readonly heads = [0, 0, 0, 0];
  private live = 0;
  removed = 0;
  evicted = 0;

  constructor(
    private readonly sink: FlowSink<P>,
    private readonly maxFlows = 1_500_000,
  ) {}

  get size(): number {
    return this.live;
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /**
   * Installs and records a flow. Returns false when a flow with the same key is
   * already recorded (a sibling upcall won; the kernel keeps its flow).
   */
  add(flow: ManagedFlow<P>, now: number): boolean {
    if (this.byKey.has(flow.key)) return false;
    while (this.live >= this.maxFlows && this.evictOldest()) this.evicted++;
    const e: Entry<P> = { flow, deadline: now + LIFETIME_MS[flow.expiryClass]!, alive: true };
    this.byKey.set(flow.key, e);
    for (const t of flow.tags) {
      let s = this.byTag.get(t);
      if (s === undefined) this.byTag.set(t, (s = new Set()));
      s.add(e);
    }
    this.queues[flow.expiryClass]!.push(e);
    this.live++;
    this.sink.install(flow.payload);
    return true;
  }

  /** Forgets a flow the kernel refused (EEXIST from a racing install) without deleting it. */
  forget(key: string): void {
    const e = this.byKey.get(key);
    if (e !== undefined) this.drop(e, false);
  }

  /** Deletes every flow tagged `tag`; returns how many. */
  invalidate(tag: string): number {
    const s = this.byTag.get(tag);
    if (s === undefined) return 0;
    let n = 0;
    for (const e of [...s]) if (e.alive) (this.drop(e, true), n++);
    return n;
  }

  /** Deletes flows whose hard deadline passed; returns how many. */
  expire(now: number): number {
    let n = 0;
    for (let c = 0; c < this.queues.length; c++) {
      const q = this.queues[c]!;
      let h = this.heads[c]!;
      while (h < q.length && (!q[h]!.alive || q[h]!.deadline <= now)) {
        const e = q[h]!;
        if (e.alive) (this.drop(e, true), n++);
        h++;
      }
      // Compact occasionally so the queue does not grow without bound.
      if (h > 1024 && h * 2 > q.length) {
        q.splice(0, h);
        h = 0;
      }
      this.heads[c] = h;
    }
    return n;
  }

  /** Removes every flow (agent stop, datapath reset). */
  clear(): number {
    let n = 0;
    for (const e of [...this.byKey.values()]) (this.drop(e, true), n++);
    return n;
  }

  private evictOldest(): boolean {
    let best: Entry<P> | null = null;
    for (let c = 0; c < this.queues.length; c++) {
      const q = this.queues[c]!;
      let h = this.heads[c]!;
      while (h < q.length && !q[h]!.alive) h++;
      this.heads[c] = h;
      const e = q[h];
      if (e !== undefined && (best === null || e.deadline - LIFETIME_MS[e.flow.expiryClass]! < best.deadline - LIFETIME_MS[best.flow.expiryClass]!)) best = e;
    }
    if (best === null) return false;
    this.drop(best, true);
    return true;
  }

  private drop(e: Entry<P>, deleteFromKernel: boolean): void {
    e.alive = false;
    this.byKey.delete(e.flow.key);
    for (const t of e.flow.tags) {
      const s = this.byTag.get(t);
      if (s !== undefined) {
        s.delete(e);
        if (s.size === 0) this.byTag.delete(t);
      }
    }
    this.live--;
    this.removed++;
    if (deleteFromKernel) this.sink.remove(e.flow.payload);
    e.flow.onRemoved?.();
  }
}
