import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildArpRequest, buildIcmpEchoRequest, buildIcmpError } from '../../../../simulation/packet/build.js';
import { EtherType, Field, FlowMatch, IpFrag, L4_FIELDS } from '../../../../simulation/packet/flow-match.js';
import { insertVlanTag } from '../../../../simulation/packet/rewrite.js';
import { PARSE_REASONS, ParsedPacket, parseFrame } from '../../../../simulation/packet/parse.js';
import {
  addressing,
  concat,
  ethHeader,
  hex,
  IP_A,
  IP_B,
  IP6_A,
  IP6_B,
  ipv4Frame,
  ipv6Frame,
  MAC_A,
  MAC_B,
  parse,
  tcpFrame,
  udpFrame,
  udpSegment,
} from './frames.js';

function reasonOf(frame: Uint8Array): string {
  const { v } = parse(frame);
  return v.ok ? 'ok' : v.reason;
}

test('parse: Ethernet/IPv4/TCP fills L2-L4 and the offsets', () => {
  const f = tcpFrame(hex('68656c6c6f'));
  const { v, m, p } = parse(f);
  assert.equal(v.ok, true);
  assert.equal(m.peek(Field.ETH_SRC), MAC_A);
  assert.equal(m.peek(Field.ETH_DST), MAC_B);
  assert.equal(m.peek(Field.ETHER_TYPE), EtherType.IPV4);
  assert.equal(m.peek(Field.NW_SRC), IP_A);
  assert.equal(m.peek(Field.NW_DST), IP_B);
  assert.equal(m.peek(Field.NW_PROTO), 6);
  assert.equal(m.peek(Field.NW_TTL), 64);
  assert.equal(m.peek(Field.NW_FRAG), IpFrag.NONE);
  assert.equal(m.peek(Field.SRC_PORT), 12345);
  assert.equal(m.peek(Field.DST_PORT), 80);
  assert.equal(m.tcpFlags, 0x12);
  assert.equal(m.seen, 0, 'parsing marks nothing seen');
  assert.equal(p.l3Offset, 14);
  assert.equal(p.l4Offset, 34);
  assert.equal(p.payloadOffset, 54);
  assert.equal(p.l3End, f.length);
  assert.equal(p.frameLength, f.length);
  assert.equal(p.l4Proto, 6);
  assert.equal(p.l4Truncated, false);
});

test('parse: UDP, with Ethernet padding beyond the IP total length', () => {
  const f = concat(udpFrame(hex('01')), new Uint8Array(60 - 43));
  const { v, m, p } = parse(f);
  assert.equal(v.ok, true);
  assert.equal(m.peek(Field.SRC_PORT), 5353);
  assert.equal(m.peek(Field.DST_PORT), 53);
  assert.equal(p.l3End, 43, 'the IP packet ends before the padding');
  assert.equal(p.payloadOffset, 42);
});

test('parse: ARP request', () => {
  const f = buildArpRequest(MAC_A, IP_A, IP_B);
  const { v, m } = parse(f);
  assert.equal(v.ok, true);
  assert.equal(m.peek(Field.ETHER_TYPE), EtherType.ARP);
  assert.equal(m.peek(Field.NW_PROTO), 1);
  assert.equal(m.peek(Field.NW_SRC), IP_A);
  assert.equal(m.peek(Field.NW_DST), IP_B);
  assert.equal(m.peek(Field.ARP_SHA), MAC_A);
  assert.equal(m.peek(Field.ARP_THA), 0);
  assert.equal(m.isPresent(Field.ARP_SHA), true);
  assert.equal(m.hasL4(), false);
});

test('parse: ARP opcode keeps its low byte only', () => {
  const f = buildArpRequest(MAC_A, IP_A, IP_B);
  f[14 + 6] = 0x01;
  f[14 + 7] = 0x02;
  assert.equal(parse(f).m.peek(Field.NW_PROTO), 2);
});

