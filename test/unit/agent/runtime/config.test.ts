import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  fixRootKey, iniToFlat, loadConfig, parseConfDocument, parseDurationMs, parseIni, zkBootstrap, ConfigError,
} from '../../../../agent/runtime/config.js';
import { parseHocon } from '../../../../agent/runtime/hocon.js';

function ini(text: string): string {
  const f = join(mkdtempSync(join(tmpdir(), 'mm-conf-')), 'midolman.conf');
  writeFileSync(f, text);
  return f;
}

test('INI sections map to HOCON keys with the unit fix-ups', () => {
  const flat = iniToFlat(parseIni([
    '[zookeeper]', 'zookeeper_hosts = 10.0.0.1:2181,10.0.0.2:2181', 'session_timeout = 5000', 'root_key=/mn',
    '# comment', '[bridge]', 'mac_port_mapping_expire_millis = 20000',
    '[arptable]', 'arp_stale_seconds = 1800', '[midolman]', 'bgp_keepalive = 40', 'simulation_threads: 4',
    '[cassandra]', 'servers = 10.0.0.3',
  ].join('\n')));
  assert.deepEqual(flat, {
    'zookeeper.zookeeper_hosts': '10.0.0.1:2181,10.0.0.2:2181',
    'zookeeper.session_timeout': '5000ms',
    'zookeeper.root_key': '/mn',
    'agent.bridge.mac_port_mapping_expire': '20000ms',
    'agent.arptable.arp_stale': '1800s',
    'agent.midolman.bgp_keepalive': '40s',
    'agent.midolman.simulation_threads': '4',
    'cassandra.servers': '10.0.0.3',
  });
});

test('bootstrap: env beats INI beats defaults; /midonet/v1 becomes /midonet', () => {
  const f = ini('[zookeeper]\nzookeeper_hosts = 10.1.1.1:2181\nroot_key = /midonet/v1\n');
  assert.deepEqual(zkBootstrap({ env: {}, iniPaths: [f] }), { hosts: '10.1.1.1:2181', rootKey: '/midonet' });
  assert.deepEqual(zkBootstrap({ env: { MIDO_ZOOKEEPER_HOSTS: 'h:1', MIDO_ZOOKEEPER_ROOT_KEY: '/x' }, iniPaths: [f] }),
    { hosts: 'h:1', rootKey: '/x' });
  assert.deepEqual(zkBootstrap({ env: {}, iniPaths: ['/nonexistent'] }), { hosts: '127.0.0.1:2181', rootKey: '/midonet' });
  assert.equal(fixRootKey('/midonet/v1/'), '/midonet');
});

test('durations, HOCON subset and JSON documents', () => {
  assert.equal(parseDurationMs('30s'), 30_000);
  assert.equal(parseDurationMs('1500'), 1500);
  assert.equal(parseDurationMs('2 minutes'), 120_000);
  assert.equal(parseDurationMs(250), 250);
  assert.throws(() => parseDurationMs('soon', 'k'), ConfigError);
  assert.deepEqual(parseHocon('agent {\n  arptable.arp_stale = 10s // c\n  datapath { max_flow_count : 100 }\n}\nagent.arptable.arp_timeout = "5s", x = [1, 2]\n'),
    { agent: { arptable: { arp_stale: '10s', arp_timeout: '5s' }, datapath: { max_flow_count: 100 } }, x: [1, 2] });
  assert.deepEqual(parseConfDocument('{"agent":{"datapath":{"max_flow_count":20000}}}', 't'), { 'agent.datapath.max_flow_count': 20000 });
  assert.equal(parseConfDocument('agent { = }', 't'), null);
});

test('local-only config: defaults and typed accessors', async () => {
  const f = ini('[arptable]\narp_expiration_seconds = 7\n[zookeeper]\nsession_timeout = 9000\n');
  const c = await loadConfig(null, null, { env: {}, iniPaths: [f] });
  assert.equal(c.arpExpirationMs, 7000);
  assert.equal(c.sessionTimeoutMs, 9000);
  assert.equal(c.sessionGracetimeMs, 9000, 'gracetime follows the session timeout');
  assert.equal(c.macPortMappingExpireMs, 15_000);
  assert.equal(c.maxFlowCount, 1_500_000);
  assert.equal(c.bool('agent.midolman.enable_bridge_arp'), true);
  assert.equal(c.vxlanOverlayUdpPort, 6677);
});
