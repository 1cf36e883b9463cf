/**
 * Applying a simulation's effects to the agent's tables, and invalidating the
 * flows that the change makes wrong (MidoNet's FlowTagger triggers, simulation.md
 * §12.1):
 *
 *  - a MAC learned on a bridge invalidates the floods that were sent because the
 *    MAC was unknown; a MAC that moved also invalidates the unicast flows to its
 *    old port;
 *  - a router ARP entry whose MAC changed invalidates flows that used the old one;
 *  - a conntrack or NAT key that did not exist invalidates the flows that looked
 *    it up and found nothing (they were tagged with the key).
 *
 * The order matters: tags are computed against the tables before the change.
 */

import type { SimEffect } from '../../simulation/state/effects.js';
import { arpEntryTag, conntrackTag, floodedMacTag, macPortTag, natTag } from '../../simulation/tags.js';
import type { LocalState } from '../state/local-state.js';

export function applyEffects(
  state: LocalState,
  effects: readonly SimEffect[],
  now: number,
  invalidate: (tag: string) => number,
): void {
  if (effects.length === 0) return;
  const tags: string[] = [];
  for (const e of effects) {
    switch (e.kind) {
      case 'mac-learned': {
        const old = state.macPort(e.bridgeId, e.vlan, e.mac);
        if (old === e.portId) break;
        tags.push(floodedMacTag(e.bridgeId, e.vlan, e.mac));
        if (old !== null) tags.push(macPortTag(e.bridgeId, e.vlan, e.mac, old));
        break;
      }
      case 'router-arp': {
        const old = state.routerArp(e.routerId, e.ip);
        if (old === null || old.mac !== e.mac) tags.push(arpEntryTag(e.routerId, e.ip));
        break;
      }
      case 'conntrack':
        if (!state.conntrackHasReturn(e.key)) tags.push(conntrackTag(e.key));
        break;
      case 'nat':
        if (state.natBinding(e.key) === null) tags.push(natTag(e.key));
        break;
      case 'nat-delete':
        tags.push(natTag(e.key));
        break;
      default:
        break;
    }
  }
  state.apply(effects, now);
  for (const t of tags) invalidate(t);
}
