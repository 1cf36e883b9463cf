import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ipv4 from '../../../../simulation/packet/ipv4.js';
import { hex, ipv4Packet, IP_A, IP_B } from './frames.js';

test('ipv4: header accessors', () => {
  const p = ipv4Packet({ proto: 17, l4: new Uint8Array(8), flagsFragment: ipv4.FLAG_DF });
  assert.equal(ipv4.validate(p, 0, p.length), null);
  assert.equal(ipv4.version(p, 0), 4);
  assert.equal(ipv4.headerLength(p, 0), 20);
  assert.equal(ipv4.tos(p, 0), 0x10);
  assert.equal(ipv4.totalLength(p, 0), 28);
  assert.equal(ipv4.id(p, 0), 0x1234);
  assert.equal(ipv4.dontFragment(p, 0), true);
  assert.equal(ipv4.moreFragments(p, 0), false);
  assert.equal(ipv4.fragmentOffset(p, 0), 0);
  assert.equal(ipv4.ttl(p, 0), 64);
  assert.equal(ipv4.protocol(p, 0), 17);
  assert.equal(ipv4.src(p, 0), IP_A);
  assert.equal(ipv4.dst(p, 0), IP_B);
});

test('ipv4: fragment offset is in bytes, MF flag', () => {
  const p = ipv4Packet({ proto: 17, l4: new Uint8Array(8), flagsFragment: ipv4.FLAG_MF | 185 });
  assert.equal(ipv4.moreFragments(p, 0), true);
  assert.equal(ipv4.fragmentOffset(p, 0), 1480);
});

test('ipv4: validate names what is wrong', () => {
  const good = ipv4Packet({ proto: 6, l4: new Uint8Array(20) });
  assert.equal(ipv4.validate(good, 0, 19), 'ipv4-truncated');
  const v6 = good.slice();
  v6[0] = 0x65;
  assert.equal(ipv4.validate(v6, 0, v6.length), 'ipv4-bad-version');
  const ihl = good.slice();
  ihl[0] = 0x44;
  assert.equal(ipv4.validate(ihl, 0, ihl.length), 'ipv4-bad-ihl');
  const longHdr = good.slice(0, 24);
  longHdr[0] = 0x47; // 28-byte header in 24 bytes
  assert.equal(ipv4.validate(longHdr, 0, longHdr.length), 'ipv4-truncated');
  const shortTotal = good.slice();
  shortTotal[2] = 0;
  shortTotal[3] = 19;
  assert.equal(ipv4.validate(shortTotal, 0, shortTotal.length), 'ipv4-bad-total-length');
  const tso = good.slice();
  tso[2] = 0;
  tso[3] = 0;
  assert.equal(ipv4.validate(tso, 0, tso.length), null, 'TSO total length 0 is accepted');
  assert.equal(ipv4.packetEnd(tso, 0, tso.length), tso.length);
});

test('ipv4: options are found and validated', () => {
  // NOP, record route (type 7, length 7, pointer 4, one slot), END padding
  const opts = hex('01 07 07 04 00000000 00 000000');
  const p = ipv4Packet({ proto: 17, l4: new Uint8Array(8), options: opts });
  assert.equal(ipv4.headerLength(p, 0), 32);
  assert.equal(ipv4.optionsValid(p, 0), true);
  assert.equal(ipv4.findOption(p, 0, 7), 21);
  assert.equal(ipv4.findOption(p, 0, 68), -1);
  const bad = ipv4Packet({ proto: 17, l4: new Uint8Array(8), options: hex('44 01 00 00') });
  assert.equal(ipv4.optionsValid(bad, 0), false, 'option length 1 is malformed');
  const overrun = ipv4Packet({ proto: 17, l4: new Uint8Array(8), options: hex('07 09 04 00') });
  assert.equal(ipv4.optionsValid(overrun, 0), false, 'option running past the header');
});
