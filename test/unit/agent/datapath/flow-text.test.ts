/**
 * odp.at-style round trips of the ovs-dpctl text form: every line below must
 * survive parse → format unchanged, parse(format(parse(x))) must equal
 * parse(x), and the parsed key/mask/actions must survive the netlink codec
 * (records → bytes → records). Then real ovs-dpctl output with its extra
 * fields is compared with what the agent meant.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFlow, formatKeyList, ipv6ToString } from '../../../../agent/datapath/flow-text.js';
import { parseFlow, parseIpv6, FlowTextError } from '../../../../agent/datapath/flow-text-parse.js';
import { compareFlows } from '../../../../agent/datapath/flow-compare.js';
import { NlWriter } from '../../../../agent/datapath/nl-writer.js';
import { decodeKeyAttrs, encodeKeyAttrs } from '../../../../agent/datapath/odp-key-attrs.js';
import { decodeActions, encodeActions } from '../../../../agent/datapath/odp-actions.js';
import { encodeFlowKey } from '../../../../agent/datapath/odp-flow-key.js';
import { encodeFlowMask } from '../../../../agent/datapath/odp-flow-mask.js';
import { FlowMatch, IpFrag } from '../../../../simulation/packet/flow-match.js';
import type { OdpFlow } from '../../../../agent/datapath/odp-types.js';

const E = 'eth(src=00:11:22:33:44:55,dst=66:77:88:99:aa:bb)';
const S = 'packets:0, bytes:0, used:never';
const KEYS = [
  `in_port(1),${E},eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0,ttl=64,frag=no),tcp(src=1234,dst=80)`,
  'in_port(1),eth(),eth_type(0x0800),ipv4(dst=10.0.0.0/255.255.255.0,frag=no)',
  'in_port(7),eth(),eth_type(0x0800),ipv4(src=172.16.0.0/255.240.0.0,dst=10.1.2.3,proto=17,frag=no),udp(dst=53)',
  'in_port(2),eth(dst=ff:ff:ff:ff:ff:ff),eth_type(0x0806),arp(tip=10.0.0.1,op=1)',
  `in_port(2),${E},eth_type(0x0806),arp(sip=10.0.0.1,tip=10.0.0.2,op=2,sha=00:11:22:33:44:55,tha=66:77:88:99:aa:bb)`,
  'in_port(3),eth(src=00:11:22:33:44:55/ff:ff:ff:00:00:00,dst=01:00:00:00:00:00/01:00:00:00:00:00)',
  'in_port(3),eth(src=00:11:22:33:44:55)',
  'in_port(4),eth(),eth_type(0x0800),ipv4(proto=1,frag=no),icmp(type=8,code=0)',
  'in_port(4),eth(),eth_type(0x0800),ipv4(proto=1,frag=no),icmp(type=3)',
  'in_port(4),eth(),eth_type(0x0800),ipv4(src=10.0.0.1,proto=6,frag=first),tcp(dst=22)',
  'in_port(4),eth(),eth_type(0x0800),ipv4(src=10.0.0.1,proto=6,frag=later)',
  'in_port(4),eth(),eth_type(0x0800),ipv4(tos=0x10/0xfc,ttl=1,frag=no)',
  'in_port(5),eth(),eth_type(0x0800),ipv4(proto=17,frag=no),udp(src=68,dst=67)',
  'in_port(5),eth(),eth_type(0x0800),ipv4(proto=17,frag=no),udp(src=1024/0xfc00)',
  'in_port(5),eth(),eth_type(0x0800),ipv4(proto=6,frag=no),tcp(src=0/0xff00,dst=443)',
  'in_port(6),eth(),eth_type(0x86dd),ipv6(frag=no)',
  'in_port(6),eth(),eth_type(0x86dd),ipv6(src=2001:db8::/ffff:ffff::,dst=2001:db8::1,frag=no)',
  'in_port(6),eth(),eth_type(0x86dd),ipv6(src=fe80::1,dst=ff02::1:ff00:1,label=0,proto=58,tclass=0,hlimit=255,frag=no),icmpv6(type=135,code=0),nd(target=fe80::1,sll=00:11:22:33:44:55,tll=00:00:00:00:00:00)',
  'in_port(6),eth(),eth_type(0x86dd),ipv6(src=::1,dst=::ffff:10.0.0.1,label=0x12345,proto=6,tclass=0x20,hlimit=64,frag=no),tcp(src=1,dst=2)',
  'in_port(6),eth(),eth_type(0x86dd),ipv6(label=0x5/0xf,proto=17,frag=no),udp(dst=546)',
  'in_port(6),eth(),eth_type(0x0800),ipv4(proto=132,frag=no),sctp(src=9,dst=10)',
  `in_port(8),${E},eth_type(0x8100),vlan(vid=10,pcp=0),encap(eth_type(0x0800),ipv4(frag=no))`,
  `in_port(8),${E},eth_type(0x8100),vlan(vid=10),encap(eth_type(0x0800),ipv4(dst=10.0.0.2,proto=6,frag=no),tcp(dst=80))`,
  'in_port(8),eth(),eth_type(0x8100),vlan(),encap(eth_type(0x0806),arp(tip=10.0.0.1))',
  'in_port(8),eth(),eth_type(0x8100),vlan(vid=10,pcp=5),encap()',
  'in_port(8),eth(),eth_type(0x8100),vlan(vid=4/0xff),encap()',
  'in_port(8),eth(),eth_type(0x8100),vlan(vid=0,pcp=0,cfi=0)',
  `in_port(9),${E},eth_type(0x88a8),vlan(vid=100,pcp=0),encap(eth_type(0x8100),vlan(vid=10,pcp=0),encap(eth_type(0x0800),ipv4(src=10.0.0.1,frag=no)))`,
  `in_port(1),${E},eth_type(0/0xffff)`,
  'tunnel(tun_id=0x1,src=192.168.1.1,dst=192.168.1.2,ttl=255,flags(+key)),in_port(3)',
  'tunnel(tun_id=0x1,src=192.168.1.1,dst=192.168.1.2,ttl=64,flags(-df-csum+key)),in_port(3),eth(),eth_type(0x0800),ipv4(frag=no)',
  'tunnel(tun_id=0x5/0xff,src=1.1.1.1,dst=2.2.2.2,tos=0x10/0xfc,ttl=64,flags(+df-csum+key)),in_port(3)',
  'tunnel(src=1.1.1.1,dst=2.2.2.2,ttl=64,flags(-df+csum)),in_port(3)',
  'tunnel(tun_id=0x2a,src=10.1.1.1,dst=10.1.1.2,ttl=64,tp_dst=6677,flags(+key)),in_port(3)',
  'tunnel(tun_id=0xffffff,dst=10.1.1.2,flags(+key)),in_port(3)',
  'tunnel(dst=10.1.1.2,flags(+key)),in_port(3)',
  'recirc_id(0),in_port(2),eth(),eth_type(0x0800),ipv4(frag=no)',
  'recirc_id(0x2),dp_hash(0x7/0xf),skb_priority(0x10/0xff),in_port(2),skb_mark(0x1)',
  'in_port(2),ct_state(+est+trk),ct_zone(0x5),ct_mark(0x1/0xff),eth()',
  'in_port(2),ct_state(new|trk),ct_label(0x1),eth()',
  'in_port(2),ct_label(0x102/0xffff),eth()',
  'in_port(2),eth(),eth_type(0x0800),ipv4(proto=6,frag=no),tcp_flags(syn|ack)',
  'in_port(2),eth(),eth_type(0x0800),ipv4(proto=6,frag=no),tcp(dst=80),tcp_flags(+syn-ack)',
  'in_port(2),eth(),key31(01 02 03 04)',
  'in_port(2),eth(),key40(01 02/ff 00)',
  'in_port(1/0xffff),eth()',
];
const ACTIONS = [
  'drop', '2', '2,3,4', 'pop_vlan,2', 'push_vlan(vid=5,pcp=0),2', 'push_vlan(tpid=0x88a8,vid=100,pcp=3),push_vlan(vid=5,pcp=0),1',
  'set(eth(src=00:11:22:33:44:55,dst=66:77:88:99:aa:bb)),3',
  'set(ipv4(src=192.168.0.1,dst=10.0.0.2,proto=6,tos=0,ttl=63,frag=no)),2',
  'set(ipv6(src=::1,dst=::2,label=0,proto=17,tclass=0,hlimit=64,frag=no)),2',
  'set(tcp(src=80,dst=12345)),2', 'set(udp(src=53,dst=5353)),2', 'set(icmp(type=0,code=0)),2',
  'set(tunnel(tun_id=0x1,src=10.0.0.1,dst=10.0.0.2,ttl=255,flags(key))),4',
  'set(tunnel(tun_id=0x1,src=10.0.0.1,dst=10.0.0.2,tos=0,ttl=255,flags(key))),4,set(tunnel(tun_id=0x2,src=10.0.0.1,dst=10.0.0.3,tos=0xb8,ttl=255,flags(df|key))),4',
  'set(tunnel(dst=10.0.0.2,ttl=255,flags(0))),4',
  'userspace(pid=3542)', 'userspace(pid=3542,userdata(0100000000000000)),2', 'userspace(pid=9,tunnel_out_port=4)',
  'sample(sample=50.0%,actions(2)),3', 'sample(sample=100.0%,actions(drop))', 'recirc(0x1)', 'action30(01 02)', 'action25',
];
const STATS = [S, 'packets:10, bytes:980, used:0.004s, flags:S.', 'packets:1, bytes:60, used:12.345s, flags:SFPR.', 'packets:2, bytes:120, used:0.100s'];

function lines(): string[] {
  const out: string[] = [];
  KEYS.forEach((k, i) => out.push(`${k}, ${STATS[i % STATS.length]!}, actions:${ACTIONS[i % ACTIONS.length]!}`));
  ACTIONS.forEach((a, i) => out.push(`${KEYS[(i * 7) % KEYS.length]!}, ${S}, actions:${a}`));
  out.push(`ufid:6a8d1b8e-1f0a-4a3b-9c4d-0123456789ab, ${KEYS[0]!}, ${S}, actions:2`);
  out.push(`${KEYS[1]!}, actions:3`); // no stats
  return out;
}

test(`text round trip: format(parse(x)) === x over ${lines().length} flows`, () => {
  assert.ok(lines().length >= 60);
  for (const l of lines()) assert.equal(formatFlow(parseFlow(l)), l);
});

test('text round trip: parse(format(f)) equals f', () => {
  for (const l of lines()) {
    const f = parseFlow(l);
    assert.deepEqual(parseFlow(formatFlow(f)), f, l);
  }
});

test('parsed keys, masks and actions survive the netlink codec', () => {
  for (const l of lines()) {
    const f = parseFlow(l);
    for (const list of [f.key, f.mask ?? []]) {
      const w = new NlWriter();
      encodeKeyAttrs(w, list);
      const r = decodeKeyAttrs(w.buf, 0, w.length);
      assert.ok(r.ok, l);
      if (r.ok) assert.equal(formatKeyList(r.value, undefined, true), formatKeyList(list, undefined, true), l);
    }
    const w = new NlWriter();
    encodeActions(w, f.actions);
    const r = decodeActions(w.buf, 0, w.length);
    assert.ok(r.ok, l);
    if (r.ok) assert.deepEqual(r.value, f.actions, l);
  }
});

test('verbose (ovs-dpctl -m) lines with zero-mask metadata round-trip too', () => {
  const v = [
    `ufid:0d4c8a3e-1111-2222-3333-444455556666, recirc_id(0),dp_hash(0/0),skb_priority(0/0),in_port(2),skb_mark(0/0),ct_state(0/0),ct_zone(0/0),ct_mark(0/0),ct_label(0/0),${E},eth_type(0x0800),ipv4(src=10.0.0.1/0.0.0.0,dst=10.0.0.2,proto=6/0,tos=0/0,ttl=64/0,frag=no),tcp(src=0/0,dst=80), ${S}, actions:3`,
    `recirc_id(0),dp_hash(0/0),skb_priority(0/0),in_port(1),skb_mark(0/0),ct_state(0/0),ct_zone(0/0),ct_mark(0/0),ct_label(0/0),packet_type(ns=0,id=0),eth(src=00:00:00:00:00:00/00:00:00:00:00:00,dst=00:00:00:00:00:00/00:00:00:00:00:00),eth_type(0x0806),arp(sip=0.0.0.0/0.0.0.0,tip=10.0.0.1,op=0/0,sha=00:00:00:00:00:00/00:00:00:00:00:00,tha=00:00:00:00:00:00/00:00:00:00:00:00), ${S}, actions:drop`,
  ];
  for (const l of v) assert.equal(formatFlow(parseFlow(l), { verbose: true }), l);
});

/** The agent's view: a FlowMatch after simulation, its key, mask and actions as records. */
function intended(fill: (m: FlowMatch) => void, actions: OdpFlow['actions']): OdpFlow {
  const m = new FlowMatch();
  fill(m);
  const kw = new NlWriter();
  encodeFlowKey(kw, m);
  const mw = new NlWriter();
  encodeFlowMask(mw, m, actions);
  const k = decodeKeyAttrs(kw.buf, 0, kw.length);
  const mk = decodeKeyAttrs(mw.buf, 0, mw.length);
  assert.ok(k.ok && mk.ok);
  return { key: k.ok ? k.value : [], mask: mk.ok ? mk.value : [], actions };
}

