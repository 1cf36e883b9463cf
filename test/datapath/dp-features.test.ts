/**
 * ovs-dpctl 3.x switches a datapath it opens to per-CPU upcall dispatch, after
 * which the agent's per-vport upcall sockets receive nothing. The agent's
 * feature guard notices and sets MidoNet's features back.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DpifNetlink } from '../../agent/datapath/dpif-netlink.js';
import { DatapathFeatureGuard } from '../../agent/datapath/dp-features.js';
import { MIDONET_DP_FEATURES } from '../../agent/datapath/genl-datapath.js';
import { requireGuest } from '../support/vm.js';
import { sh } from '../support/guest.js';

const DP = 'mmtest-feat';
let dp: DpifNetlink;
let guard: DatapathFeatureGuard;

before(() => {
  requireGuest();
  dp = DpifNetlink.open(DP, { mode: 'recreate' });
  guard = new DatapathFeatureGuard(DP);
});
after(() => {
  guard?.close();
  dp?.destroy();
});

test('features changed by ovs-dpctl are restored by the guard', () => {
  assert.equal(guard.features(), MIDONET_DP_FEATURES, 'created with unaligned only');
  assert.equal(guard.check(), false, 'nothing to do');
  sh(`ovs-dpctl show ${DP} >/dev/null 2>&1 || true`);
  const changed = guard.features();
  assert.notEqual(changed, MIDONET_DP_FEATURES, `ovs-dpctl changed the features (now ${changed})`);
  assert.equal(guard.check(), true);
  assert.equal(guard.features(), MIDONET_DP_FEATURES);
  assert.equal(guard.resets, 1);
});
