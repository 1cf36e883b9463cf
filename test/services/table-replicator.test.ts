/**
 * The agent's tables replicated through MidoNet's ZooKeeper state tables: what
 * this agent learns appears in MidoNet's format where a real Midolman reads it,
 * and what another agent writes there reaches this agent's tables.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { startZk, testClient, closeTestClients, type ZkServer } from '../support/zk.js';
import { Zoom } from '../../agent/nsdb/zoom.js';
import type { ZkClient } from '../../agent/nsdb/zk/index.js';
import { LocalState } from '../../agent/state/local-state.js';
import { TableReplicator } from '../../agent/state/table-replicator.js';
import { parseIpv4, parseMac } from '../../simulation/packet/addr.js';
import { until } from '../support/wait.js';

const BR = 'c0000000-0000-4000-8000-000000000001';
const RT = 'e0000000-0000-4000-8000-000000000001';
const P1 = 'd0000000-0000-4000-8000-000000000001';
const P2 = 'd0000000-0000-4000-8000-000000000002';
let zk: ZkServer;
let agentZk: ZkClient;
let otherZk: ZkClient;

before(async () => {
  zk = await startZk();
  agentZk = testClient({ connectString: zk.connectString });
  otherZk = testClient({ connectString: zk.connectString });
  await agentZk.connect();
  await otherZk.connect();
});
after(async () => {
  await closeTestClients();
  await zk.close();
});

/** A condition that counts as false while it throws (e.g. the table directory is not created yet). */
const orFalse = (cond: () => Promise<boolean>) => async (): Promise<boolean> => {
  try {
    return await cond();
  } catch {
    return false;
  }
};

function setup(root: string) {
  const zoom = new Zoom(agentZk, root);
  const state = new LocalState();
  const remote: string[] = [];
  const rep = new TableReplicator({
    zk: agentZk,
    paths: zoom.paths,
    state,
    applyRemote: (effects) => {
      remote.push(...effects.map((e) => e.kind));
      state.apply(effects, Date.now());
    },
    now: () => 1_000_000,
    arpStaleMs: 60_000,
    arpExpirationMs: 90_000,
    log: pino({ level: 'silent' }),
  });
  return { zoom, state, rep, remote };
}

test('a MAC learned here is a learned entry in MidoNet format; one learned elsewhere reaches our table', async () => {
  const { zoom, state, rep, remote } = setup('/rep1');
  rep.watchBridge(BR);
  state.apply([{ kind: 'mac-learned', bridgeId: BR, vlan: 0, mac: parseMac('fa:16:3e:00:00:01')!, portId: P1 }], 0);
  const dir = zoom.paths.table('Network', BR, 'mac_table') + '/0';
  await until(orFalse(async () => (await otherZk.getChildren(dir)).children.length === 1), 3000, 'entry written', 20);
  const [name] = (await otherZk.getChildren(dir)).children;
  assert.match(name!, new RegExp(`^fa:16:3e:00:00:01,${P1},\\d{10}$`));
  const stat = await otherZk.exists(`${dir}/${name}`);
  assert.notEqual(stat?.ephemeralOwner ?? 0, 0, 'learned entries are ephemeral');

  // Another agent (a real Midolman) learns vm2's MAC on P2.
  await otherZk.create(`${dir}/fa:16:3e:00:00:02,${P2},`, new Uint8Array(0), 'ephemeral-sequential');
  await until(() => state.macPort(BR, 0, parseMac('fa:16:3e:00:00:02')!) === P2, 3000, 'remote MAC applied', 20);
  assert.ok(remote.includes('mac-learned'));
  assert.equal(rep.published, 1, 'the remote entry was not echoed back');
  rep.close();
});

test('router ARP entries are written as mac;expiry;stale;lastArp and read back from other agents', async () => {
  const { zoom, state, rep } = setup('/rep2');
  rep.watchRouter(RT);
  state.apply([{ kind: 'router-arp', routerId: RT, ip: parseIpv4('203.0.113.1')!, mac: parseMac('52:54:00:00:00:01')! }], 0);
  const dir = zoom.paths.table('Router', RT, 'arp_table');
  await until(orFalse(async () => (await otherZk.getChildren(dir)).children.length === 1), 3000, 'ARP entry written', 20);
  const [name] = (await otherZk.getChildren(dir)).children;
  assert.match(name!, /^203\.0\.113\.1,52:54:00:00:00:01;1090000;1060000;0,\d{10}$/);
  await otherZk.create(`${dir}/203.0.113.9,52:54:00:00:00:09;9999999999999;9999999999999;0,`, new Uint8Array(0), 'ephemeral-sequential');
  await until(() => state.routerArp(RT, parseIpv4('203.0.113.9')!)?.mac === parseMac('52:54:00:00:00:09'), 3000, 'remote ARP applied', 20);
  rep.close();
});
