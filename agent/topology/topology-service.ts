/**
 * TopologyService: keeps the simulation's TopologyView current with ZooKeeper.
 *
 *   TopologyStore events (added / changed / deleted, decoded objects)
 *     → batched (one rebuild per burst of writes)
 *     → buildTopology(store.snapshot(), port state)  (new immutable devices)
 *     → invalidate the flows tagged with every changed object
 *
 * Words:
 *  - current(): the snapshot the packet path reads now. Swapped atomically on
 *    rebuild; a simulation in progress keeps the one it started with.
 *  - invalidation: a flow carries the id of every device, port, chain, mirror,
 *    load balancer and pool it traversed (simulation/tags.ts). A changed object
 *    invalidates its own id, and the owner whose built device it is part of: a
 *    rule its chain, a route its router, a pool member or VIP its pool, a DHCP
 *    subnet its bridge. Unaffected flows stay.
 *  - port state: whether a port is active and which tunnel key its host
 *    published come from state keys, not objects; `setPortState` feeds them in.
 *  - lazy loading: `view()` serves a device only once its closure is loaded
 *    (./device-closure.ts); asking for any other one *demands* it: it becomes a
 *    root, its closure is fetched from ZooKeeper, and a rebuild follows, after
 *    which `onRebuilt` lets the agent simulate the parked packets again. Roots
 *    stay loaded and watched. When a change grows a root's closure (a port
 *    added to a bridge), the new objects are fetched before the rebuild, so
 *    the device in service is replaced by a complete one, never by a partial one.
 *
 * A view read while ZooKeeper is disconnected is the last complete one: the
 * agent keeps forwarding with the topology it has.
 */

import type { Logger } from 'pino';
import type { TopologyClassKey, TopologyObjects } from '../../simulation/topology/objects.js';
import { buildTopology } from '../../simulation/topology/build.js';
import type { TopologySnapshot } from '../../simulation/topology/snapshot.js';
import { routeTag } from '../../simulation/tags.js';
import type { TopologyObject } from '../nsdb/proto-objects.js';
import { missingForDevice, type DeviceClassKey, type ObjectLookup, type ObjectRef } from './device-closure.js';
import { LazyTopologyView } from './lazy-view.js';

/** The part of the ZooKeeper topology store the service needs. */
export interface TopologySource {
  on(listener: (ev: TopologyChange) => void): () => void;
  /** Every object loaded now. */
  snapshot(): TopologyObjects;
  /** Loaded object, null if known absent or undecodable, undefined if not loaded (yet). */
  peek<K extends TopologyClassKey>(key: K, id: string): TopologyObject<K> | null | undefined;
  /** Loads and watches the object; settles when it is known (rejects after the store's bound). */
  fetch(key: TopologyClassKey, id: string): Promise<unknown>;
}

/** How many fetch rounds a closure may take (its depth is 3: device, ports, peers). */
const MAX_CLOSURE_ROUNDS = 6;

export type TopologyChange =
  | { readonly kind: 'added' | 'changed'; readonly key: TopologyClassKey; readonly id: string; readonly obj: { readonly id: string } }
  | { readonly kind: 'deleted'; readonly key: TopologyClassKey; readonly id: string };

export interface PortState {
  readonly active: boolean;
  readonly tunnelKey?: number;
}

export interface TopologyServiceDeps {
  readonly source: TopologySource;
  readonly localHostId: string;
  /** Invalidates every flow tagged with `tag`; returns how many. */
  readonly invalidate: (tag: string) => number;
  /** Called after each rebuild with the new snapshot (e.g. to resync vports). */
  readonly onRebuilt?: (snap: TopologySnapshot) => void;
  readonly log: Logger;
  /** Delay that collects a burst of writes into one rebuild (ms). */
  readonly batchMs?: number;
  /** Longest a rebuild waits for objects a served device gained (ms, default 2000). */
  readonly closureWaitMs?: number;
}

export class TopologyService {
  private snap: TopologySnapshot;
  private objects: TopologyObjects;
  /** `${class key}/${id}` → object of `objects`, so a change event finds the old object in O(1). */
  private byId = new Map<string, Record<string, unknown>>();
  private readonly portStates = new Map<string, PortState>();
  private readonly pendingTags = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly off: () => void;
  private lazy: LazyTopologyView;
  /** Devices asked for (`${key}/${id}`): kept loaded, their closures completed before each rebuild. */
  private readonly roots = new Map<string, { key: DeviceClassKey; id: string }>();
  /** Roots whose closure is being fetched now, with the demand every caller awaits. */
  private readonly inFlight = new Map<string, Promise<void>>();
  private completing: Promise<void> | null = null;
  private closed = false;
  private rebuilt: { promise: Promise<void>; resolve: () => void } = deferred();
  rebuilds = 0;
  invalidated = 0;

