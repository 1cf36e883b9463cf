import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as arp from '../../../../simulation/packet/arp.js';
import { hex } from './frames.js';

const req = hex('0001 0800 06 04 0001 020000000001 0a000001 000000000000 0a000002');

test('arp: Ethernet/IPv4 request fields', () => {
  assert.equal(arp.isValid(req, 0, req.length), true);
  assert.equal(arp.isSupported(req, 0), true);
  assert.equal(arp.opcode(req, 0), arp.OP_REQUEST);
  assert.equal(arp.sha(req, 0), 0x020000000001);
  assert.equal(arp.spa(req, 0), 0x0a000001);
  assert.equal(arp.tha(req, 0), 0);
  assert.equal(arp.tpa(req, 0), 0x0a000002);
});

test('arp: a truncated Ethernet/IPv4 ARP is invalid', () => {
  assert.equal(arp.isValid(req, 0, 27), false);
  assert.equal(arp.isValid(req, 0, 7), false);
});

test('arp: another flavour needs only the fixed part and is unsupported', () => {
  const other = hex('0006 0800 08 04 0001');
  assert.equal(arp.isValid(other, 0, other.length), true);
  assert.equal(arp.isSupported(other, 0), false);
});