test('parse: non-Ethernet/IPv4 ARP is keyed by EtherType only; truncated ARP drops', () => {
  const other = concat(ethHeader(EtherType.ARP), hex('0006 0800 08 04 0001'), new Uint8Array(30));
  const { v, m } = parse(other);
  assert.equal(v.ok, true);
  assert.equal(m.isPresent(Field.NW_SRC), false);
  assert.equal(reasonOf(buildArpRequest(MAC_A, IP_A, IP_B).subarray(0, 14 + 27)), 'arp-truncated');
  assert.equal(reasonOf(concat(ethHeader(EtherType.ARP), hex('0001'))), 'arp-truncated');
});

test('parse: 802.3 frames get EtherType NONE, SNAP frames their EtherType', () => {
  const stp = concat(ethHeader(0x0026), hex('424203 0000 00'), new Uint8Array(32));
  const s = parse(stp);
  assert.equal(s.v.ok, true);
  assert.equal(s.m.peek(Field.ETHER_TYPE), EtherType.NONE);
  assert.equal(s.p.l3Offset, -1);
  const ipPkt = udpFrame().subarray(14);
  const snap = concat(ethHeader(ipPkt.length + 8), hex('aaaa03 000000 0800'), ipPkt);
  const n = parse(snap);
  assert.equal(n.v.ok, true);
  assert.equal(n.m.peek(Field.ETHER_TYPE), EtherType.IPV4);
  assert.equal(n.p.l3Offset, 22);
  assert.equal(n.m.peek(Field.DST_PORT), 53);
});

test('parse: one 802.1Q tag', () => {
  const f = insertVlanTag(udpFrame(), 0x8100, 0x2064);
  const { v, m, p } = parse(f);
  assert.equal(v.ok, true);
  assert.deepEqual(m.peekVlans(), [100]);
  assert.equal(m.peek(Field.ETHER_TYPE), EtherType.IPV4);
  assert.equal(p.vlanCount, 1);
  assert.equal(p.l3Offset, 18);
  assert.equal(m.peek(Field.SRC_PORT), 5353);
});

test('parse: QinQ 0x88a8 outer / 0x8100 inner, and the old 0x9100', () => {
  const f = insertVlanTag(insertVlanTag(tcpFrame(), 0x8100, 20), 0x88a8, 10);
  const { v, m, p } = parse(f);
  assert.equal(v.ok, true);
  assert.deepEqual(m.peekVlans(), [10, 20]);
  assert.equal(p.l3Offset, 22);
  assert.equal(m.peek(Field.DST_PORT), 80);
  const old = parse(insertVlanTag(insertVlanTag(tcpFrame(), 0x8100, 7), 0x9100, 3));
  assert.deepEqual(old.m.peekVlans(), [3, 7]);
  assert.equal(old.m.peek(Field.NW_PROTO), 6);
});

test('parse: a third tag is not keyed: its TPID is the EtherType (kernel keys two)', () => {
  const f = insertVlanTag(insertVlanTag(insertVlanTag(tcpFrame(), 0x8100, 3), 0x8100, 2), 0x88a8, 1);
  const { v, m, p } = parse(f);
  assert.equal(v.ok, true);
  assert.deepEqual(m.peekVlans(), [1, 2]);
  assert.equal(m.peek(Field.ETHER_TYPE), 0x8100);
  assert.equal(p.vlanCount, 2);
  assert.equal(m.isPresent(Field.NW_SRC), false);
});

test('parse: truncated Ethernet and VLAN headers drop', () => {
  assert.equal(reasonOf(new Uint8Array(0)), 'eth-truncated');
  assert.equal(reasonOf(tcpFrame().subarray(0, 13)), 'eth-truncated');
  assert.equal(reasonOf(insertVlanTag(tcpFrame(), 0x8100, 1).subarray(0, 17)), 'vlan-truncated');
  assert.equal(reasonOf(tcpFrame().subarray(0, 14)), 'ipv4-truncated');
});

