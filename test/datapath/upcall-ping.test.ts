/**
 * The packet path end to end on the real module: two namespaces joined through the datapath by
 * veths. Nothing is pre-installed, so the first ARP misses and arrives as an upcall on the
 * ingress vport's own socket with its key decoded into a FlowMatch; the test (standing in for the
 * simulation) executes it to the other port and installs a megaflow; then ping succeeds and the
 * flow, datapath and vport counters move.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DpifNetlink } from '../../agent/datapath/dpif-netlink.js';
import type { Upcall } from '../../agent/datapath/dpif.js';
import { actionsFromRecords, flowPutFromMatch } from '../../agent/datapath/dpif-flow-spec.js';
import { output } from '../../agent/datapath/odp-actions.js';
import { Fitness } from '../../agent/datapath/odp-types.js';
import { EtherType, Field } from '../../simulation/packet/flow-match.js';
import { requireGuest } from '../support/vm.js';
import { makeVethPair, removeNetns, shAsync } from '../support/guest.js';

const DP = 'mmtest-ping';
let dp: DpifNetlink;
const ip = (s: string): number => s.split('.').reduce((a, o) => a * 256 + Number(o), 0);

before(() => {
  requireGuest();
  makeVethPair('mmp');
  dp = DpifNetlink.open(DP, { mode: 'recreate' });
});

after(() => {
  dp?.destroy();
  removeNetns('mmpa', 'mmpb');
});

test('a miss is an upcall with the right FlowMatch; execute + install make ping work', async () => {
  const a = dp.createVport({ name: 'mmp1', type: 'netdev' });
  const b = dp.createVport({ name: 'mmp2', type: 'netdev' });
  const peer = new Map([[a.portNo, b.portNo], [b.portNo, a.portNo]]);
  const seen: { portNo: number; inPort: number; etherType: number; nwDst: number; fitness: string }[] = [];

  dp.onUpcall((u: Upcall) => {
    const m = u.match;
    seen.push({ portNo: u.portNo, inPort: m.peek(Field.IN_PORT), etherType: m.peek(Field.ETHER_TYPE), nwDst: m.peek(Field.NW_DST), fitness: u.fitness });
    const out = peer.get(u.portNo);
    if (out === undefined || u.reason !== 'miss') return;
    const actions = [output(out)];
    // Execute with the kernel's own key, then install a megaflow: the "simulation" read only
    // the ingress port and the ethertype, so everything else is wildcarded.
    dp.execute(u.buf.subarray(u.key.off, u.key.off + u.key.len), actionsFromRecords(actions), u.buf.subarray(u.packet.off, u.packet.off + u.packet.len));
    void m.inPort;
    void m.etherType;
    dp.putFlow(flowPutFromMatch(m, actions));
  });

  const r = await shAsync('ip netns exec mmpa ping -c 3 -i 0.2 -W 2 10.0.0.2');
  dp.drainOutput();
  assert.equal(r.status, 0, `ping failed:\n${r.out}`);
  assert.match(r.out, /3 received/);

  const arp = seen.find((s) => s.etherType === EtherType.ARP && s.portNo === a.portNo);
  assert.ok(arp !== undefined, `an ARP upcall from port ${a.portNo}: ${JSON.stringify(seen)}`);
  assert.equal(arp.inPort, a.portNo, 'the key names the ingress vport');
  assert.equal(arp.nwDst, ip('10.0.0.2'), 'ARP target in nwDst');
  assert.notEqual(arp.fitness, Fitness.ERROR);
  assert.ok(seen.some((s) => s.portNo === b.portNo), 'the reply direction missed on the other vport');
  assert.equal(dp.counters.flowPutErrors, 0);
  assert.equal(dp.counters.executeErrors, 0);

  const flows = dp.dumpFlows();
  assert.ok(flows.length >= 4, `ARP and IPv4 megaflows in both directions, got ${flows.length}`);
  assert.ok(flows.some((f) => f.packets > 0), 'installed flows were hit');
  const info = dp.info();
  assert.ok(info.stats.missed >= 2 && info.stats.hit > 0, JSON.stringify(info.stats));
  const va = dp.getVport({ portNo: a.portNo });
  assert.ok((va.stats?.rxPackets ?? 0) >= 3 && (va.stats?.txPackets ?? 0) >= 3, JSON.stringify(va.stats));
});
