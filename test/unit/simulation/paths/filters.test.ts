/**
 * End-to-end filtering on a bridge: a 20-rule security-group chain using an IP
 * address group on a VM port, a bridge chain with an in-port-group condition,
 * and a traversed-device condition on a port's outbound chain.
 *
 *   vm1 10.0.0.1, vm2 10.0.0.2 (port group "quarantine"), vm3 10.0.0.3 ── B
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTcp, buildUdp } from '../../../../simulation/packet/build.js';
import { Field, IpProto } from '../../../../simulation/packet/flow-match.js';
import { SYN } from '../../../../simulation/packet/tcp.js';
import { ip, mac, PathRunner } from '../../../support/frames.js';
import { LOCAL_HOST, TopologyBuilder } from '../../../support/topology-builder.js';

const MAC = ['02:00:00:00:00:01', '02:00:00:00:00:02', '02:00:00:00:00:03'] as const;
const IP = ['10.0.0.1', '10.0.0.2', '10.0.0.3'] as const;

function lan() {
  const b = new TopologyBuilder();
  const br = b.bridge('B');
  const ports = [0, 1, 2].map((i) => b.bridgePort(br, { host: LOCAL_HOST, iface: `tap${i}` }));
  return { b, br, ports: ports as [string, string, string] };
}

function learnAll(run: PathRunner, ports: readonly string[]): void {
  // Each VM sends one frame to an unused MAC so the bridge learns it.
  ports.forEach((p, i) => run.send(p, buildUdp({ ethSrc: mac(MAC[i]!), ethDst: mac('02:00:00:00:00:99'), ipSrc: ip(IP[i]!), ipDst: ip('10.0.0.99'), srcPort: 1, dstPort: 1, payload: new Uint8Array(1) })));
}

function tcp(from: number, to: number, dport: number, src: string = IP[from]!): Uint8Array {
  return buildTcp({ ethSrc: mac(MAC[from]!), ethDst: mac(MAC[to]!), ipSrc: ip(src), ipDst: ip(IP[to]!), srcPort: 30000, dstPort: dport, flags: SYN });
}

test('a 20-rule security group with an IP address group: members in, listed ports in, the rest dropped', () => {
  const t = lan();
  const group = t.b.ipAddrGroup(['10.0.0.1', '10.0.0.7'], 'sg-members');
  const sg = t.b.chain('sg-to-vm3');
  // 18 port rules (none for 443), then the group rule, then DROP: 20 rules.
  for (let i = 0; i < 18; i++) {
    t.b.rule(sg, { action: 'ACCEPT', condition: { dl_type: 0x800, nw_proto: IpProto.TCP, tp_dst: { start: 8000 + i, end: 8000 + i }, fragment_policy: 'HEADER' } });
  }
  t.b.rule(sg, { action: 'ACCEPT', condition: { dl_type: 0x800, ip_addr_group_id_src: group, fragment_policy: 'ANY' } });
  t.b.rule(sg, { action: 'DROP', condition: { fragment_policy: 'ANY' } });
  t.b.port(t.ports[2]).outbound_filter_id = sg;
  const run = new PathRunner(t.b.build());
  learnAll(run, t.ports);

  const member = run.send(t.ports[0], tcp(0, 2, 443));
  assert.equal(member.r.verdict, 'forward');
  assert.deepEqual(member.r.actions, [{ kind: 'output', portId: t.ports[2] }]);
  assert.ok(member.r.origMatch.seen & Field.NW_SRC, 'the group rule read the source address');
  assert.ok(member.r.tags.includes(sg));

  const listed = run.send(t.ports[1], tcp(1, 2, 8017));
  assert.equal(listed.r.verdict, 'forward', 'rule 18 (port 8017) accepts a non-member');

  const other = run.send(t.ports[1], tcp(1, 2, 443));
  assert.equal(other.r.verdict, 'drop');
  assert.equal(other.r.reason, 'port-filter-drop');
  assert.deepEqual(other.r.actions, []);
  assert.ok(other.r.origMatch.seen & Field.DST_PORT, 'the drop flow matches on the port the rules read');
  // A spoofed member address from vm2 is let in: the group names addresses, not ports.
  assert.equal(run.send(t.ports[1], tcp(1, 2, 443, '10.0.0.7')).r.verdict, 'forward');
});

test('in_port_group on the bridge chain drops the quarantined ports; traversed_device drops what crossed vm1\'s port', () => {
  const t = lan();
  const pg = t.b.portGroup([t.ports[1]], false, 'quarantine');
  const bridgeIn = t.b.chain('bridge-in');
  t.b.rule(bridgeIn, { action: 'DROP', condition: { in_port_group_id: pg, fragment_policy: 'ANY' } });
  t.b.network(t.br).inbound_filter_id = bridgeIn;
  const toVm3 = t.b.chain('to-vm3');
  t.b.rule(toVm3, { action: 'DROP', condition: { traversed_device: t.ports[0], fragment_policy: 'ANY' } });
  t.b.port(t.ports[2]).outbound_filter_id = toVm3;
  const run = new PathRunner(t.b.build());
  learnAll(run, t.ports);

  const quarantined = run.send(t.ports[1], tcp(1, 2, 22));
  assert.equal(quarantined.r.verdict, 'drop');
  assert.equal(quarantined.r.reason, 'bridge-filter-drop');
  assert.ok(quarantined.r.effects.some((e) => e.kind === 'mac-learned' && e.mac === mac(MAC[1])), 'a bridge-chain drop still learns');

  const fromVm1 = run.send(t.ports[0], tcp(0, 2, 22));
  assert.equal(fromVm1.r.verdict, 'drop');
  assert.equal(fromVm1.r.reason, 'port-filter-drop');

  // vm3 → vm1 crosses neither: forwarded, and vm1 → vm2 passes vm3's chain untouched.
  assert.deepEqual(run.send(t.ports[2], tcp(2, 0, 22)).r.actions, [{ kind: 'output', portId: t.ports[0] }]);
  assert.deepEqual(run.send(t.ports[0], tcp(0, 1, 22)).r.actions, [{ kind: 'output', portId: t.ports[1] }]);
});
