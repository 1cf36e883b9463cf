/**
 * FlowMatch ↔ kernel key list: byte-exact layout, round trips for every
 * protocol, VLAN CFI handling, tunnel sub-attributes, fitness grading.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NlWriter } from '../../../../agent/datapath/nl-writer.js';
import {
  copyKeyBytes, decodeFlowKey, encodeFlowKey, newKeyDecodeInfo, putRawKey,
} from '../../../../agent/datapath/odp-flow-key.js';
import { decodeKeyAttrs } from '../../../../agent/datapath/odp-key-attrs.js';
import { formatKeyList } from '../../../../agent/datapath/flow-text.js';
import { Fitness } from '../../../../agent/datapath/odp-types.js';
import { EtherType, Field, FlowMatch, IpFrag } from '../../../../simulation/packet/flow-match.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const MAC_A = 0x001122334455, MAC_B = 0x66778899aabb;

function tcpMatch(): FlowMatch {
  const m = new FlowMatch();
  m.inPort = 1; m.ethSrc = MAC_A; m.ethDst = MAC_B; m.etherType = EtherType.IPV4;
  m.nwSrc = 0x0a000001; m.nwDst = 0x0a000002; m.nwProto = 6; m.nwTos = 0; m.nwTtl = 64; m.nwFrag = IpFrag.NONE;
  m.srcPort = 1234; m.dstPort = 80;
  return m;
}
function encode(m: FlowMatch): Uint8Array {
  const w = new NlWriter();
  encodeFlowKey(w, m);
  return w.bytes().slice();
}
function roundTrip(m: FlowMatch): { back: FlowMatch; fit: Fitness; text: string } {
  const b = encode(m);
  const back = new FlowMatch();
  const fit = decodeFlowKey(b, 0, b.length, back);
  const r = decodeKeyAttrs(b, 0, b.length);
  return { back, fit, text: r.ok ? formatKeyList(r.value, undefined) : r.reason };
}
function assertSame(a: FlowMatch, b: FlowMatch): void {
  assert.equal(b.present, a.present, `present ${b.present.toString(2)} vs ${a.present.toString(2)}`);
  assert.equal(b.diff(a), 0, `diff bits ${b.diff(a).toString(2)}`);
  assert.equal(b.seen, 0, 'decoding must not mark fields seen');
}

test('eth+ipv4+tcp key is byte-exact and never marks fields seen', () => {
  const m = tcpMatch();
  assert.equal(hex(encode(m)),
    '0800030001000000' + '1000040000112233445566778899aabb' + '0600060008000000' +
    '100007000a0000010a00000206004000' + '0800090004d20050' +
    // tcp_flags(0): the kernel requires it beside every TCP key.
    '0600120000000000');
  assert.equal(m.seen, 0);
});

test('round trip: ipv4 tcp / udp / icmp, fragments', () => {
  const t = tcpMatch();
  let r = roundTrip(t);
  assert.equal(r.fit, Fitness.PERFECT);
  assertSame(t, r.back);
  assert.equal(r.text, 'in_port(1),eth(src=00:11:22:33:44:55,dst=66:77:88:99:aa:bb),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0,ttl=64,frag=no),tcp(src=1234,dst=80),tcp_flags(0)');
  const u = tcpMatch(); u.nwProto = 17; u.srcPort = 68; u.dstPort = 67;
  r = roundTrip(u);
  assert.equal(r.fit, Fitness.PERFECT); assertSame(u, r.back);
  assert.match(r.text, /udp\(src=68,dst=67\)/);
  const i = tcpMatch(); i.nwProto = 1; i.srcPort = 8; i.dstPort = 0;
  r = roundTrip(i);
  assert.equal(r.fit, Fitness.PERFECT); assertSame(i, r.back);
  assert.match(r.text, /icmp\(type=8,code=0\)/);
  const later = tcpMatch(); later.nwFrag = IpFrag.LATER;
  r = roundTrip(later);
  assert.equal(r.fit, Fitness.PERFECT);
  assert.doesNotMatch(r.text, /tcp\(/, 'later fragments carry no L4 key');
  assert.equal(r.back.isPresent(Field.SRC_PORT), false);
});

test('round trip: ipv6 udp and icmpv6 neighbour solicitation (zero nd key)', () => {
  const m = new FlowMatch();
  m.inPort = 2; m.ethSrc = MAC_A; m.ethDst = MAC_B; m.etherType = EtherType.IPV6;
  m.nwSrc6.set(unhex('fe800000000000000000000000000001')); m.nwDst6.set(unhex('ff0200000000000000000001ff000001'));
  m.nwSrc = 0; m.nwDst = 0; m.nwProto = 17; m.nwTos = 0x20; m.nwTtl = 255; m.nwFrag = IpFrag.NONE;
  m.srcPort = 546; m.dstPort = 547;
  let r = roundTrip(m);
  assert.equal(r.fit, Fitness.PERFECT); assertSame(m, r.back);
  assert.match(r.text, /ipv6\(src=fe80::1,dst=ff02::1:ff00:1,label=0,proto=17,tclass=0x20,hlimit=255,frag=no\),udp\(src=546,dst=547\)/);
  m.nwProto = 58; m.srcPort = 135; m.dstPort = 0;
  r = roundTrip(m);
  assert.equal(r.fit, Fitness.PERFECT); assertSame(m, r.back);
  assert.match(r.text, /icmpv6\(type=135,code=0\),nd\(target=::,sll=00:00:00:00:00:00,tll=00:00:00:00:00:00\)$/);
});

test('round trip: arp', () => {
  const m = new FlowMatch();
  m.inPort = 3; m.ethSrc = MAC_A; m.ethDst = 0xffffffffffff; m.etherType = EtherType.ARP;
  m.nwSrc = 0x0a000001; m.nwDst = 0x0a000002; m.nwProto = 1; m.arpSha = MAC_A; m.arpTha = 0;
  const r = roundTrip(m);
  assert.equal(r.fit, Fitness.PERFECT); assertSame(m, r.back);
  assert.match(r.text, /arp\(sip=10.0.0.1,tip=10.0.0.2,op=1,sha=00:11:22:33:44:55,tha=00:00:00:00:00:00\)/);
});

test('round trip: 802.1Q and QinQ (tpid 0x88a8 outside, 0x8100 inside, CFI set on the wire and cleared in the match)', () => {
  const m = tcpMatch();
  m.addInnerVlan(10);
  let b = encode(m);
  assert.ok(hex(b).includes('0600050010' + '0a'), 'vlan tci 0x100a on the wire');
  let r = roundTrip(m);
  assert.equal(r.fit, Fitness.PERFECT); assertSame(m, r.back);
  assert.deepEqual(r.back.peekVlans(), [10]);
  assert.match(r.text, /eth_type\(0x8100\),vlan\(vid=10,pcp=0\),encap\(eth_type\(0x0800\),ipv4\(.*\),tcp\(src=1234,dst=80\),tcp_flags\(0\)\)$/);
  const q = tcpMatch();
  q.addInnerVlan(100); q.addInnerVlan(10);
  b = encode(q);
  r = roundTrip(q);
  assert.equal(r.fit, Fitness.PERFECT); assertSame(q, r.back);
  assert.deepEqual(r.back.peekVlans(), [100, 10]);
  assert.match(r.text, /eth_type\(0x88a8\),vlan\(vid=100,pcp=0\),encap\(eth_type\(0x8100\),vlan\(vid=10,pcp=0\),encap\(eth_type\(0x0800\)/);
  assert.equal(b.length > 0, true);
});

test('round trip: tunnel keys (all five fields written, tp ports and csum tolerated)', () => {
  const m = tcpMatch();
  m.tunnelKey = 0x100005; m.tunnelSrc = 0xc0a80101; m.tunnelDst = 0xc0a80102; m.tunnelTos = 0; m.tunnelTtl = 64;
  const r = roundTrip(m);
  assert.equal(r.fit, Fitness.PERFECT); assertSame(m, r.back);
  assert.match(r.text, /^in_port\(1\),tunnel\(tun_id=0x100005,src=192.168.1.1,dst=192.168.1.2,tos=0,ttl=64,flags\(key\)\),eth/);
  // A kernel tunnel key: no tos (zero omitted), tp_src/tp_dst and csum present.
  const w = new NlWriter();
  w.putU32(3, 4);
  const t = w.beginNested(16);
  w.putBe64(0, 0x2a); w.putBe32(1, 0x0a000001); w.putBe32(2, 0x0a000002); w.putU8(4, 64); w.putFlag(6);
  w.putBe16(9, 49152); w.putBe16(10, 6677);
  w.endNested(t);
  const back = new FlowMatch();
  const info = newKeyDecodeInfo();
  assert.equal(decodeFlowKey(w.buf, 0, w.length, back, info), Fitness.PERFECT);
  assert.equal(back.peek(Field.TUNNEL_KEY), 0x2a);
  assert.equal(back.peek(Field.TUNNEL_TOS), 0);
  assert.ok(back.isPresent(Field.TUNNEL_TOS));
  assert.equal(info.neutral, 3);
  // Geneve options or IPv6 endpoints are not modelled: TOO_MUCH.
  const w2 = new NlWriter();
  const t2 = w2.beginNested(16);
  w2.putBe64(0, 1); w2.putBe32(2, 1); w2.putU8(4, 64); w2.putBytes(8, new Uint8Array(8));
  w2.endNested(t2);
  assert.equal(decodeFlowKey(w2.buf, 0, w2.length, back), Fitness.TOO_MUCH);
});

test('802.3 frame: no eth_type on the wire, NONE in the match, round trip', () => {
  const m = new FlowMatch();
  m.inPort = 1; m.ethSrc = MAC_A; m.ethDst = MAC_B; m.etherType = EtherType.NONE;
  const b = encode(m);
  assert.equal(hex(b), '0800030001000000' + '1000040000112233445566778899aabb');
  const r = roundTrip(m);
  assert.equal(r.fit, Fitness.PERFECT); assertSame(m, r.back);
});

/** A kernel upcall key: metadata first, as __ovs_nla_put_key writes it. */
function kernelKey(extra: (w: NlWriter) => void, l3 = true, l4 = true): NlWriter {
  const w = new NlWriter();
  w.putU32(20, 0); w.putU32(19, 0); w.putU32(2, 0); w.putU32(3, 1); w.putU32(15, 0);
  w.putU32(22, 0); w.putU16(23, 0); w.putU32(24, 0); w.putBytes(25, new Uint8Array(16));
  extra(w);
  w.putBytes(4, unhex('001122334455 66778899aabb'));
  w.putBe16(6, 0x0800);
  if (l3) w.putBytes(7, unhex('0a000001 0a000002 06 00 40 00'));
  if (l4) w.putBytes(9, unhex('04d2 0050'));
  w.putBe16(18, 0x012);
  return w;
}

