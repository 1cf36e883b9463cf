import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TopologyBuilder, LOCAL_HOST, REMOTE_HOST } from '../../../support/topology-builder.js';
import { buildTopology } from '../../../../simulation/topology/build.js';
import { emptyTopologyObjects, type TopologyObjects } from '../../../../simulation/topology/objects.js';
import { parseIpv4, parseMac } from '../../../../simulation/packet/addr.js';

test('bridge: flood set is the exterior ports, interior router links are not flooded', () => {
  const b = new TopologyBuilder();
  const br = b.bridge('br');
  const r = b.router('r');
  const p1 = b.bridgePort(br, { host: LOCAL_HOST });
  const p2 = b.bridgePort(br, { host: REMOTE_HOST });
  const { bridgePort, routerPort } = b.connect(br, r, '10.0.0.1/24', '02:0a:00:00:00:01');
  const topo = b.build();
  const bridge = topo.bridge(br)!;
  assert.deepEqual([...bridge.exteriorPorts].sort(), [p1, p2].sort());
  assert.ok(bridge.portIds.includes(bridgePort));
  assert.equal(bridge.routerMacToPort.get(parseMac('02:0a:00:00:00:01')!), bridgePort);
  assert.equal(bridge.routerIpToMac.get(parseIpv4('10.0.0.1')!), parseMac('02:0a:00:00:00:01'));
  assert.equal(bridge.routerIpToPort.get(parseIpv4('10.0.0.1')!), bridgePort);
  const rp = topo.port(routerPort)!;
  assert.equal(rp.kind, 'router');
  if (rp.kind === 'router') {
    assert.equal(rp.address, parseIpv4('10.0.0.1'));
    assert.equal(rp.subnet?.prefixLen, 24);
  }
});

test('router: routes via unplugged or inactive exterior ports are not published', () => {
  const b = new TopologyBuilder();
  const r = b.router('r');
  const interior = b.routerPort(r, '10.0.0.1/24');
  const peer = b.bridgePort(b.bridge());
  b.link(interior, peer);
  const unplugged = b.routerPort(r, '10.0.1.1/24');
  const exterior = b.routerPort(r, '10.0.2.1/24', { host: LOCAL_HOST, iface: 'eth1' });
  const inactive = b.routerPort(r, '10.0.3.1/24', { host: LOCAL_HOST, iface: 'eth2' });
  const topo = b.build({ portState: { active: (id) => id !== inactive } });
  const routes = topo.router(r)!.routes;
  const viaPort = (id: string) => routes.filter((x) => x.nextHopPortId === id).length;
  assert.equal(viaPort(interior), 2, 'interior port publishes LOCAL and subnet routes');
  assert.equal(viaPort(unplugged), 0);
  assert.equal(viaPort(exterior), 2);
  assert.equal(viaPort(inactive), 0);
});

test('route gateway 255.255.255.255 means no gateway; IPv6 routes are ignored', () => {
  const b = new TopologyBuilder();
  const r = b.router('r');
  const p = b.routerPort(r, '10.0.0.1/24', { host: LOCAL_HOST, iface: 'x' });
  b.route(r, { dst_subnet: '0.0.0.0/0', next_hop: 'PORT', next_hop_port_id: p, next_hop_gateway: '255.255.255.255' });
  b.route(r, { dst_subnet: '::/0', src_subnet: '::/0', next_hop: 'PORT', next_hop_port_id: p });
  const routes = b.build().router(r)!.routes;
  assert.equal(routes.length, 3);
  assert.ok(routes.every((x) => x.gateway === 0));
});

