import { test } from 'node:test';
import assert from 'node:assert/strict';

import { evaluateChain, evaluateChainLinear, evaluateChains } from '../../../../simulation/rules/chain.js';
import { EtherType, IpFrag, IpProto } from '../../../../simulation/packet/flow-match.js';
import { makeSubnet } from '../../../../simulation/packet/addr.js';
import type { Chain, Condition, LiteralRule } from '../../../../simulation/topology/model.js';
import type { FragmentPolicy } from '../../../../simulation/topology/objects.js';
import { seededRandom } from '../../../support/memory-state.js';
import { TopologyBuilder, makeCtx } from './rule-context.js';

const ACCEPT_ALL = { fragment_policy: 'ANY' as const };

function jumpRule(_chain: string, target: string, condition = {}) {
  return { type: 'JUMP_RULE' as const, action: 'JUMP' as const, jump_rule_data: { jump_chain_id: target }, condition: { ...ACCEPT_ALL, ...condition } };
}
function literal(action: 'ACCEPT' | 'DROP' | 'REJECT' | 'RETURN', condition = {}) {
  return { type: 'LITERAL_RULE' as const, action, condition: { ...ACCEPT_ALL, ...condition } };
}

test('JUMP runs the target inline; its RETURN continues the caller', () => {
  const tb = new TopologyBuilder();
  const a = tb.chain('a');
  const b = tb.chain('b');
  tb.rule(a, jumpRule(a, b));
  tb.rule(a, literal('DROP'));
  tb.rule(b, literal('RETURN'));
  tb.rule(b, literal('ACCEPT'));
  const topo = tb.build();
  const ctx = makeCtx({}, { topo });
  assert.equal(evaluateChain(ctx, topo.chain(a)!).action, 'DROP');
  assert.ok(ctx.hasTag(a) && ctx.hasTag(b), 'both chains tag the flow');
});

test('a decisive result inside a jumped chain ends the whole evaluation', () => {
  const tb = new TopologyBuilder();
  const a = tb.chain();
  const b = tb.chain();
  tb.rule(a, jumpRule(a, b));
  tb.rule(a, literal('DROP'));
  tb.rule(b, literal('REJECT', { nw_proto: IpProto.TCP }));
  const topo = tb.build();
  assert.equal(evaluateChain(makeCtx({ proto: IpProto.TCP }, { topo }), topo.chain(a)!).action, 'REJECT');
  assert.equal(evaluateChain(makeCtx({ proto: IpProto.UDP }, { topo }), topo.chain(a)!).action, 'DROP');
});

test('jump loops and missing jump targets continue; top-level RETURN and fall-through accept', () => {
  const tb = new TopologyBuilder();
  const a = tb.chain();
  const b = tb.chain();
  tb.rule(a, jumpRule(a, b));
  tb.rule(a, jumpRule(a, 'dddddddd-0000-4000-8000-00000000dead'));
  tb.rule(b, jumpRule(b, a)); // loop back: ignored
  const topo = tb.build();
  assert.equal(evaluateChain(makeCtx({}, { topo }), topo.chain(a)!).action, 'ACCEPT');

  const tb2 = new TopologyBuilder();
  const r = tb2.chain();
  tb2.rule(r, literal('RETURN'));
  tb2.rule(r, literal('DROP'));
  const topo2 = tb2.build();
  assert.equal(evaluateChain(makeCtx({}, { topo: topo2 }), topo2.chain(r)!).action, 'ACCEPT');
});

test('quirk: a chain entered once in an evaluation is not entered again', () => {
  const tb = new TopologyBuilder();
  const a = tb.chain();
  const c = tb.chain();
  tb.rule(a, jumpRule(a, c, { nw_proto: IpProto.UDP })); // enters c, which does not decide for TCP
  tb.rule(a, jumpRule(a, c)); // second jump into c: ignored
  tb.rule(c, literal('DROP', { nw_proto: IpProto.TCP }));
  tb.rule(c, literal('RETURN'));
  const topo = tb.build();
  // TCP: first jump skipped by its condition, second jump enters c → DROP.
  assert.equal(evaluateChain(makeCtx({ proto: IpProto.TCP }, { topo }), topo.chain(a)!).action, 'DROP');
  // UDP: first jump enters c (RETURN), second jump is a revisit → CONTINUE → ACCEPT.
  assert.equal(evaluateChain(makeCtx({ proto: IpProto.UDP }, { topo }), topo.chain(a)!).action, 'ACCEPT');
});

