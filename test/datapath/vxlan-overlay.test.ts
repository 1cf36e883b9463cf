/**
 * Two hosts over a VXLAN overlay, each with its own datapath (datapaths are per network
 * namespace): host namespaces mmhA/mmhB joined by a veth underlay 192.168.50.0/24, a "VM"
 * namespace behind each host's tap, and one dp-agent per host tunnelling with key 0x1234 on UDP
 * 6677 (tnvxlan-overlay). Ping between the VMs works, and tcpdump on the underlay sees VXLAN
 * on port 6677 with VNI 0x1234.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { requireGuest } from '../support/vm.js';
import { removeNetns, sh, shAsync, sleep, spawnSh } from '../support/guest.js';
import { repoRoot } from '../support/paths.js';

const KEY = 0x1234;
const agents: ChildProcess[] = [];

function setup(): void {
  const noV6 = (ns: string): string => `ip netns exec ${ns} sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1`;
  const cmds = ['sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1'];
  for (const ns of ['mmhA', 'mmhB', 'mmvA', 'mmvB']) cmds.push(`ip netns add ${ns}`, noV6(ns), `ip -n ${ns} link set lo up`);
  cmds.push(
    'ip link add uA netns mmhA type veth peer name uB netns mmhB',
    'ip -n mmhA addr add 192.168.50.1/24 dev uA', 'ip -n mmhB addr add 192.168.50.2/24 dev uB',
    'ip -n mmhA link set uA up', 'ip -n mmhB link set uB up',
    'ip link add tapA netns mmhA type veth peer name eth0 netns mmvA',
    'ip link add tapB netns mmhB type veth peer name eth0 netns mmvB',
    'ip -n mmvA addr add 10.0.0.1/24 dev eth0', 'ip -n mmvB addr add 10.0.0.2/24 dev eth0',
    'ip -n mmvA link set eth0 up', 'ip -n mmvB link set eth0 up',
    'ip -n mmhA link set tapA up', 'ip -n mmhB link set tapB up',
  );
  sh(cmds.join(' && '));
}

async function startAgent(host: string, tap: string, local: string, peer: string): Promise<ChildProcess> {
  const script = join(repoRoot, 'dist', 'test', 'support', 'dp-agent.js');
  const child = spawnSh(`exec ip netns exec ${host} node ${script} ${tap} ${KEY} ${local} ${peer} 6677`);
  agents.push(child);
  let out = '';
  child.stderr?.on('data', (b: Buffer) => { out += b.toString(); });
  const [chunk] = (await Promise.race([
    once(child.stdout!, 'data'),
    once(child, 'exit').then(() => { throw new Error(`dp-agent on ${host} exited: ${out}`); }),
  ])) as [Buffer];
  assert.match(chunk.toString(), /ready/);
  return child;
}

async function stopAgent(child: ChildProcess): Promise<Record<string, unknown>> {
  let out = '';
  child.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
  child.kill('SIGTERM');
  await once(child, 'exit');
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
}

before(() => {
  requireGuest();
  setup();
});

after(() => {
  for (const a of agents) if (a.exitCode === null) a.kill('SIGKILL');
  removeNetns('mmhA', 'mmhB', 'mmvA', 'mmvB');
});

test('ping between two hosts over the VXLAN overlay; the underlay carries VNI 0x1234 on UDP 6677', async () => {
  const a = await startAgent('mmhA', 'tapA', '192.168.50.1', '192.168.50.2');
  const b = await startAgent('mmhB', 'tapB', '192.168.50.2', '192.168.50.1');
  assert.match(sh('ip netns exec mmhA ss -Hlun'), /:6677\b/);

  const dump = spawnSh('exec ip netns exec mmhB tcpdump -l -nn -T vxlan -c 4 -i uB udp port 6677');
  let captured = '';
  dump.stdout!.on('data', (d: Buffer) => { captured += d.toString(); });
  await sleep(1500); // tcpdump needs a moment to attach under TCG; -T vxlan: 6677 is not 4789

  const r = await shAsync('ip netns exec mmvA ping -c 3 -i 0.3 -W 3 10.0.0.2');
  await Promise.race([once(dump, 'exit'), sleep(5000)]);
  if (dump.exitCode === null) dump.kill('SIGTERM');
  const sa = await stopAgent(a);
  const sb = await stopAgent(b);

  assert.equal(r.status, 0, `ping over the overlay failed:\n${r.out}\nagents: ${JSON.stringify([sa, sb])}`);
  assert.match(r.out, /3 received/);
  assert.match(captured, /192\.168\.50\.1\.\d+ > 192\.168\.50\.2\.6677: VXLAN.*vni 4660/, captured);
  assert.ok(Number(sa['fromLocal']) >= 1 && Number(sb['fromTunnel']) >= 1, JSON.stringify([sa, sb]));
  assert.equal(Number(sa['wrongKey']) + Number(sb['wrongKey']), 0);
});
