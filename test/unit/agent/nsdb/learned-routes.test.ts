import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeLearnedRoute, encodeLearnedRoute } from '../../../../agent/nsdb/learned-routes.js';

const route = {
  dst: '192.168.0.0/16', src: '0.0.0.0/0', gateway: '10.0.0.254', weight: 100,
  routerId: 'e0000000-0000-4000-8000-000000000001', portId: 'f0000000-0000-4000-8000-0000000000aa',
};

test('learned route value: 50 bytes as 100 hex chars, fields in MidoNet order', () => {
  const hex = encodeLearnedRoute(route);
  assert.equal(hex.length, 100);
  assert.equal(hex.slice(0, 10), 'c0a8000010');
  assert.equal(hex.slice(10, 20), '0000000000');
  assert.equal(hex.slice(20, 28), '0a0000fe');
  assert.equal(hex.slice(28, 36), '00000064');
  assert.equal(hex.slice(36, 68), 'e0000000000040008000000000000001');
  assert.deepEqual(decodeLearnedRoute(hex), route);
});

test('34-byte form takes the owner port; junk is null', () => {
  const short = encodeLearnedRoute(route).slice(0, 68);
  assert.deepEqual(decodeLearnedRoute(short, route.portId), route);
  assert.equal(decodeLearnedRoute(short), null);
  assert.equal(decodeLearnedRoute('xyz'), null);
  assert.equal(decodeLearnedRoute('ff'.repeat(50)), null, 'prefix length > 32');
});
