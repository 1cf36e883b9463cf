/**
 * Replicated state tables in MidoNet's ZooKeeper format against a real server:
 * entry names, resolution (learned > persistent, highest sequence), a writer
 * deleting its own superseded entries, undecodable names skipped, learned
 * entries re-created after a session kill, legacy ARP directory honoured.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startZk, type ZkServer, testClient, closeTestClients } from '../support/zk.js';
import {
  ARP_CODEC, arpTablePath, MAC_PORT_CODEC, macTablePath, StateTable,
} from '../../agent/nsdb/state-tables.js';
import { ZoomPaths } from '../../agent/nsdb/zoom.js';
import type { ZkClient } from '../../agent/nsdb/zk/index.js';
import { until } from '../support/wait.js';

const NET = 'c0000000-0000-4000-8000-000000000001';
const RTR = 'e0000000-0000-4000-8000-000000000001';
const P1 = 'd0000000-0000-4000-8000-000000000001';
const P2 = 'd0000000-0000-4000-8000-000000000002';
const P3 = 'd0000000-0000-4000-8000-000000000003';
const M1 = '02:00:00:00:00:01';
const M2 = '02:00:00:00:00:02';
let zk: ZkServer;
let a: ZkClient;
let b: ZkClient;

before(async () => {
  zk = await startZk();
  a = testClient({ connectString: zk.connectString, sessionTimeoutMs: 4000 });
  b = testClient({ connectString: zk.connectString });
  await a.connect();
  await b.connect();
});
after(async () => {
  await closeTestClients();
  await a.close();
  await b.close();
  await zk.close();
});

test('MAC table: names, resolution, superseded entries, garbage skipped, re-created after expiry', async () => {
  const paths = new ZoomPaths('/midonet');
  const path = macTablePath(paths, NET, 0);
  assert.equal(path, `/midonet/zoom/0/tables/Network/${NET}/mac_table/0`);
  const ta = new StateTable(a, path, MAC_PORT_CODEC);
  const tb = new StateTable(b, path, MAC_PORT_CODEC);
  await ta.start();
  await tb.start();
  const changes: string[] = [];
  tb.on((c) => changes.push(`${c.key}=${c.value ?? '-'}`));

  await ta.add(M1, P1);
  const names1 = (await b.getChildren(path)).children;
  assert.equal(names1.length, 1);
  assert.match(names1[0] ?? '', new RegExp(`^${M1},${P1},\\d{10}$`));
  const st = await b.exists(`${path}/${names1[0] ?? ''}`);
  assert.equal(st?.ephemeralOwner, a.sessionId, 'learned entries are ephemeral, owned by the writer');
  await until(() => tb.get(M1) === P1, 3000, 'reader sees M1');

  await b.create(`${path}/${M2},${P3},2147483647`, new Uint8Array(0));
  await b.create(`${path}/garbage`, new Uint8Array(0));
  await b.create(`${path}/zz,yy,0000000009`, new Uint8Array(0));
  await until(() => tb.get(M2) === P3, 3000, 'persistent entry');
  await ta.add(M2, P2);
  await until(() => tb.get(M2) === P2, 3000, 'learned beats persistent');

  await ta.add(M1, P2);
  await until(() => tb.get(M1) === P2, 3000, 'relearned');
  const m1Entries = (await b.getChildren(path)).children.filter((n) => n.startsWith(M1));
  assert.equal(m1Entries.length, 1, 'the writer deleted its superseded entry');
  await tb.add(M1, P3);
  await until(() => ta.get(M1) === P3, 3000, 'highest sequence wins across writers');
  assert.deepEqual([...tb.snapshot().entries()].sort(), [[M1, P3], [M2, P2]]);
  assert.ok(changes.includes(`${M1}=${P1}`) && changes.includes(`${M2}=${P2}`));

  const cred = a.credentials();
  const old = a.sessionId;
  await zk.expireSession(cred.id, cred.password);
  await until(async () => {
    const ch = (await b.getChildren(path)).children.filter((n) => n.startsWith(`${M2},${P2},`));
    if (ch.length !== 1) return false;
    const s = await b.exists(`${path}/${ch[0] ?? ''}`);
    return s !== null && s.ephemeralOwner !== old && s.ephemeralOwner === a.sessionId;
  }, 10_000, 'learned entry re-created by the new session');
  await tb.remove(M1);
  await until(() => tb.get(M1) === P2, 3000, "after B's removal, A's re-created M1 entry wins");
  ta.close();
  tb.close();
});

test('ARP table: legacy directory used when it exists; ArpEntry text', async () => {
  const paths = new ZoomPaths('/legacy');
  const { path, legacy } = arpTablePath(paths, RTR);
  await b.mkdirs(legacy);
  const t = new StateTable(a, path, ARP_CODEC, legacy);
  await t.start();
  assert.equal(t.tablePath, `/legacy/routers/${RTR}/arp_table`);
  const entry = { mac: '02:00:00:00:00:0a', expiry: 1700000090000, stale: 1700000060000, lastArp: 0 };
  await t.add('10.0.0.1', entry);
  const names = (await b.getChildren(legacy)).children;
  assert.match(names[0] ?? '', /^10\.0\.0\.1,02:00:00:00:00:0a;1700000090000;1700000060000;0,\d{10}$/);
  await until(() => t.get('10.0.0.1') !== null, 3000, 'arp entry');
  assert.deepEqual(t.get('10.0.0.1'), entry);
  const fresh = new StateTable(b, arpTablePath(new ZoomPaths('/fresh'), RTR).path, ARP_CODEC, arpTablePath(new ZoomPaths('/fresh'), RTR).legacy);
  await fresh.start();
  assert.equal(fresh.tablePath, `/fresh/zoom/0/tables/Router/${RTR}/arp_table`);
  t.close();
  fresh.close();
});
