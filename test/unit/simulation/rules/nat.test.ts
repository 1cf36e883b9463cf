import { test } from 'node:test';
import assert from 'node:assert/strict';

import { applyNatRule } from '../../../../simulation/rules/nat.js';
import { evaluateChain } from '../../../../simulation/rules/chain.js';
import { NotYetError } from '../../../../simulation/not-yet.js';
import { Field, IpProto } from '../../../../simulation/packet/flow-match.js';
import { checksum, pseudoHeaderSum, verify } from '../../../../simulation/packet/checksum.js';
import { natTag } from '../../../../simulation/tags.js';
import type { NatKey } from '../../../../simulation/state/keys.js';
import type { StateView } from '../../../../simulation/state/views.js';
import type { NatRule } from '../../../../simulation/topology/model.js';
import type { Condition as ConditionObject } from '../../../../simulation/topology/objects.js';
import { seededRandom } from '../../../support/memory-state.js';
import { MemoryState, cond, ip, ipAt, makeCtx, quotedPacket, TopologyBuilder } from './rule-context.js';

const RT = 'aaaaaaaa-0000-4000-8000-00000000a001';

function natRule(
  o: { dnat: boolean; reverse?: boolean; targets?: [string, string, number, number][]; action?: 'ACCEPT' | 'CONTINUE' | 'RETURN' },
  c: ConditionObject = { fragment_policy: 'ANY' },
): NatRule {
  const targets = (o.targets ?? []).map(([a, b, s, e]) => ({ nwStart: ip(a), nwEnd: ip(b), tpStart: s, tpEnd: e }));
  return {
    id: 'rule',
    chainId: 'chain',
    kind: 'nat',
    condition: cond(c),
    action: o.action ?? 'ACCEPT',
    dnat: o.dnat,
    reverse: o.reverse ?? false,
    dynamic: targets.some((t) => t.tpStart !== 0 || t.tpEnd !== 0),
    targets,
  };
}

const FIP = '198.51.100.10';
const VM = '10.0.0.5';

test('static DNAT (floating IP) rewrites the destination only, with no state', () => {
  const rule = natRule({ dnat: true, targets: [[VM, VM, 0, 0]] }, { nw_dst_ip: `${FIP}/32` });
  const ctx = makeCtx({ src: '203.0.113.7', dst: FIP, sport: 5555, dport: 22 }, { currentDeviceId: RT });
  assert.equal(applyNatRule(ctx, rule), 'applied');
  assert.equal(ctx.wcmatch.peek(Field.NW_DST), ip(VM));
  assert.equal(ctx.wcmatch.peek(Field.DST_PORT), 22, 'ports untouched');
  assert.equal(ctx.nwDstRewritten, true);
  assert.equal(ctx.effects.length, 0);
  assert.equal(ctx.stateful, false);
  // Any IPv4 protocol qualifies for static NAT.
  const gre = makeCtx({ proto: 47, dst: FIP }, { currentDeviceId: RT });
  assert.equal(applyNatRule(gre, rule), 'applied');
});

test('static SNAT rewrites the source; for ICMP errors the quoted destination follows', () => {
  const rule = natRule({ dnat: false, targets: [[FIP, FIP, 0, 0]] }, { nw_src_ip: `${VM}/32` });
  const ctx = makeCtx({ src: VM, dst: '203.0.113.7', sport: 22, dport: 5555 }, { currentDeviceId: RT });
  applyNatRule(ctx, rule);
  assert.equal(ctx.wcmatch.peek(Field.NW_SRC), ip(FIP));
  assert.equal(ctx.wcmatch.peek(Field.SRC_PORT), 22);
  // The VM answers an inbound packet (sent to it after DNAT) with an ICMP error.
  const quoted = quotedPacket({ src: '203.0.113.7', dst: VM, proto: IpProto.UDP, sport: 7000, dport: 53 });
  const err = makeCtx({ proto: IpProto.ICMP, sport: 3, dport: 3, src: VM, dst: '203.0.113.7', icmpData: quoted }, { currentDeviceId: RT });
  applyNatRule(err, rule);
  const data = err.wcmatch.peekIcmpData()!;
  assert.equal(ipAt(data, 16), FIP, 'quoted destination is the floating IP');
  assert.equal(ipAt(quoted, 16), VM, 'the frame view itself is not written');
  assert.ok(verify(data, 0, 20), 'quoted IPv4 header checksum fixed');
});

