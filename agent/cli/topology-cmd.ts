/**
 * `midolman topology import T.json` and `midolman topology export [FILE]`:
 * move a topology between the JSON topology file and ZooKeeper in ZOOM format
 * (protobuf text models, binary provenance in objects/, table directories).
 *
 * Import writes objects as the topology file has them, back-reference fields
 * included, in commits of at most `IMPORT_BATCH` objects, each commit ONE
 * multi (so a failed commit leaves nothing half-written); an object that
 * already exists fails the command (exit 1) naming it. Export reads every
 * model node of every topology class; a node that does not decode is logged
 * and left out (exit 3 if any was). ZooKeeper settings are read like the
 * agent's (env, then /etc/midolman/midolman.conf).
 *
 * Exit codes: 0 ok, 1 bad command or data, 2 ZooKeeper unreachable, 3 some
 * objects skipped on export.
 */
import { writeFileSync } from 'node:fs';
import {
  CLASS_OF,
  emptyTopologyObjects,
  TOPOLOGY_CLASS_KEYS,
  type TopologyClassKey,
  type TopologyObjects,
} from '../../simulation/topology/objects.js';
import type { TopologyObject } from '../nsdb/proto-objects.js';
import { Zoom } from '../nsdb/zoom.js';
import { createZkClient, isZkError } from '../nsdb/zk/index.js';
import { zkBootstrap, type BootstrapOptions } from '../runtime/config.js';
import { child } from '../runtime/log.js';
import { formatTopologyFile, loadTopologyFile, TopologyFileError } from '../topology-file/index.js';

export const IMPORT_BATCH = 100;

/** Writes every object; resolves with the number written. Throws ZkError (NODE_EXISTS names the object). */
export async function importTopology(zoom: Zoom, objects: TopologyObjects, batch = IMPORT_BATCH): Promise<number> {
  await zoom.ensureLayout();
  let tx = zoom.tx();
  let n = 0;
  for (const key of TOPOLOGY_CLASS_KEYS) {
    for (const obj of objects[key] as readonly TopologyObject<TopologyClassKey>[]) {
      tx.create(key, obj);
      n++;
      if (tx.size >= batch) {
        await tx.commit();
        tx = zoom.tx();
      }
    }
  }
  await tx.commit();
  return n;
}

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

function usage(): number {
  process.stderr.write('usage: midolman topology import FILE.json | midolman topology export [FILE.json]\n');
  return 1;
}

/** argv: the words after `topology`. */
export async function topologyCommand(argv: readonly string[], opts: BootstrapOptions = {}): Promise<number> {
  const [verb, file, ...rest] = argv;
  if (rest.length > 0 || (verb !== 'import' && verb !== 'export') || (verb === 'import' && file === undefined)) {
    return usage();
  }
  const boot = zkBootstrap(opts);
  const zk = createZkClient({ connectString: boot.hosts, opTimeoutMs: 15_000 });
  try {
    try {
      await zk.connect();
    } catch {
      process.stderr.write(`cannot reach ZooKeeper at ${boot.hosts}\n`);
      return 2;
    }
    const zoom = new Zoom(zk, boot.rootKey);
    if (verb === 'import') {
      let objects: TopologyObjects;
      try {
        objects = loadTopologyFile(file ?? '').objects;
      } catch (e) {
        process.stderr.write(`${e instanceof TopologyFileError ? e.message : String(e)}\n`);
        return 1;
      }
      try {
        const n = await importTopology(zoom, objects);
        process.stdout.write(`imported ${n} objects into ${boot.rootKey}\n`);
        return 0;
      } catch (e) {
        if (isZkError(e, 'NODE_EXISTS')) {
          process.stderr.write(`already in ZooKeeper: ${e.path} (nothing of that commit was written)\n`);
          return 1;
        }
        throw e;
      }
    }
    const { objects, skipped } = await exportTopology(zoom);
    const text = formatTopologyFile(objects);
    if (file === undefined) process.stdout.write(text);
    else writeFileSync(file, text);
    if (skipped.length > 0) {
      process.stderr.write(`skipped ${skipped.length} undecodable objects: ${skipped.join(', ')}\n`);
      return 3;
    }
    return 0;
  } finally {
    await zk.close();
  }
}
