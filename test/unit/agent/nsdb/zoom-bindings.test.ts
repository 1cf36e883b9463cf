/**
 * The binding table against the proto schema and against MidoNet's registration
 * rule: every named field exists and is a UUID field of the right kind, every
 * pair is registered on both classes (a same-class pair once), in declaration order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bindingsOf, DECLARED_BINDINGS, isRepeatedUuidField } from '../../../../agent/nsdb/zoom-bindings.js';
import { messageType } from '../../../../agent/nsdb/proto/index.js';
import { CLASS_OF, TOPOLOGY_CLASS_KEYS, type TopologyClassKey } from '../../../../simulation/topology/objects.js';

const field = (key: TopologyClassKey, name: string) => messageType(CLASS_OF[key]).byName.get(name);

test('every bound field exists in the schema as a UUID field, with the kind the table says', () => {
  assert.ok(DECLARED_BINDINGS.length >= 40, `only ${DECLARED_BINDINGS.length} bindings`);
  for (const key of TOPOLOGY_CLASS_KEYS) {
    for (const b of bindingsOf(key)) {
      for (const [k, f, repeated] of [[b.key, b.field, b.repeated], [b.thatKey, b.thatField, b.thatRepeated]] as const) {
        const d = field(k, f);
        assert.ok(d !== undefined, `${CLASS_OF[k]}.${f} missing`);
        assert.equal(d.type, 'UUID', `${CLASS_OF[k]}.${f}`);
        assert.equal(d.label === 'repeated', repeated, `${CLASS_OF[k]}.${f}`);
      }
    }
  }
  assert.throws(() => isRepeatedUuidField('ports', 'no_such_field'), /Port\.no_such_field/);
  assert.throws(() => isRepeatedUuidField('ports', 'interface_name'), /not a UUID field/);
});

test('known kinds: scalar forward references and repeated back-references', () => {
  const kinds: [TopologyClassKey, string, boolean][] = [
    ['ports', 'network_id', false], ['networks', 'port_ids', true], ['ports', 'peer_id', false],
    ['chains', 'rule_ids', true], ['rules', 'chain_id', false], ['routers', 'route_ids', true],
    ['dhcps', 'router_if_port_id', false], ['qos_policies', 'dscp_marking_rule_ids', true],
  ];
  for (const [k, f, rep] of kinds) assert.equal(isRepeatedUuidField(k, f), rep, `${k}.${f}`);
});

test('each declared pair is registered on both classes in declaration order; a same-class pair once', () => {
  for (const key of TOPOLOGY_CLASS_KEYS) {
    const mine = bindingsOf(key);
    const expected = DECLARED_BINDINGS.flatMap((d) => {
      const out: string[] = [];
      if (d.a.key === key) out.push(`${d.index}:${d.a.field}->${d.b.key}.${d.b.field}:${d.a.onDelete}`);
      if (d.b.key === key && d.a.key !== key) out.push(`${d.index}:${d.b.field}->${d.a.key}.${d.a.field}:${d.b.onDelete}`);
      return out;
    });
    assert.deepEqual(mine.map((b) => `${b.binding.index}:${b.field}->${b.thatKey}.${b.thatField}:${b.onDeleteThis}`), expected, key);
    for (const b of mine) {
      // The other direction exists on the other class (or is this same one for a self-binding).
      const back = bindingsOf(b.thatKey).find((x) => x.binding === b.binding && x.field === b.thatField);
      assert.ok(back !== undefined, `${key}.${b.field}: no reverse on ${b.thatKey}`);
      assert.equal(back.thatField, b.field);
    }
  }
  const peer = bindingsOf('ports').filter((b) => b.field === 'peer_id');
  assert.equal(peer.length, 1);
  assert.equal(peer[0]?.thatField, 'peer_id');
  assert.equal(peer[0]?.onDeleteThis, 'CLEAR');
});

test('a (class, field) belongs to one binding only, and the delete actions match MidonetBackend', () => {
  const owners = new Map<string, number>();
  for (const d of DECLARED_BINDINGS) {
    for (const s of d.a.key === d.b.key && d.a.field === d.b.field ? [d.a] : [d.a, d.b]) {
      const k = `${s.key}.${s.field}`;
      assert.equal(owners.get(k), undefined, `${k} bound twice`);
      owners.set(k, d.index);
    }
  }
  const action = (key: TopologyClassKey, f: string) => bindingsOf(key).find((b) => b.field === f)?.onDeleteThis;
  assert.equal(action('networks', 'port_ids'), 'CASCADE');
  assert.equal(action('ports', 'network_id'), 'CLEAR');
  assert.equal(action('chains', 'rule_ids'), 'CASCADE');
  assert.equal(action('routers', 'load_balancer_id'), 'ERROR');
  assert.equal(action('ports', 'vip_ids'), 'ERROR');
  assert.equal(action('ports', 'mirror_ids'), 'CASCADE');
  assert.equal(action('dhcps', 'gateway_route_ids'), 'CASCADE');
  assert.equal(action('qos_policies', 'bandwidth_limit_rule_ids'), 'CASCADE');
});