test('parse: IPv4 with options puts L4 after them', () => {
  const rr = hex('07 07 04 00000000 00'); // record route + END
  const f = ipv4Frame({ proto: 17, l4: udpSegment(1000, 2000, hex('aa')), options: rr });
  const { v, m, p } = parse(f);
  assert.equal(v.ok, true);
  assert.equal(p.l4Offset, 14 + 28);
  assert.equal(m.peek(Field.SRC_PORT), 1000);
  assert.equal(m.peek(Field.DST_PORT), 2000);
});

test('parse: IPv4 header errors each have a reason', () => {
  const good = tcpFrame();
  const badVersion = good.slice();
  badVersion[14] = 0x55;
  assert.equal(reasonOf(badVersion), 'ipv4-bad-version');
  const badIhl = good.slice();
  badIhl[14] = 0x43;
  assert.equal(reasonOf(badIhl), 'ipv4-bad-ihl');
  assert.equal(reasonOf(good.subarray(0, 14 + 19)), 'ipv4-truncated');
  const optsCut = good.slice(0, 14 + 24);
  optsCut[14] = 0x4f;
  assert.equal(reasonOf(optsCut), 'ipv4-truncated');
  const badTotal = good.slice();
  badTotal[16] = 0;
  badTotal[17] = 10;
  assert.equal(reasonOf(badTotal), 'ipv4-bad-total-length');
});

test('parse: IPv4 first fragment keeps L4, later fragments have none', () => {
  const first = parse(ipv4Frame({ proto: 17, l4: udpSegment(1, 2, new Uint8Array(16)), flagsFragment: 0x2000 }));
  assert.equal(first.v.ok, true);
  assert.equal(first.m.peek(Field.NW_FRAG), IpFrag.FIRST);
  assert.equal(first.m.peek(Field.SRC_PORT), 1);
  const later = parse(ipv4Frame({ proto: 17, l4: new Uint8Array(16), flagsFragment: 0x2000 | 3 }));
  assert.equal(later.v.ok, true);
  assert.equal(later.m.peek(Field.NW_FRAG), IpFrag.LATER);
  assert.equal(later.m.isPresent(Field.NW_FRAG), true);
  assert.equal(later.m.peek(Field.NW_PROTO), 17);
  assert.equal(later.m.present & L4_FIELDS, 0, 'no L4 field on a later fragment');
  assert.equal(later.p.l4Offset, -1);
  const last = parse(ipv4Frame({ proto: 6, l4: new Uint8Array(20), flagsFragment: 5 }));
  assert.equal(last.m.peek(Field.NW_FRAG), IpFrag.LATER, 'offset>0 without MF is still LATER');
});

test('parse: truncated or bad L4 headers keep the L3 match (kernel behaviour)', () => {
  const cut = parse(tcpFrame().subarray(0, 14 + 20 + 10));
  assert.equal(cut.v.ok, true);
  assert.equal(cut.p.l4Truncated, true);
  assert.equal(cut.m.peek(Field.NW_PROTO), 6);
  assert.equal(cut.m.hasL4(), false);
  const badOff = tcpFrame();
  badOff[14 + 20 + 12] = 0x30;
  const b = parse(badOff);
  assert.equal(b.v.ok, true);
  assert.equal(b.p.l4Truncated, true);
  const udpCut = parse(udpFrame().subarray(0, 14 + 20 + 7));
  assert.equal(udpCut.p.l4Truncated, true);
  const icmpCut = parse(ipv4Frame({ proto: 1, l4: hex('0800 0000') }));
  assert.equal(icmpCut.v.ok, true);
  assert.equal(icmpCut.p.l4Truncated, true);
  assert.equal(icmpCut.m.hasL4(), false);
});

test('parse: ICMP echo puts type/code in the ports and fills icmpId', () => {
  const f = buildIcmpEchoRequest({ ...addressing, id: 0x4242, seq: 7, data: hex('0102') });
  const { v, m, p } = parse(f);
  assert.equal(v.ok, true);
  assert.equal(m.peek(Field.SRC_PORT), 8);
  assert.equal(m.peek(Field.DST_PORT), 0);
  assert.equal(m.peek(Field.ICMP_ID), 0x4242);
  assert.equal(m.peekIcmpData(), null);
  assert.equal(p.quotedOffset, -1);
});

