import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildIcmpError, buildIcmpEchoRequest } from '../../../../simulation/packet/build.js';
import { pseudoHeaderSum, verify } from '../../../../simulation/packet/checksum.js';
import { Field, FlowMatch } from '../../../../simulation/packet/flow-match.js';
import * as ipv4 from '../../../../simulation/packet/ipv4.js';
import { ParsedPacket, parseFrame } from '../../../../simulation/packet/parse.js';
import { applyActions } from '../../../../simulation/packet/rewrite.js';
import type { VirtualAction } from '../../../../simulation/result.js';
import { addressing, hex, ip, ipv4Frame, mac, tcpFrame, udpFrame, udpSegment } from './frames.js';

function parsed(frame: Uint8Array): ParsedPacket {
  const p = new ParsedPacket();
  const v = parseFrame(frame, new FlowMatch(), p);
  assert.equal(v.ok, true);
  return p;
}

/** Parses `frame` and checks every checksum by recomputing it from scratch. */
function checkSums(frame: Uint8Array): { m: FlowMatch; p: ParsedPacket } {
  const m = new FlowMatch();
  const p = new ParsedPacket();
  assert.equal(parseFrame(frame, m, p).ok, true);
  const l3 = p.l3Offset;
  assert.ok(verify(frame, l3, ipv4.headerLength(frame, l3)), 'IPv4 header checksum');
  if (p.l4Offset >= 0 && p.frag === 0) {
    const len = p.l3End - p.l4Offset;
    const proto = p.l4Proto;
    if (proto === 6) {
      assert.ok(verify(frame, p.l4Offset, len, pseudoHeaderSum(ipv4.src(frame, l3), ipv4.dst(frame, l3), 6, len)), 'TCP checksum');
    } else if (proto === 17 && (frame[p.l4Offset + 6]! | frame[p.l4Offset + 7]!) !== 0) {
      assert.ok(verify(frame, p.l4Offset, len, pseudoHeaderSum(ipv4.src(frame, l3), ipv4.dst(frame, l3), 17, len)), 'UDP checksum');
    } else if (proto === 1) {
      assert.ok(verify(frame, p.l4Offset, len), 'ICMP checksum');
    }
  }
  return { m, p };
}

const NAT_IP = ip('192.0.2.77');
const setIp = (src: number, dst: number, ttl = 64, tos = 0x10): VirtualAction => ({
  kind: 'set-ipv4', src, dst, proto: 0, tos, ttl, frag: 0,
});

test('rewrite: set-eth then output; the input frame is untouched', () => {
  const f = tcpFrame();
  const before = f.slice();
  const out = applyActions(f, parsed(f), [
    { kind: 'set-eth', src: mac('02:aa:00:00:00:01'), dst: mac('02:bb:00:00:00:02') },
    { kind: 'output', portId: 'p1' },
  ]);
  assert.equal(out.length, 1);
  assert.equal(out[0]!.portId, 'p1');
  const { m } = checkSums(out[0]!.frame);
  assert.equal(m.peek(Field.ETH_SRC), mac('02:aa:00:00:00:01'));
  assert.equal(m.peek(Field.ETH_DST), mac('02:bb:00:00:00:02'));
  assert.deepEqual(f, before);
});

test('rewrite: SNAT on TCP fixes IPv4 and TCP (pseudo-header) checksums', () => {
  const f = tcpFrame(hex('00112233445566'));
  const out = applyActions(f, parsed(f), [setIp(NAT_IP, addressing.ipDst, 63), { kind: 'output', portId: 'x' }]);
  const { m } = checkSums(out[0]!.frame);
  assert.equal(m.peek(Field.NW_SRC), NAT_IP);
  assert.equal(m.peek(Field.NW_TTL), 63);
});

test('rewrite: DNAT + port rewrite on UDP; a zero UDP checksum stays zero', () => {
  const f = udpFrame(hex('0102030405'));
  const out = applyActions(f, parsed(f), [
    setIp(addressing.ipSrc, NAT_IP, 10, 0xb8),
    { kind: 'set-udp', src: 4000, dst: 5000 },
    { kind: 'output', portId: 'x' },
  ]);
  const { m } = checkSums(out[0]!.frame);
  assert.equal(m.peek(Field.NW_DST), NAT_IP);
  assert.equal(m.peek(Field.NW_TOS), 0xb8);
  assert.equal(m.peek(Field.SRC_PORT), 4000);
  assert.equal(m.peek(Field.DST_PORT), 5000);
  const z = udpFrame();
  z[14 + 20 + 6] = 0;
  z[14 + 20 + 7] = 0;
  const zo = applyActions(z, parsed(z), [setIp(NAT_IP, NAT_IP), { kind: 'set-udp', src: 1, dst: 2 }, { kind: 'output', portId: 'x' }]);
  const zf = zo[0]!.frame;
  assert.equal(zf[14 + 20 + 6]! | zf[14 + 20 + 7]!, 0);
  checkSums(zf);
});

