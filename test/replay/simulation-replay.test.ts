/**
 * Replay through the simulation: every frame of every capture in
 * shared/captures/tcpdump enters the shipped two-tier example topology, from a
 * VM port and from the edge router's uplink, with state carried from frame to
 * frame (MACs, ARP, conntrack, NAT accumulate as they would on an agent). No
 * frame may make the simulation throw; each ends with a verdict, and the
 * verdict is consistent with the result (actions only when forwarding).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ethernetFrames, readCaptureFile } from '../../agent/capture/pcap.js';
import { loadTopologyFile } from '../../agent/topology-file/index.js';
import { LocalState } from '../../agent/state/local-state.js';
import { buildTopology } from '../../simulation/topology/build.js';
import { Simulator } from '../../simulation/simulator.js';
import type { Verdict } from '../../simulation/result.js';
import { capturesDir, repoRoot } from '../support/paths.js';
import { seededRandom } from '../support/memory-state.js';

const VM1_PORT = 'd0000000-0000-4000-8000-000000000001';
const UPLINK_PORT = 'f0000000-0000-4000-8000-000000000004';
const VERDICTS: ReadonlySet<Verdict> = new Set(['forward', 'drop', 'short-drop', 'error-drop', 'consumed', 'userspace', 'not-yet']);

test('replay: every captured frame through the example topology gets a verdict, nothing throws', async () => {
  const { objects, localHostId } = loadTopologyFile(join(repoRoot, 'examples', 'two-tier', 'topology.json'));
  const { snapshot, diagnostics } = buildTopology(objects, { localHostId: localHostId ?? null });
  assert.deepEqual(diagnostics.items, [], 'the example topology builds cleanly');
  const files = readdirSync(capturesDir).filter((f) => f.endsWith('.pcap') || f.endsWith('.pcapng'));
  assert.ok(files.length >= 280, `expected the tcpdump captures in ${capturesDir}, found ${files.length}`);

  const state = new LocalState();
  const sim = new Simulator(snapshot, state, { random: seededRandom(7) });
  const counts = new Map<string, number>();
  let frames = 0;
  let now = 0;
  for (const f of files) {
    const cap = await readCaptureFile(join(capturesDir, f));
    for (const fr of ethernetFrames(cap)) {
      for (const port of [VM1_PORT, UPLINK_PORT]) {
        now += 10;
        let verdict: Verdict;
        try {
          const r = sim.simulate({ frame: fr.data, ingressPortId: port }, now);
          verdict = r.verdict;
          if (r.verdict !== 'forward' && r.verdict !== 'userspace') {
            assert.equal(r.actions.length, 0, `${f}: ${r.verdict} with actions`);
          }
          if (r.verdict !== 'forward' && r.verdict !== 'userspace') assert.notEqual(r.reason, '', `${f}: ${r.verdict} without a reason`);
          state.apply(r.effects, now);
        } catch (e) {
          assert.fail(`${f} frame ${frames} on ${port === VM1_PORT ? 'vm1' : 'uplink'}: simulate threw ${e instanceof Error ? e.stack : String(e)}`);
        }
        assert.ok(VERDICTS.has(verdict));
        counts.set(verdict, (counts.get(verdict) ?? 0) + 1);
      }
      frames++;
    }
  }
  const summary = [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}=${n}`).join(' ');
  console.log(`simulation replay: ${files.length} files, ${frames} frames x 2 ports: ${summary}`);
  assert.ok(frames > 5000);
  // The example's security groups and routers must have made real decisions.
  assert.ok((counts.get('forward') ?? 0) + (counts.get('userspace') ?? 0) > 0, 'some frames forwarded');
  assert.ok((counts.get('drop') ?? 0) > 0, 'some frames dropped');
});
