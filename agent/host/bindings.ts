/**
 * Port bindings of this host, learned the way MidoNet's HostMapper does (spec
 * nsdb.md §3.4): watch our `Host`, each `Port` in its `port_ids`, and each
 * port's `interface_name`.
 *
 * Words:
 *  - binding: (port id, interface name, cluster tunnel key, previous host).
 *  - events: `bound` (new, or its interface name changed: the old name is
 *    implicitly released) and `unbound` (left `port_ids`, lost its interface
 *    name, or was bound to another host).
 *
 * Contract: events follow the TopologyStore's, so they are caught up after a
 * partition or a session expiry like every other object.
 */
import { EventEmitter } from 'node:events';
import type { Port } from '../../simulation/topology/objects.js';
import type { TopologyEvent, TopologyStore } from '../nsdb/topology-store.js';

export interface PortBinding {
  readonly portId: string;
  readonly interfaceName: string;
  readonly tunnelKey?: number;
  readonly previousHostId?: string;
}

export type BindingEvent =
  | { readonly kind: 'bound'; readonly binding: PortBinding }
  | { readonly kind: 'unbound'; readonly portId: string; readonly interfaceName: string };

export class HostBindings {
  private readonly bound = new Map<string, PortBinding>();
  private portIds = new Set<string>();
  private readonly events = new EventEmitter();
  private off: (() => void) | null = null;

  constructor(private readonly store: TopologyStore, private readonly hostId: string) {}

  on(listener: (ev: BindingEvent) => void): () => void {
    this.events.on('binding', listener);
    return () => this.events.off('binding', listener);
  }

  current(): readonly PortBinding[] {
    return [...this.bound.values()];
  }

  async start(): Promise<void> {
    this.off = this.store.on((ev) => void this.onTopology(ev));
    const host = await this.store.fetch('hosts', this.hostId);
    await this.setPortIds(host?.port_ids ?? []);
  }

  stop(): void {
    this.off?.();
    this.events.removeAllListeners();
  }

  private async onTopology(ev: TopologyEvent): Promise<void> {
    if (ev.key === 'hosts' && ev.id === this.hostId) {
      await this.setPortIds(ev.kind === 'deleted' ? [] : ((ev.obj as { port_ids?: readonly string[] }).port_ids ?? []));
    } else if (ev.key === 'ports' && this.portIds.has(ev.id)) {
      this.apply(ev.id, ev.kind === 'deleted' ? null : (ev.obj as Port));
    }
  }

  private async setPortIds(ids: readonly string[]): Promise<void> {
    const next = new Set(ids);
    const gone = [...this.portIds].filter((id) => !next.has(id));
    this.portIds = next;
    for (const id of gone) this.apply(id, null);
    await Promise.all(ids.map(async (id) => {
      const fetched = await this.store.fetch('ports', id).catch(() => null);
      if (!this.portIds.has(id)) return;
      // The port's own event may have been applied while we waited (ZOOM writes the Host
      // back-reference before the Port in one multi): apply the newest version, never the
      // one fetched, which would undo a binding just made.
      const now = this.store.peek('ports', id);
      this.apply(id, now === undefined ? fetched : now);
    }));
  }

  private apply(portId: string, port: Port | null): void {
    const prev = this.bound.get(portId);
    const ifname = port?.interface_name;
    const mine = port !== null && port.host_id === this.hostId && ifname !== undefined && ifname !== '';
    if (!mine) {
      if (prev !== undefined) {
        this.bound.delete(portId);
        this.events.emit('binding', { kind: 'unbound', portId, interfaceName: prev.interfaceName });
      }
      return;
    }
    const b: PortBinding = {
      portId,
      interfaceName: ifname,
      ...(port.tunnel_key !== undefined ? { tunnelKey: port.tunnel_key } : {}),
      ...(port.previous_host_id !== undefined ? { previousHostId: port.previous_host_id } : {}),
    };
    if (prev !== undefined && prev.interfaceName === b.interfaceName && prev.tunnelKey === b.tunnelKey) return;
    this.bound.set(portId, b);
    this.events.emit('binding', { kind: 'bound', binding: b });
  }
}
