/**
 * The agent's live view of the ZOOM topology: objects loaded lazily, one model
 * node at a time, each kept WATCHED so that every later write becomes an event.
 *
 * Words:
 *  - entry: one (class, id) the store knows: `loading` (a read in flight),
 *    `present` (decoded object + node version), `absent` (no node; an exists
 *    watch waits for its creation) or `corrupt` (the text did not decode: a
 *    clear line is logged, the object is unavailable, its watch stays so a
 *    fixed write brings it back).
 *  - class watch: `watchClass(key)` lists `models/{Class}` with a children
 *    watch and loads every id in it (eager mode, used to load a whole topology).
 *  - events: `added` / `changed` (version moved) / `deleted`, with the decoded
 *    object. Unaffected objects get none.
 *
 * Session handling: after a reconnect within the session the server re-arms
 * the watches and fires the ones whose node changed while we were away; after
 * an expiry every watch is gone, so the store re-reads every entry and class
 * it knows and emits the differences (catch-up).
 *
 * Contract: `get(key, id)` returns the object, null when it does not exist, or
 * (first time, still loading) a promise that settles within `waitMs` or
 * rejects with ZkError OPERATION_TIMEOUT.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import {
  CLASS_OF,
  emptyTopologyObjects,
  TOPOLOGY_CLASS_KEYS,
  type TopologyClassKey,
  type TopologyObjects,
} from '../../simulation/topology/objects.js';
import { child } from '../runtime/log.js';
import { topologyObjectFromText, type TopologyObject } from './proto-objects.js';
import { ZoomPaths } from './zoom.js';
import { isZkError, ZkError, type ZkClient, type ZkWatchEvent } from './zk/index.js';

export type AnyTopologyObject = TopologyObject<TopologyClassKey>;

export type TopologyEvent =
  | { readonly kind: 'added' | 'changed'; readonly key: TopologyClassKey; readonly id: string; readonly obj: AnyTopologyObject }
  | { readonly kind: 'deleted'; readonly key: TopologyClassKey; readonly id: string };

type Entry =
  | { state: 'loading'; waiters: ((v: AnyTopologyObject | null) => void)[] }
  | { state: 'present'; obj: AnyTopologyObject; version: number }
  | { state: 'absent' }
  | { state: 'corrupt'; version: number };

export interface TopologyStoreOptions {
  readonly root: string;
  /** Bound of a `get` that has to wait for a load. Default 5 s. */
  readonly waitMs?: number;
}

export class TopologyStore {
  private readonly paths: ZoomPaths;
  private readonly entries = new Map<string, Entry>();
  private readonly armed = new Set<string>();
  private readonly classes = new Map<TopologyClassKey, Set<string>>();
  private readonly events = new EventEmitter();
  private readonly log: Logger = child('topology-store');
  private readonly waitMs: number;
  private readonly offSession: () => void;
  private closed = false;

  constructor(private readonly zk: ZkClient, opts: TopologyStoreOptions) {
    this.paths = new ZoomPaths(opts.root);
    this.waitMs = opts.waitMs ?? 5000;
    this.events.setMaxListeners(0);
    this.offSession = zk.onSession((ev) => {
      if (ev === 'connected' && !this.closed) void this.catchUp();
    });
  }

  on(listener: (ev: TopologyEvent) => void): () => void {
    this.events.on('event', listener);
    return () => this.events.off('event', listener);
  }

  /** The object, null if it does not exist, or a bounded promise while it loads. */
  get<K extends TopologyClassKey>(key: K, id: string): TopologyObject<K> | null | Promise<TopologyObject<K> | null> {
    const k = `${key}/${id}`;
    const e = this.entries.get(k);
    if (e === undefined || e.state === 'loading') {
      if (e === undefined) void this.load(key, id);
      return this.waitFor(key, id) as Promise<TopologyObject<K> | null>;
    }
    return e.state === 'present' ? (e.obj as TopologyObject<K>) : null;
  }

  /** Without loading: the object, null if known absent or undecodable, undefined if not loaded (yet). */
  peek<K extends TopologyClassKey>(key: K, id: string): TopologyObject<K> | null | undefined {
    const e = this.entries.get(`${key}/${id}`);
    if (e === undefined || e.state === 'loading') return undefined;
    return e.state === 'present' ? (e.obj as TopologyObject<K>) : null;
  }

  /** Like `get` but always a promise. */
  async fetch<K extends TopologyClassKey>(key: K, id: string): Promise<TopologyObject<K> | null> {
    return await this.get(key, id);
  }

  /** Watch `models/{Class}` and load every object in it; resolves when all are loaded. */
  async watchClass(key: TopologyClassKey): Promise<void> {
    if (!this.classes.has(key)) this.classes.set(key, new Set());
    await this.listClass(key);
  }

  /** Watch every class of the topology file and wait until all is loaded. */
  async loadAll(keys: readonly TopologyClassKey[] = TOPOLOGY_CLASS_KEYS): Promise<void> {
    await Promise.all(keys.map((k) => this.watchClass(k)));
  }

  /** Everything present now, as the topology-file shape (ids sorted for stable output). */
  snapshot(): TopologyObjects {
    const out = emptyTopologyObjects() as unknown as Record<TopologyClassKey, AnyTopologyObject[]>;
    for (const [k, e] of this.entries) {
      if (e.state !== 'present') continue;
      const key = k.slice(0, k.indexOf('/')) as TopologyClassKey;
      out[key].push(e.obj);
    }
    for (const key of TOPOLOGY_CLASS_KEYS) out[key].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return out as unknown as TopologyObjects;
  }

  close(): void {
    this.closed = true;
    this.offSession();
    this.events.removeAllListeners();
  }

