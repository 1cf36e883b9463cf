/**
 * A ZOOM transaction that keeps bindings (zoom-bindings.ts) in sync, as
 * MidoNet's TransactionManager does: one object written by the caller may
 * change several others, and all of it commits as ONE ZooKeeper multi.
 *
 * Words:
 *  - snapshot: an object as this transaction sees it (read once from
 *    ZooKeeper with its model version and provenance node, then the cached
 *    copy with this transaction's changes applied). States: present, deleted
 *    (by this transaction) and absent (not in ZooKeeper).
 *  - op: what the multi will do per object, in first-touched order: create
 *    (with change bits), update (with the version it was read at, so a
 *    concurrent writer makes the multi fail BAD_VERSION) or delete.
 *  - change bits (ZoomChange): DATA for what the caller wrote, BACK_REFERENCE
 *    for what a binding wrote. An object created here that also receives a
 *    back-reference stays a create with DATA|BACK_REFERENCE; an updated one
 *    ORs the bits. Provenance carries them with this transaction's owner.
 *
 * Semantics (ProtoFieldBinding + TransactionManager):
 *  - create: every forward reference of every binding of the class adds a
 *    back-reference to the referenced object, which must exist (NotFound
 *    naming the referrer and field) unless this transaction deleted it (then
 *    it is skipped). Repeated back-reference fields append (duplicates kept);
 *    a scalar one already set is a ReferenceConflict. Creating an object this
 *    transaction deleted turns the delete into an update.
 *  - update: per binding, references removed since the snapshot clear their
 *    back-reference, added ones add it (multiset difference).
 *  - delete: per binding, each distinct referenced object not already deleted
 *    gets the binding's action: CLEAR (remove the FIRST matching id of a
 *    repeated field, or the scalar when equal), CASCADE (delete it too), ERROR
 *    (ObjectReferenced). Deleting an object created here drops its create.
 *  - an object created here that already exists in ZooKeeper is only found at
 *    commit (ZOOM does not read before create): the multi's NODE_EXISTS
 *    becomes ObjectExists.
 * Calls must not overlap (await each); after a throw the transaction is
 * unusable except for reading, as in ZOOM where the caller abandons it.
 */
import { CLASS_OF, type TopologyClassKey } from '../../simulation/topology/objects.js';
import type { TopologyObject } from './proto-objects.js';
import { bindingsOf, type FieldBinding } from './zoom-bindings.js';
import { ZoomChange, ZoomOwner } from './zoom-object.js';
import { AGENT_PRODUCT, type ProvenanceNode, type Zoom } from './zoom.js';
import { isZkError, type ZkOp } from './zk/index.js';
import type { ZoomProduct } from './zoom-object.js';

type Obj = Readonly<Record<string, unknown>> & { readonly id: string };

