/**
 * Reading a whole topology out of ZooKeeper (`midolman topology export`): every
 * model node of every topology class, ids sorted. A node that does not decode
 * is logged and left out, and named in `skipped`; ZooKeeper errors propagate.
 */
import {
  CLASS_OF,
  emptyTopologyObjects,
  TOPOLOGY_CLASS_KEYS,
  type TopologyClassKey,
  type TopologyObjects,
} from '../../simulation/topology/objects.js';
import type { TopologyObject } from './proto-objects.js';
import type { Zoom } from './zoom.js';
import { isZkError } from './zk/index.js';
import { child } from '../runtime/log.js';

export interface ExportResult {
  readonly objects: TopologyObjects;
  /** `Class/id` of model nodes that did not decode. */
  readonly skipped: readonly string[];
}

export async function exportTopology(zoom: Zoom): Promise<ExportResult> {
  const out = emptyTopologyObjects() as unknown as Record<TopologyClassKey, TopologyObject<TopologyClassKey>[]>;
  const skipped: string[] = [];
  const log = child('topology-export');
  for (const key of TOPOLOGY_CLASS_KEYS) {
    const ids = (await zoom.ids(CLASS_OF[key])).sort();
    const reads = await Promise.all(ids.map(async (id) => {
      try {
        return await zoom.read(key, id);
      } catch (e) {
        if (isZkError(e)) throw e;
        log.error({ cls: CLASS_OF[key], id, err: e instanceof Error ? e.message : String(e) }, 'skipping an object that does not decode');
        skipped.push(`${CLASS_OF[key]}/${id}`);
        return null;
      }
    }));
    for (const r of reads) if (r !== null) out[key].push(r.obj);
  }
  return { objects: out as unknown as TopologyObjects, skipped };
}
