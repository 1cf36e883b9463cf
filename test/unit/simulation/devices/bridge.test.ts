import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildIcmpEchoRequest } from '../../../../simulation/packet/build.js';
import { Field, L2_FIELDS } from '../../../../simulation/packet/flow-match.js';
import {
  arpFloodTag,
  bridgeRouterPortTag,
  broadcastTag,
  floodedMacTag,
  macPortTag,
} from '../../../../simulation/tags.js';
import { LOCAL_HOST, REMOTE_HOST, TopologyBuilder } from '../../../support/topology-builder.js';
import {
  IPA,
  IPB,
  MA,
  MB,
  MC,
  NOW,
  arpReplyBroadcast,
  arpRequest,
  ip,
  kinds,
  mac,
  outputs,
  raw,
  runner,
  tagged,
  udp,
} from './l2-fixture.js';

/** Bridge br with exterior ports a, b, c (local) and a router port linked through `rp`. */
function lan() {
  const b = new TopologyBuilder();
  const br = b.bridge('br');
  const pa = b.bridgePort(br, { host: LOCAL_HOST, name: 'a' });
  const pb = b.bridgePort(br, { host: LOCAL_HOST, name: 'b' });
  const pc = b.bridgePort(br, { host: LOCAL_HOST, name: 'c' });
  const r = b.router('r');
  const link = b.connect(br, r, '10.0.0.254/24', '02:00:00:00:fe:fe');
  return { b, br, pa, pb, pc, r, rp: link.routerPort, bp: link.bridgePort };
}

test('unknown destination floods to exterior ports only, learning the source', () => {
  const t = lan();
  const { run } = runner(t.b.build());
  const r = run(t.pa, udp(MA, MB));
  assert.equal(r.verdict, 'forward');
  assert.deepEqual(outputs(r), [t.pb, t.pc]); // not a (ingress) nor the router link
  assert.ok(r.tags.includes(broadcastTag(t.br)));
  assert.ok(r.tags.includes(floodedMacTag(t.br, 0, mac(MB))));
  assert.deepEqual(r.effects, [{ kind: 'mac-learned', bridgeId: t.br, vlan: 0, mac: mac(MA), portId: t.pa }]);
});

test('a learned MAC is unicast, tagged with both (MAC, port) pairs', () => {
  const t = lan();
  const { run } = runner(t.b.build());
  run(t.pa, udp(MA, MB));
  const r = run(t.pb, udp(MB, MA));
  assert.equal(r.verdict, 'forward');
  assert.deepEqual(kinds(r), [`output:${t.pa}`]);
  assert.ok(r.tags.includes(macPortTag(t.br, 0, mac(MA), t.pa)));
  assert.ok(r.tags.includes(macPortTag(t.br, 0, mac(MB), t.pb)));
  assert.ok(!r.tags.includes(broadcastTag(t.br)));
});

test('a destination learned on the ingress port is an error drop', () => {
  const t = lan();
  const { run } = runner(t.b.build());
  run(t.pa, udp(MA, MB));
  run(t.pa, udp(MB, MC)); // MB now learned on a
  const r = run(t.pa, udp(MA, MB));
  assert.equal(r.verdict, 'error-drop');
  assert.equal(r.reason, 'mac-on-ingress-port');
  assert.deepEqual(r.tags, []);
});

test('broadcast floods to every other exterior port', () => {
  const t = lan();
  const { run } = runner(t.b.build());
  const r = run(t.pc, udp(MC, 'ff:ff:ff:ff:ff:ff'));
  assert.equal(r.verdict, 'forward');
  assert.deepEqual(outputs(r), [t.pa, t.pb]);
  assert.ok(r.tags.includes(broadcastTag(t.br)));
});

test('a group source MAC is dropped without learning', () => {
  const t = lan();
  const { run } = runner(t.b.build());
  const r = run(t.pa, udp('03:00:00:00:00:01', MB));
  assert.equal(r.verdict, 'drop');
  assert.equal(r.reason, 'bridge-group-source');
  assert.deepEqual(r.effects, []);
});

test('an admin-down bridge drops silently', () => {
  const t = lan();
  t.b.network(t.br).admin_state_up = false;
  const { run } = runner(t.b.build());
  const r = run(t.pa, udp(MA, MB));
  assert.equal(r.verdict, 'drop');
  assert.equal(r.reason, 'bridge-admin-down');
  assert.deepEqual(r.effects, []);
});

