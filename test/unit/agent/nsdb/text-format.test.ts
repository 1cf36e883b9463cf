/**
 * Text format against fixtures written by hand from protobuf-java 2.6.1's
 * TextFormat.print rules (field-number order, two-space nesting, unsigned
 * uint64, escapeBytes on UTF-8), plus parser tolerance and coded errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtoTextError, ProtoValueError } from '../../../../agent/nsdb/proto-errors.js';
import { parseMessage, printMessage, type ProtoMessage } from '../../../../agent/nsdb/text-format.js';
import { javaDoubleToString, javaFloatToString } from '../../../../agent/nsdb/text-format-scalars.js';

const U1 = { msb: 5345327507543247706n, lsb: 11280811658354310189n }; // 4a2e6b0c-1f3d-4b5a-9c8d-7e6f5a4b3c2d
const U2 = { msb: 1n, lsb: 2n }; //                                     00000000-0000-0001-0000-000000000002
const U3 = { msb: 13907095861846720239n, lsb: 10064964681173587576n }; // c0ffee00-dead-beef-8bad-f00d12345678

const PORT_TEXT = [
  'id {', '  msb: 5345327507543247706', '  lsb: 11280811658354310189', '}',
  'router_id {', '  msb: 1', '  lsb: 2', '}',
  'tunnel_key: 1048577',
  'host_id {', '  msb: 13907095861846720239', '  lsb: 10064964681173587576', '}',
  'interface_name: "tap0"',
  'admin_state_up: true',
  'port_subnet {', '  version: V4', '  address: "10.0.0.0"', '  prefix_length: 24', '}',
  'port_subnet {', '  version: V6', '  address: "2001:db8::"', '  prefix_length: 64', '}',
  'port_address {', '  version: V4', '  address: "10.0.0.1"', '}',
  'port_mac: "02:00:00:aa:bb:cc"',
  'previous_host_id {', '  msb: 1', '  lsb: 2', '}',
  '',
].join('\n');

test('Port prints in field-number order with nested UUIDs and repeated port_subnet', () => {
  // Keys deliberately out of order: printing order is the field number.
  const port: ProtoMessage = {
    port_mac: '02:00:00:aa:bb:cc',
    previous_host_id: U2,
    port_subnet: [
      { version: 'V4', address: '10.0.0.0', prefix_length: 24 },
      { version: 'V6', address: '2001:db8::', prefix_length: 64 },
    ],
    id: U1,
    admin_state_up: true,
    port_address: { address: '10.0.0.1', version: 'V4' },
    router_id: U2,
    interface_name: 'tap0',
    host_id: U3,
    tunnel_key: 1048577n,
  };
  assert.equal(printMessage('Port', port), PORT_TEXT);
  assert.equal(printMessage('Port', parseMessage('Port', PORT_TEXT)), PORT_TEXT);
});

const RULE_TEXT = [
  'id {', '  msb: 1', '  lsb: 2', '}',
  'type: NAT_RULE',
  'chain_id {', '  msb: 5345327507543247706', '  lsb: 11280811658354310189', '}',
  'action: ACCEPT',
  'condition {',
  '  in_port_ids {', '    msb: 1', '    lsb: 2', '  }',
  '  dl_type: 2048',
  '  dl_src: "aa:bb:cc:dd:ee:ff"',
  '  dl_src_mask: -1',
  '  nw_proto: 6',
  '  nw_src_ip {', '    version: V4', '    address: "192.168.0.0"', '    prefix_length: 16', '  }',
  '  tp_dst {', '    start: 80', '    end: 8080', '  }',
  '  fragment_policy: UNFRAGMENTED',
  '  vlan: 4000',
  '}',
  'nat_rule_data {',
  '  nat_targets {',
  '    nw_start {', '      version: V4', '      address: "203.0.113.5"', '    }',
  '    nw_end {', '      version: V4', '      address: "203.0.113.9"', '    }',
  '    tp_start: 1024',
  '    tp_end: 65535',
  '  }',
  '  dnat: false',
  '}',
  '',
].join('\n');

test('Rule with condition and the nat_rule_data oneof', () => {
  const rule: ProtoMessage = {
    id: U2,
    type: 'NAT_RULE',
    chain_id: U1,
    action: 'ACCEPT',
    condition: {
      fragment_policy: 'UNFRAGMENTED',
      vlan: 4000,
      tp_dst: { start: 80, end: 8080 },
      nw_src_ip: { version: 'V4', address: '192.168.0.0', prefix_length: 16 },
      nw_proto: 6,
      dl_src_mask: -1n,
      dl_src: 'aa:bb:cc:dd:ee:ff',
      dl_type: 2048,
      in_port_ids: [U2],
    },
    nat_rule_data: {
      dnat: false,
      nat_targets: [{
        nw_start: { version: 'V4', address: '203.0.113.5' },
        nw_end: { version: 'V4', address: '203.0.113.9' },
        tp_start: 1024,
        tp_end: 65535,
      }],
    },
  };
  assert.equal(printMessage('Rule', rule), RULE_TEXT);
  const back = parseMessage('Rule', RULE_TEXT);
  assert.deepEqual(back, rule);
});

test('Host: defaults are not printed unless set; back-references (101+) last', () => {
  const host: ProtoMessage = {
    id: U3,
    name: 'compute-1',
    container_limit: -1,
    tunnel_zone_ids: [U1, U2],
    port_ids: [U2],
  };
  assert.equal(printMessage('Host', host), [
    'id {', '  msb: 13907095861846720239', '  lsb: 10064964681173587576', '}',
    'name: "compute-1"',
    'container_limit: -1',
    'tunnel_zone_ids {', '  msb: 5345327507543247706', '  lsb: 11280811658354310189', '}',
    'tunnel_zone_ids {', '  msb: 1', '  lsb: 2', '}',
    'port_ids {', '  msb: 1', '  lsb: 2', '}',
    '',
  ].join('\n'));
  assert.equal(printMessage('Host', {}), '');
});

test('strings use Java escapeBytes: named escapes, octal controls, UTF-8 octal, raw DEL', () => {
  const name = 'a"b\\c\'d\n\t\r\x07\x08\x0b\x0c\x01é€\x7f ~';
  const text = printMessage('Host', { name });
  assert.equal(text, 'name: "a\\"b\\\\c\\\'d\\n\\t\\r\\a\\b\\v\\f\\001\\303\\251\\342\\202\\254\x7f ~"\n');
  assert.equal(parseMessage('Host', text)['name'], name);
});

test('uint64 prints unsigned; a negative bigint is reinterpreted as Java does', () => {
  assert.equal(printMessage('UUID', { msb: -1n, lsb: 2n ** 64n - 1n }),
    'msb: 18446744073709551615\nlsb: 18446744073709551615\n');
  assert.equal(printMessage('PortState', { tunnel_key: 1 }), 'tunnel_key: 1\n');
});

test('float and double follow Java toString', () => {
  assert.equal(javaDoubleToString(1), '1.0');
  assert.equal(javaDoubleToString(0.001), '0.001');
  assert.equal(javaDoubleToString(1e-4), '1.0E-4');
  assert.equal(javaDoubleToString(1e7), '1.0E7');
  assert.equal(javaDoubleToString(1234567.5), '1234567.5');
  assert.equal(javaDoubleToString(-2.5e-10), '-2.5E-10');
  assert.equal(javaDoubleToString(NaN), 'NaN');
  assert.equal(javaDoubleToString(-Infinity), '-Infinity');
  assert.equal(javaDoubleToString(-0), '-0.0');
  assert.equal(javaFloatToString(0.1), '0.1');
  assert.equal(javaFloatToString(1 / 3), '0.33333334');
  assert.equal(javaFloatToString(3e10), '3.0E10');
});

test('unknown fields are kept in place and re-printed byte for byte', () => {
  // A newer MidoNet's Host with a field 7 we do not know, a nested unknown
  // message, and an enum value our table lacks.
  const text = [
    'id {', '  msb: 1', '  lsb: 2', '  future_half: 3', '}',
    'name: "h"',
    'enforce_container_limit: true',
    'drain: "yes\\n"',
    'drain_info {', '  since: 12', '  by {', '    who: OPERATOR', '  }', '}',
    'port_ids {', '  msb: 1', '  lsb: 2', '}',
    '',
  ].join('\n');
  const msg = parseMessage('Host', text);
  assert.deepEqual(msg['unknown'], [
    '# after 6\ndrain: "yes\\n"',
    '# after 6\ndrain_info {\n  since: 12\n  by {\n    who: OPERATOR\n  }\n}',
  ]);
  assert.deepEqual((msg['id'] as ProtoMessage)['unknown'], ['# after 2\nfuture_half: 3']);
  assert.equal(printMessage('Host', msg), text);

  const rule = 'type: SUPER_RULE\naction: DROP\n';
  const r = parseMessage('Rule', rule);
  assert.equal(r['type'], undefined);
  assert.equal(printMessage('Rule', r), rule);
});

test('parser accepts what protobuf-java accepts', () => {
  const text = `
    # a comment
    id: < msb: 0x10 lsb: 010 >   # hex and octal
    name: 'single' "-double" ; container_limit: -0x1,
    enforce_container_limit: t
    port_ids: { msb: 1 lsb: 2 }
    port_ids { msb: 3, lsb: 4 }
    flooding_proxy_weight: 5
    flooding_proxy_weight: 6
    [org.example.ext]: 1
  `;
  const m = parseMessage('Host', text);
  assert.deepEqual(m['id'], { msb: 16n, lsb: 8n });
  assert.equal(m['name'], 'single-double');
  assert.equal(m['container_limit'], -1);
  assert.equal(m['enforce_container_limit'], true);
  assert.deepEqual(m['port_ids'], [{ msb: 1n, lsb: 2n }, { msb: 3n, lsb: 4n }]);
  assert.equal(m['flooding_proxy_weight'], 6, 'last value of a singular field wins');
  assert.deepEqual(m['unknown'], ['# after 3\n[org.example.ext]: 1']);
  assert.equal(parseMessage('Rule', 'action: 3')['action'], 'DROP', 'enum by number');
  assert.equal(parseMessage('Host', 'name: "\\x41\\102\\u"'.replace('\\u', 'C'))['name'], 'ABC');
  assert.deepEqual(parseMessage('Host', new TextEncoder().encode('name: "é"')), { name: 'é' });
});

test('corrupt text throws MM_ERR_PROTO_TEXT with line and column', () => {
  const cases: [string, number, number][] = [
    ['id {\n  msb: 1\n  lsb: x\n}', 3, 8],            // not an integer
    ['id {\n  msb: 1\n', 3, 1],                        // unclosed block
    ['name "x"', 1, 6],                                 // missing ':'
    ['name: "abc', 1, 7],                               // unterminated string
    ['container_limit: 2147483648', 1, 18],             // int32 overflow
    ['tunnel_zone_ids: 5', 1, 18],                      // message field given a scalar
    ['enforce_container_limit: maybe', 1, 26],
    ['name: "bad \\q escape"', 1, 7],
    ['}', 1, 1],
  ];
  for (const [text, line, column] of cases) {
    assert.throws(() => parseMessage('Host', text), (e: unknown) => {
      assert.ok(e instanceof ProtoTextError, `${text}: ${String(e)}`);
      assert.equal(e.code, 'MM_ERR_PROTO_TEXT');
      assert.deepEqual([e.line, e.column], [line, column], `${text}: ${e.message}`);
      return true;
    });
  }
});

test('printing a value of the wrong type is a coded error naming the field', () => {
  assert.throws(() => printMessage('Port', { port_subnet: [{ version: 'V5' }] }), (e: unknown) =>
    e instanceof ProtoValueError && e.code === 'MM_ERR_PROTO_VALUE' && e.path === 'port_subnet[0].version');
  assert.throws(() => printMessage('Host', { container_limit: '3' }), ProtoValueError);
  assert.throws(() => printMessage('Host', { port_ids: { msb: 1n, lsb: 1n } }), ProtoValueError);
});