test('chain lists: ACCEPT does not skip the next chain, missing ids are skipped, first non-ACCEPT wins', () => {
  const tb = new TopologyBuilder();
  const c1 = tb.chain();
  const c2 = tb.chain();
  const c3 = tb.chain();
  tb.rule(c1, literal('ACCEPT'));
  tb.rule(c2, literal('DROP', { nw_proto: IpProto.TCP }));
  tb.rule(c3, literal('REJECT'));
  const topo = tb.build();
  const missing = 'dddddddd-0000-4000-8000-00000000beef';
  const tcp = makeCtx({ proto: IpProto.TCP }, { topo });
  assert.equal(evaluateChains(tcp, [c1, missing, c2, c3]).action, 'DROP');
  assert.ok(tcp.hasTag(c1) && tcp.hasTag(c2));
  assert.ok(!tcp.hasTag(c3), 'evaluation stopped before the third chain');
  assert.equal(evaluateChains(makeCtx({ proto: IpProto.UDP }, { topo }), [c1, c2, c3]).action, 'REJECT');
  assert.equal(evaluateChains(makeCtx({}, { topo }), []).action, 'ACCEPT');
  assert.equal(evaluateChains(makeCtx({}, { topo }), [missing]).action, 'ACCEPT');
});

test('REDIRECT carries its target; a redirect out flags the context with fail-open', () => {
  const tb = new TopologyBuilder();
  const c = tb.chain();
  const target = 'eeeeeeee-0000-4000-8000-000000000001';
  tb.rule(c, {
    type: 'L2TRANSFORM_RULE',
    action: 'REDIRECT',
    transform_rule_data: { target_port_id: target, ingress: false, fail_open: true, push_vlan: 30 },
    condition: ACCEPT_ALL,
  });
  const topo = tb.build();
  const ctx = makeCtx({}, { topo });
  const v = evaluateChain(ctx, topo.chain(c)!);
  assert.equal(v.action, 'REDIRECT');
  assert.deepEqual(v.redirect, { portId: target, ingress: false, failOpen: true });
  assert.ok(Object.isFrozen(v));
  assert.equal(ctx.redirectedOut, true);
  assert.equal(ctx.failOpen, true);
  assert.deepEqual(ctx.wcmatch.peekVlans(), [30], 'VLAN pushed before redirecting');
});

test('L2 transform applies only when it changed something; trace rules continue with an effect', () => {
  const tb = new TopologyBuilder();
  const c = tb.chain();
  tb.rule(c, { type: 'L2TRANSFORM_RULE', action: 'ACCEPT', transform_rule_data: { pop_vlan: true }, condition: ACCEPT_ALL });
  tb.rule(c, { type: 'TRACE_RULE', action: 'CONTINUE', trace_rule_data: { trace_request_id: 'ffffffff-0000-4000-8000-000000000001', limit: 5 }, condition: ACCEPT_ALL });
  tb.rule(c, literal('DROP'));
  const topo = tb.build();
  const tagged = makeCtx({ vlans: [7] }, { topo });
  assert.equal(evaluateChain(tagged, topo.chain(c)!).action, 'ACCEPT');
  assert.deepEqual(tagged.wcmatch.peekVlans(), []);
  assert.equal(tagged.effects.length, 0);
  const untagged = makeCtx({}, { topo });
  assert.equal(evaluateChain(untagged, topo.chain(c)!).action, 'DROP', 'pop on untagged frame does not apply');
  assert.deepEqual(untagged.effects, [{ kind: 'trace', requestId: 'ffffffff-0000-4000-8000-000000000001' }]);
});

// --- compiled vs linear oracle ---------------------------------------------------------

const PROTOS = [IpProto.TCP, IpProto.UDP, IpProto.ICMP, 47];
const FRAGS: FragmentPolicy[] = ['ANY', 'HEADER', 'NONHEADER', 'UNFRAGMENTED'];