test('the bridge answers ARP for a peer router port IP, byte-exact', () => {
  const t = lan();
  const { run } = runner(t.b.build());
  const r = run(t.pa, arpRequest(MA, IPA, '10.0.0.254'));
  assert.equal(r.verdict, 'consumed');
  assert.deepEqual(r.actions, []);
  assert.equal(r.generated.length, 1);
  const g = r.generated[0]!;
  assert.equal(g.portId, t.pa);
  const expected = Uint8Array.from([
    0x02, 0x00, 0x00, 0x00, 0xaa, 0x01, // eth dst = requester
    0x02, 0x00, 0x00, 0x00, 0xfe, 0xfe, // eth src = router port MAC
    0x08, 0x06, // ARP
    0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x02, // htype, ptype, hlen, plen, op reply
    0x02, 0x00, 0x00, 0x00, 0xfe, 0xfe, 10, 0, 0, 254, // sender = found MAC / requested IP
    0x02, 0x00, 0x00, 0x00, 0xaa, 0x01, 10, 0, 0, 1, // target = requester
  ]);
  assert.deepEqual(g.frame, expected);
  // Still learns the requester.
  assert.equal(r.effects[0]?.kind, 'mac-learned');
});

test('the bridge answers ARP from its ARP table (filled by a GARP)', () => {
  const t = lan();
  const { run } = runner(t.b.build());
  const garp = run(t.pb, arpRequest(MB, IPB, IPB));
  assert.deepEqual(
    garp.effects.filter((e) => e.kind === 'bridge-arp'),
    [{ kind: 'bridge-arp', bridgeId: t.br, ip: ip(IPB), mac: mac(MB) }],
  );
  const r = run(t.pa, arpRequest(MA, IPA, IPB));
  assert.equal(r.verdict, 'consumed');
  const f = r.generated[0]!.frame;
  assert.deepEqual(Array.from(f.subarray(6, 12)), [2, 0, 0, 0, 0xbb, 2]);
  assert.deepEqual(Array.from(f.subarray(28, 32)), [10, 0, 0, 2]);
});

test('a GARP floods, is stored as an effect and is userspace-only', () => {
  const t = lan();
  const { run } = runner(t.b.build());
  const r = run(t.pb, arpRequest(MB, IPB, IPB));
  assert.equal(r.verdict, 'userspace');
  assert.equal(r.userspaceOnly, true);
  assert.deepEqual(outputs(r), [t.pa, t.pc]);
  assert.ok(r.tags.includes(arpFloodTag(t.br)));
});

test('an ARP request for an unknown IP floods (never to the router link)', () => {
  const t = lan();
  const { run } = runner(t.b.build());
  const r = run(t.pa, arpRequest(MA, IPA, '10.0.0.77'));
  assert.equal(r.verdict, 'forward');
  assert.deepEqual(outputs(r), [t.pb, t.pc]);
  assert.ok(r.tags.includes(arpFloodTag(t.br)));
});

test('a broadcast ARP reply for a router IP goes to the router link, not flooded', () => {
  const t = lan();
  const { run } = runner(t.b.build());
  const r = run(t.pa, arpReplyBroadcast(MA, IPA, '02:00:00:00:fe:fe', '10.0.0.254'));
  assert.deepEqual(outputs(r), []);
  assert.ok(r.tags.includes(t.rp), 'the router port was ingressed');
  assert.ok(!r.tags.includes(arpFloodTag(t.br)));
});

test('unicast to a peer router MAC goes to the router link', () => {
  const t = lan();
  const echo = buildIcmpEchoRequest({
    ethSrc: mac(MA),
    ethDst: mac('02:00:00:00:fe:fe'),
    ipSrc: ip(IPA),
    ipDst: ip('10.0.0.254'),
    id: 7,
    seq: 1,
    data: Uint8Array.of(1, 2),
  });
  const { run: run2, state } = runner(t.b.build());
  state.apply([{ kind: 'router-arp', routerId: t.r, ip: ip(IPA), mac: mac(MA) }], NOW);
  const r = run2(t.pa, echo);
  assert.equal(r.verdict, 'consumed', r.reason); // the router answered the ping
  assert.ok(r.tags.includes(bridgeRouterPortTag(t.br, t.bp)));
  assert.ok(r.tags.includes(t.rp));
  assert.ok(!r.tags.includes(broadcastTag(t.br)));
});

test('a bridge inbound chain DROP still learns the source MAC', () => {
  const t = lan();
  const ch = t.b.chain('in');
  t.b.rule(ch, { action: 'DROP', condition: {} });
  t.b.network(t.br).inbound_filter_id = ch;
  const { run } = runner(t.b.build());
  const r = run(t.pa, udp(MA, MB));
  assert.equal(r.verdict, 'drop');
  assert.deepEqual(r.effects, [{ kind: 'mac-learned', bridgeId: t.br, vlan: 0, mac: mac(MA), portId: t.pa }]);
});

