/**
 * mn-conf precedence against a real ZooKeeper: env/INI > nodes/{host} >
 * mapped template > templates/default > schemas > built-in defaults.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startZk, type ZkServer, testClient, closeTestClients } from '../support/zk.js';
import { loadConfig } from '../../agent/runtime/config.js';
import type { ZkClient } from '../../agent/nsdb/zk/index.js';

const HOST = 'a0000000-0000-4000-8000-000000000001';
const OTHER = 'a0000000-0000-4000-8000-000000000002';
let zk: ZkServer;
let c: ZkClient;
before(async () => {
  zk = await startZk();
  c = testClient({ connectString: zk.connectString });
  await c.connect();
});
after(async () => {
  await closeTestClients();
  await c.close();
  await zk.close();
});

async function put(path: string, doc: unknown): Promise<void> {
  await c.mkdirs(path);
  await c.setData(path, Buffer.from(typeof doc === 'string' ? doc : JSON.stringify(doc)), -1);
}

test('config precedence across env/INI, nodes, template, default, schemas, defaults', async () => {
  const base = '/cfg/config';
  await put(`${base}/schemas/agent`, {
    agent: { schemaVersion: 32, arptable: { arp_stale: '11s', arp_timeout: '12s', arp_retry_interval: '13s', arp_expiration: '14s' } },
  });
  await put(`${base}/schemas/nsdb`, { zookeeper: { transaction_attempts: 5 } });
  await put(`${base}/templates/default`, { agent: { arptable: { arp_timeout: '22s', arp_retry_interval: '23s', arp_expiration: '24s' } } });
  await put(`${base}/templates/agent-compute-medium`, { agent: { arptable: { arp_retry_interval: '33s', arp_expiration: '34s' }, datapath: { max_flow_count: 350000 } } });
  await put(`${base}/template-mappings`, { [HOST]: 'agent-compute-medium' });
  await put(`${base}/nodes/${HOST}`, 'agent.arptable.arp_expiration = 44s\n');
  const dir = mkdtempSync(join(tmpdir(), 'mm-cfg-'));
  const ini = join(dir, 'midolman.conf');
  writeFileSync(ini, '[zookeeper]\nroot_key = /cfg\n[bridge]\nmac_port_mapping_expire_millis = 5000\n');
  const opts = { env: { MIDO_ZOOKEEPER_HOSTS: zk.connectString }, iniPaths: [ini] };

  const cfg = await loadConfig(c, HOST, opts);
  assert.equal(cfg.arpStaleMs, 11_000, 'schema');
  assert.equal(cfg.durationMs('agent.arptable.arp_timeout'), 22_000, 'default template');
  assert.equal(cfg.durationMs('agent.arptable.arp_retry_interval'), 33_000, 'mapped template');
  assert.equal(cfg.arpExpirationMs, 44_000, 'per-node (HOCON)');
  assert.equal(cfg.macPortMappingExpireMs, 5000, 'INI');
  assert.equal(cfg.maxFlowCount, 350_000);
  assert.equal(cfg.transactionAttempts, 5);
  assert.equal(cfg.vxlanVtepUdpPort, 4789, 'built-in default');
  assert.equal(cfg.rootKey, '/cfg');

  const other = await loadConfig(c, OTHER, opts);
  assert.equal(other.durationMs('agent.arptable.arp_retry_interval'), 23_000, 'unmapped host gets default');
  assert.equal(other.maxFlowCount, 1_500_000);
  const envWins = await loadConfig(c, HOST, { ...opts, env: { ...opts.env, MIDO_ZOOKEEPER_ROOT_KEY: '/elsewhere' } });
  assert.equal(envWins.rootKey, '/elsewhere');
  assert.equal(envWins.arpStaleMs, 60_000, 'nothing under /elsewhere');
});