  private waitFor(key: TopologyClassKey, id: string): Promise<AnyTopologyObject | null> {
    return new Promise((resolve, reject) => {
      const e = this.entries.get(`${key}/${id}`);
      if (e === undefined || e.state !== 'loading') {
        resolve(e?.state === 'present' ? e.obj : null);
        return;
      }
      const t = setTimeout(
        () => reject(new ZkError('OPERATION_TIMEOUT', 'topology-get', this.paths.model(CLASS_OF[key], id))),
        this.waitMs,
      );
      e.waiters.push((v) => {
        clearTimeout(t);
        resolve(v);
      });
    });
  }

  private async listClass(key: TopologyClassKey): Promise<void> {
    const known = this.classes.get(key);
    if (known === undefined || this.closed) return;
    const path = this.paths.models(CLASS_OF[key]);
    const watchKey = `children:${path}`;
    let ids: string[];
    try {
      const watch = this.armed.has(watchKey) ? undefined : (): void => {
        this.armed.delete(watchKey);
        void this.listClass(key);
      };
      if (watch !== undefined) this.armed.add(watchKey);
      try {
        ids = (await this.zk.getChildren(path, watch)).children;
      } catch (e) {
        if (watch !== undefined) this.armed.delete(watchKey);
        throw e;
      }
    } catch (e) {
      if (isZkError(e, 'NO_NODE')) {
        // The class directory does not exist yet: wait for it.
        await this.zk.exists(path, () => void this.listClass(key));
        return;
      }
      this.log.warn({ path, err: String(e) }, 'listing a topology class failed; will retry on reconnect');
      return;
    }
    const loads: Promise<void>[] = [];
    for (const id of ids) {
      known.add(id);
      if (!this.entries.has(`${key}/${id}`)) loads.push(this.load(key, id));
    }
    await Promise.all(loads);
  }

  /** Reads one model node (with a watch) and updates its entry; emits the difference. */
  private async load(key: TopologyClassKey, id: string): Promise<void> {
    if (this.closed) return;
    const k = `${key}/${id}`;
    const before = this.entries.get(k);
    if (before === undefined) this.entries.set(k, { state: 'loading', waiters: [] });
    const path = this.paths.model(CLASS_OF[key], id);
    const dataKey = `data:${path}`;
    const watch = this.armed.has(dataKey) ? undefined : (ev: ZkWatchEvent): void => {
      this.armed.delete(dataKey);
      void this.load(key, id).catch(() => undefined);
      void ev;
    };
    if (watch !== undefined) this.armed.add(dataKey);
    let next: Entry;
    try {
      const { data, stat } = await this.zk.get(path, watch);
      try {
        next = { state: 'present', obj: topologyObjectFromText(key, data), version: stat.version };
      } catch (err) {
        this.log.error(
          { path, version: stat.version, err: err instanceof Error ? err.message : String(err) },
          `skipping ${CLASS_OF[key]} ${id}: its ZooKeeper data does not decode`,
        );
        next = { state: 'corrupt', version: stat.version };
      }
    } catch (e) {
      if (watch !== undefined) this.armed.delete(dataKey);
      if (!isZkError(e, 'NO_NODE')) {
        this.log.warn({ path, err: String(e) }, 'reading a topology object failed; will retry on reconnect');
        if (before !== undefined) {
          this.settle(k, before, undefined);
          return;
        }
        // Never loaded: unknown again (not "absent"), so the next demand reads it anew.
        const cur = this.entries.get(k);
        this.entries.delete(k);
        if (cur?.state === 'loading') for (const w of cur.waiters) w(null);
        return;
      }
      // Absent: an exists watch fires when it is created.
      const existsKey = `exists:${path}`;
      if (!this.armed.has(existsKey)) {
        this.armed.add(existsKey);
        const st = await this.zk.exists(path, () => {
          this.armed.delete(existsKey);
          void this.load(key, id).catch(() => undefined);
        }).catch(() => null);
        if (st !== null) {
          // Created between the two reads.
          await this.load(key, id);
          return;
        }
      }
      next = { state: 'absent' };
    }
    this.settle(k, next, before);
  }

  private settle(k: string, next: Entry, before: Entry | undefined): void {
    const cur = this.entries.get(k);
    const waiters = cur?.state === 'loading' ? cur.waiters : [];
    this.entries.set(k, next);
    for (const w of waiters) w(next.state === 'present' ? next.obj : null);
    const slash = k.indexOf('/');
    const key = k.slice(0, slash) as TopologyClassKey;
    const id = k.slice(slash + 1);
    const wasPresent = before?.state === 'present';
    if (next.state === 'present') {
      if (!wasPresent) this.emit({ kind: 'added', key, id, obj: next.obj });
      else if (before.version !== next.version) this.emit({ kind: 'changed', key, id, obj: next.obj });
    } else if (wasPresent && next.state !== 'loading') {
      this.emit({ kind: 'deleted', key, id });
    }
    if (next.state === 'absent' && !this.classes.has(key)) return;
    if (next.state === 'absent') this.classes.get(key)?.delete(id);
  }

  private emit(ev: TopologyEvent): void {
    this.events.emit('event', ev);
  }

  /** After a new session: all watches are gone; re-read everything known. */
  private async catchUp(): Promise<void> {
    if (this.entries.size === 0 && this.classes.size === 0) return;
    this.log.info({ objects: this.entries.size }, 'new ZooKeeper session: re-reading the topology');
    this.armed.clear();
    const jobs: Promise<void>[] = [];
    for (const key of this.classes.keys()) jobs.push(this.listClass(key));
    for (const k of [...this.entries.keys()]) {
      const slash = k.indexOf('/');
      jobs.push(this.load(k.slice(0, slash) as TopologyClassKey, k.slice(slash + 1)));
    }
    await Promise.all(jobs);
  }
}
