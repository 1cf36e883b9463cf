/**
 * An upcall burst bigger than the vport socket's receive buffer: the kernel drops what does not
 * fit and counts it in the datapath's n_lost; the dpif reports those losses (losses()) and what
 * it did receive, so an overflow is never silent.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DpifNetlink } from '../../agent/datapath/dpif-netlink.js';
import { requireGuest } from '../support/vm.js';
import { makeVethPair, removeNetns, sh, sleep } from '../support/guest.js';

const DP = 'mmtest-loss';
const BURST = 3000;
let dp: DpifNetlink;

before(() => {
  requireGuest();
  makeVethPair('mml');
  // A small buffer (the kernel doubles it and enforces a minimum) so the burst cannot fit.
  dp = DpifNetlink.open(DP, { mode: 'recreate', upcallRcvbuf: 16384 });
});

after(() => {
  dp?.destroy();
  removeNetns('mmla', 'mmlb');
});

test('a burst overflowing the upcall socket is counted as losses', async () => {
  const port = dp.createVport({ name: 'mml1', type: 'netdev' });
  let received = 0;
  dp.onUpcall((u) => { if (u.portNo === port.portNo) received++; });
  // Distinct source MACs, an experimental ethertype; sent while this process is blocked in
  // execFileSync, so nothing drains the socket during the burst.
  sh(`ip netns exec mmla python3 -c "
import socket, struct
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(('eth0', 0))
for i in range(${BURST}):
    s.send(b'\\x02\\x00\\x00\\x00\\x00\\x02' + struct.pack('>IH', 0x02000001, i) + b'\\x88\\xb5' + bytes(46))
"`);
  await sleep(500); // let the poller drain what was queued
  const st = dp.info().stats;
  assert.ok(received > 0, 'some upcalls arrived');
  assert.ok(st.lost > 0, `kernel counted lost upcalls: ${JSON.stringify(st)}`);
  assert.equal(dp.losses(), st.lost + dp.counters.upcallOverflows);
  assert.equal(received, dp.counters.upcalls);
  assert.ok(received + st.lost <= BURST && received + st.lost >= BURST * 0.95,
    `received ${received} + lost ${st.lost} accounts for the burst of ${BURST}`);
});
