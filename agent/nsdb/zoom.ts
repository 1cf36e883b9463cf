/**
 * ZOOM, MidoNet's object store in ZooKeeper (spec nsdb.md §1.2–1.4), as paths,
 * reads and transactions.
 *
 * Words:
 *  - `{Z}` = `{root}/zoom/0`; model node `{Z}/models/{Class}/{id}` holds the
 *    object in protobuf TEXT format; its ZooKeeper data version is the object's
 *    optimistic-lock version.
 *  - provenance: binary `ZoomObject` at `{Z}/objects/{Class}/{id}` (≥ 5.4.1);
 *    may be absent on objects written by older versions.
 *  - table directories: `{Z}/tables/{Class}/{id}/{table}` for the classes with
 *    replicated state tables, created in the multi that creates the object.
 *
 * Contract: a `ZoomTx` commits as ONE ZooKeeper multi: model creates, versioned
 * `setData`s and deletes, their provenance ops, and table-directory creates or
 * deletes. A version conflict surfaces as ZkError BAD_VERSION (the caller
 * re-reads and retries, as ZOOM does up to `transaction_attempts`).
 */
import type { TopologyClassKey } from '../../simulation/topology/objects.js';
import { CLASS_OF } from '../../simulation/topology/objects.js';
import { topologyObjectFromText, topologyObjectToText, type TopologyObject } from './proto-objects.js';
import { createProvenance, updateProvenanceBytes, ZoomChange, ZoomOwner, type ZoomProduct } from './zoom-object.js';
import { isZkError, type ZkClient, type ZkOp } from './zk/index.js';

/** The nil UUID: state namespace of the cluster. */
export const CLUSTER_NAMESPACE = '00000000-0000-0000-0000-000000000000';

/** What this agent writes into provenance entries. */
export const AGENT_PRODUCT: ZoomProduct = Object.freeze({ version: '5.6.0', commit: 'midolman-ts' });

/** Replicated state tables registered per class (MidonetBackendModule). */
export const ZOOM_TABLES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  Network: ['mac_table', 'ip4_mac_table'],
  Router: ['arp_table'],
  Port: ['peering_table'],
});

const EMPTY = new Uint8Array(0);

export class ZoomPaths {
  readonly zoom: string;
  constructor(readonly root: string) {
    this.zoom = `${root}/zoom/0`;
  }
  models(cls: string): string { return `${this.zoom}/models/${cls}`; }
  model(cls: string, id: string): string { return `${this.zoom}/models/${cls}/${id}`; }
  objects(cls: string): string { return `${this.zoom}/objects/${cls}`; }
  object(cls: string, id: string): string { return `${this.zoom}/objects/${cls}/${id}`; }
  stateClass(ns: string, cls: string): string { return `${this.zoom}/state/${ns}/${cls}`; }
  stateObject(ns: string, cls: string, id: string): string { return `${this.zoom}/state/${ns}/${cls}/${id}`; }
  stateKey(ns: string, cls: string, id: string, key: string): string {
    return `${this.zoom}/state/${ns}/${cls}/${id}/${key}`;
  }
  tablesClass(cls: string): string { return `${this.zoom}/tables/${cls}`; }
  tables(cls: string, id: string): string { return `${this.zoom}/tables/${cls}/${id}`; }
  table(cls: string, id: string, name: string, args: readonly string[] = []): string {
    return [`${this.zoom}/tables/${cls}/${id}/${name}`, ...args].join('/');
  }
  locks(): string { return `${this.zoom}/locks`; }
  config(): string { return `${this.root}/config`; }
}

/** Every ZOOM class a topology file can hold, by proto name. */
export const ZOOM_CLASSES: readonly string[] = Object.freeze(Object.values(CLASS_OF));

export interface ZoomRead<K extends TopologyClassKey> {
  readonly obj: TopologyObject<K>;
  readonly version: number;
}

export class Zoom {
  readonly paths: ZoomPaths;
  constructor(readonly zk: ZkClient, root: string) {
    this.paths = new ZoomPaths(root);
  }

  /** The persistent skeleton a backend expects: models/, objects/, tables/, state/{ns}/, locks. */
  async ensureLayout(namespace?: string, classes: readonly string[] = ZOOM_CLASSES): Promise<void> {
    for (const cls of classes) {
      await this.zk.mkdirs(this.paths.models(cls));
      await this.zk.mkdirs(this.paths.objects(cls));
      if (ZOOM_TABLES[cls] !== undefined) await this.zk.mkdirs(this.paths.tablesClass(cls));
      if (namespace !== undefined) await this.zk.mkdirs(this.paths.stateClass(namespace, cls));
    }
    await this.zk.mkdirs(`${this.paths.locks()}/zoom-topology`);
  }

  /** The object and its version, or null when the model node does not exist. Throws ProtoError on bad text. */
  async read<K extends TopologyClassKey>(key: K, id: string): Promise<ZoomRead<K> | null> {
    try {
      const { data, stat } = await this.zk.get(this.paths.model(CLASS_OF[key], id));
      return { obj: topologyObjectFromText(key, data), version: stat.version };
    } catch (e) {
      if (isZkError(e, 'NO_NODE')) return null;
      throw e;
    }
  }

  async ids(cls: string): Promise<string[]> {
    try {
      return (await this.zk.getChildren(this.paths.models(cls))).children;
    } catch (e) {
      if (isZkError(e, 'NO_NODE')) return [];
      throw e;
    }
  }

