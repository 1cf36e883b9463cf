import { test } from 'node:test';
import assert from 'node:assert/strict';
import { egressPort, ingressPort, MAX_DEVICES_TRAVERSED } from '../../../../simulation/devices/port.js';
import { writeEthernet } from '../../../../simulation/packet/build.js';
import { Field } from '../../../../simulation/packet/flow-match.js';
import { ParsedPacket, parseFrame } from '../../../../simulation/packet/parse.js';
import { PacketContext } from '../../../../simulation/packet-context.js';
import { Outcome } from '../../../../simulation/outcome.js';
import type { TopologySnapshot } from '../../../../simulation/topology/snapshot.js';
import { portRxTag, portTxTag } from '../../../../simulation/tags.js';
import { MemoryState } from '../../../support/memory-state.js';
import { LOCAL_HOST, TopologyBuilder } from '../../../support/topology-builder.js';
import { MA, MB, MC, NOW, kinds, mac, outputs, raw, runner, udp } from './l2-fixture.js';

function lan() {
  const b = new TopologyBuilder();
  const br = b.bridge('br');
  const pa = b.bridgePort(br, { host: LOCAL_HOST });
  const pb = b.bridgePort(br, { host: LOCAL_HOST });
  const pc = b.bridgePort(br, { host: LOCAL_HOST });
  return { b, br, pa, pb, pc };
}

function dropAll(b: TopologyBuilder, action: 'DROP' | 'REJECT' = 'DROP'): string {
  const ch = b.chain();
  b.rule(ch, { action, condition: {} });
  return ch;
}

/** A context positioned as the simulator leaves it before the first ingress. */
function context(topo: TopologySnapshot, frame: Uint8Array): PacketContext {
  const ctx = new PacketContext();
  ctx.topo = topo;
  ctx.state = new MemoryState();
  ctx.now = NOW;
  ctx.frame = frame;
  ctx.packet = new ParsedPacket();
  assert.ok(parseFrame(frame, ctx.origMatch, ctx.packet).ok);
  ctx.wcmatch.copyFrom(ctx.origMatch);
  ctx.lastEmitted.copyFrom(ctx.origMatch);
  return ctx;
}

test('no hairpin: a flood with no other exterior port is a drop', () => {
  const b = new TopologyBuilder();
  const br = b.bridge();
  const pa = b.bridgePort(br, { host: LOCAL_HOST });
  const r = runner(b.build()).run(pa, udp(MA, MB));
  assert.equal(r.verdict, 'drop');
  assert.equal(r.reason, 'hairpin');
});

test('ingress tags the port (device and rx) and egress tags (device and tx)', () => {
  const t = lan();
  const r = runner(t.b.build()).run(t.pa, udp(MA, MB));
  assert.ok(r.tags.includes(t.pa) && r.tags.includes(portRxTag(t.pa)));
  assert.ok(r.tags.includes(t.pb) && r.tags.includes(portTxTag(t.pb)));
  assert.ok(!r.tags.includes(portTxTag(t.pa)));
});

test('an admin-down ingress port drops before the bridge (no learning)', () => {
  const t = lan();
  t.b.port(t.pa).admin_state_up = false;
  const r = runner(t.b.build()).run(t.pa, udp(MA, MB));
  assert.equal(r.verdict, 'drop');
  assert.equal(r.reason, 'port-admin-down');
  assert.deepEqual(r.effects, []);
});

test('an admin-down egress port drops only its branch of a flood', () => {
  const t = lan();
  t.b.port(t.pb).admin_state_up = false;
  const r = runner(t.b.build()).run(t.pa, udp(MA, MB));
  assert.equal(r.verdict, 'forward');
  assert.deepEqual(outputs(r), [t.pc]);
});

test('port inbound filter DROP and REJECT drop the packet', () => {
  for (const action of ['DROP', 'REJECT'] as const) {
    const t = lan();
    t.b.port(t.pa).inbound_filter_id = dropAll(t.b, action);
    const r = runner(t.b.build()).run(t.pa, udp(MA, MB));
    assert.equal(r.verdict, 'drop', action);
    assert.equal(r.reason, 'port-filter-drop');
    assert.deepEqual(r.generated, [], 'bridge ports never send ICMP');
  }
});

test('port outbound filter drops one branch of a flood', () => {
  const t = lan();
  t.b.port(t.pc).outbound_filter_id = dropAll(t.b);
  const r = runner(t.b.build()).run(t.pa, udp(MA, MB));
  assert.deepEqual(outputs(r), [t.pb]);
});

