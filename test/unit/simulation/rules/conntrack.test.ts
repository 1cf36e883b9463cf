import { test } from 'node:test';
import assert from 'node:assert/strict';

import { conntrackLookup, recordConntrackOnEmit } from '../../../../simulation/rules/conntrack.js';
import { matchCondition } from '../../../../simulation/rules/condition.js';
import { EtherType, Field, IpProto } from '../../../../simulation/packet/flow-match.js';
import { conntrackTag } from '../../../../simulation/tags.js';
import type { ConnTrackKey } from '../../../../simulation/state/keys.js';
import type { StateView } from '../../../../simulation/state/views.js';
import { MemoryState, TopologyBuilder, cond, ip, makeCtx } from './rule-context.js';

const tb = new TopologyBuilder();
const brIn = tb.bridge('in');
const brOut = tb.bridge('out');
const portIn = tb.bridgePort(brIn, { host: 'h', iface: 'a' });
const portOut = tb.bridgePort(brOut, { host: 'h', iface: 'b' });
const topo = tb.build();
const egress = topo.port(portOut)!;

const fwdRule = cond({ match_forward_flow: true });
const retRule = cond({ match_return_flow: true });

test('a forward packet records the swapped, post-NAT return key under the egress device', () => {
  const state = new MemoryState();
  const ctx = makeCtx({ src: '10.0.0.1', dst: '192.0.2.9', sport: 40000, dport: 443 }, { topo, state, ingressDeviceId: brIn });
  assert.equal(matchCondition(ctx, fwdRule), true);
  const lookup: ConnTrackKey = { srcIp: ip('10.0.0.1'), srcPort: 40000, dstIp: ip('192.0.2.9'), dstPort: 443, proto: 6, deviceId: brIn };
  assert.ok(ctx.hasTag(conntrackTag(lookup)), 'forward answer tags the flow with the looked-up key');
  // A NAT on the way: the return key is built from the rewritten headers.
  ctx.wcmatch.nwSrc = ip('203.0.113.5');
  ctx.wcmatch.srcPort = 1025;
  recordConntrackOnEmit(ctx, egress);
  assert.deepEqual(ctx.effects, [
    { kind: 'conntrack', key: { srcIp: ip('192.0.2.9'), srcPort: 443, dstIp: ip('203.0.113.5'), dstPort: 1025, proto: 6, deviceId: brOut } },
  ]);
  assert.equal(ctx.stateful, true);
  // A second output of the same device does not duplicate the key.
  recordConntrackOnEmit(ctx, egress);
  assert.equal(ctx.effects.length, 1);
});

test('the reply, entering on the egress device, is a return flow and matches return-flow rules', () => {
  const state = new MemoryState();
  const fwd = makeCtx({ src: '10.0.0.1', dst: '192.0.2.9', sport: 40000, dport: 443, proto: IpProto.TCP }, { topo, state, ingressDeviceId: brIn });
  matchCondition(fwd, fwdRule);
  recordConntrackOnEmit(fwd, egress);
  state.apply(fwd.effects, 0);

  const reply = makeCtx({ src: '192.0.2.9', dst: '10.0.0.1', sport: 443, dport: 40000 }, { topo, state, ingressDeviceId: brOut });
  assert.equal(matchCondition(reply, retRule), true);
  assert.equal(matchCondition(reply, fwdRule), false);
  assert.equal(reply.tags.size, 0, 'a return answer is not tagged');
  recordConntrackOnEmit(reply, topo.port(portIn)!);
  assert.equal(reply.effects.length, 0, 'return flows create no state');
  // The same reply entering on another device is not a return flow.
  const elsewhere = makeCtx({ src: '192.0.2.9', dst: '10.0.0.1', sport: 443, dport: 40000 }, { topo, state, ingressDeviceId: brIn });
  assert.equal(matchCondition(elsewhere, retRule), false);
});

test('generated packets are return flows and never create state', () => {
  const state = new MemoryState();
  const ctx = makeCtx({}, { topo, state, generated: true });
  assert.equal(conntrackLookup(ctx), false);
  assert.equal(matchCondition(ctx, retRule), true);
  recordConntrackOnEmit(ctx, egress);
  assert.equal(ctx.effects.length, 0);
});

test('state is created only when a rule asked; the lookup happens once', () => {
  const state = new MemoryState();
  let lookups = 0;
  const counting: StateView = Object.assign(Object.create(state) as StateView, {
    conntrackHasReturn: (k: ConnTrackKey) => (lookups++, state.conntrackHasReturn(k)),
  });
  const quiet = makeCtx({}, { topo, state: counting, ingressDeviceId: brIn });
  matchCondition(quiet, cond({ nw_proto: IpProto.TCP }));
  recordConntrackOnEmit(quiet, egress);
  assert.equal(quiet.effects.length, 0, 'no rule asked: no conntrack entry');
  assert.equal(lookups, 0);

  const asked = makeCtx({}, { topo, state: counting, ingressDeviceId: brIn });
  matchCondition(asked, fwdRule);
  matchCondition(asked, retRule);
  matchCondition(asked, fwdRule);
  assert.equal(lookups, 1, 'lazy and once per simulation');
});

test('untracked traffic is always forward and never creates state', () => {
  for (const p of [{ proto: 47 }, { etherType: EtherType.ARP, proto: 1 }, { etherType: EtherType.IPV6 }]) {
    const ctx = makeCtx(p, { topo, ingressDeviceId: brIn });
    assert.equal(conntrackLookup(ctx), true);
    recordConntrackOnEmit(ctx, egress);
    assert.equal(ctx.effects.length, 0);
  }
});

test('ICMP echo keys use the identifier and make the flow userspace-only', () => {
  const state = new MemoryState();
  const ctx = makeCtx({ proto: IpProto.ICMP, sport: 8, dport: 0, icmpId: 0x1234, src: '10.0.0.1', dst: '8.8.8.8' }, { topo, state, ingressDeviceId: brIn });
  assert.equal(conntrackLookup(ctx), true);
  assert.ok(ctx.origMatch.isSeen(Field.ICMP_ID));
  recordConntrackOnEmit(ctx, egress);
  assert.deepEqual(ctx.effects[0], {
    kind: 'conntrack',
    key: { srcIp: ip('8.8.8.8'), srcPort: 0x1234, dstIp: ip('10.0.0.1'), dstPort: 0x1234, proto: 1, deviceId: brOut },
  });
  state.apply(ctx.effects, 0);
  const reply = makeCtx({ proto: IpProto.ICMP, sport: 0, dport: 0, icmpId: 0x1234, src: '8.8.8.8', dst: '10.0.0.1' }, { topo, state, ingressDeviceId: brOut });
  assert.equal(conntrackLookup(reply), false, 'echo reply is the return flow');
});
