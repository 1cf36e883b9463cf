import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LOCAL_HOST, TopologyBuilder } from '../../../support/topology-builder.js';
import { MA, MB, MC, kinds, outputs, runner, udp } from './l2-fixture.js';

/** Bridge with exterior ports a, b and a mirror destination port m (an analyzer). */
function lan() {
  const b = new TopologyBuilder();
  const br = b.bridge('br');
  const pa = b.bridgePort(br, { host: LOCAL_HOST });
  const pb = b.bridgePort(br, { host: LOCAL_HOST });
  const an = b.bridge('analyzer');
  const m = b.bridgePort(an, { host: LOCAL_HOST });
  return { b, br, pa, pb, m };
}

function dropAll(b: TopologyBuilder): string {
  const ch = b.chain();
  b.rule(ch, { action: 'DROP', condition: {} });
  return ch;
}

test('pre-in-filter mirrors copy packets the inbound filter drops', () => {
  const t = lan();
  const mir = t.b.mirror(t.m);
  t.b.port(t.pa).inbound_mirror_ids = [mir];
  t.b.port(t.pa).inbound_filter_id = dropAll(t.b);
  const r = runner(t.b.build()).run(t.pa, udp(MA, MB));
  assert.equal(r.verdict, 'forward');
  assert.deepEqual(outputs(r), [t.m]);
  assert.ok(r.tags.includes(mir));
});

test('post-in-filter mirrors do not see packets the filter drops', () => {
  const t = lan();
  const mir = t.b.mirror(t.m);
  t.b.port(t.pa).post_in_filter_mirror_ids = [mir];
  t.b.port(t.pa).inbound_filter_id = dropAll(t.b);
  const r = runner(t.b.build()).run(t.pa, udp(MA, MB));
  assert.equal(r.verdict, 'drop');
  // Accepted packets are mirrored, copy first.
  const t2 = lan();
  t2.b.port(t2.pa).post_in_filter_mirror_ids = [t2.b.mirror(t2.m)];
  const r2 = runner(t2.b.build()).run(t2.pa, udp(MA, MB));
  assert.deepEqual(outputs(r2), [t2.m, t2.pb]);
});

test('pre-out mirrors precede the outbound filter, post-out mirrors follow it', () => {
  const t = lan();
  const pre = t.b.mirror(t.m);
  t.b.port(t.pb).pre_out_filter_mirror_ids = [pre];
  t.b.port(t.pb).outbound_filter_id = dropAll(t.b);
  const r = runner(t.b.build()).run(t.pa, udp(MA, MB));
  assert.deepEqual(outputs(r), [t.m]);

  const t2 = lan();
  t2.b.port(t2.pb).outbound_mirror_ids = [t2.b.mirror(t2.m)];
  t2.b.port(t2.pb).outbound_filter_id = dropAll(t2.b);
  const r2 = runner(t2.b.build()).run(t2.pa, udp(MA, MB));
  assert.equal(r2.verdict, 'drop');
  assert.deepEqual(outputs(r2), []);
});

test('the copy carries the headers of the mirroring point (DSCP already marked)', () => {
  const t = lan();
  t.b.port(t.pa).qos_policy_id = t.b.qosPolicy(8);
  t.b.port(t.pa).inbound_mirror_ids = [t.b.mirror(t.m)];
  const r = runner(t.b.build()).run(t.pa, udp(MA, MB, { tos: 0 }));
  assert.deepEqual(kinds(r), ['set-ipv4', `output:${t.m}`, `output:${t.pb}`]);
  const set = r.actions[0];
  assert.ok(set?.kind === 'set-ipv4' && set.tos === 8 << 2);
});

test('a mirror whose conditions do not match copies nothing but is traversed', () => {
  const t = lan();
  const mir = t.b.mirror(t.m, [{ dl_src: MC }, { dl_dst: MC }]);
  t.b.port(t.pa).inbound_mirror_ids = [mir];
  const r = runner(t.b.build()).run(t.pa, udp(MA, MB));
  assert.deepEqual(outputs(r), [t.pb]);
  assert.ok(r.tags.includes(mir));
  // Second condition (OR) matches.
  const r2 = runner(t.b.build()).run(t.pa, udp(MA, MC));
  assert.deepEqual(outputs(r2), [t.m, t.pb]);
});

test('several mirrors: the last matching one is copied first', () => {
  const t = lan();
  const an2 = t.b.bridge();
  const m2 = t.b.bridgePort(an2, { host: LOCAL_HOST });
  t.b.port(t.pa).inbound_mirror_ids = [t.b.mirror(t.m), t.b.mirror(m2)];
  const r = runner(t.b.build()).run(t.pa, udp(MA, MB));
  assert.deepEqual(outputs(r), [m2, t.m, t.pb]);
});

test('a mirror copy sent back into a mirrored port loops to an ErrorDrop', () => {
  const b = new TopologyBuilder();
  const br = b.bridge();
  const pa = b.bridgePort(br, { host: LOCAL_HOST });
  b.bridgePort(br, { host: LOCAL_HOST });
  const x1 = b.bridgePort(br);
  const x2 = b.bridgePort(br);
  b.link(x1, x2);
  const mir = b.mirror(x1);
  b.port(pa).inbound_mirror_ids = [mir];
  b.port(x2).inbound_mirror_ids = [mir];
  const r = runner(b.build()).run(pa, udp(MA, MB));
  assert.equal(r.verdict, 'error-drop');
  assert.equal(r.reason, 'too-many-devices');
});

test('bridge mirrors: inbound always, outbound only when the outbound chain accepts', () => {
  const t = lan();
  const inMir = t.b.mirror(t.m);
  t.b.network(t.br).inbound_mirror_ids = [inMir];
  t.b.network(t.br).inbound_filter_id = dropAll(t.b);
  const r = runner(t.b.build()).run(t.pa, udp(MA, MB));
  assert.deepEqual(outputs(r), [t.m]);

  const t2 = lan();
  t2.b.network(t2.br).outbound_mirror_ids = [t2.b.mirror(t2.m)];
  const { run } = runner(t2.b.build());
  assert.deepEqual(outputs(run(t2.pa, udp(MA, MB))), [t2.m, t2.pb]);
  t2.b.network(t2.br).outbound_filter_id = dropAll(t2.b);
  assert.deepEqual(outputs(runner(t2.b.build()).run(t2.pa, udp(MA, MB))), []);
});
