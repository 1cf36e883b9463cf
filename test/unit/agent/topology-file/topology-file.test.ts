/**
 * Topology file: good files load (the shipped example included), every kind of
 * bad input gives a precise, located message, and export → import is identity.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../../support/paths.js';
import {
  formatTopologyFile, loadTopologyFile, parseTopologyJson, TopologyFileError, writeTopologyFile,
} from '../../../../agent/topology-file/index.js';
import { CLASS_OF, TOPOLOGY_CLASS_KEYS } from '../../../../simulation/topology/objects.js';
import { topologyObjectFromText, topologyObjectToText } from '../../../../agent/nsdb/proto-objects.js';

const H1 = 'a0000000-0000-4000-8000-000000000001';
const N1 = 'c0000000-0000-4000-8000-000000000001';
const P1 = 'd0000000-0000-4000-8000-000000000001';
const R1 = 'e0000000-0000-4000-8000-000000000001';

const GOOD = {
  local_host_id: H1.toUpperCase(),
  hosts: [{ id: H1, name: 'compute-1' }],
  networks: [{ id: N1, name: 'blue', admin_state_up: true, tunnel_key: 100 }],
  ports: [
    { id: P1, network_id: N1, host_id: H1, interface_name: 'tap0' },
    { id: 'd0000000-0000-4000-8000-000000000002', router_id: R1, port_subnet: ['10.0.0.0/24', '2001:db8::/64'],
      port_address: '10.0.0.1', port_mac: '02:00:00:AA:BB:CC' },
  ],
  rules: [{
    id: 'f0000000-0000-4000-8000-000000000001', type: 'NAT_RULE', action: 'ACCEPT',
    condition: { nw_src_ip: '10.0.0.0/24', tp_dst: { start: 80, end: 80 }, dl_type: 2048 },
    nat_rule_data: { dnat: false, nat_targets: [{ nw_start: '203.0.113.1', nw_end: '203.0.113.1', tp_start: 1024, tp_end: 65535 }] },
  }],
};

function loadError(doc: unknown, file = 'net.json'): string {
  const text = typeof doc === 'string' ? doc : JSON.stringify(doc);
  try {
    parseTopologyJson(text, file);
  } catch (e) {
    assert.ok(e instanceof TopologyFileError, `not a TopologyFileError: ${String(e)}`);
    assert.equal(e.code, 'MM_ERR_TOPOLOGY_FILE');
    return e.message;
  }
  assert.fail('expected the file to be rejected');
}

test('a good file loads, normalized; absent classes are empty arrays', () => {
  const { objects, localHostId } = parseTopologyJson(JSON.stringify(GOOD), 'net.json');
  assert.equal(localHostId, H1);
  assert.equal(objects.ports.length, 2);
  assert.equal(objects.ports[1]!.port_mac, '02:00:00:aa:bb:cc');
  assert.deepEqual(objects.ports[1]!.port_subnet, ['10.0.0.0/24', '2001:db8::/64']);
  assert.equal(objects.rules[0]!.nat_rule_data?.nat_targets?.[0]?.tp_end, 65535);
  assert.deepEqual(objects.chains, []);
  for (const key of TOPOLOGY_CLASS_KEYS) assert.ok(Array.isArray(objects[key]), key);
});

test('the shipped example loads and every object survives the ZooKeeper text codec', () => {
  const { objects, localHostId } = loadTopologyFile(join(repoRoot, 'examples', 'two-tier', 'topology.json'));
  assert.ok(localHostId !== undefined);
  let count = 0;
  for (const key of TOPOLOGY_CLASS_KEYS) {
    for (const obj of objects[key]) {
      const text = topologyObjectToText(key, obj as never);
      assert.deepEqual(topologyObjectFromText(key, text), obj, `${CLASS_OF[key]} ${obj.id}`);
      count++;
    }
  }
  assert.ok(count > 10);
});

test('bad input gives precise messages', () => {
  const cases: [unknown, string][] = [
    [[], 'net.json: expected a JSON object with one array per class (hosts, networks, ports, …), got an array'],
    [{ netwroks: [] }, 'net.json: unknown top-level key "netwroks" (did you mean "networks"?)'],
    [{ bridges: [] }, 'net.json: unknown top-level key "bridges"; expected local_host_id or one of: ' + TOPOLOGY_CLASS_KEYS.join(', ')],
    [{ ports: {} }, 'net.json: ports: expected an array of Port objects, got an object'],
    [{ ports: ['x'] }, 'net.json: ports[0]: expected a Port object, got "x"'],
    [{ ports: [{ network_id: N1 }] }, 'net.json: ports[0]: missing required field "id" (a UUID like "4a2e6b0c-1f3d-4b5a-9c8d-7e6f5a4b3c2d")'],
    [{ ports: [{ id: 'p1' }] }, 'net.json: ports[0] (id p1): field "id": expected a UUID like "4a2e6b0c-1f3d-4b5a-9c8d-7e6f5a4b3c2d", got "p1"'],
    [{ ports: [{ id: P1, port_subnet: ['10.0.0.0'] }] },
      `net.json: ports[0] (id ${P1}): field "port_subnet[0]": expected an IP subnet like "10.0.0.0/24", got "10.0.0.0"`],
    [{ ports: [{ id: P1, port_subnet: '10.0.0.0/24' }] },
      `net.json: ports[0] (id ${P1}): field "port_subnet": expected an array of an IP subnet like "10.0.0.0/24", got "10.0.0.0/24"`],
    [{ ports: [{ id: P1, port_address: '10.0.0.300' }] },
      `net.json: ports[0] (id ${P1}): field "port_address": expected an IP address like "10.0.0.1" or "2001:db8::1", got "10.0.0.300"`],
    [{ ports: [{ id: P1, port_mac: '02:00:00:aa:bb' }] },
      `net.json: ports[0] (id ${P1}): field "port_mac": expected a MAC address like "02:00:00:aa:bb:cc", got "02:00:00:aa:bb"`],
    [{ ports: [{ id: P1, vlan_id: -1 }] },
      `net.json: ports[0] (id ${P1}): field "vlan_id": expected an integer from 0 to 4294967295 (uint32), got -1`],
    [{ ports: [{ id: P1, admin_state_up: 'yes' }] },
      `net.json: ports[0] (id ${P1}): field "admin_state_up": expected true or false, got "yes"`],
    [{ ports: [{ id: P1, subnet: '10.0.0.0/24' }] }, `net.json: ports[0] (id ${P1}): unknown field "subnet" in Port`],
    [{ ports: [{ id: P1, netwrk_id: N1 }] },
      `net.json: ports[0] (id ${P1}): unknown field "netwrk_id" in Port (did you mean "network_id"?)`],
    [{ rules: [{ id: R1, action: 'ALLOW' }] },
      `net.json: rules[0] (id ${R1}): field "action": expected one of ACCEPT, CONTINUE, DROP, JUMP, REJECT, RETURN, REDIRECT, got "ALLOW"`],
    [{ rules: [{ id: R1, condition: { tp_dst: { start: 80, stop: 90 } } }] },
      `net.json: rules[0] (id ${R1}): unknown field "condition.tp_dst.stop" in Int32Range`],
    [{ rules: [{ id: R1, condition: { nw_dst_ip: '10.0.0.0/33' } }] },
      `net.json: rules[0] (id ${R1}): field "condition.nw_dst_ip": expected an IP subnet like "10.0.0.0/24", got "10.0.0.0/33"`],
    [{ rules: [{ id: R1, jump_rule_data: {}, nat_rule_data: {} }] },
      `net.json: rules[0] (id ${R1}): fields "jump_rule_data" and "nat_rule_data" are alternatives (oneof rule_data); set at most one`],
    [{ tunnel_zones: [{ id: R1, hosts: [{ host_id: H1, ip: 5 }] }] },
      `net.json: tunnel_zones[0] (id ${R1}): field "hosts[0].ip": expected an IP address like "10.0.0.1" or "2001:db8::1", got 5`],
    [{ networks: [{ id: N1 }, { id: N1.toUpperCase() }] },
      `net.json: networks[1] (id ${N1.toUpperCase()}): duplicate id: networks[0] has the same id`],
    [{ local_host_id: 'me' }, 'net.json: local_host_id: expected a UUID like "4a2e6b0c-1f3d-4b5a-9c8d-7e6f5a4b3c2d", got "me"'],
  ];
  for (const [doc, message] of cases) assert.equal(loadError(doc), message);
});

test('JSON syntax errors are located by line and column', () => {
  const msg = loadError('{\n  "hosts": [\n    { "id": "x", }\n  ]\n}');
  assert.match(msg, /^net\.json: not valid JSON: .* at line 3, column 18$/);
  // Without a position from the engine the reason is still labelled with the file.
  assert.match(loadError('{"hosts": [1,}'), /^net\.json: not valid JSON: \S/);
});

test('a missing file is a TopologyFileError, not a stack trace', () => {
  assert.throws(() => loadTopologyFile('/nonexistent/net.json'), (e: unknown) =>
    e instanceof TopologyFileError && e.message === '/nonexistent/net.json: no such file');
});

test('export → import is identity; output is ordered and stable', () => {
  const first = parseTopologyJson(JSON.stringify(GOOD), 'net.json');
  const text = formatTopologyFile(first.objects, first.localHostId);
  const again = parseTopologyJson(text, 'export.json');
  assert.deepEqual(again, first);
  assert.equal(formatTopologyFile(again.objects, again.localHostId), text);
  assert.match(text, /^\{\n {2}"local_host_id": "a0000000-/);
  assert.ok(text.indexOf('"hosts"') < text.indexOf('"networks"'));
  assert.ok(!text.includes('"chains"'), 'empty classes are left out');

  const dir = mkdtempSync(join(tmpdir(), 'topo-'));
  try {
    const path = join(dir, 'out.json');
    writeTopologyFile(path, first.objects, first.localHostId);
    assert.equal(readFileSync(path, 'utf8'), text);
    assert.deepEqual(loadTopologyFile(path), first);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
