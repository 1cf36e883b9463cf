/**
 * MidoNet's replicated state tables in ZooKeeper (spec nsdb.md §1.6): the
 * bridge MAC table per VLAN, the bridge IPv4→MAC table, the router ARP table.
 *
 * Words:
 *  - entry: a child node named `{key},{value},{version}`, no data. Learned
 *    entries are EPHEMERAL_SEQUENTIAL creates of `{key},{value},` (ZooKeeper
 *    appends a 10-digit counter); persistent ones (cluster/API) end in
 *    `,2147483647` and are PERSISTENT.
 *  - resolution per key: a learned entry beats a persistent one; among learned
 *    entries the highest sequence wins. A writer deletes its own superseded
 *    entries of the key after adding a new one.
 *  - codec: key/value ↔ text (MAC lowercase, IPv4 dotted, UUID canonical,
 *    ArpEntry `mac;expiry;stale;lastArp`). Names that do not decode are skipped.
 *
 * Contract: `StateTable.start()` opens (mkdirs) the table, lists it with a
 * children watch and keeps `snapshot()` current, emitting one `TableChange`
 * per key whose winning value moved. Entries this process learned are
 * re-created after a session expiry (they were ephemeral).
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { child } from '../runtime/log.js';
import { ZoomPaths } from './zoom.js';
import { isZkError, type ZkClient } from './zk/index.js';

export const PERSISTENT_VERSION = 2147483647;

export interface TableCodec<K, V> {
  encodeKey(k: K): string;
  decodeKey(s: string): K | null;
  encodeValue(v: V): string;
  decodeValue(s: string): V | null;
}

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const IP4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

const mac = (s: string): string | null => (MAC_RE.test(s.toLowerCase()) ? s.toLowerCase() : null);
const uuid = (s: string): string | null => (UUID_RE.test(s.toLowerCase()) ? s.toLowerCase() : null);
const ip4 = (s: string): string | null => (IP4_RE.test(s) ? s : null);

export interface ArpEntry {
  readonly mac: string | null;
  readonly expiry: number;
  readonly stale: number;
  readonly lastArp: number;
}

export function encodeArpEntry(e: ArpEntry): string {
  return `${e.mac ?? 'null'};${e.expiry};${e.stale};${e.lastArp}`;
}

export function decodeArpEntry(s: string): ArpEntry | null {
  const parts = s.split(';');
  if (parts.length !== 4) return null;
  const [m, ex, st, la] = parts as [string, string, string, string];
  const macv = m === 'null' ? null : mac(m);
  if (macv === null && m !== 'null') return null;
  const nums = [ex, st, la].map((x) => (/^-?\d+$/.test(x) ? Number(x) : NaN));
  if (nums.some((x) => Number.isNaN(x))) return null;
  return { mac: macv, expiry: nums[0] ?? 0, stale: nums[1] ?? 0, lastArp: nums[2] ?? 0 };
}

const id = (s: string): string => s;
export const MAC_PORT_CODEC: TableCodec<string, string> = { encodeKey: id, decodeKey: mac, encodeValue: id, decodeValue: uuid };
export const IP4_MAC_CODEC: TableCodec<string, string> = { encodeKey: id, decodeKey: ip4, encodeValue: id, decodeValue: mac };
export const ARP_CODEC: TableCodec<string, ArpEntry> = {
  encodeKey: id, decodeKey: ip4, encodeValue: encodeArpEntry, decodeValue: decodeArpEntry,
};

export interface EntryName {
  readonly key: string;
  readonly value: string;
  readonly version: number;
}

/** `{key},{value},{version}`; null when the name is not one. */
export function parseEntryName(name: string): EntryName | null {
  const first = name.indexOf(',');
  const last = name.lastIndexOf(',');
  if (first <= 0 || last <= first) return null;
  const v = name.slice(last + 1);
  if (!/^\d{1,10}$/.test(v)) return null;
  return { key: name.slice(0, first), value: name.slice(first + 1, last), version: Number(v) };
}

/** The winning entry per key (learned over persistent, then highest version). */
export function resolveEntries(entries: readonly EntryName[]): Map<string, EntryName> {
  const out = new Map<string, EntryName>();
  const rank = (e: EntryName): number => (e.version === PERSISTENT_VERSION ? -1 : e.version);
  for (const e of entries) {
    const cur = out.get(e.key);
    if (cur === undefined || rank(e) > rank(cur)) out.set(e.key, e);
  }
  return out;
}

/** Table locations (5.2+), and the 5.0 legacy ones used when they exist. */
export function macTablePath(p: ZoomPaths, networkId: string, vlan = 0): string {
  return p.table('Network', networkId, 'mac_table', [String(vlan)]);
}
export function ip4MacTablePath(p: ZoomPaths, networkId: string): { path: string; legacy: string } {
  return { path: p.table('Network', networkId, 'ip4_mac_table'), legacy: `${p.root}/bridges/${networkId}/ip4_mac_map` };
}
export function arpTablePath(p: ZoomPaths, routerId: string): { path: string; legacy: string } {
  return { path: p.table('Router', routerId, 'arp_table'), legacy: `${p.root}/routers/${routerId}/arp_table` };
}

export interface TableChange<K, V> {
  readonly key: K;
  readonly value: V | null;
  readonly old: V | null;
}

