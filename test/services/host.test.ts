/**
 * Host registration, its ephemeral state across a session kill, refusals, and
 * mm-ctl bind/unbind against a real ZooKeeper (whole nodes compared before and
 * after), with the bindings the agent learns from them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startZk, type ZkServer, testClient, closeTestClients } from '../support/zk.js';
import { HostRegistration, HostRegistrationError, parsePortActive } from '../../agent/host/registration.js';
import { HostBindings, type BindingEvent } from '../../agent/host/bindings.js';
import { mmCtl, MM_CTL_BAD_COMMAND, MM_CTL_NO_HOST_ID, MM_CTL_OK, MM_CTL_STATE_ERROR } from '../../agent/cli/mm-ctl.js';
import { TopologyStore } from '../../agent/nsdb/topology-store.js';
import { Zoom } from '../../agent/nsdb/zoom.js';
import { decodeZoomObject, ZoomChange, ZoomOwner } from '../../agent/nsdb/zoom-object.js';
import type { ZkClient } from '../../agent/nsdb/zk/index.js';
import { sleep, until } from '../support/wait.js';

const H1 = 'a0000000-0000-4000-8000-000000000001';
const H2 = 'a0000000-0000-4000-8000-000000000002';
const P1 = 'd0000000-0000-4000-8000-000000000001';
const IFS = [{ name: 'eth0', mac: '52:54:00:12:34:56', addresses: ['10.0.0.5'], up: true, mtu: 1500 }];
let zk: ZkServer;
let admin: ZkClient;
let n = 0;

before(async () => {
  zk = await startZk();
  admin = testClient({ connectString: zk.connectString });
  await admin.connect();
});
after(async () => {
  await closeTestClients();
  await admin.close();
  await zk.close();
});

function hostIdFile(id: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mm-hostid-'));
  const f = join(dir, 'midonet_host_id.properties');
  writeFileSync(f, `# test\nhost_uuid=${id}\n`);
  return f;
}

test('registration creates Host with provenance, alive and host; survives a session kill', async () => {
  const root = `/h${++n}`;
  const c = testClient({ connectString: zk.connectString, sessionTimeoutMs: 4000 });
  await c.connect();
  const zoom = new Zoom(c, root);
  const reg = new HostRegistration(c, zoom, { hostId: H1, hostName: 'node-1', interfaces: () => IFS, retryMs: 200 });
  await reg.start();
  const az = new Zoom(admin, root);
  const host = await az.read('hosts', H1);
  assert.deepEqual(host?.obj, { id: H1, name: 'node-1' });
  const prov = decodeZoomObject((await admin.get(az.paths.object('Host', H1))).data);
  assert.equal(prov.provenance[0]?.change_owner, ZoomOwner.NONE);
  const alivePath = az.paths.stateKey(H1, 'Host', H1, 'alive');
  const alive = await admin.get(alivePath);
  assert.equal(alive.data.toString(), 'alive');
  assert.equal(alive.stat.ephemeralOwner, c.sessionId);
  const hostState = (await admin.get(az.paths.stateKey(H1, 'Host', H1, 'host'))).data.toString();
  assert.match(hostState, /mac: "52:54:00:12:34:56"/);
  assert.ok((await admin.exists(az.paths.stateClass(H1, 'Port'))) !== null, 'state/{host}/Port exists');

  const key = await reg.setPortActive(P1, true);
  assert.ok(key !== null && key >= 0x100000 && key <= 0x1fffff);
  const activePath = az.paths.stateKey(H1, 'Port', P1, 'active');
  assert.deepEqual(parsePortActive((await admin.get(activePath)).data.toString()), { hostId: H1, tunnelKey: key });

  const oldSession = c.sessionId;
  const cred = c.credentials();
  await zk.expireSession(cred.id, cred.password);
  await until(async () => {
    const st = await admin.exists(alivePath);
    return st !== null && st.ephemeralOwner !== oldSession && st.ephemeralOwner === c.sessionId;
  }, 10_000, 'alive re-created by the new session');
  await until(async () => (await admin.exists(activePath))?.ephemeralOwner === c.sessionId, 5000, 'active re-created');
  assert.deepEqual(parsePortActive((await admin.get(activePath)).data.toString()), { hostId: H1, tunnelKey: key });

  // Someone deletes alive under us: it comes back.
  await admin.delete(alivePath, -1);
  await until(async () => (await admin.exists(alivePath)) !== null, 5000, 'alive restored');

  await reg.stop();
  assert.equal(await admin.exists(alivePath), null);
  assert.equal(await admin.exists(activePath), null);
  await c.close();
});

test('registration refuses another name or foreign MACs, accepts a matching host', async () => {
  const root = `/h${++n}`;
  const zoom = new Zoom(admin, root);
  await zoom.ensureLayout();
  await zoom.tx().create('hosts', { id: H2, name: 'other-name' }).commit();
  const r1 = new HostRegistration(admin, zoom, { hostId: H2, hostName: 'node-2', interfaces: () => IFS });
  await assert.rejects(r1.register(), (e) => e instanceof HostRegistrationError && /other-name/.test(e.message));

  const root2 = `/h${++n}`;
  const z2 = new Zoom(admin, root2);
  await z2.ensureLayout(H2);
  await z2.tx().create('hosts', { id: H2, name: 'node-2' }).commit();
  await admin.mkdirs(z2.paths.stateObject(H2, 'Host', H2));
  await admin.create(z2.paths.stateKey(H2, 'Host', H2, 'host'),
    Buffer.from('host_id {\n  msb: 1\n  lsb: 2\n}\ninterfaces {\n  name: "eth9"\n  mac: "02:00:00:00:00:99"\n}\n'));
  const r2 = new HostRegistration(admin, z2, { hostId: H2, hostName: 'node-2', interfaces: () => IFS });
  await assert.rejects(r2.register(), (e) => e instanceof HostRegistrationError && /02:00:00:00:00:99/.test(e.message));
  const r3 = new HostRegistration(admin, z2, {
    hostId: H2, hostName: 'node-2', interfaces: () => [...IFS, { name: 'eth9', mac: '02:00:00:00:00:99' }],
  });
  await r3.register();
  await r3.stop();
});

test('mm-ctl bind/unbind change exactly the expected fields, in one multi, and the agent sees them', async () => {
  const root = `/h${++n}`;
  const zoom = new Zoom(admin, root);
  await zoom.ensureLayout();
  await zoom.tx()
    .create('hosts', { id: H1, name: 'node-1' })
    .create('hosts', { id: H2, name: 'node-2', port_ids: [P1] })
    .create('ports', { id: P1, network_id: 'c0000000-0000-4000-8000-000000000001', host_id: H2, interface_name: 'tap-old', tunnel_key: 9 })
    .commit();
  const env = { MIDO_ZOOKEEPER_HOSTS: zk.connectString, MIDO_ZOOKEEPER_ROOT_KEY: root };
  const hostIdPaths = { primary: hostIdFile(H1), legacy: '/nonexistent' };
  const base = { env, iniPaths: [], hostIdPaths, skipRootCheck: true, out: () => undefined };

  const agentZk = testClient({ connectString: zk.connectString });
  await agentZk.connect();
  const store = new TopologyStore(agentZk, { root });
  const bindings = new HostBindings(store, H1);
  const seen: BindingEvent[] = [];
  bindings.on((e) => seen.push(e));
  await bindings.start();
  assert.deepEqual(bindings.current(), []);

  const before = {
    port: (await zoom.read('ports', P1))?.obj,
    h1: (await zoom.read('hosts', H1))?.obj,
    h2: (await zoom.read('hosts', H2))?.obj,
  };
  assert.equal(await mmCtl(['--bind-port', P1, 'tap-new'], base), MM_CTL_OK);
  const port = await zoom.read('ports', P1);
  assert.deepEqual(port?.obj, { ...before.port, host_id: H1, interface_name: 'tap-new', previous_host_id: H2 });
  assert.equal(port?.version, 1);
  assert.deepEqual((await zoom.read('hosts', H1))?.obj, { ...before.h1, port_ids: [P1] });
  assert.deepEqual((await zoom.read('hosts', H2))?.obj, { id: H2, name: 'node-2' }, 'empty repeated field = absent');
  const zx = await Promise.all([
    admin.exists(zoom.paths.model('Port', P1)), admin.exists(zoom.paths.model('Host', H1)),
    admin.exists(zoom.paths.model('Host', H2)), admin.exists(zoom.paths.object('Port', P1)),
  ]);
  assert.equal(new Set(zx.map((s) => s?.mzxid)).size, 1, 'port, both hosts and provenance changed in one multi');
  const pprov = decodeZoomObject((await admin.get(zoom.paths.object('Port', P1))).data).provenance;
  assert.deepEqual(pprov.map((p) => [p.change_owner, p.change_type, p.change_version]),
    [[ZoomOwner.NONE, ZoomChange.DATA, 0], [ZoomOwner.AGENT_BINDING, ZoomChange.DATA, 1]]);
  const hprov = decodeZoomObject((await admin.get(zoom.paths.object('Host', H1))).data).provenance;
  assert.deepEqual(hprov.at(-1)?.change_type, ZoomChange.BACK_REFERENCE);

  await until(() => seen.length >= 1, 3000, 'bound event');
  assert.deepEqual(seen, [{ kind: 'bound', binding: { portId: P1, interfaceName: 'tap-new', tunnelKey: 9, previousHostId: H2 } }]);

  seen.length = 0;
  assert.equal(await mmCtl(['--unbind-port', P1], base), MM_CTL_OK);
  const { host_id: _h, interface_name: _i, ...rest } = before.port ?? { id: P1 };
  void _h;
  void _i;
  assert.deepEqual((await zoom.read('ports', P1))?.obj, { ...rest, previous_host_id: H1 });
  assert.deepEqual((await zoom.read('hosts', H1))?.obj, before.h1);
  await until(() => seen.length >= 1, 3000, 'unbound event');
  assert.deepEqual(seen, [{ kind: 'unbound', portId: P1, interfaceName: 'tap-new' }]);

  // Bound again while the agent already watches the port: the multi writes the Host's
  // back-reference before the Port, and the binding must not be undone by the older port.
  seen.length = 0;
  assert.equal(await mmCtl(['--bind-port', P1, 'tap-new'], base), MM_CTL_OK);
  await until(() => seen.length >= 1, 3000, 'bound again');
  await sleep(300);
  assert.deepEqual(seen.map((e) => e.kind), ['bound'], 'one bound event, no unbound after it');
  assert.deepEqual(bindings.current().map((b) => b.portId), [P1]);

  assert.equal(await mmCtl(['--bind-port', 'd0000000-0000-4000-8000-0000000000ee', 'x'], base), MM_CTL_STATE_ERROR);
  assert.equal(await mmCtl(['--bind-port', P1], base), MM_CTL_BAD_COMMAND);
  assert.equal(await mmCtl(['--bind-port', P1, 'x'], { ...base, hostIdPaths: { primary: '/nonexistent/a', legacy: '/nonexistent/b' } }), MM_CTL_NO_HOST_ID);
  bindings.stop();
  store.close();
  await agentZk.close();
});