  constructor(private readonly d: TopologyServiceDeps) {
    this.objects = d.source.snapshot();
    this.index();
    this.snap = this.build();
    this.lazy = this.makeView();
    this.off = d.source.on((ev) => this.onChange(ev));
  }

  /** The whole current snapshot: every loaded device, ready or not (datapath, tables, tools). */
  current(): TopologySnapshot {
    return this.snap;
  }

  /** What the packet path reads: ready devices only; others are demanded (NotYetError). */
  view(): LazyTopologyView {
    return this.lazy;
  }

  /** Devices asked for so far (by the packet path and at start-up); all kept loaded. */
  get demanded(): number {
    return this.roots.size;
  }

  /**
   * Loads a device and its closure (idempotent) and rebuilds when it is complete.
   * The returned promise — the same one for concurrent callers — settles after
   * that rebuild (also when the load failed: the device stays not ready, and
   * the packets waiting for it time out).
   */
  demand(key: DeviceClassKey, id: string): Promise<void> {
    const k = `${key}/${id}`;
    if (!this.roots.has(k)) this.roots.set(k, { key, id });
    const pending = this.inFlight.get(k);
    if (pending !== undefined) return pending;
    if (this.closed) return Promise.resolve();
    const p = this.load(key, id).finally(() => this.inFlight.delete(k));
    this.inFlight.set(k, p);
    return p;
  }

  private async load(key: DeviceClassKey, id: string): Promise<void> {
    const failed = await this.fetchMissing(() => missingForDevice(key, id, this.liveLookup), Infinity);
    if (failed !== undefined) {
      this.d.log.warn({ class: key, id, err: String(failed.reason) }, 'loading a device failed; packets waiting for it will time out');
    }
    // The rebuild, not the fetch, makes the device servable.
    const rebuilt = this.rebuilt.promise;
    this.schedule([]);
    await rebuilt;
  }

  /** The objects the current snapshot was built from. */
  currentObjects(): TopologyObjects {
    return this.objects;
  }

  /** Port state from `Port/{id}/active` (published by the binding host). */
  setPortState(portId: string, state: PortState | null): void {
    const old = this.portStates.get(portId);
    if (state === null) this.portStates.delete(portId);
    else this.portStates.set(portId, state);
    if (old?.active !== state?.active || old?.tunnelKey !== state?.tunnelKey) this.schedule([portId, ...this.ownersOfPort(portId)]);
  }