test('loop limit: ingress and egress at 12 traversals are ErrorDrops; only ingress counts', () => {
  const t = lan();
  const topo = t.b.build();
  const at = context(topo, udp(MA, MB));
  at.devicesTraversed = MAX_DEVICES_TRAVERSED;
  assert.equal(ingressPort(at, t.pa), Outcome.ERROR_DROP);
  assert.equal(at.reason, 'too-many-devices');
  assert.equal(at.devicesTraversed, MAX_DEVICES_TRAVERSED);

  // At 11 the ingress happens (counter 12), so the bridge's egress is refused.
  const below = context(topo, udp(MA, MB));
  below.devicesTraversed = MAX_DEVICES_TRAVERSED - 1;
  assert.equal(ingressPort(below, t.pa), Outcome.ERROR_DROP);
  assert.equal(below.devicesTraversed, MAX_DEVICES_TRAVERSED);
  assert.ok(below.hasTag(t.br), 'the bridge was reached');

  const two = context(topo, udp(MA, MB));
  two.devicesTraversed = MAX_DEVICES_TRAVERSED - 2;
  assert.equal(ingressPort(two, t.pa), Outcome.FORWARD);

  // Egress checks the limit without counting.
  const eg = context(topo, udp(MA, MB));
  eg.devicesTraversed = MAX_DEVICES_TRAVERSED - 1;
  assert.equal(egressPort(eg, t.pb), Outcome.FORWARD);
  assert.equal(eg.devicesTraversed, MAX_DEVICES_TRAVERSED - 1);
  eg.devicesTraversed = MAX_DEVICES_TRAVERSED;
  assert.equal(egressPort(eg, t.pb), Outcome.ERROR_DROP);
});

test('a routing loop between two routers ends as an ErrorDrop at the traversal limit', () => {
  const b = new TopologyBuilder();
  const r1 = b.router();
  const r2 = b.router();
  const x = b.routerPort(r1, '10.0.1.1/24', { mac: '02:aa:00:00:00:01', host: LOCAL_HOST });
  const y1 = b.routerPort(r1, '10.9.0.1/30', { mac: '02:aa:00:00:00:02' });
  const y2 = b.routerPort(r2, '10.9.0.2/30', { mac: '02:aa:00:00:00:03' });
  b.link(y1, y2);
  b.route(r1, { dst_subnet: '0.0.0.0/0', next_hop: 'PORT', next_hop_port_id: y1, next_hop_gateway: '10.9.0.2', weight: 10 });
  b.route(r2, { dst_subnet: '0.0.0.0/0', next_hop: 'PORT', next_hop_port_id: y2, next_hop_gateway: '10.9.0.1', weight: 10 });
  const r = runner(b.build()).run(x, udp('02:bb:00:00:00:01', '02:aa:00:00:00:01', { ipSrc: '10.0.1.5', ipDst: '8.8.8.8' }));
  assert.equal(r.verdict, 'error-drop');
  assert.equal(r.reason, 'too-many-devices');
});

test('DSCP marking rewrites TOS keeping ECN, emitted as set-ipv4', () => {
  const t = lan();
  t.b.port(t.pa).qos_policy_id = t.b.qosPolicy(10);
  const r = runner(t.b.build()).run(t.pa, udp(MA, MB, { tos: 0x03 }));
  assert.equal(r.verdict, 'forward');
  assert.deepEqual(kinds(r), ['set-ipv4', `output:${t.pb}`, `output:${t.pc}`]);
  const set = r.actions[0];
  assert.ok(set?.kind === 'set-ipv4');
  assert.equal(set.tos, (10 << 2) | 0x03);
  assert.ok(r.origMatch.isSeen(Field.NW_TOS));
});

test('DSCP marking falls back to the bridge policy; other ports and non-IPv4 are untouched', () => {
  const t = lan();
  t.b.network(t.br).qos_policy_id = t.b.qosPolicy(46);
  const { run } = runner(t.b.build());
  const r = run(t.pa, udp(MA, MB, { tos: 0x01 }));
  const set = r.actions[0];
  assert.ok(set?.kind === 'set-ipv4');
  assert.equal(set.tos, (46 << 2) | 0x01);
  const r2 = run(t.pa, raw(MA, MB));
  assert.deepEqual(kinds(r2), [`output:${t.pb}`, `output:${t.pc}`]);
  assert.ok(!r2.origMatch.isSeen(Field.NW_TOS));

  const plain = lan();
  const r3 = runner(plain.b.build()).run(plain.pa, udp(MA, MB, { tos: 0x05 }));
  assert.ok(!r3.actions.some((a) => a.kind === 'set-ipv4'));
});

test('router ports drop IPv6 with the userspace mark (no kernel flow)', () => {
  const b = new TopologyBuilder();
  const r = b.router();
  const p = b.routerPort(r, '10.0.1.1/24', { host: LOCAL_HOST });
  const f = new Uint8Array(14 + 40);
  writeEthernet(f, 0, mac('02:00:00:00:00:02'), mac(MA), 0x86dd);
  f[14] = 0x60;
  f[20] = 59; // no next header
  f[21] = 64;
  const res = runner(b.build()).run(p, f);
  assert.equal(res.verdict, 'userspace');
  assert.equal(res.reason, 'ipv6-on-port');
  assert.equal(res.userspaceOnly, true);
});

