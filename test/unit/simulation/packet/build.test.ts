import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildArpReply,
  buildIcmpEchoReply,
  buildIcmpError,
  buildUdp,
  icmpQuoteLength,
} from '../../../../simulation/packet/build.js';
import { pseudoHeaderSum, verify } from '../../../../simulation/packet/checksum.js';
import { BROADCAST_MAC } from '../../../../simulation/packet/addr.js';
import { EtherType, Field } from '../../../../simulation/packet/flow-match.js';
import { buildArpRequest } from '../../../../simulation/packet/build.js';
import { addressing, hex, IP_A, IP_B, ipv4Packet, MAC_A, MAC_B, parse, tcpFrame } from './frames.js';

test('build: ARP request is broadcast with a zero target MAC; reply is unicast', () => {
  const req = parse(buildArpRequest(MAC_A, IP_A, IP_B));
  assert.equal(req.m.peek(Field.ETH_DST), BROADCAST_MAC);
  assert.equal(req.m.peek(Field.NW_PROTO), 1);
  const rep = buildArpReply(MAC_B, IP_B, MAC_A, IP_A);
  const r = parse(rep);
  assert.equal(rep.length, 42);
  assert.equal(r.m.peek(Field.ETH_DST), MAC_A);
  assert.equal(r.m.peek(Field.ETHER_TYPE), EtherType.ARP);
  assert.equal(r.m.peek(Field.NW_PROTO), 2);
  assert.equal(r.m.peek(Field.ARP_SHA), MAC_B);
  assert.equal(r.m.peek(Field.ARP_THA), MAC_A);
  assert.equal(r.m.peek(Field.NW_SRC), IP_B);
});

test('build: ICMP echo reply keeps id, seq and data; checksums verify', () => {
  const f = buildIcmpEchoReply({ ...addressing, id: 77, seq: 3, data: hex('616263') });
  const { m } = parse(f);
  assert.equal(m.peek(Field.SRC_PORT), 0);
  assert.equal(m.peek(Field.ICMP_ID), 77);
  assert.equal(m.peek(Field.NW_TTL), 64);
  assert.ok(verify(f, 14, 20));
  assert.ok(verify(f, 34, f.length - 34));
  assert.deepEqual([...f.subarray(42)], [0x61, 0x62, 0x63]);
});

test('build: ICMP error quotes the IP header plus the L4 header', () => {
  const tcpPkt = tcpFrame(hex('0102030405060708090a')).subarray(14);
  assert.equal(icmpQuoteLength(tcpPkt, 0, tcpPkt.length), 40);
  const udpPkt = ipv4Packet({ proto: 17, l4: new Uint8Array(100), options: hex('01010100') });
  assert.equal(icmpQuoteLength(udpPkt, 0, udpPkt.length), 24 + 8);
  assert.equal(icmpQuoteLength(udpPkt, 0, 30), 30, 'never more than there is');
  const f = buildIcmpError({ ...addressing, type: 11, code: 0, quoted: tcpPkt, ttl: 64 });
  const { m } = parse(f);
  assert.equal(m.peek(Field.SRC_PORT), 11);
  assert.equal(m.peekIcmpData()?.length, 40);
  assert.ok(verify(f, 14, 20));
  assert.ok(verify(f, 34, f.length - 34));
  const mtu = buildIcmpError({ ...addressing, type: 3, code: 4, quoted: tcpPkt, rest: 1400 });
  assert.equal((mtu[34 + 6]! << 8) | mtu[34 + 7]!, 1400);
});

test('build: UDP datagram with a verifying checksum', () => {
  const f = buildUdp({ ...addressing, srcPort: 67, dstPort: 68, payload: hex('0102030405') });
  const { m, p } = parse(f);
  assert.equal(m.peek(Field.SRC_PORT), 67);
  assert.equal(m.peek(Field.DST_PORT), 68);
  assert.equal(p.payloadOffset, 42);
  const len = f.length - 34;
  assert.ok(verify(f, 34, len, pseudoHeaderSum(IP_A, IP_B, 17, len)));
  assert.notEqual((f[40]! << 8) | f[41]!, 0);
});