test('chain: rule_ids order first, then rules naming the chain; invalid rules reported and left out', () => {
  const objs: TopologyObjects = {
    ...emptyTopologyObjects(),
    chains: [{ id: 'c', rule_ids: ['r2', 'r1'] }],
    rules: [
      { id: 'r1', chain_id: 'c', type: 'LITERAL_RULE', action: 'ACCEPT' },
      { id: 'r2', chain_id: 'c', type: 'LITERAL_RULE', action: 'DROP' },
      { id: 'r3', chain_id: 'c', type: 'JUMP_RULE', action: 'ACCEPT' },
      { id: 'r4', chain_id: 'c', type: 'NAT_RULE', action: 'ACCEPT', nat_rule_data: { dnat: true } },
      { id: 'r5', chain_id: 'c', type: 'LITERAL_RULE', action: 'REJECT', condition: { nw_src_ip: '10.0.0.0/99' } },
    ],
  };
  const { snapshot, diagnostics } = buildTopology(objs);
  const chain = snapshot.chain('c')!;
  assert.deepEqual(chain.rules.map((r) => r.id), ['r2', 'r1', 'r5']);
  const bad = diagnostics.items.map((d) => `${d.id}`);
  assert.ok(bad.includes('r3') && bad.includes('r4') && bad.includes('r5'), JSON.stringify(diagnostics.items));
  assert.equal(chain.rules[2]!.condition.nwSrcIp, null, 'unparsable term dropped');
});

test('condition defaults: fragment policy UNFRAGMENTED, MAC masks all ones', () => {
  const objs: TopologyObjects = {
    ...emptyTopologyObjects(),
    chains: [{ id: 'c' }],
    rules: [{ id: 'r', chain_id: 'c', type: 'LITERAL_RULE', action: 'ACCEPT', condition: { dl_src: '02:00:00:00:00:01' } }],
  };
  const c = buildTopology(objs).snapshot.chain('c')!.rules[0]!.condition;
  assert.equal(c.fragmentPolicy, 'UNFRAGMENTED');
  assert.equal(c.dlSrcMask, 0xffffffffffff);
  assert.equal(c.dlSrc, 0x020000000001);
  assert.equal(c.nwDstIp, null);
});

test('NAT rules: static when no target has ports, dynamic otherwise', () => {
  const b = new TopologyBuilder();
  const c = b.chain('c');
  const fip = b.rule(c, {
    type: 'NAT_RULE',
    action: 'ACCEPT',
    nat_rule_data: { dnat: true, nat_targets: [{ nw_start: '10.0.0.5', nw_end: '10.0.0.5' }] },
  });
  const snat = b.rule(c, {
    type: 'NAT_RULE',
    action: 'ACCEPT',
    nat_rule_data: { dnat: false, nat_targets: [{ nw_start: '1.1.1.1', nw_end: '1.1.1.1', tp_start: 1024, tp_end: 65535 }] },
  });
  const rules = b.build().chain(c)!.rules;
  const byId = new Map(rules.map((r) => [r.id, r]));
  const f = byId.get(fip)!;
  const s = byId.get(snat)!;
  assert.ok(f.kind === 'nat' && !f.dynamic && f.dnat);
  assert.ok(s.kind === 'nat' && s.dynamic && !s.dnat && s.targets[0]!.tpEnd === 65535);
});

test('load balancer, pools, members and VIPs are linked from both sides', () => {
  const b = new TopologyBuilder();
  const r = b.router('r');
  const lb = b.loadBalancer(r);
  const pool = b.pool(lb, { session_persistence: 'SOURCE_IP' });
  b.poolMember(pool, '10.0.0.10', 80, { weight: 3 });
  b.poolMember(pool, '10.0.0.11', 80, { admin_state_up: false });
  b.vip(pool, '192.0.2.10', 80);
  const topo = b.build();
  assert.equal(topo.router(r)!.loadBalancerId, lb);
  assert.deepEqual(topo.loadBalancer(lb)!.poolIds, [pool]);
  const p = topo.pool(pool)!;
  assert.equal(p.members.length, 2);
  assert.equal(p.members[0]!.weight, 3);
  assert.equal(p.members[1]!.adminUp, false);
  assert.equal(p.vips[0]!.sticky, true);
});

test('a port with neither network nor router is reported, the rest builds', () => {
  const objs: TopologyObjects = {
    ...emptyTopologyObjects(),
    ports: [{ id: 'p1' }, { id: 'p2', network_id: 'n' }],
    networks: [{ id: 'n' }],
  };
  const { snapshot, diagnostics } = buildTopology(objs);
  assert.equal(snapshot.port('p1'), null);
  assert.notEqual(snapshot.port('p2'), null);
  assert.equal(diagnostics.items[0]!.id, 'p1');
});