test('an unplugged port is an ErrorDrop; an interior port hands over to its peer', () => {
  const t = lan();
  const loose = t.b.bridgePort(t.br);
  const br2 = t.b.bridge();
  const l1 = t.b.bridgePort(t.br);
  const l2 = t.b.bridgePort(br2);
  t.b.link(l1, l2);
  const h = t.b.bridgePort(br2, { host: LOCAL_HOST });
  const { run, state } = runner(t.b.build());
  state.apply(
    [
      { kind: 'mac-learned', bridgeId: t.br, vlan: 0, mac: mac(MB), portId: loose },
      { kind: 'mac-learned', bridgeId: t.br, vlan: 0, mac: mac(MC), portId: l1 },
    ],
    NOW,
  );
  const r = run(t.pa, udp(MA, MB));
  assert.equal(r.verdict, 'error-drop');
  assert.equal(r.reason, 'port-unplugged');
  const r2 = run(t.pa, udp(MA, MC));
  assert.equal(r2.verdict, 'forward');
  assert.deepEqual(outputs(r2), [h]);
  assert.ok(r2.tags.includes(portRxTag(l2)));
});

test('router port REJECT sends ICMP filter-prohibited out of the ingress port', () => {
  const b = new TopologyBuilder();
  const rt = b.router();
  const p = b.routerPort(rt, '10.0.1.1/24', { mac: '02:aa:00:00:00:01', host: LOCAL_HOST });
  b.port(p).inbound_filter_id = dropAll(b, 'REJECT');
  const r = runner(b.build()).run(p, udp('02:bb:00:00:00:01', '02:aa:00:00:00:01', { ipSrc: '10.0.1.5', ipDst: '10.0.1.1' }));
  assert.equal(r.verdict, 'drop');
  assert.equal(r.generated.length, 1);
  const f = r.generated[0]!.frame;
  assert.equal(r.generated[0]!.portId, p);
  assert.equal(f[23], 1, 'ICMP');
  assert.deepEqual([f[34], f[35]], [3, 13]);
});

/** Bridge with exterior port a, c and a bound service port s. */
function insertion() {
  const b = new TopologyBuilder();
  const br = b.bridge();
  const pa = b.bridgePort(br, { host: LOCAL_HOST });
  const pc = b.bridgePort(br, { host: LOCAL_HOST });
  const s = b.bridgePort(br, { host: LOCAL_HOST, srv_insertion_ids: [b.uuid()] });
  return { b, br, pa, pc, s };
}

test('a service port takes only redirected packets', () => {
  const t = insertion();
  const { run, state } = runner(t.b.build());
  state.apply([{ kind: 'mac-learned', bridgeId: t.br, vlan: 0, mac: mac(MB), portId: t.s }], NOW);
  const r = run(t.pa, udp(MA, MB));
  assert.equal(r.verdict, 'drop');
  assert.equal(r.reason, 'service-port-not-redirected');
  // Floods skip it too.
  assert.deepEqual(outputs(run(t.pa, udp(MA, MC))), [t.pc]);
});

test('REDIRECT out of a service port emits there; a down port with fail-open bounces back in', () => {
  const t = insertion();
  const ch = t.b.chain();
  t.b.rule(ch, {
    type: 'L2TRANSFORM_RULE',
    action: 'REDIRECT',
    condition: {},
    transform_rule_data: { target_port_id: t.s, ingress: false, fail_open: true },
  });
  t.b.port(t.pa).inbound_filter_id = ch;
  const r = runner(t.b.build()).run(t.pa, udp(MA, MB));
  assert.equal(r.verdict, 'forward', r.reason);
  assert.deepEqual(outputs(r), [t.s]);

  t.b.port(t.s).admin_state_up = false;
  const r2 = runner(t.b.build()).run(t.pa, udp(MA, MB));
  // Re-ingressed on s and flooded by the bridge (a and c; s itself excluded).
  assert.equal(r2.verdict, 'forward', r2.reason);
  assert.deepEqual(outputs(r2), [t.pa, t.pc]);
  assert.ok(r2.effects.some((e) => e.kind === 'mac-learned' && e.portId === t.s));

  t.b.rule(ch, { action: 'ACCEPT', condition: {} });
  t.b.objects.rules[0]!.transform_rule_data = { target_port_id: t.s, ingress: false, fail_open: false };
  const r3 = runner(t.b.build()).run(t.pa, udp(MA, MB));
  assert.equal(r3.verdict, 'drop');
  assert.equal(r3.reason, 'service-port-down');
});
