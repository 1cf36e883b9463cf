/**
 * `topology import` against a real ZooKeeper writes what MidoNet's ZOOM would:
 * the example topology (which states only forward references) comes back with
 * every back-reference filled in, byte-exact text models, provenance change
 * bits 0x3 on objects created and back-referenced in one multi; the same
 * result whatever the batch size; an export re-imports into a fresh root to the
 * same objects; relations stated on the back-reference side only are moved to
 * the forward side; references to objects already in ZooKeeper update them;
 * a dangling reference fails with a message and writes nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/paths.js';
import { loadTopologyFile } from '../../agent/topology-file/index.js';
import { IMPORT_CLASS_ORDER, importedTopology, importTopology, IMPORT_OWNER, TopologyImportError } from '../../agent/nsdb/zoom-import.js';
import { exportTopology } from '../../agent/nsdb/zoom-export.js';
import { topologyCommand } from '../../agent/cli/topology-cmd.js';
import { Zoom } from '../../agent/nsdb/zoom.js';
import { decodeZoomObject, ZoomOwner } from '../../agent/nsdb/zoom-object.js';
import { topologyObjectToText, type TopologyObject } from '../../agent/nsdb/proto-objects.js';
import type { ZkClient, ZkOp } from '../../agent/nsdb/zk/index.js';
import {
  CLASS_OF, emptyTopologyObjects, TOPOLOGY_CLASS_KEYS, type TopologyClassKey, type TopologyObjects,
} from '../../simulation/topology/objects.js';
import { zkSuite } from '../support/zk-suite.js';

const file = loadTopologyFile(join(repoRoot, 'examples', 'two-tier', 'topology.json'));
const T = file.objects;
let rootN = 0;

const suite = zkSuite();

/** A client that counts the multis it sends. */
function counting(c: ZkClient): { client: ZkClient; multis: () => number } {
  let n = 0;
  const client = new Proxy(c, {
    get(t, p) {
      if (p === 'multi') return (ops: readonly ZkOp[]) => { n++; return t.multi(ops); };
      const v: unknown = Reflect.get(t, p, t);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
  return { client, multis: () => n };
}

async function imported(objects: TopologyObjects, batch?: number): Promise<{ zoom: Zoom; multis: number }> {
  const { client, multis } = counting(suite.writer);
  const zoom = new Zoom(client, `/imp${++rootN}`);
  const n = await importTopology(zoom, objects, batch);
  assert.equal(n, TOPOLOGY_CLASS_KEYS.reduce((s, k) => s + objects[k].length, 0));
  return { zoom, multis: multis() };
}

type Any = Record<string, unknown> & { id: string };
const all = (t: TopologyObjects, k: TopologyClassKey): Any[] => t[k] as unknown as Any[];

async function obj(zoom: Zoom, key: TopologyClassKey, id: string): Promise<Any> {
  const r = await zoom.read(key, id);
  assert.ok(r !== null, `${key} ${id} missing`);
  return r.obj as unknown as Any;
}

async function text(zoom: Zoom, key: TopologyClassKey, id: string): Promise<string> {
  return (await suite.writer.get(zoom.paths.model(CLASS_OF[key], id))).data.toString('utf8');
}

async function provenance(zoom: Zoom, key: TopologyClassKey, id: string) {
  return decodeZoomObject((await suite.writer.get(zoom.paths.object(CLASS_OF[key], id))).data).provenance
    .map((p) => [p.change_owner, p.change_type, p.change_version]);
}

/** Ids of `from` objects whose `field` names `id`, in file order: the back-references ZOOM must have written. */
const referrers = (from: TopologyClassKey, field: string, id: string): string[] =>
  all(T, from).filter((o) => o[field] === id).map((o) => o.id);

/** Every object with its repeated UUID lists sorted: reference sets, order aside. */
function setsOf(t: TopologyObjects): Record<string, Any> {
  const out: Record<string, Any> = {};
  for (const k of TOPOLOGY_CLASS_KEYS) {
    for (const o of all(t, k)) {
      const c: Any = { ...o };
      for (const [f, v] of Object.entries(c)) if (Array.isArray(v) && f.endsWith('_ids')) c[f] = [...(v as string[])].sort();
      out[`${k}/${o.id}`] = c;
    }
  }
  return out;
}

test('the example imports with every back-reference, byte-exact text and provenance 0x3 on created+back-referenced objects', async () => {
  const { zoom, multis } = await imported(T);
  assert.equal(multis, 1, `${TOPOLOGY_CLASS_KEYS.reduce((s, k) => s + T[k].length, 0)} objects fit one default batch`);
  const net = T.networks[0]!;
  const n = await obj(zoom, 'networks', net.id);
  assert.deepEqual(n['port_ids'], referrers('ports', 'network_id', net.id));
  assert.equal((n['port_ids'] as string[]).length, 4);
  assert.deepEqual(n['dhcp_ids'], referrers('dhcps', 'network_id', net.id));
  for (const r of T.routers) {
    const got = await obj(zoom, 'routers', r.id);
    assert.deepEqual(got['port_ids'], referrers('ports', 'router_id', r.id), `router ${r.id} port_ids`);
    assert.deepEqual(got['route_ids'], referrers('routes', 'router_id', r.id), `router ${r.id} route_ids`);
  }
  for (const p of T.ports) {
    const got = await obj(zoom, 'ports', p.id);
    const routes = referrers('routes', 'next_hop_port_id', p.id);
    assert.deepEqual(got['route_ids'], routes.length === 0 ? undefined : routes, `port ${p.id} route_ids`);
    if (p.peer_id !== undefined) assert.equal((await obj(zoom, 'ports', p.peer_id))['peer_id'], p.id, 'peer both ways');
  }
  for (const c of T.chains) {
    const got = await obj(zoom, 'chains', c.id);
    assert.deepEqual(got['rule_ids'], referrers('rules', 'chain_id', c.id), `chain ${c.name} rule_ids`);
    for (const [back, from, field] of [
      ['port_inbound_ids', 'ports', 'inbound_filter_id'], ['port_outbound_ids', 'ports', 'outbound_filter_id'],
      ['router_inbound_ids', 'routers', 'inbound_filter_id'], ['router_outbound_ids', 'routers', 'outbound_filter_id'],
    ] as const) {
      const ids = referrers(from, field, c.id);
      assert.deepEqual(got[back], ids.length === 0 ? undefined : ids, `chain ${c.name} ${back}`);
    }
  }
  assert.ok(T.chains.some((c) => referrers('ports', 'inbound_filter_id', c.id).length === 3), 'the example filters ports');
  for (const h of T.hosts) {
    assert.deepEqual((await obj(zoom, 'hosts', h.id))['port_ids'], referrers('ports', 'host_id', h.id), `host ${h.id}`);
  }
  // Byte-exact: every node is the text of the expected object.
  const expected = importedTopology(T);
  for (const k of TOPOLOGY_CLASS_KEYS) {
    for (const o of all(expected, k)) {
      assert.equal(await text(zoom, k, o.id), topologyObjectToText(k, o as unknown as TopologyObject<typeof k>), `${k} ${o.id}`);
    }
  }
  assert.equal(IMPORT_OWNER, ZoomOwner.CLUSTER_API);
  assert.deepEqual(await provenance(zoom, 'networks', net.id), [[IMPORT_OWNER, 3, 0]]);
  assert.deepEqual(await provenance(zoom, 'chains', T.chains[0]!.id), [[IMPORT_OWNER, 3, 0]]);
  assert.deepEqual(await provenance(zoom, 'ports', 'd0000000-0000-4000-8000-000000000004'), [[IMPORT_OWNER, 3, 0]], 'peer back-ref');
  assert.deepEqual(await provenance(zoom, 'rules', T.rules[0]!.id), [[IMPORT_OWNER, 1, 0]]);
  assert.deepEqual(await provenance(zoom, 'routes', T.routes[0]!.id), [[IMPORT_OWNER, 1, 0]]);
});

test('batches of 3 give the same nodes as one batch, one multi per batch', async () => {
  const one = await imported(T);
  const small = await imported(T, 3);
  const count = TOPOLOGY_CLASS_KEYS.reduce((s, k) => s + T[k].length, 0);
  assert.equal(small.multis, Math.ceil(count / 3));
  for (const k of TOPOLOGY_CLASS_KEYS) {
    for (const o of all(T, k)) {
      assert.equal(await text(small.zoom, k, o.id), await text(one.zoom, k, o.id), `${k} ${o.id}`);
      // Updated in a later batch by the same owner: bits OR-ed into the one entry.
      assert.deepEqual(await provenance(small.zoom, k, o.id), await provenance(one.zoom, k, o.id), `${k} ${o.id} provenance`);
    }
  }
  const net = T.networks[0]!;
  assert.ok(((await small.zoom.read('networks', net.id))?.version ?? 0) > 0, 'the network was updated by later batches');
});

test('an export (both sides stated) re-imports into a fresh root to the same objects', async () => {
  const first = await imported(T, 5);
  const exported = (await exportTopology(first.zoom)).objects;
  const again = await imported(exported, 4);
  const back = (await exportTopology(again.zoom)).objects;
  assert.deepEqual(setsOf(back), setsOf(exported));
  assert.deepEqual(setsOf(back), setsOf(importedTopology(T)));
  const n = await obj(again.zoom, 'networks', T.networks[0]!.id);
  assert.equal(new Set(n['port_ids'] as string[]).size, (n['port_ids'] as string[]).length, 'both sides counted once');
});

test('a relation stated only on the back-reference side is written on both sides', async () => {
  const t = emptyTopologyObjects() as unknown as Record<TopologyClassKey, Any[]>;
  const N = 'c1000000-0000-4000-8000-000000000001';
  const P = 'd1000000-0000-4000-8000-000000000001';
  const C = '91000000-0000-4000-8000-0000000000c1';
  const R = '92000000-0000-4000-8000-0000000000c1';
  t.networks.push({ id: N, port_ids: [P] });
  t.ports.push({ id: P });
  t.chains.push({ id: C, rule_ids: [R] });
  t.rules.push({ id: R, type: 'LITERAL_RULE', action: 'ACCEPT' });
  const { zoom } = await imported(t as unknown as TopologyObjects);
  assert.deepEqual(await obj(zoom, 'ports', P), { id: P, network_id: N });
  assert.deepEqual(await obj(zoom, 'networks', N), { id: N, port_ids: [P] });
  assert.deepEqual((await obj(zoom, 'rules', R))['chain_id'], C);
  assert.deepEqual((await obj(zoom, 'chains', C))['rule_ids'], [R]);
});

test('references to objects already in ZooKeeper update them with versioned sets', async () => {
  const hostsOnly = { ...emptyTopologyObjects(), hosts: T.hosts };
  const rest = { ...T, hosts: [] };
  const { client } = counting(suite.writer);
  const zoom = new Zoom(client, `/imp${++rootN}`);
  await importTopology(zoom, hostsOnly);
  await importTopology(zoom, rest);
  const h = T.hosts[0]!;
  assert.deepEqual((await obj(zoom, 'hosts', h.id))['port_ids'], referrers('ports', 'host_id', h.id));
  assert.equal((await zoom.read('hosts', h.id))?.version, 1);
  assert.deepEqual(await provenance(zoom, 'hosts', h.id), [[IMPORT_OWNER, 3, 0]]);
  await assert.rejects(importTopology(zoom, hostsOnly), (e: unknown) =>
    e instanceof TopologyImportError && e.message.includes(`Host ${h.id} is already in ZooKeeper`));
});

test('a dangling reference fails naming object, field and id, and writes nothing', async () => {
  const MISSING = 'a0000000-0000-4000-8000-0000000000ff';
  const port = T.ports[0]!;
  const bad = { ...T, ports: T.ports.map((p) => (p.id === port.id ? { ...p, host_id: MISSING } : p)) };
  const root = `/imp${++rootN}`;
  const zoom = new Zoom(suite.writer, root);
  await assert.rejects(importTopology(zoom, bad), (e: unknown) => {
    assert.ok(e instanceof TopologyImportError);
    assert.match(e.message, new RegExp(`Port ${port.id} host_id: Host ${MISSING} is neither in the file nor in ZooKeeper`));
    return true;
  });
  assert.equal(await suite.writer.exists(root), null, 'nothing written, not even the layout');
  // The command: exit 1, still nothing written.
  const dir = mkdtempSync(join(tmpdir(), 'mm-imp-'));
  const src = join(dir, 'bad.json');
  writeFileSync(src, JSON.stringify({ ...bad }));
  const env = { MIDO_ZOOKEEPER_HOSTS: suite.zk.connectString, MIDO_ZOOKEEPER_ROOT_KEY: root };
  const stderr = process.stderr.write;
  let said = '';
  process.stderr.write = ((s: string) => { said += s; return true; }) as typeof process.stderr.write;
  try {
    assert.equal(await topologyCommand(['import', src], { env, iniPaths: [] }), 1);
  } finally {
    process.stderr.write = stderr;
  }
  assert.match(said, new RegExp(`nothing imported: Port ${port.id} host_id: Host ${MISSING}`));
  assert.equal(await suite.writer.exists(root), null);
});

test('class order: every class once, referenced classes before their referrers', () => {
  assert.deepEqual([...IMPORT_CLASS_ORDER].sort(), [...TOPOLOGY_CLASS_KEYS].sort());
  const at = (k: TopologyClassKey): number => IMPORT_CLASS_ORDER.indexOf(k);
  for (const [first, then] of [
    ['networks', 'ports'], ['routers', 'ports'], ['hosts', 'ports'], ['chains', 'ports'], ['chains', 'rules'],
    ['routers', 'routes'], ['ports', 'routes'], ['networks', 'dhcps'], ['hosts', 'tunnel_zones'],
    ['load_balancers', 'pools'], ['pools', 'pool_members'], ['pools', 'vips'], ['dhcps', 'ports'],
  ] as const) assert.ok(at(first) < at(then), `${first} before ${then}`);
});