test('VLAN-tagged frames skip bridge chains but not port chains', () => {
  const t = lan();
  const ch = t.b.chain('in');
  t.b.rule(ch, { action: 'DROP', condition: {} });
  t.b.network(t.br).inbound_filter_id = ch;
  const { run } = runner(t.b.build());
  const r = run(t.pa, tagged(udp(MA, MB), 7));
  assert.equal(r.verdict, 'forward');
  assert.deepEqual(outputs(r), [t.pb, t.pc]);

  const t2 = lan();
  const pch = t2.b.chain('pin');
  t2.b.rule(pch, { action: 'DROP', condition: {} });
  t2.b.port(t2.pa).inbound_filter_id = pch;
  const r2 = runner(t2.b.build()).run(t2.pa, tagged(udp(MA, MB), 7));
  assert.equal(r2.verdict, 'drop');
  assert.equal(r2.reason, 'port-filter-drop');
});

test('bridge outbound chain with an out-port condition filters unicast', () => {
  const t = lan();
  const ch = t.b.chain('out');
  t.b.rule(ch, { action: 'DROP', condition: { out_port_ids: [t.pb] } });
  t.b.network(t.br).outbound_filter_id = ch;
  const { run } = runner(t.b.build());
  // Flood: outPortId is null, so the out-port rule does not match.
  assert.deepEqual(outputs(run(t.pa, udp(MA, MB))), [t.pb, t.pc]);
  run(t.pb, udp(MB, MC)); // learn MB on b
  const r = run(t.pa, udp(MA, MB));
  assert.equal(r.verdict, 'drop');
  assert.equal(r.reason, 'bridge-filter-drop');
});

test('a bridge without chains yields an L2-only wildcard (eth src/dst)', () => {
  const t = lan();
  const { run } = runner(t.b.build());
  const r = run(t.pa, raw(MA, MB));
  const seen = r.origMatch.seen & ~Field.IN_PORT;
  assert.equal(seen & ~L2_FIELDS, 0, `seen ${seen.toString(16)}`);
  assert.ok(r.origMatch.isSeen(Field.ETH_SRC) && r.origMatch.isSeen(Field.ETH_DST));
});

test('flooding reaches ports bound to other hosts too', () => {
  const b = new TopologyBuilder();
  const br = b.bridge();
  const pa = b.bridgePort(br, { host: LOCAL_HOST });
  const pr = b.bridgePort(br, { host: REMOTE_HOST });
  const { run } = runner(b.build());
  const r = run(pa, udp(MA, MB));
  assert.deepEqual(outputs(r), [pr]);
});

/**
 * VLAN-aware bridge vab (trunks t1, t2; interior port v10 with VLAN 10) linked
 * to a plain bridge vub (exterior port h).
 */
function l2gw() {
  const b = new TopologyBuilder();
  const vab = b.bridge('vab');
  const vub = b.bridge('vub');
  const t1 = b.bridgePort(vab, { host: LOCAL_HOST });
  const t2 = b.bridgePort(vab, { host: LOCAL_HOST });
  const v10 = b.bridgePort(vab, { vlan_id: 10 });
  const u = b.bridgePort(vub);
  b.link(v10, u);
  const h = b.bridgePort(vub, { host: LOCAL_HOST });
  return { b, vab, vub, t1, t2, v10, u, h };
}

test('VLAN-aware bridge: a trunk broadcast on VLAN 10 floods trunks and pops into the VLAN port', () => {
  const g = l2gw();
  const { run } = runner(g.b.build());
  const r = run(g.t1, tagged(udp(MA, 'ff:ff:ff:ff:ff:ff'), 10));
  assert.equal(r.verdict, 'forward');
  assert.deepEqual(kinds(r), [`output:${g.t2}`, 'pop-vlan', `output:${g.h}`]);
  // Learned into VLAN 10's table on the trunk.
  assert.ok(r.effects.some((e) => e.kind === 'mac-learned' && e.vlan === 10 && e.portId === g.t1));
});

test('VLAN-aware bridge: traffic from the VLAN port gets the tag pushed toward trunks', () => {
  const g = l2gw();
  const { run } = runner(g.b.build());
  const r = run(g.h, udp(MB, 'ff:ff:ff:ff:ff:ff'));
  assert.equal(r.verdict, 'forward');
  assert.deepEqual(kinds(r), ['push-vlan', `output:${g.t1}`, `output:${g.t2}`]);
  const push = r.actions[0];
  assert.ok(push?.kind === 'push-vlan' && push.vid === 10 && push.tpid === 0x8100);
});

test('VLAN-aware bridge: unicast to a trunk-learned MAC pushes; a wrong VLAN is dropped', () => {
  const g = l2gw();
  const { run } = runner(g.b.build());
  run(g.t1, tagged(udp(MA, MC), 10)); // learns MA on t1, VLAN 10
  const r = run(g.h, udp(MB, MA));
  assert.equal(r.verdict, 'forward');
  assert.deepEqual(kinds(r), ['push-vlan', `output:${g.t1}`]);
  // From the trunk on VLAN 20, MB (learned in VLAN 10) is unknown: plain flood, no VLAN port.
  const r2 = run(g.t1, tagged(udp(MA, MB), 20));
  assert.deepEqual(outputs(r2), [g.t2]);
});
