/**
 * FlowTranslator: virtual actions → ODP actions (datapath.md §2.3, §4.2) and
 * the FlowSpec the datapath installs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  encodeFlowSpec, flowSpecFor, translateActions, type PortResolution, type PortResolver, type TranslateStats,
} from '../../../../agent/flows/flow-translator.js';
import { formatActions, formatKeyList } from '../../../../agent/datapath/flow-text.js';
import { NlWriter } from '../../../../agent/datapath/nl-writer.js';
import { parseAttrs } from '../../../../agent/datapath/nl-reader.js';
import { decodeKeyAttrs } from '../../../../agent/datapath/odp-key-attrs.js';
import { decodeActions } from '../../../../agent/datapath/odp-actions.js';
import { EtherType, FlowMatch, IpFrag } from '../../../../simulation/packet/flow-match.js';
import type { SimResult, VirtualAction, Verdict } from '../../../../simulation/result.js';

const PORTS: Record<string, PortResolution> = {
  vmA: { kind: 'local', dpPort: 3 },
  vmB: { kind: 'local', dpPort: 7 },
  remote1: { kind: 'tunnel', dpPort: 4, key: 0x100005, srcIp: 0x0a000001, dstIp: 0x0a000002, tos: 0 },
  remote2: { kind: 'tunnel', dpPort: 4, key: 0x100006, srcIp: 0x0a000001, dstIp: 0x0a000003, tos: 0xb8 },
};
const resolver: PortResolver = { resolve: (id) => PORTS[id] ?? { kind: 'unknown' } };

function match(): FlowMatch {
  const m = new FlowMatch();
  m.inPort = 1; m.ethSrc = 0x001122334455; m.ethDst = 0x66778899aabb; m.etherType = EtherType.IPV4;
  m.nwSrc = 0x0a000001; m.nwDst = 0x0a000002; m.nwProto = 6; m.nwTos = 0; m.nwTtl = 64; m.nwFrag = IpFrag.FIRST;
  m.srcPort = 1234; m.dstPort = 80;
  return m;
}
function result(actions: VirtualAction[], verdict: Verdict = 'forward', m = match()): SimResult {
  return { verdict, reason: '', actions, origMatch: m, userspaceOnly: false, tags: [], generated: [], effects: [], stateful: false };
}
const out = (portId: string): VirtualAction => ({ kind: 'output', portId });

test('local outputs become OUTPUT(dp port); the same port twice is emitted once', () => {
  const a = translateActions(result([out('vmA'), out('vmB'), out('vmA')]), resolver);
  assert.equal(formatActions(a), '3,7');
});

test('tunnel outputs become SET(TUNNEL{key,src,dst,tos,ttl=255}) + OUTPUT(overlay vport), one pair per destination', () => {
  const a = translateActions(result([out('remote1'), out('remote2'), out('vmA')]), resolver);
  assert.equal(formatActions(a),
    'set(tunnel(tun_id=0x100005,src=10.0.0.1,dst=10.0.0.2,tos=0,ttl=255,flags(key))),4,' +
    'set(tunnel(tun_id=0x100006,src=10.0.0.1,dst=10.0.0.3,tos=0xb8,ttl=255,flags(key))),4,3');
});

test('set-field actions map to full-struct SETs; IPv4 SET copies proto and frag from the match', () => {
  const m = match();
  const a = translateActions(result([
    { kind: 'set-eth', src: 0xaabbccddeeff, dst: 0x001122334455 },
    // proto/frag in the virtual action are wrong on purpose: the match wins.
    { kind: 'set-ipv4', src: 0xc0a80001, dst: 0x0a000002, proto: 17, tos: 0, ttl: 63, frag: 0 },
    { kind: 'set-tcp', src: 40000, dst: 80 },
    out('vmB'),
  ], 'forward', m), resolver);
  assert.equal(formatActions(a),
    'set(eth(src=aa:bb:cc:dd:ee:ff,dst=00:11:22:33:44:55)),' +
    'set(ipv4(src=192.168.0.1,dst=10.0.0.2,proto=6,tos=0,ttl=63,frag=first)),' +
    'set(tcp(src=40000,dst=80)),7');
  assert.equal(m.seen, 0, 'translation never marks fields seen');
});

test('VLAN push/pop, udp/icmp sets; a rewrite between two outputs to one port keeps both', () => {
  const a = translateActions(result([
    out('vmA'), { kind: 'pop-vlan' }, { kind: 'push-vlan', tpid: 0x8100, vid: 5 },
    { kind: 'set-udp', src: 1, dst: 2 }, { kind: 'set-icmp', type: 0, code: 0 }, out('vmA'),
  ]), resolver);
  assert.equal(formatActions(a), '3,pop_vlan,push_vlan(vid=5,pcp=0),set(udp(src=1,dst=2)),set(icmp(type=0,code=0)),3');
});

test('drops, unknown ports and userspace-only edits', () => {
  for (const v of ['drop', 'short-drop', 'error-drop', 'consumed', 'not-yet'] as const) {
    assert.deepEqual(translateActions(result([out('vmA')], v), resolver), [], v);
  }
  const stats: TranslateStats = { unresolvedOutputs: 0 };
  const a = translateActions(result([{ kind: 'set-icmp-data', data: new Uint8Array(4) }, out('nowhere'), out('vmA')]), resolver, stats);
  assert.equal(formatActions(a), '3');
  assert.equal(stats.unresolvedOutputs, 1);
  assert.equal(formatActions(translateActions(result([out('nowhere')]), resolver)), 'drop');
});

test('flowSpecFor: no flow for userspace-only, consumed and not-yet results; a drop result is an empty-action flow', () => {
  assert.equal(flowSpecFor({ ...result([out('vmA')]), userspaceOnly: true }, resolver), null);
  assert.equal(flowSpecFor(result([], 'consumed'), resolver), null);
  assert.equal(flowSpecFor(result([], 'not-yet'), resolver), null);
  assert.equal(flowSpecFor(result([out('vmA')], 'userspace'), resolver), null);
  const drop = flowSpecFor(result([], 'drop'), resolver);
  assert.ok(drop);
  assert.deepEqual(drop.actions, []);
});

test('encodeFlowSpec writes KEY, MASK and an ACTIONS container (even empty); mask forced by the IPv4 SET', () => {
  const m = match();
  void m.nwDst;
  const spec = flowSpecFor(result([{ kind: 'set-ipv4', src: 1, dst: 2, proto: 6, tos: 0, ttl: 63, frag: 1 }, out('vmA')], 'forward', m), resolver);
  assert.ok(spec);
  const w = new NlWriter();
  encodeFlowSpec(w, spec);
  const r = parseAttrs(w.buf, 0, w.length, {
    1: { name: 'key', kind: 'nested' }, 2: { name: 'actions', kind: 'nested' }, 7: { name: 'mask', kind: 'nested' },
  } as const);
  assert.ok(r.ok);
  if (!r.ok) return;
  const key = decodeKeyAttrs(w.buf, r.value.key.off, r.value.key.len);
  const mask = decodeKeyAttrs(w.buf, r.value.mask.off, r.value.mask.len);
  const acts = decodeActions(w.buf, r.value.actions.off, r.value.actions.len);
  assert.ok(key.ok && mask.ok && acts.ok);
  if (key.ok && mask.ok) assert.equal(formatKeyList(key.value, mask.value), 'in_port(1),eth(),eth_type(0x0800),ipv4(dst=10.0.0.2,proto=6,frag=first)');
  const empty = new NlWriter();
  encodeFlowSpec(empty, { match: m, actions: [] }, false);
  const e = parseAttrs(empty.buf, 0, empty.length, { 2: { name: 'actions', kind: 'nested' }, 7: { name: 'mask', kind: 'nested', optional: true } } as const);
  assert.ok(e.ok);
  if (e.ok) {
    assert.equal(e.value.actions.len, 0);
    assert.equal(e.value.mask, undefined, 'no megaflow support: no mask');
  }
});
