import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as eth from '../../../../simulation/packet/ethernet.js';
import { hex } from './frames.js';

const frame = hex('ffffffffffff 020000000001 0806 0001');

test('ethernet: accessors read dst, src and type at their offsets', () => {
  assert.equal(eth.isValid(frame, 0, frame.length), true);
  assert.equal(eth.dst(frame, 0), 0xffffffffffff);
  assert.equal(eth.src(frame, 0), 0x020000000001);
  assert.equal(eth.type(frame, 0), 0x0806);
});

test('ethernet: fewer than 14 bytes is not a header', () => {
  assert.equal(eth.isValid(frame, 0, 13), false);
  assert.equal(eth.isValid(frame, 2, frame.length - 2), true);
});

test('ethernet: setters write back', () => {
  const b = frame.slice();
  eth.setDst(b, 0, 0x0a0b0c0d0e0f);
  eth.setSrc(b, 0, 0x111213141516);
  eth.setType(b, 0, 0x86dd);
  assert.deepEqual([...b.subarray(0, 14)], [...hex('0a0b0c0d0e0f 111213141516 86dd')]);
});

test('ethernet: 802.3 length and SNAP EtherType', () => {
  assert.equal(eth.isLength(0x05dc), true);
  assert.equal(eth.isLength(0x0600), false);
  assert.equal(eth.snapType(hex('aaaa03 000000 0800'), 0, 8), 0x0800);
  assert.equal(eth.snapType(hex('aaaa03 00000c 2000'), 0, 8), -1, 'non-zero OUI (Cisco) is not an EtherType');
  assert.equal(eth.snapType(hex('4242 03'), 0, 3), -1, 'STP LLC is not SNAP');
  assert.equal(eth.snapType(hex('aaaa03 000000 0100'), 0, 8), -1, 'a length inside SNAP is not a type');
  assert.equal(eth.snapType(hex('aaaa03 0000'), 0, 5), -1, 'short SNAP');
});