test('fitness: zero-valued kernel metadata is neutral (PERFECT), counted', () => {
  const w = kernelKey(() => {});
  const m = new FlowMatch();
  const info = newKeyDecodeInfo();
  assert.equal(decodeFlowKey(w.buf, 0, w.length, m, info), Fitness.PERFECT);
  assert.equal(info.neutral, 7);
  assert.equal(info.extra, 0);
  assert.equal(m.tcpFlags, 0x12);
  assert.equal(m.peek(Field.DST_PORT), 80);
});

test('fitness: TOO_MUCH for non-zero recirc_id / ct_state, unknown and mpls attrs; decoding keeps going', () => {
  for (const [type, payload] of [[20, unhex('05000000')], [22, unhex('22000000')], [40, unhex('0102')], [21, unhex('00012140')]] as const) {
    const w = kernelKey((x) => x.putBytes(type, payload));
    const m = new FlowMatch();
    const info = newKeyDecodeInfo();
    const fit = decodeFlowKey(w.buf, 0, w.length, m, info);
    // Duplicate recirc_id/ct_state: the second (non-zero) one makes it TOO_MUCH.
    assert.equal(fit, Fitness.TOO_MUCH, `type ${type}`);
    assert.equal(info.extra, 1);
    assert.equal(info.lastExtraType, type);
    assert.equal(m.peek(Field.DST_PORT), 80, 'the rest of the key is still decoded');
  }
});