export class StateTable<K, V> {
  private path: string;
  private winners = new Map<string, EntryName>();
  private readonly owned = new Map<string, { value: string; node: string }>();
  private readonly events = new EventEmitter();
  private readonly log: Logger = child('state-table');
  private offSession: (() => void) | null = null;
  private armed = false;
  private closed = false;

  constructor(
    private readonly zk: ZkClient,
    path: string,
    private readonly codec: TableCodec<K, V>,
    private readonly legacyPath?: string,
  ) {
    this.path = path;
  }

  get tablePath(): string {
    return this.path;
  }

  on(listener: (c: TableChange<K, V>) => void): () => void {
    this.events.on('change', listener);
    return () => this.events.off('change', listener);
  }

  async start(): Promise<void> {
    if (this.legacyPath !== undefined && (await this.zk.exists(this.legacyPath)) !== null) this.path = this.legacyPath;
    else await this.zk.mkdirs(this.path);
    this.offSession = this.zk.onSession((ev) => {
      if (ev === 'connected' && !this.closed) void this.recover();
    });
    await this.refresh();
  }

  close(): void {
    this.closed = true;
    this.offSession?.();
    this.events.removeAllListeners();
  }

  get(key: K): V | null {
    const e = this.winners.get(this.codec.encodeKey(key));
    return e === undefined ? null : this.codec.decodeValue(e.value);
  }

  snapshot(): Map<K, V> {
    const out = new Map<K, V>();
    for (const e of this.winners.values()) {
      const k = this.codec.decodeKey(e.key);
      const v = this.codec.decodeValue(e.value);
      if (k !== null && v !== null) out.set(k, v);
    }
    return out;
  }

  /** Learned entry (ephemeral-sequential); deletes this writer's superseded entry of the key. */
  async add(key: K, value: V): Promise<void> {
    const k = this.codec.encodeKey(key);
    const v = this.codec.encodeValue(value);
    const node = await this.zk.create(`${this.path}/${k},${v},`, new Uint8Array(0), 'ephemeral-sequential');
    const prev = this.owned.get(k);
    this.owned.set(k, { value: v, node });
    if (prev !== undefined) await this.deleteNode(prev.node);
  }

  /** Persistent entry, as the cluster/API writes it. */
  async addPersistent(key: K, value: V): Promise<void> {
    const name = `${this.codec.encodeKey(key)},${this.codec.encodeValue(value)},${PERSISTENT_VERSION}`;
    try {
      await this.zk.create(`${this.path}/${name}`, new Uint8Array(0), 'persistent');
    } catch (e) {
      if (!isZkError(e, 'NODE_EXISTS')) throw e;
    }
  }

  /** Removes this writer's learned entry for the key (if it holds `value`, when given). */
  async remove(key: K, value?: V): Promise<void> {
    const k = this.codec.encodeKey(key);
    const own = this.owned.get(k);
    if (own === undefined || (value !== undefined && own.value !== this.codec.encodeValue(value))) return;
    this.owned.delete(k);
    await this.deleteNode(own.node);
  }

  private async deleteNode(node: string): Promise<void> {
    await this.zk.delete(node, -1).catch((e: unknown) => {
      if (!isZkError(e, 'NO_NODE')) throw e;
    });
  }

  private async refresh(): Promise<void> {
    if (this.closed) return;
    const watch = this.armed ? undefined : (): void => {
      this.armed = false;
      void this.refresh().catch((e: unknown) => this.log.warn({ path: this.path, err: String(e) }, 'table refresh failed'));
    };
    if (watch !== undefined) this.armed = true;
    let names: string[];
    try {
      names = (await this.zk.getChildren(this.path, watch)).children;
    } catch (e) {
      if (watch !== undefined) this.armed = false;
      throw e;
    }
    const entries: EntryName[] = [];
    for (const n of names) {
      const e = parseEntryName(n);
      if (e === null || this.codec.decodeKey(e.key) === null || this.codec.decodeValue(e.value) === null) {
        this.log.debug({ path: this.path, name: n }, 'skipping an undecodable table entry');
        continue;
      }
      entries.push(e);
    }
    const next = resolveEntries(entries);
    const old = this.winners;
    this.winners = next;
    for (const [k, e] of next) {
      const o = old.get(k);
      if (o === undefined || o.value !== e.value) this.emitChange(k, o?.value ?? null, e.value);
    }
    for (const [k, o] of old) if (!next.has(k)) this.emitChange(k, o.value, null);
  }

  private emitChange(k: string, oldV: string | null, newV: string | null): void {
    const key = this.codec.decodeKey(k);
    if (key === null) return;
    this.events.emit('change', {
      key,
      value: newV === null ? null : this.codec.decodeValue(newV),
      old: oldV === null ? null : this.codec.decodeValue(oldV),
    });
  }

  /** New session: our learned entries died with the old one; write them again and re-watch. */
  private async recover(): Promise<void> {
    this.armed = false;
    const mine = [...this.owned.entries()];
    this.owned.clear();
    for (const [k, { value }] of mine) {
      const node = await this.zk.create(`${this.path}/${k},${value},`, new Uint8Array(0), 'ephemeral-sequential');
      this.owned.set(k, { value, node });
    }
    await this.refresh();
  }
}
