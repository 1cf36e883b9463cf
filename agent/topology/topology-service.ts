/**
 * TopologyService: keeps the simulation's TopologyView current with ZooKeeper.
 *
 *   TopologyStore events (added / changed / deleted, decoded objects)
 *     → batched (one rebuild per burst of writes)
 *     → buildTopology(store.snapshot(), port state)  (new immutable devices)
 *     → invalidate the flows tagged with every changed object
 *
 * Words:
 *  - current(): the snapshot the packet path reads now. Swapped atomically on
 *    rebuild; a simulation in progress keeps the one it started with.
 *  - invalidation: a flow carries the id of every device, port, chain, mirror,
 *    load balancer and pool it traversed (simulation/tags.ts). A changed object
 *    invalidates its own id, and the owner whose built device it is part of: a
 *    rule its chain, a route its router, a pool member or VIP its pool, a DHCP
 *    subnet its bridge. Unaffected flows stay.
 *  - port state: whether a port is active and which tunnel key its host
 *    published come from state keys, not objects; `setPortState` feeds them in.
 *
 * A view read while ZooKeeper is disconnected is the last complete one: the
 * agent keeps forwarding with the topology it has.
 */

import type { Logger } from 'pino';
import type { TopologyClassKey, TopologyObjects } from '../../simulation/topology/objects.js';
import { buildTopology } from '../../simulation/topology/build.js';
import type { TopologySnapshot } from '../../simulation/topology/snapshot.js';
import { routeTag } from '../../simulation/tags.js';

/** The part of the ZooKeeper topology store the service needs. */
export interface TopologySource {
  on(listener: (ev: TopologyChange) => void): () => void;
  snapshot(): TopologyObjects;
}

export type TopologyChange =
  | { readonly kind: 'added' | 'changed'; readonly key: TopologyClassKey; readonly id: string; readonly obj: { readonly id: string } }
  | { readonly kind: 'deleted'; readonly key: TopologyClassKey; readonly id: string };

export interface PortState {
  readonly active: boolean;
  readonly tunnelKey?: number;
}

export interface TopologyServiceDeps {
  readonly source: TopologySource;
  readonly localHostId: string;
  /** Invalidates every flow tagged with `tag`; returns how many. */
  readonly invalidate: (tag: string) => number;
  /** Called after each rebuild with the new snapshot (e.g. to resync vports). */
  readonly onRebuilt?: (snap: TopologySnapshot) => void;
  readonly log: Logger;
  /** Delay that collects a burst of writes into one rebuild (ms). */
  readonly batchMs?: number;
}

export class TopologyService {
  private snap: TopologySnapshot;
  private objects: TopologyObjects;
  /** `${class key}/${id}` → object of `objects`, so a change event finds the old object in O(1). */
  private byId = new Map<string, Record<string, unknown>>();
  private readonly portStates = new Map<string, PortState>();
  private readonly pendingTags = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly off: () => void;
  rebuilds = 0;
  invalidated = 0;

  constructor(private readonly d: TopologyServiceDeps) {
    this.objects = d.source.snapshot();
    this.index();
    this.snap = this.build();
    this.off = d.source.on((ev) => this.onChange(ev));
  }

  current(): TopologySnapshot {
    return this.snap;
  }

  /** The objects the current snapshot was built from. */
  currentObjects(): TopologyObjects {
    return this.objects;
  }

  /** Port state from `Port/{id}/active` (published by the binding host). */
  setPortState(portId: string, state: PortState | null): void {
    const old = this.portStates.get(portId);
    if (state === null) this.portStates.delete(portId);
    else this.portStates.set(portId, state);
    if (old?.active !== state?.active || old?.tunnelKey !== state?.tunnelKey) this.schedule([portId, ...this.ownersOfPort(portId)]);
  }

  /** Rebuilds now (tests, start-up); normally rebuilds are batched. */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.objects = this.d.source.snapshot();
    this.index();
    this.snap = this.build();
    this.rebuilds++;
    let n = 0;
    for (const t of this.pendingTags) n += this.d.invalidate(t);
    this.invalidated += n;
    if (this.pendingTags.size > 0) {
      this.d.log.info({ objects: this.pendingTags.size, flows: n }, 'topology changed: flows invalidated');
    }
    this.pendingTags.clear();
    this.d.onRebuilt?.(this.snap);
  }

  close(): void {
    this.off();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private onChange(ev: TopologyChange): void {
    this.schedule(this.tagsFor(ev));
  }

  private schedule(tags: readonly string[]): void {
    for (const t of tags) this.pendingTags.add(t);
    if (this.timer === null) this.timer = setTimeout(() => this.flush(), this.d.batchMs ?? 10);
  }

  /** The tags a change invalidates: the object and the built device it belongs to. */
  private tagsFor(ev: TopologyChange): string[] {
    const tags = [ev.id];
    const old = this.findOld(ev.key, ev.id);
    const now = ev.kind === 'deleted' ? undefined : (ev.obj as Record<string, unknown>);
    for (const o of [old, now]) {
      if (o === undefined) continue;
      switch (ev.key) {
        case 'rules':
          pushId(tags, o['chain_id']);
          break;
        case 'routes':
          tags.push(routeTag(ev.id));
          pushId(tags, o['router_id']);
          pushId(tags, o['next_hop_port_id']);
          break;
        case 'ports':
          pushId(tags, o['network_id']);
          pushId(tags, o['router_id']);
          pushId(tags, o['peer_id']);
          break;
        case 'pool_members':
        case 'vips':
          pushId(tags, o['pool_id']);
          break;
        case 'pools':
          pushId(tags, o['load_balancer_id']);
          break;
        case 'dhcps':
          pushId(tags, o['network_id']);
          break;
        case 'qos_rule_dscps':
          pushId(tags, o['policy_id']);
          break;
        default:
          break;
      }
    }
    return tags;
  }

  private index(): void {
    this.byId.clear();
    for (const key of Object.keys(this.objects) as TopologyClassKey[]) {
      for (const o of this.objects[key] as readonly { readonly id: string }[]) {
        this.byId.set(`${key}/${o.id}`, o as unknown as Record<string, unknown>);
      }
    }
  }

  private findOld(key: TopologyClassKey, id: string): Record<string, unknown> | undefined {
    return this.byId.get(`${key}/${id}`);
  }

  private ownersOfPort(portId: string): string[] {
    const p = this.findOld('ports', portId);
    if (p === undefined) return [];
    return [p['network_id'], p['router_id']].filter((x): x is string => typeof x === 'string');
  }

  private build(): TopologySnapshot {
    const { snapshot, diagnostics } = buildTopology(this.objects, {
      localHostId: this.d.localHostId,
      portState: {
        active: (id) => this.portStates.get(id)?.active,
        tunnelKey: (id) => this.portStates.get(id)?.tunnelKey,
      },
    });
    for (const d of diagnostics.items) {
      this.d.log.warn({ class: d.objectClass, id: d.id }, `topology object skipped: ${d.message}`);
    }
    return snapshot;
  }
}

function pushId(tags: string[], v: unknown): void {
  if (typeof v === 'string') tags.push(v);
}
