/**
 * Port active state from ZooKeeper: the edge router of examples/two-tier
 * publishes its uplink routes only while the uplink's binding host has the
 * port's `active` key, and traffic to the port uses the tunnel key that host
 * published (PortState text, 5.2+), or the cluster's key for a bare-UUID value
 * (5.0). A port rebound to another host is read in the new host's namespace.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pino } from 'pino';
import { repoRoot } from '../support/paths.js';
import { testClient } from '../support/zk.js';
import { loadTopologyFile } from '../../agent/topology-file/index.js';
import { importTopology } from '../../agent/nsdb/zoom-import.js';
import { portStateText } from '../../agent/host/registration.js';
import { TopologyStore } from '../../agent/nsdb/topology-store.js';
import { Zoom } from '../../agent/nsdb/zoom.js';
import { PortStates } from '../../agent/topology/port-states.js';
import { TopologyService } from '../../agent/topology/topology-service.js';
import { sleep, until } from '../support/wait.js';
import { zkSuite } from '../support/zk-suite.js';

const file = loadTopologyFile(join(repoRoot, 'examples', 'two-tier', 'topology.json'));
const HOST = file.localHostId!;
const OTHER = file.objects.hosts.find((h) => h.id !== HOST)!.id;
const EDGE = 'e0000000-0000-4000-8000-000000000002';
const UPLINK = 'f0000000-0000-4000-8000-000000000004';
const DEFAULT_ROUTE = '94000000-0000-4000-8000-000000000011';

const suite = zkSuite();

test('uplink routes follow the binding host\'s active key; its tunnel key is the published one', async () => {
  const root = '/portstates';
  const zoom = new Zoom(suite.writer, root);
  await importTopology(zoom, file.objects);
  const client = testClient({ connectString: suite.zk.connectString });
  await client.connect();
  const store = new TopologyStore(client, { root });
  const svc = new TopologyService({ source: store, localHostId: HOST, invalidate: () => 0, log: pino({ level: 'silent' }), batchMs: 2 });
  const states = new PortStates({ zk: client, paths: zoom.paths, set: (id, s) => svc.setPortState(id, s), log: pino({ level: 'silent' }) });
  const unsub = store.on(() => undefined);
  // Sync the watcher on every rebuild, as the agent does.
  const tick = setInterval(() => states.sync(svc.current()), 5);
  const hasDefault = (): boolean => svc.current().router(EDGE)?.routes.some((r) => r.id === DEFAULT_ROUTE) ?? false;
  const uplink = () => svc.current().port(UPLINK);
  try {
    await svc.demand('routers', EDGE);
    await until(() => uplink()?.active === false, 5000, 'no active key: the uplink is inactive');
    assert.equal(hasDefault(), false, 'an inactive uplink publishes no route');

    const activePath = zoom.paths.stateKey(HOST, 'Port', UPLINK, 'active');
    await suite.writer.mkdirs(zoom.paths.stateObject(HOST, 'Port', UPLINK));
    await suite.writer.create(activePath, new TextEncoder().encode(portStateText(HOST, 0x1abcde)), 'ephemeral');
    await until(() => uplink()?.active === true, 5000, 'active key written: the uplink is active');
    await until(hasDefault, 5000, 'its routes are published');
    assert.equal(uplink()!.tunnelKey, 0x1abcde, 'the published tunnel key');

    // A 5.0 agent writes its bare host id: active, with the cluster's key.
    await suite.writer.setData(activePath, new TextEncoder().encode(HOST), -1);
    await until(() => uplink()?.tunnelKey === 8, 5000, 'bare UUID: the cluster tunnel key');
    assert.equal(uplink()!.active, true);

    await suite.writer.delete(activePath, -1);
    await until(() => uplink()?.active === false, 5000, 'key removed: inactive again');
    await until(() => !hasDefault(), 5000, 'routes withdrawn');

    // Rebound to the other host: its namespace is the one that counts.
    const r = (await zoom.read('ports', UPLINK))!;
    await zoom.tx().update('ports', { ...r.obj, host_id: OTHER }, r.version).commit();
    await until(() => uplink()?.hostId === OTHER, 5000, 'rebinding seen');
    await suite.writer.create(activePath, new TextEncoder().encode(portStateText(HOST, 0x1aaaaa)), 'ephemeral');
    await sleep(200);
    assert.equal(uplink()!.active, false, 'the old host\'s key no longer counts');
    const otherPath = zoom.paths.stateKey(OTHER, 'Port', UPLINK, 'active');
    await suite.writer.mkdirs(zoom.paths.stateObject(OTHER, 'Port', UPLINK));
    await suite.writer.create(otherPath, new TextEncoder().encode(portStateText(OTHER, 0x1bbbbb)), 'ephemeral');
    await until(() => uplink()?.active === true && uplink()?.tunnelKey === 0x1bbbbb, 5000, 'the new host\'s key counts');
  } finally {
    clearInterval(tick);
    unsub();
    states.close();
    svc.close();
    store.close();
  }
});