function randomCondition(r: () => number): Condition {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const maybe = (p: number) => r() < p;
  const subnet = () => makeSubnet(((10 << 24) | (Math.floor(r() * 4) << 8)) >>> 0, pick([0, 8, 24, 30, 32]));
  const range = () => {
    const s = Math.floor(r() * 100);
    return { start: s, end: s + Math.floor(r() * 50) };
  };
  return {
    conjunctionInv: maybe(0.1),
    matchForwardFlow: maybe(0.05),
    matchReturnFlow: maybe(0.05),
    inPortIds: maybe(0.1) ? new Set(['p1', 'p2']) : null,
    inPortInv: maybe(0.5),
    outPortIds: maybe(0.1) ? new Set(['p3']) : null,
    outPortInv: maybe(0.5),
    portGroupId: maybe(0.1) ? 'g1' : null,
    invPortGroup: maybe(0.5),
    inPortGroupId: maybe(0.1) ? 'g2' : null,
    invInPortGroup: maybe(0.5),
    outPortGroupId: maybe(0.1) ? 'g3' : null,
    invOutPortGroup: maybe(0.5),
    ipAddrGroupIdSrc: null,
    invIpAddrGroupIdSrc: false,
    ipAddrGroupIdDst: null,
    invIpAddrGroupIdDst: false,
    dlType: maybe(0.2) ? pick([EtherType.IPV4, EtherType.ARP]) : null,
    invDlType: maybe(0.3),
    dlSrc: maybe(0.1) ? 0x020000000001 : null,
    dlSrcMask: maybe(0.5) ? 0xffffffffffff : 0xff,
    invDlSrc: maybe(0.3),
    dlDst: maybe(0.1) ? 0x020000000002 : null,
    dlDstMask: 0xffffffffffff,
    invDlDst: maybe(0.3),
    nwTos: maybe(0.1) ? pick([0, 0x10]) : null,
    nwTosInv: maybe(0.3),
    nwProto: maybe(0.4) ? pick(PROTOS) : null,
    nwProtoInv: maybe(0.2),
    nwSrcIp: maybe(0.3) ? subnet() : null,
    nwSrcInv: maybe(0.2),
    nwDstIp: maybe(0.3) ? subnet() : null,
    nwDstInv: maybe(0.2),
    tpSrc: maybe(0.2) ? range() : null,
    tpSrcInv: maybe(0.2),
    tpDst: maybe(0.3) ? range() : null,
    tpDstInv: maybe(0.2),
    traversedDevice: maybe(0.1) ? 'dev-x' : null,
    traversedDeviceInv: maybe(0.5),
    fragmentPolicy: pick(FRAGS),
    noVlan: maybe(0.05),
    vlan: maybe(0.05) ? 5 : null,
    icmpDataSrcIp: maybe(0.05) ? subnet() : null,
    icmpDataSrcIpInv: maybe(0.5),
    icmpDataDstIp: maybe(0.05) ? subnet() : null,
    icmpDataDstIpInv: maybe(0.5),
    matchNwDstRewritten: maybe(0.05),
  };
}

test('compiled chain == linear reference on random rules and packets (verdict, wildcard, tags)', () => {
  const r = seededRandom(42);
  const actions = ['ACCEPT', 'DROP', 'REJECT', 'RETURN'] as const;
  for (let round = 0; round < 40; round++) {
    const rules: LiteralRule[] = [];
    for (let i = 0; i < 30; i++) {
      rules.push({ id: `r${i}`, chainId: 'c', kind: 'literal', action: actions[Math.floor(r() * 4)]!, condition: randomCondition(r) });
    }
    const chain: Chain = { id: `chain-${round}`, name: '', rules };
    for (let k = 0; k < 25; k++) {
      const proto = PROTOS[Math.floor(r() * PROTOS.length)]!;
      const pkt = {
        proto,
        src: `10.0.${Math.floor(r() * 4)}.${Math.floor(r() * 8)}`,
        dst: `10.0.${Math.floor(r() * 4)}.${Math.floor(r() * 8)}`,
        sport: Math.floor(r() * 160),
        dport: Math.floor(r() * 160),
        frag: [IpFrag.NONE, IpFrag.FIRST, IpFrag.LATER][Math.floor(r() * 3)] as 0,
        tos: r() < 0.5 ? 0 : 0x10,
        ...(r() < 0.2 ? { vlans: [5] } : {}),
        ...(proto === IpProto.ICMP ? { icmpId: 9 } : {}),
      };
      const opts = {
        inPortId: r() < 0.5 ? 'p1' : 'p9',
        outPortId: r() < 0.5 ? 'p3' : null,
        portGroups: r() < 0.5 ? ['g1'] : [],
        inPortGroups: r() < 0.5 ? ['g2'] : [],
        outPortGroups: r() < 0.5 ? ['g3'] : [],
      };
      const a = makeCtx(pkt, opts);
      const b = makeCtx(pkt, opts);
      if (r() < 0.3) (a.addTag('dev-x'), b.addTag('dev-x'));
      const va = evaluateChain(a, chain);
      const vb = evaluateChainLinear(b, chain);
      assert.equal(va.action, vb.action, `round ${round} packet ${k}`);
      assert.equal(a.wcmatch.seen, b.wcmatch.seen, `seen differs round ${round} packet ${k}`);
      assert.deepEqual([...a.tags].sort(), [...b.tags].sort());
    }
  }
});
