/**
 * WaitingRoom: packets whose simulation said "not yet" (a topology object still
 * loading, an ARP answer, a NAT block), parked until what they wait for arrives
 * or their time is up (MidoNet's WaitingRoom; 5 s by default).
 *
 * Parked packets own a copy of their frame. Keys are strings (`waitKey`) so
 * the agent can say "ARP for 10.0.0.1 on router R arrived" without knowing
 * which packets care. Bounded: past `capacity` the oldest parked packet is
 * dropped (counted by the caller through `expire`).
 */

import type { NotYetKey } from '../../simulation/result.js';

export interface Parked {
  readonly portId: string;
  readonly dpPort: number;
  readonly frame: Uint8Array;
  /**
   * When its wait is over. Set by the room on first parking and kept when a
   * retried packet is parked again (it waits for the next object of a chain of
   * loads): the bound is from the first upcall, not from the last retry.
   */
  readonly deadline?: number;
}

/** A parked packet as the room holds and returns it: its deadline known. */
export type ParkedUntil = Parked & { readonly deadline: number };

interface Entry {
  readonly key: string;
  readonly parked: ParkedUntil;
  done: boolean;
}

export function waitKey(k: NotYetKey): string {
  switch (k.kind) {
    case 'object':
      return `object:${k.objectClass}:${k.id}`;
    case 'arp':
      return `arp:${k.routerId}:${k.ip}`;
    case 'nat-block':
      return `nat:${k.deviceId}:${k.ip}`;
  }
}

/** Whether a wait key is for a topology object (a rebuild may have brought it). */
export function isObjectWait(key: string): boolean {
  return key.startsWith('object:');
}

export class WaitingRoom {
  private readonly byKey = new Map<string, Entry[]>();
  private readonly fifo: Entry[] = [];
  private head = 0;
  private live = 0;
  dropped = 0;

  constructor(
    private readonly maxWaitMs: number,
    private readonly capacity = 10_000,
  ) {}

  get size(): number {
    return this.live;
  }

  /** Distinct things being waited for (for the agent to fetch or ARP for). */
  keys(): IterableIterator<string> {
    return this.byKey.keys();
  }

  park(key: NotYetKey, p: Parked, now: number): void {
    if (this.live >= this.capacity) this.dropOldest();
    const k = waitKey(key);
    const parked: ParkedUntil = p.deadline === undefined ? { ...p, deadline: now + this.maxWaitMs } : (p as ParkedUntil);
    const e: Entry = { key: k, parked, done: false };
    let l = this.byKey.get(k);
    if (l === undefined) this.byKey.set(k, (l = []));
    l.push(e);
    // `fifo` is ordered by deadline (expire() stops at the first live entry not due). A packet
    // parked again keeps its first deadline, which can be earlier than newer packets': it goes
    // in before them.
    let i = this.fifo.length;
    this.fifo.push(e);
    while (i > this.head && this.fifo[i - 1]!.parked.deadline > parked.deadline) {
      this.fifo[i] = this.fifo[i - 1]!;
      i--;
    }
    this.fifo[i] = e;
    this.live++;
  }

  /** Removes and returns the packets whose key is `ready` and whose time is not up. */
  take(ready: (key: string) => boolean, now: number): ParkedUntil[] {
    const out: ParkedUntil[] = [];
    for (const [k, l] of this.byKey) {
      if (!ready(k)) continue;
      for (const e of l) {
        if (e.done) continue;
        e.done = true;
        this.live--;
        if (e.parked.deadline > now) out.push(e.parked);
        else this.dropped++;
      }
      this.byKey.delete(k);
    }
    return out;
  }

  /** Drops packets whose time is up; returns how many. */
  expire(now: number): number {
    let n = 0;
    while (this.head < this.fifo.length) {
      const e = this.fifo[this.head]!;
      if (!e.done && e.parked.deadline > now) break;
      if (!e.done) {
        this.remove(e);
        n++;
      }
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.fifo.length) {
      this.fifo.splice(0, this.head);
      this.head = 0;
    }
    this.dropped += n;
    return n;
  }

  private dropOldest(): void {
    while (this.head < this.fifo.length) {
      const e = this.fifo[this.head++]!;
      if (!e.done) {
        this.remove(e);
        this.dropped++;
        return;
      }
    }
  }

  private remove(e: Entry): void {
    e.done = true;
    this.live--;
    const l = this.byKey.get(e.key);
    if (l === undefined) return;
    const i = l.indexOf(e);
    if (i >= 0) l.splice(i, 1);
    if (l.length === 0) this.byKey.delete(e.key);
  }
}