export class ZoomError extends Error {
  constructor(readonly mmCode: string, message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The object does not exist; `referrer` names the object and field whose reference led here. */
export class ZoomNotFoundError extends ZoomError {
  constructor(
    readonly cls: string, readonly id: string,
    readonly referrer?: { readonly cls: string; readonly id: string; readonly field: string },
  ) {
    super('MM_ERR_ZOOM_NOT_FOUND', referrer === undefined
      ? `${cls} ${id} does not exist`
      : `${referrer.cls} ${referrer.id} ${referrer.field}: ${cls} ${id} does not exist`);
  }
}

/** A scalar back-reference field is already set (even to the same id, as in ZOOM). */
export class ZoomReferenceConflictError extends ZoomError {
  constructor(
    readonly cls: string, readonly id: string, readonly field: string,
    readonly referrerCls: string, readonly referrerId: string, readonly current: string,
  ) {
    super('MM_ERR_ZOOM_REFERENCE_CONFLICT',
      `${cls} ${id} ${field} already refers to ${current}; cannot refer to ${referrerCls} ${referrerId}`);
  }
}

export class ZoomObjectExistsError extends ZoomError {
  constructor(readonly cls: string, readonly id: string) {
    super('MM_ERR_ZOOM_OBJECT_EXISTS', `${cls} ${id} already exists`);
  }
}

/** Delete refused by an ERROR binding while `cls id` still refers to `referencedCls referencedId`. */
export class ZoomObjectReferencedError extends ZoomError {
  constructor(
    readonly cls: string, readonly id: string, readonly referencedCls: string, readonly referencedId: string,
  ) {
    super('MM_ERR_ZOOM_OBJECT_REFERENCED',
      `cannot delete ${cls} ${id}: it is referenced by ${referencedCls} ${referencedId}`);
  }
}

/** An object as a transaction saw it (exported for `ZoomTransactionOptions.carry`). */
export interface ZoomSnapshot {
  readonly state: 'present' | 'deleted' | 'absent';
  readonly obj: Obj | null;
  /** Model version read (-1 for an object created here). */
  readonly version: number;
  readonly prov: ProvenanceNode | null;
}

type Op =
  | { readonly kind: 'create'; readonly change: number }
  | { readonly kind: 'update'; readonly version: number; readonly change: number }
  | { readonly kind: 'delete'; readonly version: number; readonly change: number };

export interface ZoomTransactionOptions {
  /** ZoomOwner written into provenance; default NONE. */
  readonly owner?: number;
  readonly product?: ZoomProduct;
  /**
   * Snapshots carried from one transaction to the next by a single writer
   * (the topology import): read before ZooKeeper, and refreshed after a
   * commit with what it wrote (new versions and provenance). A stale entry
   * only costs a BAD_VERSION at commit, as any concurrent write does.
   */
  readonly carry?: Map<string, ZoomSnapshot>;
}

const NEW_OBJECT_VERSION = -1;
const EMPTY_IDS: readonly string[] = Object.freeze([]);

/** The ids a binding's field holds on `obj`, in field order. */
export function forwardRefs(obj: Obj, field: string): readonly string[] {
  const v = obj[field];
  if (v === undefined || v === null) return EMPTY_IDS;
  if (Array.isArray(v)) return v as string[];
  return [v as string];
}

/** Removes each element of `minus` once from `from` (Scala Buffer `--`). */
function multisetMinus(from: readonly string[], minus: readonly string[]): string[] {
  const left = [...from];
  for (const x of minus) {
    const i = left.indexOf(x);
    if (i >= 0) left.splice(i, 1);
  }
  return left;
}

export class ZoomTransaction {
  private readonly cache = new Map<string, ZoomSnapshot>();
  private readonly ops = new Map<string, { readonly key: TopologyClassKey; readonly id: string; op: Op }>();
  private readonly owner: number;
  private readonly product: ZoomProduct;
  private committed = false;
  private readonly carry: Map<string, ZoomSnapshot> | undefined;

  constructor(private readonly zoom: Zoom, opts: ZoomTransactionOptions = {}) {
    this.owner = opts.owner ?? ZoomOwner.NONE;
    this.product = opts.product ?? AGENT_PRODUCT;
    this.carry = opts.carry;
  }

  /** Number of objects this transaction writes. */
  get size(): number {
    return this.ops.size;
  }

  /** The object as this transaction sees it, or null (absent or deleted here). */
  async get<K extends TopologyClassKey>(key: K, id: string): Promise<TopologyObject<K> | null> {
    const s = await this.snapshot(key, id);
    return s.obj as TopologyObject<K> | null;
  }

  /** Reads the objects not cached yet, concurrently (at most `parallel` at once). */
  async prefetch(refs: readonly { readonly key: TopologyClassKey; readonly id: string }[], parallel = 64): Promise<void> {
    const todo = refs.filter((r) => !this.cache.has(tag(r.key, r.id)) && this.carry?.has(tag(r.key, r.id)) !== true);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < todo.length) {
        const r = todo[next++];
        if (r !== undefined) await this.snapshot(r.key, r.id);
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, todo.length) }, worker));
  }

  async create<K extends TopologyClassKey>(key: K, object: TopologyObject<K>): Promise<void> {
    this.open();
    const obj = object as unknown as Obj;
    const k = tag(key, obj.id);
    const cur = this.cache.get(k);
    if (cur?.state === 'present') throw new ZoomObjectExistsError(CLASS_OF[key], obj.id);
    const entry = this.ops.get(k);
    if (entry === undefined) {
      this.ops.set(k, { key, id: obj.id, op: { kind: 'create', change: ZoomChange.DATA } });
      this.cache.set(k, { state: 'present', obj, version: NEW_OBJECT_VERSION, prov: null });
    } else if (entry.op.kind === 'delete') {
      const { version, change } = entry.op;
      entry.op = { kind: 'update', version, change: change | ZoomChange.DATA };
      this.cache.set(k, { state: 'present', obj, version, prov: cur?.prov ?? null });
    } else {
      throw new ZoomObjectExistsError(CLASS_OF[key], obj.id);
    }
    for (const b of bindingsOf(key)) {
      for (const thatId of forwardRefs(obj, b.field)) await this.addBackReference(b, obj.id, thatId);
    }
  }

  async update<K extends TopologyClassKey>(key: K, object: TopologyObject<K>): Promise<void> {
    this.open();
    const obj = object as unknown as Obj;
    const snap = await this.snapshot(key, obj.id);
    if (snap.obj === null) throw new ZoomNotFoundError(CLASS_OF[key], obj.id);
    for (const b of bindingsOf(key)) {
      const before = forwardRefs(snap.obj, b.field);
      const after = forwardRefs(obj, b.field);
      for (const gone of multisetMinus(before, after)) await this.clearBackReference(b, obj.id, gone);
      for (const added of multisetMinus(after, before)) await this.addBackReference(b, obj.id, added);
    }
    this.updateCacheAndOp(key, obj.id, snap, obj, ZoomChange.DATA);
  }

  /** `ignoreMissing`: deleting an object that does not exist is a no-op (ZOOM's ignoresNeo). */
  async delete(key: TopologyClassKey, id: string, ignoreMissing = false): Promise<void> {
    this.open();
    const k = tag(key, id);
    let snap: ZoomSnapshot;
    try {
      snap = await this.snapshot(key, id);
    } catch (e) {
      if (e instanceof ZoomNotFoundError && ignoreMissing) return;
      throw e;
    }
    if (snap.obj === null) {
      if (ignoreMissing) return;
      throw new ZoomNotFoundError(CLASS_OF[key], id);
    }
    const entry = this.ops.get(k);
    if (entry === undefined) {
      this.ops.set(k, { key, id, op: { kind: 'delete', version: snap.version, change: ZoomChange.DATA } });
    } else if (entry.op.kind === 'create') {
      this.ops.delete(k);
    } else if (entry.op.kind === 'update') {
      entry.op = { kind: 'delete', version: entry.op.version, change: entry.op.change | ZoomChange.DATA };
    } else {
      throw new ZoomNotFoundError(CLASS_OF[key], id);
    }
    this.cache.set(k, { state: 'deleted', obj: null, version: snap.version, prov: snap.prov });
    for (const b of bindingsOf(key)) {
      for (const thatId of new Set(forwardRefs(snap.obj, b.field))) {
        if (this.ops.get(tag(b.thatKey, thatId))?.op.kind === 'delete') continue;
        if (b.onDeleteThis === 'ERROR') {
          throw new ZoomObjectReferencedError(CLASS_OF[key], id, CLASS_OF[b.thatKey], thatId);
        } else if (b.onDeleteThis === 'CLEAR') {
          await this.clearBackReference(b, id, thatId);
        } else {
          await this.delete(b.thatKey, thatId, ignoreMissing);
        }
      }
    }
  }

  /** Sends every op as one multi. NODE_EXISTS on a model create becomes ZoomObjectExistsError. */
  async commit(): Promise<void> {
    this.open();
    this.committed = true;
    const tx = this.zoom.tx(this.product);
    for (const { key, id, op } of this.ops.values()) {
      const snap = this.cache.get(tag(key, id));
      if (op.kind === 'delete') {
        tx.delete(key, id, op.version);
      } else if (snap === undefined || snap.obj === null) {
        throw new Error(`zoom transaction: no object for ${CLASS_OF[key]} ${id}`);
      } else if (op.kind === 'create') {
        tx.create(key, snap.obj as unknown as TopologyObject<typeof key>, this.owner, op.change);
      } else {
        tx.update(key, snap.obj as unknown as TopologyObject<typeof key>, op.version, this.owner, op.change, snap.prov);
      }
    }
    const ops = await tx.ops();
    try {
      if (ops.length > 0) await this.zoom.zk.multi(ops);
    } catch (e) {
      if (isZkError(e, 'NODE_EXISTS')) {
        const m = /\/models\/([^/]+)\/([^/]+)$/.exec(e.path);
        if (m?.[1] !== undefined && m[2] !== undefined) throw new ZoomObjectExistsError(m[1], m[2]);
      }
      throw e;
    }
    if (this.carry !== undefined) this.carryForward(ops);
  }

  // ---- internals

  /** Records what the committed multi left in ZooKeeper, for the next transaction. */
  private carryForward(ops: readonly ZkOp[]): void {
    const carry = this.carry;
    if (carry === undefined) return;
    const byPath = new Map(ops.map((o) => [o.path, o] as const));
    for (const [k, { key, id, op }] of this.ops) {
      const snap = this.cache.get(k);
      if (op.kind === 'delete' || snap === undefined || snap.obj === null) {
        carry.delete(k);
        continue;
      }
      const p = byPath.get(this.zoom.paths.object(CLASS_OF[key], id));
      const prov: ProvenanceNode | null = p?.op === 'create' ? { data: p.data, version: 0 }
        : p?.op === 'set' ? { data: p.data, version: p.version + 1 }
        : snap.prov;
      const version = op.kind === 'create' ? 0 : op.version + 1;
      carry.set(k, { state: 'present', obj: snap.obj, version, prov });
    }
  }

  private open(): void {
    if (this.committed) throw new Error('zoom transaction already committed');
  }

  /** Cached snapshot; reads model and provenance concurrently on a miss. Absent objects are cached as such. */
  private async snapshot(key: TopologyClassKey, id: string): Promise<ZoomSnapshot> {
    const k = tag(key, id);
    const hit = this.cache.get(k) ?? this.carry?.get(k);
    if (hit !== undefined) {
      this.cache.set(k, hit);
      return hit;
    }
    const zk = this.zoom.zk;
    const [model, prov] = await Promise.all([
      this.zoom.read(key, id),
      zk.get(this.zoom.paths.object(CLASS_OF[key], id)).then(
        (r): ProvenanceNode => ({ data: r.data, version: r.stat.version }),
        (e: unknown) => {
          if (isZkError(e, 'NO_NODE')) return null;
          throw e;
        },
      ),
    ]);
    // Another call may have filled the entry while we were reading.
    const raced = this.cache.get(k);
    if (raced !== undefined) return raced;
    const snap: ZoomSnapshot = model === null
      ? { state: 'absent', obj: null, version: NEW_OBJECT_VERSION, prov: null }
      : { state: 'present', obj: model.obj as unknown as Obj, version: model.version, prov };
    this.cache.set(k, snap);
    return snap;
  }

  /** The referenced object's snapshot; NotFound (naming the referrer) if it is not in ZooKeeper. */
  private async referenced(b: FieldBinding, thisId: string, thatId: string): Promise<ZoomSnapshot> {
    const snap = await this.snapshot(b.thatKey, thatId);
    if (snap.state === 'absent') {
      throw new ZoomNotFoundError(CLASS_OF[b.thatKey], thatId, { cls: CLASS_OF[b.key], id: thisId, field: b.field });
    }
    return snap;
  }

  private async addBackReference(b: FieldBinding, thisId: string, thatId: string): Promise<void> {
    const snap = await this.referenced(b, thisId, thatId);
    if (snap.obj === null) return; // deleted by this transaction: nothing to keep in sync
    const that = snap.obj;
    let next: Obj;
    if (b.thatRepeated) {
      next = { ...that, [b.thatField]: [...forwardRefs(that, b.thatField), thisId] };
    } else {
      const current = that[b.thatField];
      if (typeof current === 'string') {
        throw new ZoomReferenceConflictError(
          CLASS_OF[b.thatKey], thatId, b.thatField, CLASS_OF[b.key], thisId, current,
        );
      }
      next = { ...that, [b.thatField]: thisId };
    }
    this.updateCacheAndOp(b.thatKey, thatId, snap, next, ZoomChange.BACK_REFERENCE);
  }

  private async clearBackReference(b: FieldBinding, thisId: string, thatId: string): Promise<void> {
    const snap = await this.referenced(b, thisId, thatId);
    if (snap.obj === null) return;
    const that = snap.obj;
    let next: Obj = that;
    if (b.thatRepeated) {
      const list = [...forwardRefs(that, b.thatField)];
      const i = list.indexOf(thisId);
      if (i >= 0) list.splice(i, 1);
      next = withField(that, b.thatField, list.length === 0 ? undefined : list);
    } else if (that[b.thatField] === thisId) {
      next = withField(that, b.thatField, undefined);
    }
    // ZOOM rewrites the referenced object even when nothing was there to clear.
    this.updateCacheAndOp(b.thatKey, thatId, snap, next, ZoomChange.BACK_REFERENCE);
  }

  private updateCacheAndOp(key: TopologyClassKey, id: string, snap: ZoomSnapshot, obj: Obj, change: number): void {
    const k = tag(key, id);
    const entry = this.ops.get(k);
    if (entry === undefined) {
      this.ops.set(k, { key, id, op: { kind: 'update', version: snap.version, change } });
    } else if (entry.op.kind === 'create') {
      entry.op = { kind: 'create', change: entry.op.change | change };
    } else if (entry.op.kind === 'update') {
      entry.op = { kind: 'update', version: snap.version, change: entry.op.change | change };
    } else {
      throw new ZoomNotFoundError(CLASS_OF[key], id);
    }
    this.cache.set(k, { state: 'present', obj, version: snap.version, prov: snap.prov });
  }
}

function tag(key: TopologyClassKey, id: string): string {
  return `${key}/${id}`;
}

/** `obj` with `field` set, or removed when `value` is undefined (proto2 absence). */
function withField(obj: Obj, field: string, value: unknown): Obj {
  const out: Record<string, unknown> = { ...obj };
  if (value === undefined) delete out[field];
  else out[field] = value;
  return out as Obj;
}
