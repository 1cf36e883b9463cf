/**
 * Writing a topology file into ZooKeeper (`midolman topology import`, and the
 * tests and benchmarks that need a topology in ZOOM).
 *
 * Import writes what MidoNet's own ZOOM writer would write for a sequence of
 * creates of the file's objects, back-references included:
 *  1. Relations are gathered from both sides of every binding (zoom-bindings.ts):
 *     `Port.network_id = N` and `Network N .port_ids = [P]` state the same
 *     relation, counted once; one stated on either side is enough.
 *  2. Objects are created class by class, referenced classes first (for each
 *     binding the class holding the back-reference side, by field number ≥ 101
 *     or else the repeated side; cycles such as Port ↔ Mirror broken in
 *     CLASS_OF order), file order within a class. Each object is created
 *     holding only the relations whose other end already exists; the others
 *     are written into it as back-references when the other end is created.
 *     So a repeated field lists first the ids the object itself named that
 *     were created before it, then later objects in their creation order: an
 *     exported file re-imports to the same reference SETS, not always the same
 *     order (export sorts objects by id).
 *  3. Everything is checked before anything is written: an object already in
 *     ZooKeeper, a binding reference to an id that is neither in the file nor
 *     in ZooKeeper, a scalar reference field that would hold two ids, or one
 *     of an existing object that is already set, fail the import naming the
 *     object, field and id (TopologyImportError, exit 1). References outside
 *     bindings (rule conditions, jump chains) are not checked, as ZOOM does not.
 * Objects are written in commits of at most `batch` created objects, each ONE
 * multi (ZoomTransaction); a later commit updates the objects of earlier ones
 * with versioned sets. Provenance owner: IMPORT_OWNER (CLUSTER_API: the
 * import stands in for the REST API that would have written the objects).
 */
import {
  CLASS_OF,
  emptyTopologyObjects,
  TOPOLOGY_CLASS_KEYS,
  type TopologyClassKey,
  type TopologyObjects,
} from '../../simulation/topology/objects.js';
import type { TopologyObject } from './proto-objects.js';
import { messageType } from './proto/index.js';
import type { Zoom } from './zoom.js';
import { bindingsOf, DECLARED_BINDINGS, type DeclaredBinding, type FieldBinding } from './zoom-bindings.js';
import { ZoomOwner } from './zoom-object.js';
import { forwardRefs, ZoomTransaction, type ZoomSnapshot } from './zoom-transaction.js';

export const IMPORT_BATCH = 100;
export const IMPORT_OWNER: number = ZoomOwner.CLUSTER_API;