test('fitness: TOO_LITTLE when the packet implies a missing attribute, and it beats TOO_MUCH', () => {
  const m = new FlowMatch();
  let w = kernelKey(() => {}, false, false);
  assert.equal(decodeFlowKey(w.buf, 0, w.length, m), Fitness.TOO_LITTLE);
  w = kernelKey(() => {}, true, false);
  assert.equal(decodeFlowKey(w.buf, 0, w.length, m), Fitness.TOO_LITTLE);
  w = kernelKey((x) => x.putU32(40, 1), true, false);
  assert.equal(decodeFlowKey(w.buf, 0, w.length, m), Fitness.TOO_LITTLE);
  // VLAN tpid with a tag but no encap.
  const v = new NlWriter();
  v.putU32(3, 1); v.putBytes(4, new Uint8Array(12)); v.putBe16(6, 0x8100); v.putBe16(5, 0x1005);
  assert.equal(decodeFlowKey(v.buf, 0, v.length, m), Fitness.TOO_LITTLE);
});

test('fitness: VLAN without CFI — zero TCI = truncated header (TOO_LITTLE, untagged), non-zero = ERROR', () => {
  const m = new FlowMatch();
  const z = new NlWriter();
  z.putU32(3, 1); z.putBytes(4, new Uint8Array(12)); z.putBe16(6, 0x8100); z.putBe16(5, 0);
  assert.equal(decodeFlowKey(z.buf, 0, z.length, m), Fitness.TOO_LITTLE);
  assert.equal(m.vlanCount(), 0);
  assert.equal(m.peek(Field.ETHER_TYPE), 0x8100);
  const bad = new NlWriter();
  bad.putU32(3, 1); bad.putBytes(4, new Uint8Array(12)); bad.putBe16(6, 0x8100); bad.putBe16(5, 0x0005);
  const e = bad.beginNested(1, false); bad.putBe16(6, 0x0800); bad.endNested(e);
  assert.equal(decodeFlowKey(bad.buf, 0, bad.length, m), Fitness.ERROR);
});