test('parse: ICMP error fills icmpData with a view of the quoted packet', () => {
  const offending = tcpFrame().subarray(14);
  const f = buildIcmpError({ ...addressing, type: 3, code: 3, quoted: offending });
  const { v, m, p } = parse(f);
  assert.equal(v.ok, true);
  assert.equal(m.peek(Field.SRC_PORT), 3);
  assert.equal(m.peek(Field.DST_PORT), 3);
  assert.equal(m.isPresent(Field.ICMP_ID), false);
  const data = m.peekIcmpData();
  assert.ok(data);
  assert.equal(data.buffer, f.buffer, 'a view, not a copy');
  assert.equal(p.quotedOffset, 14 + 20 + 8);
  assert.equal(p.quotedLength, 40);
  assert.deepEqual([...data], [...offending.subarray(0, 40)]);
  // The quoted packet parses as IPv4 in its own right.
  const inner = parse(concat(ethHeader(EtherType.IPV4), data));
  assert.equal(inner.m.peek(Field.NW_SRC), IP_A);
  assert.equal(inner.m.peek(Field.DST_PORT), 80);
});

test('parse: every ICMP error type carries data; others do not', () => {
  for (const t of [3, 4, 5, 11, 12]) {
    const f = buildIcmpError({ ...addressing, type: t, code: 0, quoted: udpFrame().subarray(14) });
    assert.notEqual(parse(f).m.peekIcmpData(), null, `type ${t}`);
  }
  const ts = ipv4Frame({ proto: 1, l4: hex('0d00 0000 0001 0002 00000000 00000000 00000000') });
  const r = parse(ts);
  assert.equal(r.m.peek(Field.SRC_PORT), 13);
  assert.equal(r.m.peekIcmpData(), null);
  assert.equal(r.m.isPresent(Field.ICMP_ID), false);
});

test('parse: IPv6/TCP', () => {
  const tcpHdr = hex('3039 0050 00000001 00000000 5002 ffff 0000 0000');
  const f = ipv6Frame(6, tcpHdr, 17, 0x20);
  const { v, m, p } = parse(f);
  assert.equal(v.ok, true);
  assert.equal(m.peek(Field.ETHER_TYPE), EtherType.IPV6);
  assert.deepEqual([...m.nwSrc6], [...IP6_A]);
  assert.deepEqual([...m.nwDst6], [...IP6_B]);
  assert.equal(m.peek(Field.NW_PROTO), 6);
  assert.equal(m.peek(Field.NW_TTL), 17);
  assert.equal(m.peek(Field.NW_TOS), 0x20);
  assert.equal(m.peek(Field.SRC_PORT), 12345);
  assert.equal(m.tcpFlags, 0x02);
  assert.equal(p.l4Offset, 54);
});

test('parse: IPv6 extension chain to UDP, and ICMPv6', () => {
  const hbh = hex('3c 00 010400000000');
  const dst = hex('11 00 010400000000');
  const r = parse(ipv6Frame(0, concat(hbh, dst, hex('0222 0223 0008 0000'))));
  assert.equal(r.v.ok, true);
  assert.equal(r.m.peek(Field.NW_PROTO), 17);
  assert.equal(r.m.peek(Field.SRC_PORT), 546);
  assert.equal(r.p.ipv6ExtCount, 2);
  assert.equal(r.p.l4Offset, 14 + 40 + 16);
  const ns = parse(ipv6Frame(58, hex('8700 0000 00000000'), 255));
  assert.equal(ns.m.peek(Field.NW_PROTO), 58);
  assert.equal(ns.m.peek(Field.SRC_PORT), 135);
  assert.equal(ns.m.peek(Field.DST_PORT), 0);
});