  tx(product: ZoomProduct = AGENT_PRODUCT): ZoomTx {
    return new ZoomTx(this, product);
  }
}

type Pending =
  | { kind: 'create'; cls: string; id: string; text: string; owner: number; change: number }
  | {
    kind: 'update'; cls: string; id: string; text: string; version: number; owner: number; change: number;
    prov: ProvenanceNode | null | undefined;
  }
  | { kind: 'delete'; cls: string; id: string; version: number };

/** One ZOOM transaction; `commit()` sends it as a single multi. */
export class ZoomTx {
  private readonly pending: Pending[] = [];
  constructor(private readonly zoom: Zoom, private readonly product: ZoomProduct) {}

  /** `change`: DATA, or DATA|BACK_REFERENCE for an object that also got a back-reference in this transaction. */
  create<K extends TopologyClassKey>(
    key: K, obj: TopologyObject<K>, owner: number = ZoomOwner.NONE, change: number = ZoomChange.DATA,
  ): this {
    this.pending.push({ kind: 'create', cls: CLASS_OF[key], id: obj.id, text: topologyObjectToText(key, obj), owner, change });
    return this;
  }

  /**
   * `version` = the model node version the object was read at. `prov`: the
   * provenance node as read with the object (null = known absent), so that
   * `ops()` need not read it again; omitted, it is read when the multi is built.
   */
  update<K extends TopologyClassKey>(
    key: K, obj: TopologyObject<K>, version: number,
    owner: number = ZoomOwner.NONE, change: number = ZoomChange.DATA, prov?: ProvenanceNode | null,
  ): this {
    this.pending.push({
      kind: 'update', cls: CLASS_OF[key], id: obj.id, text: topologyObjectToText(key, obj), version, owner, change, prov,
    });
    return this;
  }

  delete(key: TopologyClassKey, id: string, version: number): this {
    this.pending.push({ kind: 'delete', cls: CLASS_OF[key], id, version });
    return this;
  }

  get size(): number {
    return this.pending.length;
  }

  /** Builds the multi (reads provenance and table trees first) and commits it. */
  async commit(): Promise<void> {
    if (this.pending.length === 0) return;
    await this.zoom.zk.multi(await this.ops());
  }

  async ops(): Promise<ZkOp[]> {
    const p = this.zoom.paths;
    const zk = this.zoom.zk;
    const ops: ZkOp[] = [];
    const enc = new TextEncoder();
    for (const w of this.pending) {
      if (w.kind === 'create') {
        ops.push({ op: 'create', path: p.model(w.cls, w.id), data: enc.encode(w.text) });
        ops.push({
          op: 'create', path: p.object(w.cls, w.id),
          data: createProvenance(this.product, w.owner, w.change, 0),
        });
        const tables = ZOOM_TABLES[w.cls];
        if (tables !== undefined) {
          ops.push({ op: 'create', path: p.tables(w.cls, w.id), data: EMPTY });
          for (const t of tables) ops.push({ op: 'create', path: p.table(w.cls, w.id, t), data: EMPTY });
        }
      } else if (w.kind === 'update') {
        ops.push({ op: 'set', path: p.model(w.cls, w.id), data: enc.encode(w.text), version: w.version });
        const prov = w.prov !== undefined ? w.prov : await getOrNull(zk, p.object(w.cls, w.id));
        if (prov === null) {
          ops.push({
            op: 'create', path: p.object(w.cls, w.id),
            data: createProvenance(this.product, w.owner, w.change, w.version + 1),
          });
        } else {
          const next = updateProvenanceBytes(prov.data, this.product, w.owner, w.change, w.version + 1);
          if (next !== null) ops.push({ op: 'set', path: p.object(w.cls, w.id), data: next, version: prov.version });
        }
      } else {
        ops.push({ op: 'delete', path: p.model(w.cls, w.id), version: w.version });
        if ((await getOrNull(zk, p.object(w.cls, w.id))) !== null) {
          ops.push({ op: 'delete', path: p.object(w.cls, w.id), version: -1 });
        }
        if (ZOOM_TABLES[w.cls] !== undefined) {
          for (const path of await subtreeBottomUp(zk, p.tables(w.cls, w.id))) ops.push({ op: 'delete', path, version: -1 });
        }
      }
    }
    return ops;
  }
}

/** A provenance node's bytes and ZooKeeper data version. */
export interface ProvenanceNode {
  readonly data: Uint8Array;
  readonly version: number;
}

async function getOrNull(zk: ZkClient, path: string): Promise<{ data: Buffer; version: number } | null> {
  try {
    const r = await zk.get(path);
    return { data: r.data, version: r.stat.version };
  } catch (e) {
    if (isZkError(e, 'NO_NODE')) return null;
    throw e;
  }
}

/** Every node under and including `path`, children before parents ([] if absent). */
export async function subtreeBottomUp(zk: ZkClient, path: string): Promise<string[]> {
  let children: string[];
  try {
    children = (await zk.getChildren(path)).children;
  } catch (e) {
    if (isZkError(e, 'NO_NODE')) return [];
    throw e;
  }
  const out: string[] = [];
  for (const c of children) out.push(...(await subtreeBottomUp(zk, `${path}/${c}`)));
  out.push(path);
  return out;
}
