/**
 * `midolman topology import T.json` and `midolman topology export [FILE]`:
 * move a topology between the JSON topology file and ZooKeeper in ZOOM format
 * (protobuf text models, binary provenance in objects/, table directories).
 *
 * Import: see agent/nsdb/zoom-import.ts (back-references written as ZOOM
 * writes them; everything checked before anything is written). Export: see
 * agent/nsdb/zoom-export.ts. ZooKeeper settings are read like the agent's
 * (env, then /etc/midolman/midolman.conf).
 *
 * Exit codes: 0 ok, 1 bad command or data, 2 ZooKeeper unreachable, 3 some
 * objects skipped on export.
 */
import { writeFileSync } from 'node:fs';
import type { TopologyObjects } from '../../simulation/topology/objects.js';
import { Zoom } from '../nsdb/zoom.js';
import { exportTopology } from '../nsdb/zoom-export.js';
import { importTopology, TopologyImportError } from '../nsdb/zoom-import.js';
import { ZoomError } from '../nsdb/zoom-transaction.js';
import { createZkClient, isZkError } from '../nsdb/zk/index.js';
import { zkBootstrap, type BootstrapOptions } from '../runtime/config.js';
import { formatTopologyFile, loadTopologyFile, TopologyFileError } from '../topology-file/index.js';

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
        if (e instanceof TopologyImportError) {
          process.stderr.write(`nothing imported: ${e.message}\n`);
          return 1;
        }
        if (e instanceof ZoomError) {
          process.stderr.write(`${e.message} (nothing of that commit was written)\n`);
          return 1;
        }
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
