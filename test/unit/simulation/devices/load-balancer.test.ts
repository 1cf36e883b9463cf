import { test } from 'node:test';
import assert from 'node:assert/strict';

import { loadBalancerInbound, loadBalancerOutbound } from '../../../../simulation/devices/load-balancer.js';
import { Field } from '../../../../simulation/packet/flow-match.js';
import type { NatKey } from '../../../../simulation/state/keys.js';
import { natTag } from '../../../../simulation/tags.js';
import { seededRandom } from '../../../support/memory-state.js';
import { MemoryState, TopologyBuilder, ip, makeCtx } from '../rules/rule-context.js';

const VIP = '198.51.100.80';
const M1 = '10.0.0.11';
const M2 = '10.0.0.12';
const CLIENT = '203.0.113.9';

function setup(o: { sticky?: boolean; w1?: number; w2?: number; monitored?: boolean } = {}) {
  const tb = new TopologyBuilder();
  const rt = tb.router('rt');
  const lb = tb.loadBalancer(rt);
  const pool = tb.pool(lb, o.sticky === true ? { session_persistence: 'SOURCE_IP' } : {});
  const status = o.monitored === true ? { status: 'MONITORED' as const } : {};
  const m1 = tb.poolMember(pool, M1, 8080, { weight: o.w1 ?? 1, ...status });
  const m2 = tb.poolMember(pool, M2, 8080, { weight: o.w2 ?? 1, ...status });
  tb.vip(pool, VIP, 80);
  return { tb, rt, lb, pool, m1, m2, state: new MemoryState() };
}

type Setup = ReturnType<typeof setup>;

function inbound(s: Setup, sport = 40000, seed = 1, src = CLIENT, topo = s.tb.build()) {
  const ctx = makeCtx({ src, dst: VIP, sport, dport: 80 }, { topo, state: s.state, currentDeviceId: s.rt, random: seededRandom(seed) });
  const r = loadBalancerInbound(ctx, topo.loadBalancer(s.lb)!);
  return { ctx, r, dst: ctx.wcmatch.peek(Field.NW_DST), dport: ctx.wcmatch.peek(Field.DST_PORT) };
}

function member(s: Setup, id: string) {
  return s.tb.objects.pool_members.find((m) => m.id === id)!;
}

test('a VIP hit DNATs to a member with the LB id as NAT device and tags LB and pool', () => {
  const s = setup();
  const { ctx, r, dst, dport } = inbound(s);
  assert.equal(r, 'ACCEPT');
  assert.ok(dst === ip(M1) || dst === ip(M2));
  assert.equal(dport, 8080);
  assert.equal(ctx.currentDeviceId, s.rt, 'current device restored');
  assert.equal(ctx.nwDstRewritten, true);
  const fwd: NatKey = { type: 'FWD_DNAT', srcIp: ip(CLIENT), srcPort: 40000, dstIp: ip(VIP), dstPort: 80, proto: 6, deviceId: s.lb };
  const natFx = ctx.effects.filter((e) => e.kind === 'nat');
  assert.deepEqual(natFx[0], { kind: 'nat', key: fwd, binding: { ip: dst, port: 8080 } });
  assert.equal(natFx.length, 2, 'forward and reverse keys');
  assert.ok(ctx.hasTag(s.lb) && ctx.hasTag(s.pool) && ctx.hasTag(natTag(fwd)));
  assert.equal(ctx.stateful, true);
});

test('non-VIP traffic, UDP to the VIP and an admin-down LB continue', () => {
  const s = setup();
  const topo = s.tb.build();
  const lb = topo.loadBalancer(s.lb)!;
  const other = makeCtx({ dst: '198.51.100.81', dport: 80 }, { topo, currentDeviceId: s.rt });
  assert.equal(loadBalancerInbound(other, lb), 'CONTINUE');
  const udp = makeCtx({ proto: 17, dst: VIP, dport: 80 }, { topo, currentDeviceId: s.rt });
  assert.equal(loadBalancerInbound(udp, lb), 'CONTINUE');
  s.tb.objects.load_balancers[0]!.admin_state_up = false;
  const down = s.tb.build();
  const ctx = makeCtx({ dst: VIP, dport: 80 }, { topo: down, currentDeviceId: s.rt });
  assert.equal(loadBalancerInbound(ctx, down.loadBalancer(s.lb)!), 'CONTINUE');
  assert.equal(ctx.effects.length, 0);
});

test('weighted random choice follows the weights; weight 0 is never chosen', () => {
  const s = setup({ w1: 1, w2: 3 });
  const topo = s.tb.build();
  let m2 = 0;
  for (let i = 0; i < 400; i++) if (inbound(s, 10000 + i, 1000 + i, CLIENT, topo).dst === ip(M2)) m2++;
  assert.ok(m2 > 260 && m2 < 340, `member 2 chosen ${m2}/400 times, expected ~300`);
  const z = setup({ w1: 0, w2: 1 });
  const zt = z.tb.build();
  for (let i = 0; i < 50; i++) assert.equal(inbound(z, 10000 + i, i, CLIENT, zt).dst, ip(M2));
});

