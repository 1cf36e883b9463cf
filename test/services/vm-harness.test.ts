/**
 * The test VM harness from the host: runInVm boots the guest with the real openvswitch module,
 * runs a script from the caller's directory, and returns its status and both output streams.
 * Fails (never skips) when the guest cannot boot.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runInVm } from '../support/vm.js';
import { repoRoot } from '../support/paths.js';

test('runInVm: real openvswitch.ko, host files at the same paths, status and streams returned', async () => {
  const r = await runInVm([
    'modprobe -a openvswitch vxlan veth',
    'lsmod | grep -E "^(openvswitch|vxlan|veth) " | cut -d" " -f1 | sort | tr "\\n" " "; echo',
    'ovs-dpctl add-dp vmcheck && ovs-dpctl show vmcheck | head -n1',
    'pwd; test -f package.json && echo host-files-visible',
    'echo to-stderr >&2',
    'exit 7',
  ].join('\n'), { timeoutSec: 300, cwd: repoRoot });
  assert.notEqual(r.rc, 125, `the guest did not boot:\n${r.stderr}`);
  assert.equal(r.rc, 7);
  const lines = r.stdout.split('\n');
  assert.equal(lines[0], 'openvswitch veth vxlan ');
  assert.equal(lines[1], 'system@vmcheck:');
  assert.equal(lines[2], repoRoot);
  assert.equal(lines[3], 'host-files-visible');
  assert.match(r.stderr, /to-stderr/);
});
