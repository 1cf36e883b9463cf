/**
 * Datapath and vport management against the real openvswitch module (inside the test VM):
 * create the datapath, every vport kind MidoNet uses, list them, and check that `ovs-dpctl show`
 * sees the same ports; errors come back as NetlinkError naming the operation.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DpifNetlink, GenlSession } from '../../agent/datapath/dpif-netlink.js';
import { NetlinkError } from '../../agent/datapath/netlink-error.js';
import { requireGuest } from '../support/vm.js';
import { dpctlPorts, sh } from '../support/guest.js';

const DP = 'mmtest-vports';
let dp: DpifNetlink;

before(() => {
  requireGuest();
  sh('ip link add mmv0 type veth peer name mmv1 && ip link set mmv0 up && ip link set mmv1 up');
  dp = DpifNetlink.open(DP, { mode: 'recreate' });
});

after(() => {
  dp?.destroy();
  sh('ip link del mmv0 2>/dev/null || true');
});

test('families resolve and the datapath is created with unaligned user features', () => {
  const info = dp.info();
  assert.equal(info.name, DP);
  assert.ok(info.ifindex > 0);
  assert.equal(info.userFeatures & 1, 1);
  assert.notEqual(info.megaflow, null, 'kernel reports MEGAFLOW_STATS');
  const s = new GenlSession();
  try {
    assert.ok(s.listDatapaths().some((d) => d.name === DP));
  } finally {
    s.close();
  }
});

test('every vport kind is created with its own upcall socket and ovs-dpctl agrees', () => {
  const made = [
    dp.createVport({ name: 'mmv0', type: 'netdev' }),
    dp.createVport({ name: 'mmint0', type: 'internal' }),
    dp.createVport({ name: 'tnvxlan-overlay', type: 'vxlan', dstPort: 6677 }),
    dp.createVport({ name: 'tnvxlan-vtep', type: 'vxlan', dstPort: 4789 }),
    dp.createVport({ name: 'tngre-overlay', type: 'gre' }),
  ];
  const pids = new Set(made.map((v) => v.upcallPid));
  assert.equal(pids.size, made.length, 'one upcall socket per vport');
  for (const v of made) assert.equal(v.upcallPid, dp.upcallPid(v.portNo));

  const listed = dp.listVports();
  const byName = new Map(listed.map((v) => [v.name, v]));
  assert.equal(byName.get(DP)?.portNo, 0);
  assert.equal(byName.get(DP)?.type, 'internal');
  assert.equal(byName.get('mmv0')?.type, 'netdev');
  assert.equal(byName.get('mmint0')?.type, 'internal');
  assert.equal(byName.get('tnvxlan-overlay')?.type, 'vxlan');
  assert.equal(byName.get('tnvxlan-overlay')?.dstPort, 6677);
  assert.equal(byName.get('tnvxlan-vtep')?.dstPort, 4789);
  assert.equal(byName.get('tngre-overlay')?.type, 'gre');

  const shown = dpctlPorts(DP);
  assert.deepEqual([...shown.keys()].sort((a, b) => a - b), listed.map((v) => v.portNo));
  for (const v of listed) assert.equal(shown.get(v.portNo)?.name, v.name);
  assert.match(shown.get(byName.get('tnvxlan-overlay')!.portNo)!.type, /^vxlan/);
  assert.match(shown.get(byName.get('tngre-overlay')!.portNo)!.type, /^gre/);
  // The compat VXLAN vports own their UDP sockets.
  const udp = sh('ss -Hlun');
  assert.match(udp, /:6677\b/);
  assert.match(udp, /:4789\b/);
});

test('deleting a vport removes it from the datapath', () => {
  const v = dp.getVport({ name: 'mmint0' });
  const gone = dp.deleteVport({ name: 'mmint0' });
  assert.equal(gone.portNo, v.portNo);
  assert.ok(!dp.listVports().some((p) => p.name === 'mmint0'));
  assert.ok(!dpctlPorts(DP).has(v.portNo));
});

test('netlink errors surface as typed errors naming the op', () => {
  assert.throws(() => dp.createVport({ name: 'mmv0', type: 'netdev' }),
    (e: unknown) => e instanceof NetlinkError && e.code === 'EEXIST' && e.op === 'vport-create');
  assert.throws(() => dp.getVport({ name: 'no-such-port' }),
    (e: unknown) => e instanceof NetlinkError && e.code === 'ENODEV' && e.op === 'vport-get');
  assert.throws(() => DpifNetlink.open('mmtest-absent', { mode: 'existing' }),
    (e: unknown) => e instanceof NetlinkError && e.code === 'ENODEV' && e.op === 'dp-get');
  assert.throws(() => dp.createVport({ name: 'no-such-netdev', type: 'netdev' }),
    (e: unknown) => e instanceof NetlinkError && e.op === 'vport-create' && e.errno > 0);
});
