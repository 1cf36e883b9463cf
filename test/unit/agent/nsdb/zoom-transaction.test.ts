/**
 * ZoomTransaction against an in-memory ZooKeeper (test/support/fake-zk.ts):
 * back-references written on create, moved on update, cleared / cascaded /
 * refused on delete; the typed errors; change bits and owner in provenance;
 * and one versioned multi per commit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeZk } from '../../../support/fake-zk.js';
import { Zoom } from '../../../../agent/nsdb/zoom.js';
import { decodeZoomObject, ZoomChange, ZoomOwner } from '../../../../agent/nsdb/zoom-object.js';
import {
  ZoomNotFoundError, ZoomObjectExistsError, ZoomObjectReferencedError, ZoomReferenceConflictError, ZoomTransaction,
} from '../../../../agent/nsdb/zoom-transaction.js';
import { isZkError } from '../../../../agent/nsdb/zk/index.js';
import { CLASS_OF, type TopologyClassKey } from '../../../../simulation/topology/objects.js';

const u = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const N1 = u(1), N2 = u(2), P1 = u(11), P2 = u(12), P3 = u(13), H = u(21), C = u(31), R1 = u(41), R2 = u(42);
const RT = u(51), LB = u(61), POOL = u(71), VIP = u(81);
const OWNER = ZoomOwner.CLUSTER_API;

async function setup(): Promise<{ zk: FakeZk; zoom: Zoom; tx: () => ZoomTransaction }> {
  const zk = new FakeZk();
  const zoom = new Zoom(zk, '/mn');
  await zoom.ensureLayout();
  return { zk, zoom, tx: () => new ZoomTransaction(zoom, { owner: OWNER }) };
}

async function read(zoom: Zoom, key: TopologyClassKey, id: string): Promise<Record<string, unknown> | null> {
  return ((await zoom.read(key, id))?.obj ?? null) as Record<string, unknown> | null;
}

async function prov(zk: FakeZk, zoom: Zoom, key: TopologyClassKey, id: string) {
  return decodeZoomObject((await zk.get(zoom.paths.object(CLASS_OF[key], id))).data).provenance;
}

test('create writes back-references in the same multi; a created object that got one has change DATA|BACK_REFERENCE', async () => {
  const { zk, zoom, tx } = await setup();
  const t = tx();
  await t.create('hosts', { id: H });
  await t.create('networks', { id: N1, name: 'n1' });
  await t.create('ports', { id: P1, network_id: N1, host_id: H });
  await t.create('ports', { id: P2, network_id: N1, peer_id: P1 });
  assert.deepEqual(await t.get('networks', N1), { id: N1, name: 'n1', port_ids: [P1, P2] });
  await t.commit();
  assert.equal(zk.multis, 1);
  assert.deepEqual(await read(zoom, 'networks', N1), { id: N1, name: 'n1', port_ids: [P1, P2] });
  assert.deepEqual(await read(zoom, 'hosts', H), { id: H, port_ids: [P1] });
  assert.deepEqual(await read(zoom, 'ports', P1), { id: P1, network_id: N1, host_id: H, peer_id: P2 });
  for (const [k, id, bits] of [['networks', N1, 3], ['hosts', H, 3], ['ports', P1, 3], ['ports', P2, 1]] as const) {
    const p = await prov(zk, zoom, k, id);
    assert.equal(p.length, 1, `${k} ${id}`);
    assert.equal(p[0]?.change_type, bits, `${k} ${id}`);
    assert.equal(p[0]?.change_owner, OWNER);
    assert.equal(p[0]?.change_version, 0);
  }
  // A later transaction adding a back-reference: versioned set, bits OR-ed into the same owner's entry.
  const t2 = tx();
  await t2.create('ports', { id: P3, network_id: N1 });
  await t2.commit();
  const sets = zk.ops[1]?.filter((o) => o.op === 'set').map((o) => `${o.path}@${o.op === 'set' ? o.version : ''}`);
  assert.deepEqual(sets, [`${zoom.paths.model('Network', N1)}@0`]); // provenance unchanged: bit 0x2 already there
  assert.deepEqual((await read(zoom, 'networks', N1))?.['port_ids'], [P1, P2, P3]);
  assert.equal((await zoom.read('networks', N1))?.version, 1);
});

test('a reference to a missing object is NotFound naming the referrer and field; nothing is written', async () => {
  const { zk, tx } = await setup();
  const t = tx();
  await assert.rejects(t.create('ports', { id: P1, network_id: N1 }), (e: unknown) => {
    assert.ok(e instanceof ZoomNotFoundError);
    assert.equal(e.cls, 'Network');
    assert.equal(e.id, N1);
    assert.deepEqual(e.referrer, { cls: 'Port', id: P1, field: 'network_id' });
    assert.match(e.message, new RegExp(`Port ${P1} network_id: Network ${N1} does not exist`));
    return true;
  });
  assert.equal(zk.multis, 0);
  await assert.rejects(tx().update('networks', { id: N2 }), ZoomNotFoundError);
});

test('ObjectExists: on create of an object read in this tx, and from the multi for one never read', async () => {
  const { zk, tx } = await setup();
  const t = tx();
  await t.create('networks', { id: N1 });
  await t.commit();
  const t2 = tx();
  assert.equal((await t2.get('networks', N1))?.id, N1);
  await assert.rejects(t2.create('networks', { id: N1 }), ZoomObjectExistsError);
  const t3 = tx();
  await t3.create('hosts', { id: H });
  await t3.create('networks', { id: N1 });
  await assert.rejects(t3.commit(), (e: unknown) => e instanceof ZoomObjectExistsError && e.cls === 'Network' && e.id === N1);
  assert.equal(zk.multis, 1);
  assert.equal(await zk.exists(new Zoom(zk, '/mn').paths.model('Host', H)), null, 'the failed multi wrote nothing');
  const t4 = tx();
  await t4.create('networks', { id: N2 });
  await assert.rejects(t4.create('networks', { id: N2 }), ZoomObjectExistsError);
});

test('a scalar back-reference already set is a ReferenceConflict (even for the same id)', async () => {
  const { tx } = await setup();
  const t = tx();
  await t.create('ports', { id: P1 });
  await t.create('ports', { id: P2, peer_id: P1 });
  await assert.rejects(t.create('ports', { id: P3, peer_id: P1 }), (e: unknown) => {
    assert.ok(e instanceof ZoomReferenceConflictError);
    assert.deepEqual([e.cls, e.id, e.field, e.current, e.referrerId], ['Port', P1, 'peer_id', P2, P3]);
    return true;
  });
});

test('update moves back-references (multiset difference) and clears only the first occurrence', async () => {
  const { zk, zoom, tx } = await setup();
  // A network whose port_ids lists P1 twice, as ZOOM allows for repeated back-references.
  await zoom.tx().create('networks', { id: N1, port_ids: [P1, P2, P1] }).create('networks', { id: N2 }).commit();
  await zoom.tx().create('ports', { id: P1, network_id: N1 }).create('ports', { id: P2, network_id: N1 }).commit();
  const t = tx();
  await t.update('ports', { id: P1, network_id: N2, admin_state_up: false });
  await t.commit();
  assert.deepEqual((await read(zoom, 'networks', N1))?.['port_ids'], [P2, P1]);
  assert.deepEqual((await read(zoom, 'networks', N2))?.['port_ids'], [P1]);
  assert.deepEqual(await read(zoom, 'ports', P1), { id: P1, network_id: N2, admin_state_up: false });
  const last = (await prov(zk, zoom, 'networks', N2)).at(-1);
  assert.equal(last?.change_type, ZoomChange.BACK_REFERENCE);
  assert.equal(last?.change_owner, OWNER);
  assert.equal(last?.change_version, 1);
  const portProv = (await prov(zk, zoom, 'ports', P1)).at(-1);
  assert.equal(portProv?.change_type, ZoomChange.DATA);
  // Unchanged references touch nothing else.
  const before = zk.multis;
  const t2 = tx();
  await t2.update('ports', { id: P1, network_id: N2, admin_state_up: true });
  assert.equal(t2.size, 1);
  await t2.commit();
  assert.equal(zk.multis, before + 1);
});

test('an object updated by the caller and by a binding in one tx: one versioned set with DATA|BACK_REFERENCE', async () => {
  const { zk, zoom, tx } = await setup();
  await zoom.tx().create('networks', { id: N1 }).commit();
  const t = tx();
  await t.update('networks', { id: N1, name: 'renamed' });
  await t.create('ports', { id: P1, network_id: N1 });
  await t.commit();
  assert.deepEqual(await read(zoom, 'networks', N1), { id: N1, name: 'renamed', port_ids: [P1] });
  assert.equal((await prov(zk, zoom, 'networks', N1)).at(-1)?.change_type, 3);
});

test('a concurrent write between read and commit fails the multi with BAD_VERSION', async () => {
  const { zoom, tx } = await setup();
  await zoom.tx().create('networks', { id: N1 }).commit();
  const t = tx();
  await t.create('ports', { id: P1, network_id: N1 });
  const cur = await zoom.read('networks', N1);
  assert.ok(cur !== null);
  await zoom.tx().update('networks', { ...cur.obj, name: 'other' }, cur.version).commit();
  await assert.rejects(t.commit(), (e: unknown) => isZkError(e, 'BAD_VERSION'));
  assert.equal(await zoom.read('ports', P1), null);
});

test('delete: CASCADE deletes, CLEAR removes the back-reference, ERROR refuses', async () => {
  const { zk, zoom, tx } = await setup();
  const t = tx();
  await t.create('hosts', { id: H });
  await t.create('chains', { id: C });
  await t.create('networks', { id: N1 });
  await t.create('ports', { id: P1, network_id: N1, host_id: H, inbound_filter_id: C });
  await t.create('routers', { id: R1 });
  await t.create('routes', { id: RT, router_id: R1, next_hop_port_id: P1 });
  await t.commit();
  const d = tx();
  await d.delete('networks', N1); // cascades to P1 (port_ids), P1 cascades to RT (route_ids)
  await d.commit();
  for (const [k, id] of [['networks', N1], ['ports', P1], ['routes', RT]] as const) {
    assert.equal(await zoom.read(k, id), null, `${k} deleted`);
    assert.equal(await zk.exists(zoom.paths.object(CLASS_OF[k], id)), null, `${k} provenance deleted`);
  }
  assert.equal(await zk.exists(zoom.paths.tables('Network', N1)), null);
  assert.deepEqual(await read(zoom, 'hosts', H), { id: H });
  assert.deepEqual(await read(zoom, 'chains', C), { id: C });
  assert.deepEqual(await read(zoom, 'routers', R1), { id: R1 });

  const e = tx();
  await e.create('load_balancers', { id: LB });
  await e.create('routers', { id: R2, load_balancer_id: LB });
  await e.create('pools', { id: POOL, load_balancer_id: LB });
  await e.create('ports', { id: P2 });
  await e.create('vips', { id: VIP, pool_id: POOL, gateway_port_id: P2 });
  await e.commit();
  await assert.rejects(tx().delete('routers', R2), (err: unknown) => {
    assert.ok(err instanceof ZoomObjectReferencedError);
    assert.deepEqual([err.cls, err.id, err.referencedCls, err.referencedId], ['Router', R2, 'LoadBalancer', LB]);
    return true;
  });
  await assert.rejects(tx().delete('ports', P2), ZoomObjectReferencedError);
  // Deleting the load balancer clears the router's reference and cascades to the pool and its vip.
  const f = tx();
  await f.delete('load_balancers', LB);
  await f.commit();
  assert.deepEqual(await read(zoom, 'routers', R2), { id: R2 });
  assert.equal(await zoom.read('pools', POOL), null);
  assert.equal(await zoom.read('vips', VIP), null);
  assert.deepEqual(await read(zoom, 'ports', P2), { id: P2 });
  await assert.rejects(tx().delete('networks', N2), ZoomNotFoundError);
  await tx().delete('networks', N2, true);
});

test('within one tx: delete of a created object drops it; create after delete becomes an update', async () => {
  const { zk, zoom, tx } = await setup();
  await zoom.tx().create('networks', { id: N1 }).commit();
  const t = tx();
  await t.create('ports', { id: P1, network_id: N1 });
  await t.delete('ports', P1);
  await t.delete('networks', N1);
  await t.create('networks', { id: N1, name: 'again' });
  await t.commit();
  assert.equal(await zoom.read('ports', P1), null);
  assert.deepEqual(await read(zoom, 'networks', N1), { id: N1, name: 'again' });
  const ops = zk.ops.at(-1) ?? [];
  assert.deepEqual(ops.map((o) => o.op), ['set', 'set'], 'model set + provenance set for the network only');
  assert.equal((await prov(zk, zoom, 'networks', N1)).at(-1)?.change_type, 3);
});

test('carry: a later transaction uses what the earlier one wrote without reading it; a stale entry fails BAD_VERSION', async () => {
  const { zk, zoom } = await setup();
  const carry = new Map();
  const t1 = new ZoomTransaction(zoom, { owner: OWNER, carry });
  await t1.create('networks', { id: N1 });
  await t1.create('ports', { id: P1, network_id: N1 });
  await t1.commit();
  const reads = zk.gets;
  const t2 = new ZoomTransaction(zoom, { owner: OWNER, carry });
  await t2.create('ports', { id: P2, network_id: N1 });
  await t2.commit();
  const t3 = new ZoomTransaction(zoom, { owner: OWNER, carry });
  await t3.update('networks', { id: N1, name: 'n', port_ids: [P1, P2] });
  await t3.commit();
  assert.equal(zk.gets, reads, 'no reads after the first commit');
  assert.deepEqual(await read(zoom, 'networks', N1), { id: N1, name: 'n', port_ids: [P1, P2] });
  assert.equal((await zoom.read('networks', N1))?.version, 2);
  assert.deepEqual((await prov(zk, zoom, 'networks', N1)).map((p) => [p.change_type, p.change_version]), [[3, 0]]);
  // Someone else writes: the carried snapshot is stale, the versioned set refuses it.
  const cur = await zoom.read('networks', N1);
  await zoom.tx().update('networks', { ...cur!.obj, name: 'theirs' }, cur!.version).commit();
  const t4 = new ZoomTransaction(zoom, { owner: OWNER, carry });
  await t4.create('ports', { id: P3, network_id: N1 });
  await assert.rejects(t4.commit(), (e: unknown) => isZkError(e, 'BAD_VERSION'));
});