test('static DNAT on an ICMP error rewrites the quoted source named by nw_dst_ip', () => {
  const rule = natRule({ dnat: true, targets: [[VM, VM, 0, 0]] }, { nw_dst_ip: `${FIP}/32` });
  const quoted = quotedPacket({ src: FIP, dst: '203.0.113.7', proto: IpProto.TCP, sport: 22, dport: 5555 });
  const ctx = makeCtx({ proto: IpProto.ICMP, sport: 11, dport: 0, src: '192.0.2.1', dst: FIP, icmpData: quoted }, { currentDeviceId: RT });
  applyNatRule(ctx, rule);
  assert.equal(ctx.wcmatch.peek(Field.NW_DST), ip(VM));
  assert.equal(ipAt(ctx.wcmatch.peekIcmpData()!, 12), VM);
  assert.ok(ctx.wcmatch.isSeen(Field.ICMP_DATA), 'userspace-only');
});

test('dynamic SNAT leases a port, stores both keys, and reverse SNAT restores the reply', () => {
  const state = new MemoryState();
  const snat = natRule({ dnat: false, targets: [['203.0.113.1', '203.0.113.1', 10000, 10099]] });
  const out = makeCtx({ src: VM, dst: '192.0.2.80', sport: 40000, dport: 80 }, { state, currentDeviceId: RT, random: seededRandom(1) });
  assert.equal(applyNatRule(out, snat), 'applied');
  const port = out.wcmatch.peek(Field.SRC_PORT);
  assert.ok(port >= 10000 && port <= 10099);
  assert.equal(out.wcmatch.peek(Field.NW_SRC), ip('203.0.113.1'));
  assert.equal(out.stateful, true);
  const fwd: NatKey = { type: 'FWD_SNAT', srcIp: ip(VM), srcPort: 40000, dstIp: ip('192.0.2.80'), dstPort: 80, proto: 6, deviceId: RT };
  const rev: NatKey = { type: 'REV_SNAT', srcIp: ip('192.0.2.80'), srcPort: 80, dstIp: ip('203.0.113.1'), dstPort: port, proto: 6, deviceId: RT };
  assert.deepEqual(
    out.effects.map((e) => e.kind),
    ['snat-lease', 'nat', 'nat'],
  );
  assert.ok(out.hasTag(natTag(fwd)) && out.hasTag(natTag(rev)));
  state.apply(out.effects, 0);

  // The same connection again reuses the binding: no new lease.
  const again = makeCtx({ src: VM, dst: '192.0.2.80', sport: 40000, dport: 80 }, { state, currentDeviceId: RT, random: seededRandom(99) });
  applyNatRule(again, snat);
  assert.equal(again.wcmatch.peek(Field.SRC_PORT), port);
  assert.ok(!again.effects.some((e) => e.kind === 'snat-lease'));

  const revRule = natRule({ dnat: false, reverse: true });
  const reply = makeCtx({ src: '192.0.2.80', dst: '203.0.113.1', sport: 80, dport: port }, { state, currentDeviceId: RT });
  assert.equal(applyNatRule(reply, revRule), 'applied');
  assert.equal(reply.wcmatch.peek(Field.NW_DST), ip(VM));
  assert.equal(reply.wcmatch.peek(Field.DST_PORT), 40000);
  assert.equal(reply.nwDstRewritten, true);
  assert.ok(reply.hasTag(natTag(rev)));
  // Scoped by device: another router does not know the binding.
  const other = makeCtx({ src: '192.0.2.80', dst: '203.0.113.1', sport: 80, dport: port }, { state, currentDeviceId: 'other' });
  assert.equal(applyNatRule(other, revRule), 'unsupported');
});