test('real ovs-dpctl output with extra fields compares equal to what the agent meant', () => {
  const meant = intended((m) => {
    m.inPort = 2; m.ethSrc = 0x001122334455; m.ethDst = 0x66778899aabb; m.etherType = 0x0800;
    m.nwSrc = 0x0a000001; m.nwDst = 0x0a000002; m.nwProto = 6; m.nwTos = 0; m.nwTtl = 64; m.nwFrag = IpFrag.NONE;
    m.srcPort = 40000; m.dstPort = 80;
    void m.nwDst; void m.dstPort; // the simulation read these two
  }, [{ kind: 'output', port: 3 }]);
  const dumped = [
    `recirc_id(0),in_port(2),eth(),eth_type(0x0800),ipv4(dst=10.0.0.2,proto=6,frag=no),tcp(dst=80), packets:5, bytes:370, used:0.123s, flags:S., actions:3`,
    `ufid:0d4c8a3e-1111-2222-3333-444455556666, recirc_id(0),dp_hash(0/0),skb_priority(0/0),in_port(2),skb_mark(0/0),ct_state(0/0),ct_zone(0/0),ct_mark(0/0),ct_label(0/0),eth(src=00:11:22:33:44:55/00:00:00:00:00:00,dst=66:77:88:99:aa:bb/00:00:00:00:00:00),eth_type(0x0800),ipv4(src=10.0.0.1/0.0.0.0,dst=10.0.0.2,proto=6,tos=0/0,ttl=64/0,frag=no),tcp(src=40000/0,dst=80), packets:0, bytes:0, used:never, dp:ovs, actions:3`,
  ];
  for (const d of dumped) assert.deepEqual(compareFlows(parseFlow(d), meant), [], d);
  const wrong = parseFlow('recirc_id(0),in_port(2),eth(),eth_type(0x0800),ipv4(dst=10.0.0.3,proto=6,frag=no),tcp(dst=80), packets:0, bytes:0, used:never, actions:4');
  const diffs = compareFlows(wrong, meant);
  assert.deepEqual(diffs, [
    'only in a: ipv4(dst=10.0.0.3,proto=6,frag=no)',
    'only in b: ipv4(dst=10.0.0.2,proto=6,frag=no)',
    'actions: 4 vs 3',
  ]);
});

