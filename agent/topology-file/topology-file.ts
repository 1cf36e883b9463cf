/**
 * The topology FILE: a whole MidoNet topology as one JSON document, for running
 * the agent without ZooKeeper (tests, demos, `midolman --topology net.json`) and
 * for `midolman topology export`.
 *
 * Shape: a top-level object with one optional array per class key of CLASS_OF
 * (`hosts`, `tunnel_zones`, `networks`, `routers`, `ports`, `routes`, `chains`,
 * `rules`, …) and an optional `local_host_id` (the UUID this agent runs as).
 * Each element is the proto message with the proto's snake_case field names
 * and nesting, in the plain form of validate.ts. Every object needs an `id`, and
 * ids are unique within a class.
 *
 *   { "local_host_id": "…",
 *     "networks": [{ "id": "…", "name": "blue", "admin_state_up": true }],
 *     "ports": [{ "id": "…", "network_id": "…", "host_id": "…", "interface_name": "tap0" }] }
 *
 * Contract: `parseTopologyJson` is pure and throws only TopologyFileError;
 * `loadTopologyFile` adds the read (an unreadable file is a TopologyFileError
 * too). `formatTopologyFile` writes what `parseTopologyJson` reads back equal.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import {
  CLASS_OF, emptyTopologyObjects, TOPOLOGY_CLASS_KEYS,
  type TopologyClassKey, type TopologyObjects,
} from '../../simulation/topology/objects.js';
import { messageType } from '../nsdb/proto/index.js';
import { describeJson, TopologyFileError } from './errors.js';
import { isJsonObject, isUuid, suggest, validateMessage, type JsonObject } from './validate.js';

export interface TopologyFile {
  readonly objects: TopologyObjects;
  readonly localHostId?: string;
}

const LOCAL_HOST_ID = 'local_host_id';

/** Parses and validates topology JSON; `fileName` only labels errors. */
export function parseTopologyJson(text: string, fileName: string): TopologyFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new TopologyFileError({ file: fileName }, `not valid JSON: ${jsonProblem(e, text)}`);
  }
  if (!isJsonObject(doc)) {
    throw new TopologyFileError({ file: fileName },
      `expected a JSON object with one array per class (hosts, networks, ports, …), got ${describeJson(doc)}`);
  }
  const known = [...TOPOLOGY_CLASS_KEYS, LOCAL_HOST_ID] as string[];
  for (const key of Object.keys(doc)) {
    if (known.includes(key)) continue;
    const hint = suggest(key, known);
    throw new TopologyFileError({ file: fileName }, `unknown top-level key "${key}"` +
      (hint !== undefined ? ` (did you mean "${hint}"?)` : `; expected ${LOCAL_HOST_ID} or one of: ${TOPOLOGY_CLASS_KEYS.join(', ')}`));
  }
  const objects: Record<string, unknown[]> = { ...emptyTopologyObjects() } as unknown as Record<string, unknown[]>;
  for (const key of TOPOLOGY_CLASS_KEYS) {
    const list = doc[key];
    if (list === undefined) continue;
    objects[key] = validateClass(fileName, key, list);
  }
  const local = doc[LOCAL_HOST_ID];
  if (local !== undefined && (typeof local !== 'string' || !isUuid(local))) {
    throw new TopologyFileError({ file: fileName },
      `${LOCAL_HOST_ID}: expected a UUID like "4a2e6b0c-1f3d-4b5a-9c8d-7e6f5a4b3c2d", got ${describeJson(local)}`);
  }
  const result = { objects: objects as unknown as TopologyObjects };
  return local === undefined ? result : { ...result, localHostId: (local as string).toLowerCase() };
}

function validateClass(file: string, key: TopologyClassKey, list: unknown): JsonObject[] {
  const cls = CLASS_OF[key];
  if (!Array.isArray(list)) {
    throw new TopologyFileError({ file, classKey: key }, `expected an array of ${cls} objects, got ${describeJson(list)}`);
  }
  const desc = messageType(cls);
  const seen = new Map<string, number>();
  return list.map((obj: unknown, index) => {
    if (!isJsonObject(obj)) {
      throw new TopologyFileError({ file, classKey: key, index }, `expected a ${cls} object, got ${describeJson(obj)}`);
    }
    const rawId = obj['id'];
    const objectId = typeof rawId === 'string' ? rawId : undefined;
    const where = objectId === undefined ? { file, classKey: key, index } : { file, classKey: key, index, objectId };
    if (rawId === undefined) {
      throw new TopologyFileError(where, `missing required field "id" (a UUID like "4a2e6b0c-1f3d-4b5a-9c8d-7e6f5a4b3c2d")`);
    }
    const out = validateMessage(desc, obj, where);
    const id = out['id'] as string;
    const first = seen.get(id);
    if (first !== undefined) {
      throw new TopologyFileError(where, `duplicate id: ${key}[${first}] has the same id`);
    }
    seen.set(id, index);
    return out;
  });
}

/** Where JSON.parse stopped, as line and column when the engine gives a position. */
function jsonProblem(e: unknown, text: string): string {
  const msg = e instanceof Error ? e.message : String(e);
  const m = /at position (\d+)/.exec(msg);
  const base = msg.replace(/\s*in JSON at position \d+.*$/, '').replace(/\s*\(line \d+ column \d+\)$/, '');
  if (m === null) return base;
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return `${base} at line ${line}, column ${column}`;
}

/** Reads and validates a topology file. Throws TopologyFileError only. */
export function loadTopologyFile(path: string): TopologyFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    throw new TopologyFileError({ file: path },
      code === 'ENOENT' ? 'no such file' : `cannot read: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parseTopologyJson(text, path);
}

/**
 * Topology JSON text: `local_host_id` first, then non-empty class arrays in
 * CLASS_OF order, object keys in proto field-number order, two-space indent.
 */
export function formatTopologyFile(objects: TopologyObjects, localHostId?: string): string {
  const doc: JsonObject = {};
  if (localHostId !== undefined) doc[LOCAL_HOST_ID] = localHostId;
  for (const key of TOPOLOGY_CLASS_KEYS) {
    const list = objects[key] as readonly unknown[];
    if (list.length === 0) continue;
    const desc = messageType(CLASS_OF[key]);
    // Validation doubles as normalization (key order, lowercase ids) and
    // refuses to write a file the loader would reject.
    doc[key] = list.map((o, index) => validateMessage(desc, o as JsonObject, { file: '(export)', classKey: key, index }));
  }
  return JSON.stringify(doc, null, 2) + '\n';
}

/** Writes `formatTopologyFile(objects, localHostId)` to `path`. */
export function writeTopologyFile(path: string, objects: TopologyObjects, localHostId?: string): void {
  writeFileSync(path, formatTopologyFile(objects, localHostId));
}