test('an existing binding is reused whatever the random draw', () => {
  const s = setup();
  const first = inbound(s, 40000, 1);
  s.state.apply(first.ctx.effects, 0);
  for (let seed = 2; seed < 12; seed++) assert.equal(inbound(s, 40000, seed).dst, first.dst);
});

test('sticky source IP: every connection of a client goes to one member, keyed with port 0', () => {
  const s = setup({ sticky: true });
  const first = inbound(s, 40000, 1);
  const key = first.ctx.effects.find((e) => e.kind === 'nat')!;
  assert.equal(key.kind === 'nat' && key.key.type, 'FWD_STICKY_DNAT');
  assert.equal(key.kind === 'nat' && key.key.srcPort, 0);
  s.state.apply(first.ctx.effects, 0);
  for (let i = 1; i < 20; i++) assert.equal(inbound(s, 40000 + i, 100 + i).dst, first.dst);
});

test('member health: inactive members get no new connections; invalid bindings are deleted and re-picked', () => {
  const s = setup({ monitored: true });
  s.state.setMemberStatus(s.m1, 'INACTIVE');
  const topo = s.tb.build();
  for (let i = 0; i < 20; i++) assert.equal(inbound(s, 30000 + i, i, CLIENT, topo).dst, ip(M2));
  // A connection bound to M2, whose monitor then reports it down while M1 comes back.
  const c = inbound(s, 40000, 1, CLIENT, topo);
  s.state.apply(c.ctx.effects, 0);
  s.state.setMemberStatus(s.m1, 'ACTIVE');
  s.state.setMemberStatus(s.m2, 'INACTIVE');
  const again = inbound(s, 40000, 1, CLIENT, topo);
  assert.equal(again.r, 'ACCEPT');
  assert.equal(again.dst, ip(M1), 're-selected');
  const kinds = again.ctx.effects.map((e) => e.kind);
  assert.deepEqual(kinds, ['nat-delete', 'nat-delete', 'nat', 'nat']);
});

test('disabled (admin-down) members keep existing non-sticky connections, even with the pool down', () => {
  const s = setup({ w1: 1, w2: 0 });
  const c = inbound(s, 40000, 1);
  assert.equal(c.dst, ip(M1));
  s.state.apply(c.ctx.effects, 0);
  member(s, s.m1).admin_state_up = false; // pool now has no active member
  const kept = inbound(s, 40000, 5);
  assert.equal(kept.r, 'ACCEPT');
  assert.equal(kept.dst, ip(M1));
  const fresh = inbound(s, 40001, 5);
  assert.equal(fresh.r, 'DROP', 'no binding, no member');
});

test('pool down: sticky connections are dropped even with a binding', () => {
  const s = setup({ sticky: true });
  const c = inbound(s, 40000, 1);
  s.state.apply(c.ctx.effects, 0);
  member(s, s.m1).admin_state_up = false;
  member(s, s.m2).admin_state_up = false;
  assert.equal(inbound(s, 40000, 1).r, 'DROP');
});

test('outbound: a member reply gets the VIP back as source; unrelated traffic continues', () => {
  const s = setup();
  const c = inbound(s, 40000, 1);
  s.state.apply(c.ctx.effects, 0);
  const topo = s.tb.build();
  const lb = topo.loadBalancer(s.lb)!;
  const reply = makeCtx({ src: '0.0.0.0', dst: CLIENT, sport: 8080, dport: 40000 }, { topo, state: s.state, currentDeviceId: s.rt });
  reply.wcmatch.nwSrc = c.dst;
  assert.equal(loadBalancerOutbound(reply, lb), 'ACCEPT');
  assert.equal(reply.wcmatch.peek(Field.NW_SRC), ip(VIP));
  assert.equal(reply.wcmatch.peek(Field.SRC_PORT), 80);
  assert.equal(reply.currentDeviceId, s.rt);
  const other = makeCtx({ src: M1, dst: CLIENT, sport: 8080, dport: 41111 }, { topo, state: s.state, currentDeviceId: s.rt });
  assert.equal(loadBalancerOutbound(other, lb), 'CONTINUE');
});

test('outbound DROP cases (the router still skips its chains): LB down, backend no longer valid', () => {
  const s = setup({ sticky: true });
  const c = inbound(s, 40000, 1);
  s.state.apply(c.ctx.effects, 0);
  const reply = (topo: ReturnType<typeof s.tb.build>) => {
    const ctx = makeCtx({ src: '0.0.0.0', dst: CLIENT, sport: 8080, dport: 40000 }, { topo, state: s.state, currentDeviceId: s.rt });
    ctx.wcmatch.nwSrc = c.dst;
    return { ctx, r: loadBalancerOutbound(ctx, topo.loadBalancer(s.lb)!) };
  };
  assert.equal(reply(s.tb.build()).r, 'ACCEPT', 'sticky reverse key found');
  member(s, c.dst === ip(M1) ? s.m1 : s.m2).admin_state_up = false;
  const invalid = reply(s.tb.build());
  assert.equal(invalid.r, 'DROP');
  assert.equal(invalid.ctx.wcmatch.peek(Field.NW_SRC), ip(VIP), 'reversed before the verdict');
  s.tb.objects.load_balancers[0]!.admin_state_up = false;
  assert.equal(reply(s.tb.build()).r, 'DROP');
});
