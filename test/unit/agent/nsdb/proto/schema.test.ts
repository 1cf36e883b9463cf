/**
 * Schema tables: spot checks against spec nsdb.md §2 and the rendered .proto
 * reference files kept in sync with the tables.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../../../support/paths.js';
import { enumType, messageType, PROTO_REGISTRY } from '../../../../../agent/nsdb/proto/index.js';
import { renderProtoFile } from '../../../../../agent/nsdb/proto/render-proto.js';
import { CLASS_OF } from '../../../../../simulation/topology/objects.js';

test('every topology class of CLASS_OF has a message type with an id field 1', () => {
  for (const cls of Object.values(CLASS_OF)) {
    const f = messageType(cls).byNumber.get(1);
    assert.equal(f?.name, 'id', cls);
    assert.equal(f?.type, 'UUID', cls);
  }
});

test('spot checks: numbers, labels, defaults, oneofs, nested enums', () => {
  const uuid = messageType('UUID');
  assert.deepEqual(uuid.fields.map((f) => [f.number, f.name, f.label, f.type]),
    [[1, 'msb', 'required', 'uint64'], [2, 'lsb', 'required', 'uint64']]);
  const port = messageType('Port');
  assert.equal(port.byName.get('admin_state_up')?.default, true);
  assert.equal(port.byName.get('port_subnet')?.label, 'repeated');
  assert.equal(port.byName.get('previous_host_id')?.number, 28);
  assert.equal(port.byNumber.get(22), undefined);
  assert.equal(port.byName.get('remote_mac_entry_ids')?.number, 120);
  const bgp = messageType('BgpPeer');
  assert.deepEqual(bgp.fields.slice(-2).map((f) => f.name), ['router_id', 'password'], 'sorted by number');
  assert.equal(messageType('Rule').byName.get('transform_rule_data')?.oneof, 'rule_data');
  assert.equal(messageType('Router').byName.get('as_number')?.default, -1);
  assert.equal(messageType('Pool').byName.get('lb_method')?.default, 'ROUND_ROBIN');
  assert.equal(messageType('LoggingResource').byName.get('type')?.type, 'LoggingResource.Type');
  assert.equal(enumType('EtherType').byName.get('IPV6'), 34525);
  assert.equal(enumType('Route.NextHop').byNumber.get(0), 'BLACKHOLE');
  assert.equal(messageType('Vtep').byNumber.get(5), undefined);
  assert.equal(messageType('Condition').byName.get('fragment_policy')?.kind, 'enum');
  assert.equal(messageType('HostState.Interface').byName.get('port_type')?.type, 'HostState.Interface.DpPortType');
});

test('the reference .proto files equal the rendering of the tables', () => {
  for (const file of PROTO_REGISTRY.files) {
    const onDisk = readFileSync(join(repoRoot, 'agent', 'nsdb', 'proto', file.name), 'utf8');
    assert.equal(onDisk, renderProtoFile(file),
      `${file.name} is stale: regenerate with writeProtoFiles() (see render-proto.ts)`);
  }
});