test('rewrite: set-tcp ports', () => {
  const f = tcpFrame(hex('ff'));
  const out = applyActions(f, parsed(f), [{ kind: 'set-tcp', src: 1024, dst: 8080 }, { kind: 'output', portId: 'x' }]);
  const { m } = checkSums(out[0]!.frame);
  assert.equal(m.peek(Field.SRC_PORT), 1024);
  assert.equal(m.peek(Field.DST_PORT), 8080);
});

test('rewrite: set-icmp and set-icmp-data', () => {
  const echo = buildIcmpEchoRequest({ ...addressing, id: 9, seq: 1, data: hex('abcdef') });
  const o1 = applyActions(echo, parsed(echo), [{ kind: 'set-icmp', type: 0, code: 0 }, { kind: 'output', portId: 'x' }]);
  assert.equal(checkSums(o1[0]!.frame).m.peek(Field.SRC_PORT), 0);

  const err = buildIcmpError({ ...addressing, type: 3, code: 1, quoted: tcpFrame().subarray(14) });
  const quoted = tcpFrame().subarray(14, 14 + 28).slice();
  quoted[12] = 192; // the NATed source inside the quote
  const o2 = applyActions(err, parsed(err), [
    { kind: 'set-icmp-data', data: quoted },
    setIp(NAT_IP, addressing.ipDst),
    { kind: 'output', portId: 'x' },
  ]);
  const f2 = o2[0]!.frame;
  const { m, p } = checkSums(f2);
  assert.equal(f2.length, 14 + 20 + 8 + 28);
  assert.equal(ipv4.totalLength(f2, 14), 20 + 8 + 28);
  assert.deepEqual([...(m.peekIcmpData() ?? [])], [...quoted]);
  assert.equal(p.quotedLength, 28);
});

test('rewrite: push-vlan, pop-vlan and sets after them use the moved offsets', () => {
  const f = tcpFrame(hex('0102'));
  const out = applyActions(f, parsed(f), [
    { kind: 'push-vlan', tpid: 0x88a8, vid: 10 },
    { kind: 'push-vlan', tpid: 0x8100, vid: 20 },
    setIp(NAT_IP, addressing.ipDst),
    { kind: 'set-tcp', src: 7, dst: 8 },
    { kind: 'output', portId: 'tagged' },
    { kind: 'pop-vlan' },
    { kind: 'output', portId: 'one-tag' },
    { kind: 'pop-vlan' },
    { kind: 'pop-vlan' }, // nothing left to pop: no change
    { kind: 'output', portId: 'untagged' },
  ]);
  assert.deepEqual(out.map((o) => o.portId), ['tagged', 'one-tag', 'untagged']);
  const t = checkSums(out[0]!.frame);
  assert.deepEqual(t.m.peekVlans(), [20, 10], 'the last pushed tag is outermost');
  assert.equal(out[0]!.frame[12], 0x81);
  assert.equal(t.m.peek(Field.NW_SRC), NAT_IP);
  assert.equal(t.m.peek(Field.SRC_PORT), 7);
  assert.deepEqual(checkSums(out[1]!.frame).m.peekVlans(), [10]);
  const u = checkSums(out[2]!.frame);
  assert.deepEqual(u.m.peekVlans(), []);
  assert.equal(out[2]!.frame.length, f.length);
});

test('rewrite: actions apply in order: an output sees only earlier sets', () => {
  const f = tcpFrame();
  const out = applyActions(f, parsed(f), [
    { kind: 'output', portId: 'a' },
    setIp(NAT_IP, addressing.ipDst),
    { kind: 'output', portId: 'b' },
  ]);
  assert.equal(checkSums(out[0]!.frame).m.peek(Field.NW_SRC), addressing.ipSrc);
  assert.equal(checkSums(out[1]!.frame).m.peek(Field.NW_SRC), NAT_IP);
  assert.notEqual(out[0]!.frame, out[1]!.frame);
});

test('rewrite: sets for absent headers change nothing', () => {
  const f = udpFrame();
  const out = applyActions(f, parsed(f), [
    { kind: 'set-tcp', src: 1, dst: 2 },
    { kind: 'set-icmp', type: 3, code: 3 },
    { kind: 'output', portId: 'x' },
  ]);
  assert.deepEqual(out[0]!.frame, f);
  const later = ipv4Frame({ proto: 17, l4: udpSegment(1, 2, hex('00')), flagsFragment: 0x0010 });
  const o2 = applyActions(later, parsed(later), [setIp(NAT_IP, addressing.ipDst), { kind: 'set-udp', src: 9, dst: 9 }, { kind: 'output', portId: 'x' }]);
  const lf = o2[0]!.frame;
  assert.deepEqual(lf.subarray(34), later.subarray(34), 'later fragment payload untouched');
  assert.ok(verify(lf, 14, 20));
});
