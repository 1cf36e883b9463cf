import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as vlan from '../../../../simulation/packet/vlan.js';
import { hex } from './frames.js';

test('vlan: TCI fields and next type', () => {
  const b = hex('8100 b00a 0800');
  assert.equal(vlan.isValid(b, 0, b.length), true);
  assert.equal(vlan.tpid(b, 0), 0x8100);
  assert.equal(vlan.vid(b, 0), 10);
  assert.equal(vlan.pcp(b, 0), 5);
  assert.equal(vlan.dei(b, 0), true);
  assert.equal(vlan.nextType(b, 0), 0x0800);
});

test('vlan: recognised TPIDs', () => {
  assert.equal(vlan.isTpid(0x8100), true);
  assert.equal(vlan.isTpid(0x88a8), true);
  assert.equal(vlan.isTpid(0x9100), true);
  assert.equal(vlan.isTpid(0x0800), false);
});

test('vlan: a tag without the following type is not valid', () => {
  const b = hex('8100 000a 08');
  assert.equal(vlan.isValid(b, 0, b.length), false);
});

test('vlan: write puts TPID and TCI', () => {
  const b = new Uint8Array(4);
  vlan.write(b, 0, 0x88a8, 0x0123);
  assert.deepEqual([...b], [0x88, 0xa8, 0x01, 0x23]);
});
