/**
 * The megaflow mask, one test per row of datapath.md §2.2, asserted through
 * the dump-flows text of key+mask (what ovs-dpctl would print) and the raw
 * mask records where the text hides something.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NlWriter } from '../../../../agent/datapath/nl-writer.js';
import { encodeFlowKey } from '../../../../agent/datapath/odp-flow-key.js';
import { encodeFlowMask, highestLayerSeen } from '../../../../agent/datapath/odp-flow-mask.js';
import { decodeKeyAttrs } from '../../../../agent/datapath/odp-key-attrs.js';
import { formatKeyList } from '../../../../agent/datapath/flow-text.js';
import type { OdpAction, OdpKeyAttr } from '../../../../agent/datapath/odp-types.js';
import { EtherType, Field, FlowMatch, IpFrag } from '../../../../simulation/packet/flow-match.js';

function ipv4Tcp(): FlowMatch {
  const m = new FlowMatch();
  m.inPort = 1; m.ethSrc = 0x001122334455; m.ethDst = 0x66778899aabb; m.etherType = EtherType.IPV4;
  m.nwSrc = 0x0a000001; m.nwDst = 0x0a000002; m.nwProto = 6; m.nwTos = 0x10; m.nwTtl = 64; m.nwFrag = IpFrag.NONE;
  m.srcPort = 1234; m.dstPort = 80;
  return m;
}
function records(f: (w: NlWriter) => void): OdpKeyAttr[] {
  const w = new NlWriter();
  f(w);
  const r = decodeKeyAttrs(w.buf, 0, w.length);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.ok ? r.value : [];
}
function maskOf(m: FlowMatch, actions: readonly OdpAction[] = []): OdpKeyAttr[] {
  return records((w) => encodeFlowMask(w, m, actions));
}
function text(m: FlowMatch, actions: readonly OdpAction[] = []): string {
  const before = m.seen;
  const s = formatKeyList(records((w) => encodeFlowKey(w, m)), maskOf(m, actions));
  assert.equal(m.seen, before, 'computing a mask never marks fields seen');
  return s;
}
const E = 'eth(src=00:11:22:33:44:55,dst=66:77:88:99:aa:bb)';

test('IN_PORT: always exact, even when nothing was seen', () => {
  const m = ipv4Tcp();
  assert.equal(highestLayerSeen(m), 0);
  assert.deepEqual(maskOf(m), [{ kind: 'in_port', value: 0xffffffff }]);
  assert.equal(text(m), 'in_port(1),eth()');
});

test('TUNNEL: per-field all-ones for seen tunnel fields, flags never masked', () => {
  const m = ipv4Tcp();
  m.tunnelKey = 0x100005; m.tunnelSrc = 0x0a000001; m.tunnelDst = 0x0a000002; m.tunnelTos = 0; m.tunnelTtl = 64;
  void m.tunnelKey; void m.tunnelDst;
  const t = maskOf(m).find((a) => a.kind === 'tunnel');
  assert.deepEqual(t, { kind: 'tunnel', tunnel: { id: 0xffffffffffffffffn, dst: 0xffffffff } });
  assert.equal(text(m), 'in_port(1),tunnel(tun_id=0x100005,dst=10.0.0.2,flags(+key)),eth()');
  void m.tunnelSrc; void m.tunnelTos; void m.tunnelTtl;
  assert.equal(text(m), 'in_port(1),tunnel(tun_id=0x100005,src=10.0.0.1,dst=10.0.0.2,tos=0,ttl=64,flags(+key)),eth()');
});

test('ETHERNET: per seen MAC when layer ≥ 2', () => {
  const m = ipv4Tcp();
  void m.ethDst;
  assert.equal(text(m), 'in_port(1),eth(dst=66:77:88:99:aa:bb)');
  void m.ethSrc;
  assert.equal(text(m), `in_port(1),${E}`);
});

test('ETHERNET: an 802.3 frame with nothing seen gets both MACs exact', () => {
  const m = new FlowMatch();
  m.inPort = 1; m.ethSrc = 0x001122334455; m.ethDst = 0x66778899aabb; m.etherType = EtherType.NONE;
  assert.equal(text(m), `in_port(1),${E}`);
  void m.inPort; // still layer 1
  assert.equal(text(m), `in_port(1),${E}`);
  void m.etherType; // layer 2: MACs per seen, ethertype exact (mask only: the key has none)
  assert.equal(text(m), 'in_port(1),eth(),eth_type(0/0xffff)');
});

test('VLAN: seen ⇒ TPID exact and TCI 0xffff (CFI included)', () => {
  const m = ipv4Tcp();
  m.addInnerVlan(10);
  void m.vlanIds;
  const mk = maskOf(m);
  assert.deepEqual(mk.slice(1), [{ kind: 'eth_type', value: 0xffff }, { kind: 'vlan', value: 0xffff }]);
  assert.equal(text(m), 'in_port(1),eth(),eth_type(0x8100),vlan(vid=10,pcp=0),encap()');
});

test('VLAN: inner L3 read without the tag ⇒ ENCAP with TPID exact and a CFI-only TCI mask (kernel rule)', () => {
  const m = ipv4Tcp();
  m.addInnerVlan(10);
  void m.nwDst;
  assert.equal(text(m), // Unmasked key values print as value/0 (a kernel dump would show them pre-masked as vlan()).
  'in_port(1),eth(),eth_type(0x8100),vlan(vid=10/0x0),encap(eth_type(0x0800),ipv4(dst=10.0.0.2,frag=no))');
  assert.deepEqual(maskOf(m).slice(1, 3), [{ kind: 'eth_type', value: 0xffff }, { kind: 'vlan', value: 0x1000 }]);
  const q = ipv4Tcp();
  q.addInnerVlan(100); q.addInnerVlan(10);
  void q.dstPort;
  assert.equal(text(q),
    'in_port(1),eth(),eth_type(0x88a8),vlan(vid=100/0x0),encap(eth_type(0x8100),vlan(vid=10/0x0),encap(eth_type(0x0800),ipv4(proto=6,frag=no),tcp(dst=80)))');
});

test('ETHERTYPE: exact when layer ≥ 3 or when the ethertype itself was seen; absent otherwise', () => {
  const m = ipv4Tcp();
  void m.ethSrc;
  assert.ok(!maskOf(m).some((a) => a.kind === 'eth_type'));
  void m.etherType;
  assert.equal(text(m), 'in_port(1),eth(src=00:11:22:33:44:55),eth_type(0x0800)');
  const n = ipv4Tcp();
  void n.nwTtl;
  assert.equal(text(n), 'in_port(1),eth(),eth_type(0x0800),ipv4(ttl=64,frag=no)');
});

test('IPV4: frag always exact; src/dst/tos/ttl per seen; proto when layer 4 or seen', () => {
  const m = ipv4Tcp();
  void m.nwSrc;
  assert.equal(text(m), 'in_port(1),eth(),eth_type(0x0800),ipv4(src=10.0.0.1,frag=no)');
  void m.nwTos; void m.nwProto;
  assert.equal(text(m), 'in_port(1),eth(),eth_type(0x0800),ipv4(src=10.0.0.1,proto=6,tos=0x10,frag=no)');
  const l4 = ipv4Tcp();
  void l4.srcPort;
  assert.equal(text(l4), 'in_port(1),eth(),eth_type(0x0800),ipv4(proto=6,frag=no),tcp(src=1234)');
});

test('ARP: sip/tip/op per seen, sha/tha never', () => {
  const m = new FlowMatch();
  m.inPort = 2; m.ethSrc = 0x001122334455; m.ethDst = 0xffffffffffff; m.etherType = EtherType.ARP;
  m.nwSrc = 0x0a000001; m.nwDst = 0x0a000002; m.nwProto = 1; m.arpSha = 0x001122334455; m.arpTha = 0;
  void m.nwDst; void m.nwProto; void m.arpSha; void m.arpTha;
  assert.equal(text(m), 'in_port(2),eth(),eth_type(0x0806),arp(tip=10.0.0.2,op=1)');
});

test('IPV6: emitted all-zero (MidoNet never masks IPv6 fields), no L4 mask', () => {
  const m = new FlowMatch();
  m.inPort = 2; m.ethSrc = 1; m.ethDst = 2; m.etherType = EtherType.IPV6;
  m.nwSrc = 0; m.nwDst = 0; m.nwProto = 17; m.nwTos = 0; m.nwTtl = 64; m.nwFrag = IpFrag.NONE; m.srcPort = 1; m.dstPort = 2;
  void m.nwDst; void m.dstPort;
  const mk = maskOf(m);
  const v6 = mk.find((a) => a.kind === 'ipv6');
  assert.ok(v6 && v6.kind === 'ipv6' && v6.src.every((x) => x === 0) && v6.proto === 0 && v6.frag === 0);
  assert.ok(!mk.some((a) => a.kind === 'udp' || a.kind === 'icmpv6'));
  assert.equal(text(m), 'in_port(2),eth(),eth_type(0x86dd)');
});

test('TCP / UDP / ICMP: ports, ICMP type ("src port") and code ("dst port") per seen', () => {
  const t = ipv4Tcp();
  void t.dstPort;
  assert.equal(text(t), 'in_port(1),eth(),eth_type(0x0800),ipv4(proto=6,frag=no),tcp(dst=80)');
  const u = ipv4Tcp(); u.nwProto = 17;
  void u.srcPort; void u.dstPort;
  assert.equal(text(u), 'in_port(1),eth(),eth_type(0x0800),ipv4(proto=17,frag=no),udp(src=1234,dst=80)');
  const i = ipv4Tcp(); i.nwProto = 1; i.srcPort = 8; i.dstPort = 0;
  void i.srcPort;
  assert.equal(text(i), 'in_port(1),eth(),eth_type(0x0800),ipv4(proto=1,frag=no),icmp(type=8)');
});

test('later fragments: L4 seen still gives no L4 mask (the key has none), frag exact', () => {
  const m = ipv4Tcp(); m.nwFrag = IpFrag.LATER;
  void m.dstPort;
  assert.equal(text(m), 'in_port(1),eth(),eth_type(0x0800),ipv4(proto=6,frag=later)');
});

test('SET of ipv4/tcp/udp/icmp forces ethertype and IP proto exact; SET eth does not', () => {
  const setIp: OdpAction = { kind: 'set', key: { kind: 'ipv4', src: 1, dst: 2, proto: 6, tos: 0, ttl: 63, frag: 0 } };
  const m = ipv4Tcp();
  void m.ethDst;
  assert.equal(text(m, [setIp, { kind: 'output', port: 2 }]),
    'in_port(1),eth(dst=66:77:88:99:aa:bb),eth_type(0x0800),ipv4(proto=6,frag=no)');
  assert.equal(text(m, [{ kind: 'set', key: { kind: 'tcp', src: 1, dst: 2 } }]),
    'in_port(1),eth(dst=66:77:88:99:aa:bb),eth_type(0x0800),ipv4(proto=6,frag=no)');
  assert.equal(text(m, [{ kind: 'set', key: { kind: 'eth', src: 1, dst: 2 } }]), 'in_port(1),eth(dst=66:77:88:99:aa:bb)');
  const v6 = new FlowMatch();
  v6.inPort = 1; v6.ethSrc = 1; v6.ethDst = 2; v6.etherType = EtherType.IPV6; v6.nwProto = 17; v6.nwFrag = IpFrag.NONE;
  const mk = maskOf(v6, [{ kind: 'set', key: { kind: 'udp', src: 1, dst: 2 } }]);
  const ip6 = mk.find((a) => a.kind === 'ipv6');
  assert.ok(mk.some((a) => a.kind === 'eth_type' && a.value === 0xffff));
  assert.ok(ip6 && ip6.kind === 'ipv6' && ip6.proto === 0xff && ip6.tclass === 0);
});

test('keys never in masks: TCP_FLAGS, ICMPv6, ND, SCTP, PRIORITY, SKB_MARK', () => {
  const m = ipv4Tcp();
  m.tcpFlags = 0x12;
  m.markSeen(0x7fffffff);
  const kinds = new Set(maskOf(m).map((a) => a.kind));
  for (const k of ['tcp_flags', 'icmpv6', 'nd', 'sctp', 'skb_priority', 'skb_mark']) assert.ok(!kinds.has(k as never), k);
  assert.ok(kinds.has('tcp'));
  assert.equal(m.isSeen(Field.SRC_PORT), true);
});