test('a tunnel output flow compares equal although the kernel drops tos=0 and src order', () => {
  const meant: OdpFlow = {
    key: [{ kind: 'in_port', value: 5 }], mask: [{ kind: 'in_port', value: 0xffffffff }],
    actions: [
      { kind: 'set', key: { kind: 'tunnel', tunnel: { id: 0x100005n, src: 0x0a000001, dst: 0x0a000002, tos: 0, ttl: 255 } } },
      { kind: 'output', port: 4 },
    ],
  };
  const d = parseFlow('recirc_id(0),in_port(5),eth(), packets:0, bytes:0, used:never, actions:set(tunnel(tun_id=0x100005,src=10.0.0.1,dst=10.0.0.2,ttl=255,flags(key))),4');
  assert.deepEqual(compareFlows(d, meant), []);
});

test('ipv6 text helpers', () => {
  for (const s of ['::', '::1', 'fe80::1', '2001:db8::1:0:0:1', '1:2:3:4:5:6:7:8', '::ffff:10.0.0.1', '2001:db8:0:1::']) {
    assert.equal(ipv6ToString(parseIpv6(s)), s);
  }
  assert.equal(ipv6ToString(parseIpv6('2001:0db8:0000:0000:0000:0000:0000:0001')), '2001:db8::1');
});

test('malformed text is a located FlowTextError', () => {
  assert.throws(() => parseFlow('in_port(1),eth(, actions:2'), FlowTextError);
  assert.throws(() => parseFlow('in_port(1),bogus(3), actions:2'), /unknown key attribute "bogus"/);
  assert.throws(() => parseFlow('in_port(1),ipv4(src=10.0.0.300), actions:2'), /bad IPv4/);
  assert.throws(() => parseFlow('in_port(1)'), /no "actions:"/);
});