test('parse: IPv6 fragments and errors', () => {
  const later = parse(ipv6Frame(44, concat(hex('11 00 00a8 00000001'), new Uint8Array(8))));
  assert.equal(later.v.ok, true);
  assert.equal(later.m.peek(Field.NW_FRAG), IpFrag.LATER);
  assert.equal(later.m.peek(Field.NW_PROTO), 17);
  assert.equal(later.m.hasL4(), false);
  const first = parse(ipv6Frame(44, concat(hex('11 00 0001 00000001'), hex('0001 0002 0008 0000'))));
  assert.equal(first.m.peek(Field.NW_FRAG), IpFrag.FIRST);
  assert.equal(first.m.peek(Field.DST_PORT), 2);
  assert.equal(reasonOf(ipv6Frame(6, new Uint8Array(20)).subarray(0, 14 + 39)), 'ipv6-truncated');
  const v4 = ipv6Frame(6, new Uint8Array(20));
  v4[14] = 0x45;
  assert.equal(reasonOf(v4), 'ipv6-bad-version');
  assert.equal(reasonOf(ipv6Frame(43, hex('06 04 0000'))), 'ipv6-ext-truncated');
});

test('parse: verdicts are preallocated, reasons come from the stable list', () => {
  const m = new FlowMatch();
  const p = new ParsedPacket();
  const a = parseFrame(tcpFrame(), m, p);
  m.reset();
  const b = parseFrame(udpFrame(), m, p);
  assert.equal(a, b);
  assert.equal(Object.isFrozen(a), true);
  const x = parseFrame(new Uint8Array(3), m, p);
  const y = parseFrame(new Uint8Array(5), m, p);
  assert.equal(x, y);
  assert.ok(!x.ok && (PARSE_REASONS as readonly string[]).includes(x.reason));
});

test('parse: ParsedPacket is reset between frames', () => {
  const m = new FlowMatch();
  const p = new ParsedPacket();
  parseFrame(buildIcmpError({ ...addressing, type: 11, code: 0, quoted: tcpFrame().subarray(14) }), m, p);
  assert.notEqual(p.quotedOffset, -1);
  m.reset();
  parseFrame(buildArpRequest(MAC_A, IP_A, IP_B), m, p);
  assert.equal(p.quotedOffset, -1);
  assert.equal(p.l4Offset, -1);
  assert.equal(p.l4Proto, -1);
});

/** xorshift32, so the fuzz cases are the same on every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

test('parse: never throws on any prefix or mutation of valid frames', () => {
  const seeds = [
    tcpFrame(hex('0102030405')),
    udpFrame(),
    buildArpRequest(MAC_A, IP_A, IP_B),
    insertVlanTag(insertVlanTag(tcpFrame(), 0x8100, 2), 0x88a8, 1),
    buildIcmpError({ ...addressing, type: 3, code: 1, quoted: udpFrame().subarray(14) }),
    ipv6Frame(0, concat(hex('2c 00 010400000000'), hex('06 00 0001 00000001'), new Uint8Array(20))),
  ];
  const m = new FlowMatch();
  const p = new ParsedPacket();
  const rnd = prng(0x5eed);
  const reasons = new Set<string>(PARSE_REASONS);
  let n = 0;
  for (const s of seeds) {
    for (let cut = 0; cut <= s.length; cut++) {
      m.reset();
      const v = parseFrame(s.subarray(0, cut), m, p);
      assert.ok(v.ok || reasons.has(v.reason));
      n++;
    }
    for (let i = 0; i < 2000; i++) {
      const f = s.slice(0, rnd() % (s.length + 1));
      const flips = 1 + (rnd() % 4);
      for (let k = 0; k < flips && f.length > 0; k++) f[rnd() % f.length] = rnd() & 0xff;
      m.reset();
      const v = parseFrame(f, m, p);
      assert.ok(v.ok || reasons.has(v.reason));
      if (v.ok && p.l4Offset >= 0) assert.ok(p.l4Offset <= f.length);
      n++;
    }
  }
  assert.ok(n > 12000);
});
