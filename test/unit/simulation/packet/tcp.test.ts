import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tcp from '../../../../simulation/packet/tcp.js';
import { hex } from './frames.js';

const seg = hex('3039 0050 00000001 00000000 6012 ffff 0000 0000 020405b4');

test('tcp: ports, sequence, header length and flags', () => {
  assert.equal(tcp.isValid(seg, 0, seg.length), true);
  assert.equal(tcp.srcPort(seg, 0), 12345);
  assert.equal(tcp.dstPort(seg, 0), 80);
  assert.equal(tcp.seq(seg, 0), 1);
  assert.equal(tcp.headerLength(seg, 0), 24);
  assert.equal(tcp.flags(seg, 0), tcp.SYN | tcp.ACK_FLAG);
});

test('tcp: NS and reserved bits are part of the 12-bit flags', () => {
  const b = seg.slice();
  b[12] = 0x61;
  assert.equal(tcp.flags(b, 0), 0x112);
});

test('tcp: invalid when short or the data offset is wrong', () => {
  assert.equal(tcp.isValid(seg, 0, 19), false);
  assert.equal(tcp.isValid(seg, 0, 23), false, 'options cut');
  const b = seg.slice();
  b[12] = 0x40;
  assert.equal(tcp.isValid(b, 0, b.length), false, 'data offset 4 words');
});

test('tcp: setters', () => {
  const b = seg.slice();
  tcp.setSrcPort(b, 0, 1);
  tcp.setDstPort(b, 0, 65535);
  tcp.setChecksum(b, 0, 0xbeef);
  assert.equal(tcp.srcPort(b, 0), 1);
  assert.equal(tcp.dstPort(b, 0), 65535);
  assert.equal(tcp.checksum(b, 0), 0xbeef);
});