  /** Rebuilds now from what is loaded (tests, start-up); normally rebuilds are batched. */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.objects = this.d.source.snapshot();
    this.index();
    this.snap = this.build();
    this.lazy = this.makeView();
    this.rebuilds++;
    let n = 0;
    for (const t of this.pendingTags) n += this.d.invalidate(t);
    this.invalidated += n;
    if (this.pendingTags.size > 0) {
      this.d.log.info({ objects: this.pendingTags.size, flows: n }, 'topology changed: flows invalidated');
    }
    this.pendingTags.clear();
    const done = this.rebuilt;
    this.rebuilt = deferred();
    done.resolve();
    this.d.onRebuilt?.(this.snap);
  }

  close(): void {
    this.closed = true;
    this.off();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.rebuilt.resolve();
  }

  private onChange(ev: TopologyChange): void {
    this.schedule(this.tagsFor(ev));
  }

  private schedule(tags: readonly string[]): void {
    for (const t of tags) this.pendingTags.add(t);
    if (this.timer === null && !this.closed) this.timer = setTimeout(() => void this.completeThenFlush(), this.d.batchMs ?? 10);
  }

  /** The batched rebuild: first fetch what the roots' closures gained, then build once. */
  private async completeThenFlush(): Promise<void> {
    if (this.completing === null) {
      this.completing = this.completeRoots().finally(() => {
        this.completing = null;
      });
    }
    await this.completing;
    if (!this.closed && this.timer !== null) this.flush();
  }

  /**
   * Fetches what the served roots' closures gained. Roots still loading for
   * the first time are left to their own demand; a fetch that hangs (ZooKeeper
   * away) holds the rebuild back at most `closureWaitMs`, after which the
   * device is rebuilt without the newcomer and waits like any other.
   */
  private async completeRoots(): Promise<void> {
    const missing = (): ObjectRef[] => {
      const out: ObjectRef[] = [];
      for (const [k, r] of this.roots) if (!this.inFlight.has(k)) out.push(...missingForDevice(r.key, r.id, this.liveLookup));
      return out;
    };
    await this.fetchMissing(missing, Date.now() + (this.d.closureWaitMs ?? 2_000));
  }

  /**
   * Fetches what `missing` lists, round after round (each one ZooKeeper round
   * trip deeper), until nothing is missing, a fetch fails, or `deadline` (ms
   * since the epoch) passes. Resolves with the first failed fetch, if any.
   */
  private async fetchMissing(missing: () => ObjectRef[], deadline: number): Promise<PromiseRejectedResult | undefined> {
    for (let round = 0; round < MAX_CLOSURE_ROUNDS && !this.closed; round++) {
      const refs = missing();
      const left = deadline - Date.now();
      if (refs.length === 0 || left <= 0) return undefined;
      const fetches = Promise.allSettled(refs.map((m) => this.d.source.fetch(m.key, m.id)));
      let timer: ReturnType<typeof setTimeout> | undefined;
      const results = left === Infinity
        ? await fetches
        : await Promise.race([fetches, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), left)))]);
      clearTimeout(timer);
      if (results === null) return undefined;
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed !== undefined) return failed;
    }
    return undefined;
  }

  /** What ZooKeeper gave us so far (may be ahead of the snapshot). */
  private readonly liveLookup: ObjectLookup = (key, id) => this.d.source.peek(key, id);

  /** What the current snapshot was built from: ahead-of-snapshot objects count as not loaded. */
  private readonly builtLookup: ObjectLookup = <K extends TopologyClassKey>(key: K, id: string) => {
    const o = this.byId.get(`${key}/${id}`);
    if (o !== undefined) return o as unknown as TopologyObject<K>;
    return this.d.source.peek(key, id) === null ? null : undefined;
  };

  private makeView(): LazyTopologyView {
    return new LazyTopologyView({
      snapshot: this.snap,
      lookup: this.builtLookup,
      demand: (key, id) => void this.demand(key, id),
    });
  }

  /** The tags a change invalidates: the object and the built device it belongs to. */
  private tagsFor(ev: TopologyChange): string[] {
    const tags = [ev.id];
    const old = this.findOld(ev.key, ev.id);
    const now = ev.kind === 'deleted' ? undefined : (ev.obj as Record<string, unknown>);
    for (const o of [old, now]) {
      if (o === undefined) continue;
      switch (ev.key) {
        case 'rules':
          pushId(tags, o['chain_id']);
          break;
        case 'routes':
          tags.push(routeTag(ev.id));
          pushId(tags, o['router_id']);
          pushId(tags, o['next_hop_port_id']);
          break;
        case 'ports':
          pushId(tags, o['network_id']);
          pushId(tags, o['router_id']);
          pushId(tags, o['peer_id']);
          break;
        case 'pool_members':
        case 'vips':
          pushId(tags, o['pool_id']);
          break;
        case 'pools':
          pushId(tags, o['load_balancer_id']);
          break;
        case 'dhcps':
          pushId(tags, o['network_id']);
          break;
        case 'qos_rule_dscps':
          pushId(tags, o['policy_id']);
          break;
        default:
          break;
      }
    }
    return tags;
  }

  private index(): void {
    this.byId.clear();
    for (const key of Object.keys(this.objects) as TopologyClassKey[]) {
      for (const o of this.objects[key] as readonly { readonly id: string }[]) {
        this.byId.set(`${key}/${o.id}`, o as unknown as Record<string, unknown>);
      }
    }
  }

  private findOld(key: TopologyClassKey, id: string): Record<string, unknown> | undefined {
    return this.byId.get(`${key}/${id}`);
  }

  private ownersOfPort(portId: string): string[] {
    const p = this.findOld('ports', portId);
    if (p === undefined) return [];
    return [p['network_id'], p['router_id']].filter((x): x is string => typeof x === 'string');
  }

  private build(): TopologySnapshot {
    const { snapshot, diagnostics } = buildTopology(this.objects, {
      localHostId: this.d.localHostId,
      portState: {
        active: (id) => this.portStates.get(id)?.active,
        tunnelKey: (id) => this.portStates.get(id)?.tunnelKey,
      },
    });
    for (const d of diagnostics.items) {
      this.d.log.warn({ class: d.objectClass, id: d.id }, `topology object skipped: ${d.message}`);
    }
    return snapshot;
  }
}

function pushId(tags: string[], v: unknown): void {
  if (typeof v === 'string') tags.push(v);
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
