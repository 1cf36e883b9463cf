/**
 * mm-dpctl end to end in the VM: datapath, interface and flow sub-commands, with ovs-dpctl as
 * the oracle, and exit status 1 naming the op when the kernel refuses.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { requireGuest } from '../support/vm.js';
import { dpctlPorts, sh, shStatus } from '../support/guest.js';
import { repoRoot } from '../support/paths.js';

const CLI = `node ${join(repoRoot, 'dist', 'agent', 'cli', 'mm-dpctl.js')}`;
const DP = 'mmtest-cli';

before(() => {
  requireGuest();
  sh('ip link add mmc0 type veth peer name mmc1 && ip link set mmc0 up && ip link set mmc1 up');
});

after(() => {
  shStatus(`ovs-dpctl del-dp ${DP}`);
  shStatus('ip link del mmc0');
});

test('datapath, interface and flows sub-commands agree with ovs-dpctl', () => {
  assert.match(sh(`${CLI} datapath --add ${DP}`), /Created datapath mmtest-cli/);
  assert.match(sh(`${CLI} datapath --list`), new RegExp(`\\t${DP}\\n`));
  assert.match(sh(`${CLI} interface --add mmc0 ${DP}`), /Added port #1 'mmc0'/);
  assert.match(sh(`${CLI} interface --add mmc1 ${DP}`), /Added port #2 'mmc1'/);
  assert.equal(dpctlPorts(DP).get(2)?.name, 'mmc1');

  const flow = 'in_port(1),eth(),eth_type(0x0806),arp(), actions:2';
  assert.match(sh(`${CLI} flows --datapath ${DP} --add '${flow}'`), /flow installed/);
  assert.match(sh(`${CLI} flows --datapath ${DP} --add '${flow}'`), /already installed/);
  const dump = sh(`${CLI} datapath --dump ${DP}`).split('\n');
  assert.equal(dump[0], '1 flows');
  const strip = (l: string): string => l.replace(/, packets:\d+, bytes:\d+(?:, used:[^,]+)?(?:, flags:[^,]*)?/, '');
  assert.equal(strip(dump[1]!), strip(sh(`ovs-dpctl dump-flows ${DP} 2>/dev/null`).trim()));
  // arp() with an all-zero mask is wildcarded away: the kernel keeps no ARP mask, as ovs-dpctl shows.
  assert.equal(strip(dump[1]!), 'in_port(1),eth(),eth_type(0x0806), actions:2');

  const show = sh(`${CLI} datapath --show ${DP}`);
  assert.match(show, /Datapath name {3}: mmtest-cli/);
  assert.match(show, /Supports megaflows: yes/);
  assert.match(show, /Port #1 'mmc0' netdev/);

  assert.match(sh(`${CLI} flows --datapath ${DP} --delete 'in_port(1),eth(),eth_type(0x0806),arp()'`), /flow deleted: packets:0/);
  assert.equal(sh(`ovs-dpctl dump-flows ${DP} 2>/dev/null`).trim(), '');
  assert.match(sh(`${CLI} interface --delete mmc1 ${DP}`), /Deleted port #2/);
  assert.ok(!dpctlPorts(DP).has(2));
});

test('kernel refusals exit 1 with the code and op; bad usage exits 2', () => {
  const dup = shStatus(`${CLI} interface --add mmc0 ${DP}`);
  assert.equal(dup.status, 1);
  assert.match(dup.out, /vport-create failed: EEXIST/);
  const missing = shStatus(`${CLI} datapath --show mmtest-nothere`);
  assert.equal(missing.status, 1);
  assert.match(missing.out, /dp-get failed: ENODEV/);
  assert.equal(shStatus(`${CLI} frobnicate`).status, 2);
  assert.equal(shStatus(`${CLI} datapath --delete ${DP}`).status, 0);
  assert.equal(shStatus(`ovs-dpctl show ${DP}`).status !== 0, true);
});