test('fitness: ERROR on a wrong-length attribute, an overrunning header, a bad frag value', () => {
  const m = new FlowMatch();
  const w = new NlWriter();
  w.putU32(3, 1); w.putBytes(7, new Uint8Array(11));
  assert.equal(decodeFlowKey(w.buf, 0, w.length, m), Fitness.ERROR);
  const t = unhex('08000300 01000000 20000400 0000');
  assert.equal(decodeFlowKey(t, 0, t.length, m), Fitness.ERROR);
  const f = new NlWriter();
  f.putBe16(6, 0x0800); f.putBytes(7, unhex('0a000001 0a000002 06 00 40 03'));
  assert.equal(decodeFlowKey(f.buf, 0, f.length, m), Fitness.ERROR);
});

test('raw key bytes: kept past the receive buffer and written back for delete-by-exact-key', () => {
  const w = kernelKey(() => {});
  const rx = new Uint8Array(w.length + 8);
  rx.set(w.bytes(), 8);
  const kept = copyKeyBytes(rx, 8, w.length);
  rx.fill(0xee); // the upcall slot is reused
  const out = new NlWriter();
  putRawKey(out, 1, kept);
  assert.equal(hex(out.bytes().subarray(0, 4)), hex(new Uint8Array([(w.length + 4) & 0xff, (w.length + 4) >> 8, 0x01, 0x80])));
  assert.equal(hex(out.bytes().subarray(4)), hex(w.bytes()));
});
