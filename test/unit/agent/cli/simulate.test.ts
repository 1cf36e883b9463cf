import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { simulateCommand, type SimulateLine } from '../../../../agent/cli/simulate.js';
import { buildArpRequest, buildUdp } from '../../../../simulation/packet/build.js';
import { parseIpv4, parseMac } from '../../../../simulation/packet/addr.js';
import { repoRoot } from '../../../support/paths.js';

const TOPO = join(repoRoot, 'examples', 'two-tier', 'topology.json');
const VM1 = 'd0000000-0000-4000-8000-000000000001';
const VM2 = 'd0000000-0000-4000-8000-000000000002';
const VM3 = 'd0000000-0000-4000-8000-000000000003';
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const mac = (s: string) => parseMac(s)!;
const ip = (s: string) => parseIpv4(s)!;

async function run(packets: unknown[], extra: string[] = []): Promise<SimulateLine[]> {
  const dir = mkdtempSync(join(tmpdir(), 'mm-sim-'));
  const p = join(dir, 'packets.json');
  writeFileSync(p, JSON.stringify(packets));
  const lines: string[] = [];
  const rc = await simulateCommand(['--topology', TOPO, '--packets', p, ...extra], (l) => lines.push(l));
  assert.equal(rc, 0);
  return lines.map((l) => JSON.parse(l) as SimulateLine);
}

test('one JSON line per frame, in order, with state carried between frames', async () => {
  const toVm3 = buildUdp({ ethSrc: mac('fa:16:3e:00:00:01'), ethDst: mac('fa:16:3e:00:00:03'), ipSrc: ip('10.0.0.10'), ipDst: ip('10.0.0.12'), srcPort: 5000, dstPort: 6000, payload: new Uint8Array(10) });
  const back = buildUdp({ ethSrc: mac('fa:16:3e:00:00:03'), ethDst: mac('fa:16:3e:00:00:01'), ipSrc: ip('10.0.0.12'), ipDst: ip('10.0.0.10'), srcPort: 6000, dstPort: 5000, payload: new Uint8Array(10) });
  const lines = await run([
    { port: VM1, frame: hex(toVm3) },
    { port: VM3, frame: hex(back), at: 1.5 },
    { port: VM1, frame: hex(toVm3), at: 2 },
  ]);
  assert.deepEqual(lines.map((l) => l.index), [0, 1, 2]);
  // vm3's MAC is unknown at first: flooded to vm2 (remote, tunnel) and vm3.
  assert.equal(lines[0]!.result, 'forward');
  assert.deepEqual(lines[0]!.egress.map((e) => e.port).sort(), [VM2, VM3].sort());
  assert.match(lines[0]!.flow, /set\(tunnel\(tun_id=0x2,src=192\.168\.100\.11,dst=192\.168\.100\.12/);
  // vm1 was learned from frame 0: the reply is unicast.
  assert.deepEqual(lines[1]!.egress.map((e) => e.port), [VM1]);
  assert.equal(lines[1]!.egress[0]!.frame, hex(back), 'bridging rewrites nothing');
  // and now vm3 is known too.
  assert.deepEqual(lines[2]!.egress.map((e) => e.port), [VM3]);
  assert.match(lines[2]!.flow, /^in_port\(4\),eth\(src=fa:16:3e:00:00:01,dst=fa:16:3e:00:00:03\)/);
  assert.match(lines[2]!.flow, /ipv4\(src=10\.0\.0\.10,dst=10\.0\.0\.12,proto=17,frag=no\),udp\(src=5000,dst=6000\)/, "conntrack read the 5-tuple");
  assert.match(lines[2]!.flow, /actions:5$/);
});

test('ARP for the gateway is answered by the bridge: consumed, a generated reply', async () => {
  const [l] = await run([{ port: VM1, frame: hex(buildArpRequest(mac('fa:16:3e:00:00:01'), ip('10.0.0.10'), ip('10.0.0.1'))) }]);
  assert.equal(l!.result, 'consumed');
  assert.equal(l!.generated.length, 1);
  assert.equal(l!.generated[0]!.port, VM1);
  assert.ok(l!.generated[0]!.frame.startsWith('fa163e00000102000a000001' + '0806'));
  assert.equal(l!.flow, '');
});

test('--host changes which ports are local', async () => {
  const toVm2 = buildUdp({ ethSrc: mac('fa:16:3e:00:00:01'), ethDst: mac('fa:16:3e:00:00:02'), ipSrc: ip('10.0.0.10'), ipDst: ip('10.0.0.11'), srcPort: 1, dstPort: 2, payload: new Uint8Array(4) });
  const [l] = await run([{ port: VM1, frame: hex(toVm2) }], ['--host', 'a0000000-0000-4000-8000-000000000002']);
  // Seen from host 2, vm2 is local (first bound port there: dp port 4) and vm3 is remote.
  assert.match(l!.flow, /actions:.*4/);
  assert.match(l!.flow, /tun_id=0x3,src=192\.168\.100\.12,dst=192\.168\.100\.11/);
});

test('a malformed frame is a drop with a reason', async () => {
  const [l] = await run([{ port: VM1, frame: '0011223344' }]);
  assert.equal(l!.result, 'drop');
  assert.equal(l!.reason, 'eth-truncated');
});

test('bad input files: one clear line on stderr, exit 2, no stack trace', () => {
  const cli = join(repoRoot, 'dist', 'agent', 'cli', 'midolman.js');
  const dir = mkdtempSync(join(tmpdir(), 'mm-sim-'));
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ ports: [{ id: 'd0000000-0000-4000-8000-000000000001', port_subnet: ['10.0.0.0'] }] }));
  const r = spawnSync(process.execPath, [cli, 'simulate', '--topology', bad, '--packets', bad], { encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /bad\.json: ports\[0\].*port_subnet\[0\]/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  const badPackets = join(dir, 'p.json');
  writeFileSync(badPackets, JSON.stringify([{ port: 'nope', frame: 'zz' }]));
  const r2 = spawnSync(process.execPath, [cli, 'simulate', '--topology', TOPO, '--packets', badPackets], { encoding: 'utf8' });
  assert.equal(r2.status, 2);
  assert.match(r2.stderr, /p\.json: packet 0: "port" must be a UUID/);
});
