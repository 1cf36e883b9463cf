/**
 * ZoomObject: the provenance of a model object, kept BINARY at
 * `{root}/zoom/0/objects/{Class}/{id}` beside the text model node by MidoNet
 * ≥ 5.4.1 (spec nsdb.md §1.3). Each ZOOM write that creates or changes the object
 * records who wrote it (owner), which product version/commit, what changed
 * (data and/or back-references) and the model node's version after the write.
 *
 * Update rule (ZoomSerializer.updateProvenance): if the last entry has the same
 * owner, product version and product commit as this write, its change_type bits
 * are OR-ed with the new ones (change_version is left alone), and when they
 * already share a bit with the new change nothing is written (`null`, Java's
 * `(last & change) != 0` test); otherwise a new
 * entry is appended. Readers must tolerate a missing node (objects written by
 * older MidoNet versions have none).
 *
 * Contract: pure; `decodeZoomObject` throws ProtoBinaryError (MM_ERR_PROTO_BINARY)
 * for corrupt bytes; unknown fields of newer versions are kept and re-encoded.
 */
import { decodeBinary, encodeBinary } from './proto-binary.js';
import type { ProtoMessage } from './text-format.js';

/** Who made a change (ZoomMetadata.ZoomOwner). */
export const ZoomOwner = Object.freeze({
  NONE: 0,
  CLUSTER_API: 0x101,
  CLUSTER_NEUTRON: 0x102,
  CLUSTER_CONTAINERS: 0x103,
  AGENT_BINDING: 0x201,
  AGENT_HAPROXY: 0x202,
});

/** What changed, as bits (ZoomMetadata.ZoomChange). */
export const ZoomChange = Object.freeze({
  DATA: 0x1,
  BACK_REFERENCE: 0x2,
});

export interface ZoomProvenance {
  readonly product_version?: string;
  readonly product_commit?: string;
  readonly change_owner?: number;
  readonly change_type?: number;
  readonly change_version?: number;
  /** Fields of a newer schema, kept raw (`#bin <hex>`) for re-encoding. */
  readonly unknown?: readonly string[];
}

export interface ZoomObject {
  readonly provenance: readonly ZoomProvenance[];
  readonly unknown?: readonly string[];
}

/** The product identity this agent writes into provenance entries. */
export interface ZoomProduct {
  readonly version: string;
  readonly commit: string;
}

export function encodeZoomObject(obj: ZoomObject): Uint8Array {
  return encodeBinary('ZoomObject', obj as unknown as ProtoMessage);
}

export function decodeZoomObject(bytes: Uint8Array): ZoomObject {
  const m = decodeBinary('ZoomObject', bytes) as unknown as { provenance?: ZoomProvenance[]; unknown?: string[] };
  return m.unknown === undefined
    ? { provenance: m.provenance ?? [] }
    : { provenance: m.provenance ?? [], unknown: m.unknown };
}

function entry(product: ZoomProduct, owner: number, change: number, version: number): ZoomProvenance {
  return {
    product_version: product.version,
    product_commit: product.commit,
    change_owner: owner,
    change_type: change,
    change_version: version,
  };
}

/** Provenance bytes for a newly created object (`version` is 0 on create). */
export function createProvenance(product: ZoomProduct, owner: number, change: number, version = 0): Uint8Array {
  return encodeZoomObject({ provenance: [entry(product, owner, change, version)] });
}

/**
 * The provenance after a write, or `null` when it does not change (same
 * owner/product as the last entry and its change_type shares a bit with `change`).
 */
export function updateProvenance(
  current: ZoomObject, product: ZoomProduct, owner: number, change: number, version: number,
): ZoomObject | null {
  const list = current.provenance;
  const last = list[list.length - 1];
  if (
    last !== undefined &&
    (last.change_owner ?? 0) === owner &&
    (last.product_version ?? '') === product.version &&
    (last.product_commit ?? '') === product.commit
  ) {
    const bits = last.change_type ?? 0;
    if ((bits & change) !== 0) return null;
    return { ...current, provenance: [...list.slice(0, -1), { ...last, change_type: bits | change }] };
  }
  return { ...current, provenance: [...list, entry(product, owner, change, version)] };
}

/** `updateProvenance` on bytes, as the ZOOM writer uses it inside a multi. */
export function updateProvenanceBytes(
  current: Uint8Array, product: ZoomProduct, owner: number, change: number, version: number,
): Uint8Array | null {
  const next = updateProvenance(decodeZoomObject(current), product, owner, change, version);
  return next === null ? null : encodeZoomObject(next);
}