test('dynamic DNAT picks an address and port in range; reverse DNAT restores the source', () => {
  const state = new MemoryState();
  const dnat = natRule({ dnat: true, targets: [['10.1.0.10', '10.1.0.13', 8000, 8010]] });
  const ctx = makeCtx({ src: '192.0.2.50', dst: FIP, sport: 3333, dport: 80 }, { state, currentDeviceId: RT, random: seededRandom(7) });
  applyNatRule(ctx, dnat);
  const dst = ctx.wcmatch.peek(Field.NW_DST);
  const dport = ctx.wcmatch.peek(Field.DST_PORT);
  assert.ok(dst >= ip('10.1.0.10') && dst <= ip('10.1.0.13'));
  assert.ok(dport >= 8000 && dport <= 8010);
  assert.equal(ctx.nwDstRewritten, true);
  state.apply(ctx.effects, 0);
  const reply = makeCtx({ src: '10.1.0.10', dst: '192.0.2.50', sport: 8000, dport: 3333 }, { state, currentDeviceId: RT });
  reply.wcmatch.nwSrc = dst;
  reply.wcmatch.srcPort = dport;
  assert.equal(applyNatRule(reply, natRule({ dnat: true, reverse: true })), 'applied');
  assert.equal(reply.wcmatch.peek(Field.NW_SRC), ip(FIP));
  assert.equal(reply.wcmatch.peek(Field.SRC_PORT), 80);
});

test('ICMP echo through SNAT keeps the identifier and is userspace-only; the reply is reversed', () => {
  const state = new MemoryState();
  const snat = natRule({ dnat: false, targets: [['203.0.113.1', '203.0.113.1', 10000, 10099]] });
  const echo = makeCtx({ proto: IpProto.ICMP, sport: 8, dport: 0, icmpId: 777, src: VM, dst: '8.8.8.8' }, { state, currentDeviceId: RT });
  assert.equal(applyNatRule(echo, snat), 'applied');
  assert.equal(echo.wcmatch.peek(Field.NW_SRC), ip('203.0.113.1'));
  assert.equal(echo.wcmatch.peek(Field.ICMP_ID), 777);
  assert.ok(echo.wcmatch.isSeen(Field.ICMP_ID), 'identifier read: no kernel flow');
  assert.ok(!echo.effects.some((e) => e.kind === 'snat-lease'), 'ICMP needs no port lease');
  state.apply(echo.effects, 0);
  const reply = makeCtx({ proto: IpProto.ICMP, sport: 0, dport: 0, icmpId: 777, src: '8.8.8.8', dst: '203.0.113.1' }, { state, currentDeviceId: RT });
  assert.equal(applyNatRule(reply, natRule({ dnat: false, reverse: true })), 'applied');
  assert.equal(reply.wcmatch.peek(Field.NW_DST), ip(VM));
});

test('an ICMP error for an SNATed connection is reversed inside the quoted packet', () => {
  const state = new MemoryState();
  const snat = natRule({ dnat: false, targets: [['203.0.113.1', '203.0.113.1', 20000, 20000]] });
  const out = makeCtx({ proto: IpProto.UDP, src: VM, dst: '192.0.2.53', sport: 5353, dport: 53 }, { state, currentDeviceId: RT });
  applyNatRule(out, snat);
  state.apply(out.effects, 0);
  // The server's host answers "port unreachable", quoting the translated datagram.
  const quoted = quotedPacket({ src: '203.0.113.1', dst: '192.0.2.53', proto: IpProto.UDP, sport: 20000, dport: 53 });
  // A complete 8-byte datagram with a valid checksum, which must stay valid.
  quoted[25] = 8;
  const cs = checksum(quoted, 20, 8, pseudoHeaderSum(ip('203.0.113.1'), ip('192.0.2.53'), IpProto.UDP, 8));
  quoted[26] = cs >> 8;
  quoted[27] = cs & 0xff;
  const err = makeCtx({ proto: IpProto.ICMP, sport: 3, dport: 3, src: '192.0.2.53', dst: '203.0.113.1', icmpData: quoted }, { state, currentDeviceId: RT });
  assert.equal(applyNatRule(err, natRule({ dnat: false, reverse: true })), 'applied');
  assert.equal(err.wcmatch.peek(Field.NW_DST), ip(VM));
  const data = err.wcmatch.peekIcmpData()!;
  assert.equal(ipAt(data, 12), VM, 'quoted source restored');
  assert.equal((data[20]! << 8) | data[21]!, 5353, 'quoted source port restored');
  assert.ok(verify(data, 0, 20));
  assert.ok(verify(data, 20, 8, pseudoHeaderSum(ip(VM), ip('192.0.2.53'), IpProto.UDP, 8)), 'UDP checksum patched');
  assert.ok(err.wcmatch.isSeen(Field.ICMP_DATA));
});

