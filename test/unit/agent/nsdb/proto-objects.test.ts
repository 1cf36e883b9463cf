/**
 * Proto ↔ plain object conversion: for every class of CLASS_OF, an object with
 * every field set (generated from the schema tables) survives object → text →
 * object, and the text survives text → object → text byte for byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLASS_OF, TOPOLOGY_CLASS_KEYS } from '../../../../simulation/topology/objects.js';
import { messageType, type FieldDesc, type MessageDesc, enumType } from '../../../../agent/nsdb/proto/index.js';
import {
  classKeyOf, parsePlain, printPlain, topologyObjectFromText, topologyObjectToText,
  uuidFromProto, uuidToProto, type PlainObject, type PlainValue,
} from '../../../../agent/nsdb/proto-objects.js';
import { ProtoValueError } from '../../../../agent/nsdb/proto-errors.js';

let seq = 0;
function sampleValue(f: FieldDesc, depth: number): PlainValue | undefined {
  seq++;
  const hex = seq.toString(16).padStart(12, '0');
  if (f.kind === 'enum') {
    const values = enumType(f.type).values;
    return values[seq % values.length]!.name;
  }
  if (f.kind === 'message') {
    switch (f.type) {
      case 'UUID': return `f${hex.slice(1, 8)}-0000-4000-8000-${hex}`;
      case 'IPAddress': return seq % 3 === 0 ? `2001:db8::${seq.toString(16)}` : `10.1.${seq % 256}.7`;
      case 'IPSubnet': return seq % 3 === 0 ? '2001:db8::/48' : `10.${seq % 256}.0.0/16`;
      default: return depth > 3 ? undefined : sample(messageType(f.type), depth + 1);
    }
  }
  if (f.format === 'mac') return `02:00:00:00:${(seq % 256).toString(16).padStart(2, '0')}:01`;
  switch (f.type) {
    case 'string': return `s${seq} "q"\n`;
    case 'bool': return seq % 2 === 0;
    case 'int32': return -seq;
    case 'uint32': return seq * 1000;
    case 'int64': return -seq * 1e9;
    case 'uint64': return seq * 1e12;
    default: throw new Error(`no sample for ${f.type}`);
  }
}

function sample(desc: MessageDesc, depth = 0): PlainObject {
  const out: Record<string, PlainValue | PlainValue[]> = {};
  for (const f of desc.fields) {
    if (f.oneof !== undefined && f.number !== desc.fields.find((g) => g.oneof === f.oneof)!.number) continue;
    const v = sampleValue(f, depth);
    if (v === undefined) continue;
    out[f.name] = f.label === 'repeated' ? [v, sampleValue(f, depth)!] : v;
  }
  return out;
}

test('every topology class round-trips object → text → object and text → object → text', () => {
  for (const key of TOPOLOGY_CLASS_KEYS) {
    const obj = sample(messageType(CLASS_OF[key]));
    const text = topologyObjectToText(key, obj as never);
    assert.ok(text.length > 0);
    const back = topologyObjectFromText(key, text);
    assert.deepEqual(back, obj, key);
    assert.equal(topologyObjectToText(key, back), text, key);
    assert.equal(classKeyOf(CLASS_OF[key]), key);
  }
  assert.equal(classKeyOf('Vtep'), undefined);
});

test('UUIDs are unsigned 64-bit halves; value messages collapse to strings', () => {
  const id = 'ffffffff-ffff-ffff-8000-000000000001';
  assert.deepEqual(uuidToProto(id), { msb: 2n ** 64n - 1n, lsb: 2n ** 63n + 1n });
  assert.equal(uuidFromProto({ msb: 2n ** 64n - 1n, lsb: 2n ** 63n + 1n }), id);
  assert.equal(uuidFromProto({ msb: -1n, lsb: 1n }), 'ffffffff-ffff-ffff-0000-000000000001');
  const port = { id, port_subnet: ['10.0.0.0/24', 'fe80::/64', '192.168.1.1'], port_address: '10.0.0.1' };
  const text = topologyObjectToText('ports', port);
  assert.equal(text, [
    'id {', '  msb: 18446744073709551615', '  lsb: 9223372036854775809', '}',
    'port_subnet {', '  version: V4', '  address: "10.0.0.0"', '  prefix_length: 24', '}',
    'port_subnet {', '  version: V6', '  address: "fe80::"', '  prefix_length: 64', '}',
    'port_subnet {', '  version: V4', '  address: "192.168.1.1"', '}',
    'port_address {', '  version: V4', '  address: "10.0.0.1"', '}', '',
  ].join('\n'));
  assert.deepEqual(topologyObjectFromText('ports', text), port);
});

test('TraceRequest.limit = Long.MAX_VALUE (the REST default) survives the number detour', () => {
  const text = 'id {\n  msb: 1\n  lsb: 2\n}\nlimit: 9223372036854775807\ncreate_timestamp_ms: 1700000000123\n';
  const tr = topologyObjectFromText('trace_requests', text);
  assert.equal(tr.create_timestamp_ms, 1700000000123);
  assert.equal(topologyObjectToText('trace_requests', tr), text);
});

test('unknown fields ride along at top level and in nested messages', () => {
  const text = [
    'id {', '  msb: 1', '  lsb: 2', '}',
    'type: LITERAL_RULE',
    'action: DROP',
    'condition {', '  nw_proto: 6', '  future_match: true', '}',
    'future_rule_field: "x"',
    '',
  ].join('\n');
  const rule = topologyObjectFromText('rules', text);
  assert.deepEqual(rule.unknown, ['# after 5\nfuture_rule_field: "x"']);
  assert.deepEqual(rule.condition?.unknown, ['# after 24\nfuture_match: true']);
  assert.equal(topologyObjectToText('rules', rule), text);
});

test('state values: HostState and PortState through the plain form', () => {
  const hs = {
    host_id: 'c0ffee00-dead-beef-8bad-f00d12345678',
    interfaces: [{ name: 'eth0', type: 'PHYSICAL', mac: '52:54:00:12:34:56', addresses: ['192.0.2.10', 'fe80::1'], up: true, mtu: 1500 }],
  };
  const text = printPlain('HostState', hs);
  assert.match(text, /^host_id \{\n  msb: 13907095861846720239\n/);
  assert.match(text, /\n  addresses \{\n    version: V6\n    address: "fe80::1"\n  \}\n/);
  assert.deepEqual(parsePlain('HostState', text), hs);
  assert.equal(printPlain('PortState', { host_id: hs.host_id, tunnel_key: 0x100001 }).split('\n').at(-2), 'tunnel_key: 1048577');
});

test('bad plain values are coded errors with the field path', () => {
  assert.throws(() => topologyObjectToText('ports', { id: 'not-a-uuid' }), (e: unknown) =>
    e instanceof ProtoValueError && e.path === 'id' && /not a UUID/.test(e.message));
  assert.throws(() => printPlain('Port', { id: '00000000-0000-0000-0000-000000000001', colour: 'red' }), (e: unknown) =>
    e instanceof ProtoValueError && /no field colour in Port/.test(e.message));
  assert.throws(() => printPlain('Route', { dst_subnet: '10.0.0.0/x' }), ProtoValueError);
  assert.throws(() => topologyObjectFromText('hosts', 'name: "h"\n'), /Host without id/);
});
