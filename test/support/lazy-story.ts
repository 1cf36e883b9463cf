/**
 * The example story (examples/two-tier) run the way the agent's workflow runs
 * it over a lazily loaded topology: a packet whose simulation says "not yet"
 * for a topology object is simulated again, from the start, once the device
 * is ready. Waiting for an ARP reply is a result of its own, as in the eager
 * run. Shared by the in-memory and the ZooKeeper lazy-loading tests.
 */
import assert from 'node:assert/strict';
import type { TopologyService } from '../../agent/topology/topology-service.js';
import type { DeviceClassKey } from '../../agent/topology/device-closure.js';
import { LocalState } from '../../agent/state/local-state.js';
import { CLASS_OF, TOPOLOGY_CLASS_KEYS } from '../../simulation/topology/objects.js';
import { Simulator } from '../../simulation/simulator.js';
import type { TopologyView } from '../../simulation/topology/view.js';
import { exampleTraffic } from './example-traffic.js';
import { seededRandom } from './memory-state.js';
import { until } from './wait.js';

function classKey(cls: string): DeviceClassKey {
  const k = TOPOLOGY_CLASS_KEYS.find((x) => CLASS_OF[x] === cls);
  if (k === undefined) throw new Error(`no class ${cls}`);
  return k as DeviceClassKey;
}

/** The story, as the agent's workflow runs it: a parked packet is simulated again once its device is ready. */
export async function lazyStory(svc: TopologyService, waitMs = 2000): Promise<{ results: string[]; parks: number }> {
  const state = new LocalState();
  const random = seededRandom(3);
  let parks = 0;
  const results: string[] = [];
  const frames = exampleTraffic();
  for (let i = 0; i < frames.length; i++) {
    const p = frames[i]!;
    const now = (p.at ?? i) * 1000;
    for (let round = 0; ; round++) {
      const sim = new Simulator(svc.view(), state, { random });
      const r = sim.simulate({ frame: p.frame, ingressPortId: p.port }, now);
      state.apply(r.effects, now);
      // Waiting for an ARP reply is a result of its own (the eager story has it too).
      if (r.verdict !== 'not-yet' || r.waitingFor?.kind !== 'object') {
        results.push(`${r.verdict}:${r.reason}:${r.actions.length}`);
        break;
      }
      assert.ok(round < 20, `frame ${i} still waiting after 20 rounds (${r.reason})`);
      const w = r.waitingFor;
      parks++;
      await until(() => svc.view().isReady(classKey(w.objectClass), w.id), waitMs, r.reason, 1);
    }
  }
  return { results, parks };
}

export function eagerStory(topo: TopologyView): string[] {
  const state = new LocalState();
  const sim = new Simulator(topo, state, { random: seededRandom(3) });
  return exampleTraffic().map((p, i) => {
    const now = (p.at ?? i) * 1000;
    const r = sim.simulate({ frame: p.frame, ingressPortId: p.port }, now);
    state.apply(r.effects, now);
    return `${r.verdict}:${r.reason}:${r.actions.length}`;
  });
}

