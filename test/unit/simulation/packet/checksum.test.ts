import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checksum, fold, ipv4HeaderChecksum, sum, update16, update32, verify, word } from '../../../../simulation/packet/checksum.js';
import { hex } from './frames.js';

test('checksum: RFC 1071 example', () => {
  const b = hex('0001 f203 f4f5 f6f7');
  assert.equal(fold(sum(b, 0, b.length)), 0xddf2);
  assert.equal(checksum(b, 0, b.length), 0x220d);
});

test('checksum: a known IPv4 header', () => {
  const h = hex('4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7');
  assert.equal(ipv4HeaderChecksum(h, 0, 20), 0xb861);
  assert.ok(verify(h, 0, 20));
  h[8] = 0x3f;
  assert.equal(verify(h, 0, 20), false);
});

test('checksum: odd length pads with a zero byte', () => {
  assert.equal(sum(hex('0102 03'), 0, 3), 0x0102 + 0x0300);
});

test('checksum: incremental updates equal recomputation', () => {
  const b = hex('4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7');
  let seed = 7;
  for (let i = 0; i < 500; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const c0 = ipv4HeaderChecksum(b, 0, 20);
    const oldAddr = word(b, 12) * 0x10000 + word(b, 14);
    const newAddr = seed;
    b[12] = newAddr >>> 24;
    b[13] = (newAddr >>> 16) & 0xff;
    b[14] = (newAddr >>> 8) & 0xff;
    b[15] = newAddr & 0xff;
    assert.equal(update32(c0, oldAddr, newAddr), ipv4HeaderChecksum(b, 0, 20));
    const c1 = ipv4HeaderChecksum(b, 0, 20);
    const oldTtl = word(b, 8);
    b[8] = seed & 0xff;
    assert.equal(update16(c1, oldTtl, word(b, 8)), ipv4HeaderChecksum(b, 0, 20));
  }
});
