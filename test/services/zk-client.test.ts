/**
 * The ZooKeeper client layer against a real ZooKeeper 3.8: session semantics
 * (silent server, restart within the session, expiry), watches re-armed after
 * a reconnect, ephemeral(-sequential) nodes and multi.
 *
 * The first test is the evidence behind the library choice: bare
 * node-zookeeper-client stays "connected" while the server is silent; the
 * wrapper's read timeout reports the loss within 2/3 of the session timeout.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { startZk, startZkProxy, type ZkServer, testClient, closeTestClients } from '../support/zk.js';
import { isZkError, type ZkClient, type ZkSessionEvent } from '../../agent/nsdb/zk/zk-client.js';

const TIMEOUT = 4000;
let zk: ZkServer;

before(async () => {
  zk = await startZk();
});
after(async () => {
  await closeTestClients();
  await zk.close();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Session events in order; `next(ev)` consumes up to the next `ev` not yet consumed. */
function recorder(c: ZkClient): { events: ZkSessionEvent[]; next(ev: ZkSessionEvent, ms: number): Promise<number> } {
  const events: ZkSessionEvent[] = [];
  let consumed = 0;
  c.onSession((e) => events.push(e));
  return {
    events,
    async next(ev, ms) {
      const t0 = Date.now();
      while (Date.now() - t0 < ms) {
        const i = events.indexOf(ev, consumed);
        if (i >= 0) {
          consumed = i + 1;
          return Date.now() - t0;
        }
        await sleep(25);
      }
      throw new Error(`no ${ev} within ${ms} ms (saw ${events.join(',')})`);
    },
  };
}

test('bare node-zookeeper-client misses a silent server; the wrapper reports it', async () => {
  const lib = createRequire(import.meta.url)('node-zookeeper-client') as {
    createClient(cs: string, o: object): { on(e: string, f: (s: { getCode(): number }) => void): void; connect(): void; close(): void; once(e: string, f: () => void): void };
  };
  const bare = lib.createClient(zk.connectString, { sessionTimeout: TIMEOUT, retries: 0 });
  const bareStates: number[] = [];
  bare.on('state', (s) => bareStates.push(s.getCode()));
  bare.connect();
  await new Promise<void>((r) => bare.once('connected', () => r()));
  const ours = testClient({ connectString: zk.connectString, sessionTimeoutMs: TIMEOUT });
  const rec = recorder(ours);
  await ours.connect();
  const sid = ours.sessionId;
  zk.pause();
  const pausedAt = Date.now();
  try {
    await rec.next('disconnected', TIMEOUT);
    const lostAfter = Date.now() - pausedAt;
    assert.ok(lostAfter <= TIMEOUT, `wrapper noticed after ${lostAfter} ms`);
    await sleep(500);
    assert.deepEqual(bareStates, [3], 'bare client still believes it is SYNC_CONNECTED');
  } finally {
    zk.resume();
  }
  await rec.next('reconnected', 8000);
  assert.equal(ours.sessionId, sid);
  bare.close();
  await ours.close();
});

test('server restart within the session timeout keeps the session and its ephemerals', async () => {
  const c = testClient({ connectString: zk.connectString, sessionTimeoutMs: 8000 });
  const rec = recorder(c);
  await c.connect();
  await c.create('/eph-restart', Buffer.from('x'), 'ephemeral');
  const sid = c.sessionId;
  await zk.stop();
  await rec.next('disconnected', 3000);
  await zk.start();
  await rec.next('reconnected', 10_000);
  assert.equal(c.sessionId, sid);
  const st = await c.exists('/eph-restart');
  assert.ok(st !== null);
  assert.equal(st.ephemeralOwner, sid);
  assert.ok(!rec.events.includes('expired'));
  await c.close();
});

test('expired session: expired then connected with a new id; ephemerals gone', async () => {
  const c = testClient({ connectString: zk.connectString, sessionTimeoutMs: TIMEOUT });
  const rec = recorder(c);
  await c.connect();
  await c.create('/eph-exp', Buffer.from('x'), 'ephemeral');
  const old = c.sessionId;
  const cred = c.credentials();
  await zk.expireSession(cred.id, cred.password);
  await rec.next('expired', 8000);
  await rec.next('connected', 8000);
  assert.notEqual(c.sessionId, old);
  assert.equal(await c.exists('/eph-exp'), null);
  await c.close();
});

test('a watch set before a partition fires for a change made during it', async () => {
  const proxy = await startZkProxy(zk.port);
  const writer = testClient({ connectString: zk.connectString });
  await writer.connect();
  await writer.create('/w', Buffer.from('v1'));
  const c = testClient({ connectString: proxy.connectString, sessionTimeoutMs: 8000 });
  const rec = recorder(c);
  await c.connect();
  const fired: string[] = [];
  await c.get('/w', (ev) => fired.push(`${ev.type} ${ev.path}`));
  proxy.cut();
  await rec.next('disconnected', 3000);
  await writer.setData('/w', Buffer.from('v2'), -1);
  await sleep(300);
  assert.deepEqual(fired, []);
  proxy.heal();
  await rec.next('reconnected', 8000);
  const t0 = Date.now();
  while (fired.length === 0 && Date.now() - t0 < 3000) await sleep(20);
  assert.deepEqual(fired, ['changed /w']);
  assert.equal((await c.get('/w')).data.toString(), 'v2');
  await c.close();
  await writer.close();
  await proxy.close();
});

test('ephemeral-sequential names, versioned writes and multi all-or-nothing', async () => {
  const c = testClient({ connectString: zk.connectString });
  await c.connect();
  await c.mkdirs('/t/a/b');
  const p1 = await c.create('/t/a/b/k,v,', new Uint8Array(0), 'ephemeral-sequential');
  const p2 = await c.create('/t/a/b/k,v,', new Uint8Array(0), 'ephemeral-sequential');
  assert.match(p1, /^\/t\/a\/b\/k,v,\d{10}$/);
  assert.ok(p2 > p1);
  const st = await c.setData('/t/a', Buffer.from('x'), 0);
  assert.equal(st.version, 1);
  await assert.rejects(c.setData('/t/a', Buffer.from('y'), 0), (e) => isZkError(e, 'BAD_VERSION'));
  await assert.rejects(
    c.multi([
      { op: 'create', path: '/t/m1', data: Buffer.from('1') },
      { op: 'set', path: '/t/a', data: Buffer.from('z'), version: 7 },
    ]),
    (e) => isZkError(e, 'BAD_VERSION') && e.opIndex === 1,
  );
  assert.equal(await c.exists('/t/m1'), null, 'multi rolled back');
  const res = await c.multi([
    { op: 'create', path: '/t/m1', data: Buffer.from('1') },
    { op: 'set', path: '/t/a', data: Buffer.from('z'), version: 1 },
    { op: 'delete', path: p1, version: -1 },
  ]);
  assert.deepEqual(res[0], { op: 'create', path: '/t/m1' });
  assert.equal(res[1]?.op === 'set' ? res[1].stat?.version : -1, 2);
  assert.equal(await c.exists(p1), null);
  await c.close();
});
