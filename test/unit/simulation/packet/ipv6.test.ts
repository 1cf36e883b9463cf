import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ipv6 from '../../../../simulation/packet/ipv6.js';
import { IpFrag } from '../../../../simulation/packet/flow-match.js';
import { concat, hex, ipv6Frame, IP6_A } from './frames.js';

const L3 = 14;

function walk(frame: Uint8Array): ipv6.Ipv6ExtWalk {
  const w = new ipv6.Ipv6ExtWalk();
  ipv6.walkExtensions(frame, L3, frame.length, w);
  return w;
}

test('ipv6: base header fields', () => {
  const f = ipv6Frame(17, new Uint8Array(8), 33, 0xb8);
  assert.equal(ipv6.validate(f, L3, f.length - L3), null);
  assert.equal(ipv6.trafficClass(f, L3), 0xb8);
  assert.equal(ipv6.hopLimit(f, L3), 33);
  assert.equal(ipv6.payloadLength(f, L3), 8);
  assert.equal(ipv6.nextHeader(f, L3), 17);
  const a = new Uint8Array(16);
  ipv6.copySrc(f, L3, a);
  assert.deepEqual([...a], [...IP6_A]);
});

test('ipv6: validate', () => {
  const f = ipv6Frame(59, new Uint8Array(0));
  assert.equal(ipv6.validate(f, L3, 39), 'ipv6-truncated');
  const v4 = f.slice();
  v4[L3] = 0x45;
  assert.equal(ipv6.validate(v4, L3, v4.length - L3), 'ipv6-bad-version');
});

test('ipv6: no extension headers: L4 right after the base header', () => {
  const w = walk(ipv6Frame(6, new Uint8Array(20)));
  assert.equal(w.proto, 6);
  assert.equal(w.l4Offset, L3 + 40);
  assert.equal(w.extCount, 0);
  assert.equal(w.error, null);
});

test('ipv6: hop-by-hop, routing, dest-opts and AH chain to UDP', () => {
  const hbh = hex('2b 00 010400000000'); // next=routing, 8 bytes, PadN
  const rt = hex('3c 02 00 01 00000000') ; // next=dest-opts, len 2 → 24 bytes
  const rtFull = concat(rt, new Uint8Array(16));
  const dst = hex('33 00 010400000000'); // next=AH
  const ah = concat(hex('11 02 0000 00000001 00000001'), new Uint8Array(4)); // next=UDP, (2+2)*4 = 16 bytes
  const f = ipv6Frame(0, concat(hbh, rtFull, dst, ah, new Uint8Array(8)));
  const w = walk(f);
  assert.equal(w.error, null);
  assert.equal(w.proto, 17);
  assert.equal(w.extCount, 4);
  assert.equal(w.l4Offset, L3 + 40 + 8 + 24 + 8 + 16);
  assert.equal(w.frag, IpFrag.NONE);
});

test('ipv6: fragment header: first and later fragments', () => {
  const first = walk(ipv6Frame(44, concat(hex('06 00 0001 00000007'), new Uint8Array(20))));
  assert.equal(first.frag, IpFrag.FIRST);
  assert.equal(first.proto, 6);
  assert.equal(first.l4Offset, L3 + 48);
  const later = walk(ipv6Frame(44, concat(hex('06 00 05a8 00000007'), new Uint8Array(20))));
  assert.equal(later.frag, IpFrag.LATER);
  assert.equal(later.proto, 6);
  assert.equal(later.l4Offset, -1);
  const atomic = walk(ipv6Frame(44, concat(hex('11 00 0000 00000007'), new Uint8Array(8))));
  assert.equal(atomic.frag, IpFrag.NONE, 'atomic fragment (offset 0, M=0) is not a fragment');
});

test('ipv6: a truncated extension header is an error', () => {
  const w = walk(ipv6Frame(0, hex('3a 01 0000'))); // says 16 bytes, has 4
  assert.equal(w.error, 'ipv6-ext-truncated');
  const w2 = walk(ipv6Frame(60, new Uint8Array(0)));
  assert.equal(w2.error, 'ipv6-ext-truncated');
});

test('ipv6: ESP and no-next-header stop the walk', () => {
  assert.equal(walk(ipv6Frame(50, new Uint8Array(16))).proto, 50);
  const none = walk(ipv6Frame(59, new Uint8Array(0)));
  assert.equal(none.proto, 59);
  assert.equal(none.error, null);
});