/** Import refused before writing: every problem found, one per line. */
export class TopologyImportError extends Error {
  readonly mmCode = 'MM_ERR_TOPOLOGY_IMPORT';
  constructor(readonly problems: readonly string[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} problems:\n  ${problems.join('\n  ')}`);
    this.name = 'TopologyImportError';
  }
}

type Obj = Readonly<Record<string, unknown>> & { readonly id: string };

const backRefNumber = 101;

/** Which side of a binding holds the back-reference (its class is created first), or null if undecided. */
function backSide(d: DeclaredBinding): 'a' | 'b' | null {
  const fa = messageType(CLASS_OF[d.a.key]).byName.get(d.a.field);
  const fb = messageType(CLASS_OF[d.b.key]).byName.get(d.b.field);
  if (fa === undefined || fb === undefined) return null;
  const ba = fa.number >= backRefNumber;
  const bb = fb.number >= backRefNumber;
  if (ba !== bb) return ba ? 'a' : 'b';
  const ra = fa.label === 'repeated';
  const rb = fb.label === 'repeated';
  if (ra !== rb) return ra ? 'a' : 'b';
  return null;
}

/** Creation order of the classes: see the module comment. */
export const IMPORT_CLASS_ORDER: readonly TopologyClassKey[] = Object.freeze((() => {
  const needs = new Map<TopologyClassKey, Set<TopologyClassKey>>(TOPOLOGY_CLASS_KEYS.map((k) => [k, new Set()]));
  for (const d of DECLARED_BINDINGS) {
    const back = d.a.key === d.b.key ? null : backSide(d);
    if (back === 'a') needs.get(d.b.key)?.add(d.a.key);
    else if (back === 'b') needs.get(d.a.key)?.add(d.b.key);
  }
  const order: TopologyClassKey[] = [];
  const left = [...TOPOLOGY_CLASS_KEYS];
  while (left.length > 0) {
    let i = left.findIndex((k) => [...(needs.get(k) ?? [])].every((n) => order.includes(n)));
    if (i < 0) i = 0; // a cycle: take the first class left
    order.push(...left.splice(i, 1));
  }
  return order;
})());

export interface PlannedObject {
  readonly key: TopologyClassKey;
  /** As it is created: binding fields hold only ids that exist by then. */
  readonly obj: Obj;
}

const tag = (key: TopologyClassKey, id: string): string => `${key}/${id}`;
const name = (key: TopologyClassKey, id: string): string => `${CLASS_OF[key]} ${id}`;

/** The file's relations, gathered from both sides (pure). */
interface Gathered {
  readonly items: readonly { readonly key: TopologyClassKey; readonly obj: Obj }[];
  /** Object tag → index in `items` (creation order). */
  readonly position: ReadonlyMap<string, number>;
  /** Object tag → field → the ids it will hold once every relation is written. */
  readonly lists: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;
  /** Objects already in ZooKeeper that relations reach. */
  readonly existingReached: readonly { readonly key: TopologyClassKey; readonly id: string }[];
  readonly problems: readonly string[];
}

function gather(objects: TopologyObjects, exists: (key: TopologyClassKey, id: string) => boolean): Gathered {
  const problems: string[] = [];
  const items: { key: TopologyClassKey; obj: Obj }[] = [];
  const position = new Map<string, number>();
  for (const key of IMPORT_CLASS_ORDER) {
    for (const obj of objects[key] as readonly Obj[]) {
      const t = tag(key, obj.id);
      if (position.has(t)) problems.push(`${name(key, obj.id)} appears twice in the file`);
      else position.set(t, items.length);
      if (exists(key, obj.id)) problems.push(`${name(key, obj.id)} is already in ZooKeeper`);
      items.push({ key, obj });
    }
  }
  const seen = new Set<string>();
  const lists = new Map<string, Map<string, string[]>>();
  const push = (t: string, field: string, id: string): void => {
    let m = lists.get(t);
    if (m === undefined) lists.set(t, (m = new Map()));
    const l = m.get(field);
    if (l === undefined) m.set(field, [id]);
    else l.push(id);
  };
  const reached = new Map<string, { key: TopologyClassKey; id: string }>();
  for (const { key, obj } of items) {
    for (const b of bindingsOf(key)) {
      for (const id of forwardRefs(obj, b.field)) {
        const inFile = position.has(tag(b.thatKey, id));
        if (!inFile && !exists(b.thatKey, id)) {
          problems.push(`${name(key, obj.id)} ${b.field}: ${name(b.thatKey, id)} is neither in the file nor in ZooKeeper`);
          continue;
        }
        if (b.thatKey === key && id === obj.id) {
          problems.push(`${name(key, obj.id)} ${b.field}: refers to itself`);
          continue;
        }
        const rel = relationKey(b, obj.id, id);
        if (seen.has(rel)) continue;
        seen.add(rel);
        push(tag(key, obj.id), b.field, id);
        push(tag(b.thatKey, id), b.thatField, obj.id);
        if (!inFile) reached.set(tag(b.thatKey, id), { key: b.thatKey, id });
      }
    }
  }
  for (const { key, obj } of items) {
    for (const b of bindingsOf(key)) {
      const l = lists.get(tag(key, obj.id))?.get(b.field) ?? [];
      if (!b.repeated && l.length > 1) {
        problems.push(`${name(key, obj.id)} ${b.field}: would refer to ${l.join(' and ')}; it holds one id`);
      }
    }
  }
  return { items, position, lists, existingReached: [...reached.values()], problems };
}

/** The creates: each object holding only the relations whose other end exists by then. */
function creates(g: Gathered): PlannedObject[] {
  return g.items.map(({ key, obj }, at) => {
    const mine = g.lists.get(tag(key, obj.id));
    const out: Record<string, unknown> = { ...obj };
    for (const b of bindingsOf(key)) {
      const ids = (mine?.get(b.field) ?? []).filter((id) => (g.position.get(tag(b.thatKey, id)) ?? -1) < at);
      if (ids.length === 0) delete out[b.field];
      else out[b.field] = b.repeated ? ids : ids[0];
    }
    return { key, obj: out as Obj };
  });
}

/**
 * The creates that give the file's relations, in order; throws TopologyImportError
 * listing every problem. Reads ZooKeeper (ids per class, reached existing objects), writes nothing.
 */
export async function planImport(zoom: Zoom, objects: TopologyObjects): Promise<PlannedObject[]> {
  const existing = new Map<TopologyClassKey, Set<string>>(await Promise.all(TOPOLOGY_CLASS_KEYS.map(
    async (k) => [k, new Set(await zoom.ids(CLASS_OF[k]))] as const,
  )));
  const g = gather(objects, (key, id) => existing.get(key)?.has(id) ?? false);
  const problems = [...g.problems];
  // Existing objects that will receive a back-reference: their scalar fields must be free.
  const reads = await Promise.all(g.existingReached.map(async (r) => ({ ...r, read: await zoom.read(r.key, r.id) })));
  for (const { key, id, read } of reads) {
    const cur = read?.obj as Obj | undefined;
    for (const [field, l] of g.lists.get(tag(key, id)) ?? []) {
      const b = bindingsOf(key).find((x) => x.field === field);
      if (b === undefined || b.repeated || cur === undefined) continue;
      const have = cur[field];
      if (typeof have === 'string' || l.length > 1) {
        problems.push(`${name(key, id)} ${field}: already refers to ${typeof have === 'string' ? have : l[0]}; cannot also refer to ${l.join(', ')}`);
      }
    }
  }
  if (problems.length > 0) throw new TopologyImportError(problems);
  return creates(g);
}

/**
 * What importing `objects` into an empty root leaves in ZOOM, back-references
 * and their order included (pure; the same creates, applied in memory). Each
 * class keeps the file's object order. Throws TopologyImportError like the import.
 */
export function importedTopology(objects: TopologyObjects): TopologyObjects {
  const g = gather(objects, () => false);
  if (g.problems.length > 0) throw new TopologyImportError(g.problems);
  const made = new Map<string, Record<string, unknown>>();
  for (const { key, obj } of creates(g)) {
    made.set(tag(key, obj.id), { ...obj });
    for (const b of bindingsOf(key)) {
      for (const id of forwardRefs(obj, b.field)) {
        const that = made.get(tag(b.thatKey, id));
        if (that === undefined) continue;
        that[b.thatField] = b.thatRepeated ? [...((that[b.thatField] as string[] | undefined) ?? []), obj.id] : obj.id;
      }
    }
  }
  const out = emptyTopologyObjects() as unknown as Record<TopologyClassKey, unknown[]>;
  for (const key of TOPOLOGY_CLASS_KEYS) {
    for (const obj of objects[key] as readonly Obj[]) out[key].push(made.get(tag(key, obj.id)));
  }
  return out as unknown as TopologyObjects;
}

/** One key per relation whichever side states it (a self-binding's two ends are interchangeable). */
function relationKey(b: FieldBinding, thisId: string, thatId: string): string {
  const d = b.binding;
  if (d.a.key === d.b.key && d.a.field === d.b.field) {
    return thisId < thatId ? `${d.index}|${thisId}|${thatId}` : `${d.index}|${thatId}|${thisId}`;
  }
  const thisIsA = b.key === d.a.key && b.field === d.a.field;
  return thisIsA ? `${d.index}|${thisId}|${thatId}` : `${d.index}|${thatId}|${thisId}`;
}

/**
 * Writes every object with its back-references (see the module comment);
 * resolves with the number created. Throws TopologyImportError before
 * writing anything, or a ZoomError / ZkError from a commit (earlier commits stay).
 */
export async function importTopology(zoom: Zoom, objects: TopologyObjects, batch = IMPORT_BATCH): Promise<number> {
  const plan = await planImport(zoom, objects);
  await zoom.ensureLayout();
  const size = Math.max(1, batch);
  // What earlier commits wrote, so that later ones need not read it back.
  const carry = new Map<string, ZoomSnapshot>();
  for (let start = 0; start < plan.length; start += size) {
    const slice = plan.slice(start, start + size);
    const here = new Set(slice.map((p) => tag(p.key, p.obj.id)));
    const tx = new ZoomTransaction(zoom, { owner: IMPORT_OWNER, carry });
    // Objects this batch refers to that earlier batches or ZooKeeper hold: read them concurrently.
    const refs = new Map<string, { key: TopologyClassKey; id: string }>();
    for (const { key, obj } of slice) {
      for (const b of bindingsOf(key)) {
        for (const id of forwardRefs(obj, b.field)) {
          const t = tag(b.thatKey, id);
          if (!here.has(t)) refs.set(t, { key: b.thatKey, id });
        }
      }
    }
    await tx.prefetch([...refs.values()]);
    for (const { key, obj } of slice) await tx.create(key, obj as unknown as TopologyObject<typeof key>);
    await tx.commit();
  }
  return plan.length;
}
