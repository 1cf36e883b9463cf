import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as icmp from '../../../../simulation/packet/icmp.js';
import { hex } from './frames.js';

test('icmp: echo fields', () => {
  const b = hex('0800 f7ff 1234 0001 6162');
  assert.equal(icmp.isValid(b, 0, b.length), true);
  assert.equal(icmp.type(b, 0), icmp.TYPE_ECHO_REQUEST);
  assert.equal(icmp.code(b, 0), 0);
  assert.equal(icmp.id(b, 0), 0x1234);
  assert.equal(icmp.seq(b, 0), 1);
  assert.equal(icmp.isEcho(icmp.type(b, 0)), true);
  assert.equal(icmp.isValid(b, 0, 7), false);
});

test('icmp: error types are 3, 4, 5, 11, 12 only', () => {
  const errors = [];
  for (let t = 0; t < 256; t++) if (icmp.isError(t)) errors.push(t);
  assert.deepEqual(errors, [3, 4, 5, 11, 12]);
  assert.equal(icmp.isEcho(0), true);
  assert.equal(icmp.isEcho(13), false);
});
