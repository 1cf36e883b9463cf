import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as udp from '../../../../simulation/packet/udp.js';
import { hex } from './frames.js';

test('udp: fields', () => {
  const b = hex('0044 0043 000c abcd 01020304');
  assert.equal(udp.isValid(b, 0, b.length), true);
  assert.equal(udp.srcPort(b, 0), 68);
  assert.equal(udp.dstPort(b, 0), 67);
  assert.equal(udp.length(b, 0), 12);
  assert.equal(udp.checksum(b, 0), 0xabcd);
  assert.equal(udp.isValid(b, 0, 7), false);
  udp.setLength(b, 0, 8);
  udp.setSrcPort(b, 0, 1000);
  assert.equal(udp.length(b, 0), 8);
  assert.equal(udp.srcPort(b, 0), 1000);
});