test('dynamic NAT does not apply to unsupported protocols; reverse without entry does not apply', () => {
  const snat = natRule({ dnat: false, targets: [['203.0.113.1', '203.0.113.1', 10000, 10099]] });
  assert.equal(applyNatRule(makeCtx({ proto: 47 }, { currentDeviceId: RT }), snat), 'unsupported');
  // An ICMP echo without identifier and an ICMP redirect are not NATed either.
  assert.equal(applyNatRule(makeCtx({ proto: IpProto.ICMP, sport: 8 }, { currentDeviceId: RT }), snat), 'unsupported');
  assert.equal(applyNatRule(makeCtx({ proto: IpProto.ICMP, sport: 5, icmpData: new Uint8Array(28) }, { currentDeviceId: RT }), snat), 'unsupported');
  assert.equal(applyNatRule(makeCtx({}, { currentDeviceId: RT }), natRule({ dnat: true, reverse: true })), 'unsupported');
});

test('SNAT with no owned block waits (NotYet); with no block obtainable the chain errors', () => {
  const state = new MemoryState();
  const answer = (kind: 'no-block' | 'exhausted'): StateView =>
    Object.assign(Object.create(state) as StateView, { snatPort: () => ({ kind }) });
  const snat = natRule({ dnat: false, targets: [['203.0.113.1', '203.0.113.2', 10000, 10099]] });
  const waiting = makeCtx({}, { state: answer('no-block'), currentDeviceId: RT });
  assert.throws(
    () => applyNatRule(waiting, snat),
    (e: unknown) => e instanceof NotYetError && e.key.kind === 'nat-block' && e.key.deviceId === RT && e.key.ip === ip('203.0.113.1'),
  );

  const tb = new TopologyBuilder();
  const c = tb.chain();
  tb.rule(c, {
    type: 'NAT_RULE',
    action: 'ACCEPT',
    nat_rule_data: { dnat: false, nat_targets: [{ nw_start: '203.0.113.1', nw_end: '203.0.113.1', tp_start: 10000, tp_end: 10099 }] },
    condition: { fragment_policy: 'ANY' },
  });
  const topo = tb.build();
  const full = makeCtx({}, { topo, state: answer('exhausted'), currentDeviceId: RT });
  assert.equal(evaluateChain(full, topo.chain(c)!).action, 'ERROR');
  assert.equal(full.reason, 'snat-ports-exhausted');
});

test('a NAT rule yields its action only when it applied', () => {
  const tb = new TopologyBuilder();
  const c = tb.chain();
  tb.rule(c, {
    type: 'NAT_RULE',
    action: 'ACCEPT',
    nat_rule_data: { dnat: false, nat_targets: [{ nw_start: '203.0.113.1', nw_end: '203.0.113.1', tp_start: 1024, tp_end: 2047 }] },
    condition: { fragment_policy: 'ANY' },
  });
  tb.rule(c, { type: 'LITERAL_RULE', action: 'DROP', condition: { fragment_policy: 'ANY' } });
  const topo = tb.build();
  assert.equal(evaluateChain(makeCtx({}, { topo, currentDeviceId: RT }), topo.chain(c)!).action, 'ACCEPT');
  assert.equal(evaluateChain(makeCtx({ proto: 47 }, { topo, currentDeviceId: RT }), topo.chain(c)!).action, 'DROP');
});
