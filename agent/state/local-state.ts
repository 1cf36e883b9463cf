/**
 * LocalState: the agent's in-memory state tables (MAC tables per bridge and
 * VLAN, bridge IPv4→MAC tables, router ARP tables, conntrack, NAT bindings,
 * SNAT port leases, pool member status), readable by the simulation through
 * `StateView` and changed only by `apply(effects)`.
 *
 * One owner: the packet workflow applies each simulation's effects right after
 * the simulation, on the same thread, so the next packet sees them. Replication
 * (ZooKeeper tables, flow-state peers, Cassandra) subscribes to `onApplied`,
 * which reports only the effects that changed a table.
 * Lifetimes (reference counts by flows, idle expiry) are the flow controller's
 * business; `expire(now)` drops entries whose deadline has passed.
 */

import type { SimEffect } from '../../simulation/state/effects.js';
import {
  connTrackKeyString,
  natKeyString,
  type ConnTrackKey,
  type NatBinding,
  type NatKey,
} from '../../simulation/state/keys.js';
import type { ArpEntryView, SnatPortAnswer, StateView } from '../../simulation/state/views.js';

export interface StateTimeouts {
  /** agent.arptable.arp_stale (ms). */
  readonly arpStaleMs: number;
  /** agent.arptable.arp_expiration (ms). */
  readonly arpExpirationMs: number;
  /** Idle expiry of conntrack/NAT keys with no flow (ms). */
  readonly flowStateIdleMs: number;
}

export const DEFAULT_TIMEOUTS: StateTimeouts = Object.freeze({
  arpStaleMs: 60_000,
  arpExpirationMs: 90_000,
  flowStateIdleMs: 60_000,
});

/**
 * Decides whether this agent owns the NAT block holding a port. Without
 * ZooKeeper (topology file, tests) every block is ours.
 */
export interface NatBlockOwnership {
  owns(deviceId: string, ip: number, block: number): boolean | 'pending';
}

const ALL_BLOCKS: NatBlockOwnership = { owns: () => true };
const NAT_BLOCK_SIZE = 64;

interface Expiring<T> {
  value: T;
  /** Epoch ms; Infinity while referenced. */
  expires: number;
}

export class LocalState implements StateView {
  /** bridge → VLAN → MAC → port. Nested so a lookup builds no key string. */
  private readonly macs = new Map<string, Map<number, Map<number, string>>>();
  private macCount = 0;
  /** bridge → IPv4 → MAC. */
  private readonly bridgeArps = new Map<string, Map<number, number>>();
  private bridgeArpCount = 0;
  private readonly routerArps = new Map<string, ArpEntryView>();
  private readonly conntrack = new Map<string, Expiring<ConnTrackKey>>();
  private readonly nats = new Map<string, Expiring<{ key: NatKey; binding: NatBinding }>>();
  /** `${device}|${ip}|${port}` → destinations using the port. */
  private readonly snatUsed = new Map<string, Set<string>>();
  private readonly memberStatus = new Map<string, 'ACTIVE' | 'INACTIVE'>();
  private readonly listeners: ((effects: readonly SimEffect[], now: number) => void)[] = [];

  constructor(
    private readonly timeouts: StateTimeouts = DEFAULT_TIMEOUTS,
    private readonly natBlocks: NatBlockOwnership = ALL_BLOCKS,
  ) {}

  // --- StateView ----------------------------------------------------------------

  macPort(bridgeId: string, vlan: number, mac: number): string | null {
    return this.macs.get(bridgeId)?.get(vlan)?.get(mac) ?? null;
  }
  bridgeArp(bridgeId: string, ip: number): number | null {
    return this.bridgeArps.get(bridgeId)?.get(ip) ?? null;
  }
  routerArp(routerId: string, ip: number): ArpEntryView | null {
    return this.routerArps.get(`${routerId}|${ip}`) ?? null;
  }
  conntrackHasReturn(key: ConnTrackKey): boolean {
    return this.conntrack.has(connTrackKeyString(key));
  }
  natBinding(key: NatKey): NatBinding | null {
    return this.nats.get(natKeyString(key))?.value.binding ?? null;
  }
  snatPort(
    deviceId: string,
    ip: number,
    portStart: number,
    portEnd: number,
    dstIp: number,
    dstPort: number,
    rand: number,
  ): SnatPortAnswer {
    const lo = Math.max(1, Math.min(portStart, portEnd));
    const hi = Math.min(0xffff, Math.max(portStart, portEnd));
    const span = hi - lo + 1;
    const start = lo + Math.floor(rand * span);
    const dst = `${dstIp}:${dstPort}`;
    let pending = false;
    for (let i = 0; i < span; i++) {
      const port = lo + ((start - lo + i) % span);
      const own = this.natBlocks.owns(deviceId, ip, Math.floor(port / NAT_BLOCK_SIZE));
      if (own === 'pending') pending = true;
      if (own !== true) continue;
      const used = this.snatUsed.get(`${deviceId}|${ip}|${port}`);
      if (used === undefined || !used.has(dst)) return { kind: 'port', port };
    }
    return pending ? { kind: 'no-block' } : { kind: 'exhausted' };
  }
  poolMemberStatus(memberId: string): 'ACTIVE' | 'INACTIVE' | null {
    return this.memberStatus.get(memberId) ?? null;
  }

  // --- changes ------------------------------------------------------------------

  /** Applies a simulation's effects; returns how many changed something. */
  apply(effects: readonly SimEffect[], now: number): number {
    if (this.listeners.length === 0) {
      let n = 0;
      for (const e of effects) if (this.applyOne(e, now)) n++;
      return n;
    }
    // Most packets re-state what the tables already hold (a bridge re-learns
    // the source MAC of every frame): subscribers hear only real changes.
    const changed: SimEffect[] = [];
    for (const e of effects) if (this.applyOne(e, now)) changed.push(e);
    if (changed.length > 0) for (const l of this.listeners) l(changed, now);
    return changed.length;
  }

  /** Subscribes to the effects that changed a table (not re-statements of what it held). */
  onApplied(listener: (effects: readonly SimEffect[], now: number) => void): void {
    this.listeners.push(listener);
  }

  private applyOne(e: SimEffect, now: number): boolean {
    switch (e.kind) {
      case 'mac-learned': {
        let byVlan = this.macs.get(e.bridgeId);
        if (byVlan === undefined) this.macs.set(e.bridgeId, (byVlan = new Map()));
        let byMac = byVlan.get(e.vlan);
        if (byMac === undefined) byVlan.set(e.vlan, (byMac = new Map()));
        const old = byMac.get(e.mac);
        if (old === e.portId) return false;
        if (old === undefined) this.macCount++;
        byMac.set(e.mac, e.portId);
        return true;
      }
      case 'bridge-arp': {
        let byIp = this.bridgeArps.get(e.bridgeId);
        if (byIp === undefined) this.bridgeArps.set(e.bridgeId, (byIp = new Map()));
        if (!byIp.has(e.ip)) this.bridgeArpCount++;
        byIp.set(e.ip, e.mac);
        return true;
      }
      case 'router-arp':
        this.routerArps.set(`${e.routerId}|${e.ip}`, {
          mac: e.mac,
          stale: now + this.timeouts.arpStaleMs,
          expiry: now + this.timeouts.arpExpirationMs,
        });
        return true;
      case 'arp-needed':
        return false; // the ARP broker's business
      case 'conntrack': {
        const k = connTrackKeyString(e.key);
        const had = this.conntrack.has(k);
        this.conntrack.set(k, { value: e.key, expires: now + this.timeouts.flowStateIdleMs });
        return !had;
      }
      case 'nat': {
        const k = natKeyString(e.key);
        const had = this.nats.has(k);
        this.nats.set(k, { value: { key: e.key, binding: e.binding }, expires: now + this.timeouts.flowStateIdleMs });
        return !had;
      }
      case 'nat-delete':
        return this.nats.delete(natKeyString(e.key));
      case 'snat-lease': {
        const k = `${e.deviceId}|${e.ip}|${e.port}`;
        let s = this.snatUsed.get(k);
        if (s === undefined) this.snatUsed.set(k, (s = new Set()));
        const d = `${e.dstIp}:${e.dstPort}`;
        if (s.has(d)) return false;
        s.add(d);
        return true;
      }
      case 'trace':
        return false;
    }
  }

  /** Sets a pool member's health-monitor status (haproxy / state key). */
  setMemberStatus(memberId: string, status: 'ACTIVE' | 'INACTIVE'): void {
    this.memberStatus.set(memberId, status);
  }

  /** Removes a MAC mapping (expired, or moved by another agent). */
  forgetMac(bridgeId: string, vlan: number, mac: number): boolean {
    const gone = this.macs.get(bridgeId)?.get(vlan)?.delete(mac) ?? false;
    if (gone) this.macCount--;
    return gone;
  }

  /** Drops flow-state keys whose idle deadline passed; returns the dropped tags. */
  expire(now: number): string[] {
    const gone: string[] = [];
    for (const [k, v] of this.conntrack) if (v.expires <= now) (this.conntrack.delete(k), gone.push(k));
    for (const [k, v] of this.nats) if (v.expires <= now) (this.nats.delete(k), gone.push(k));
    for (const [k, v] of this.routerArps) if (v.expiry <= now) this.routerArps.delete(k);
    return gone;
  }

  /** Counts, for metrics and tests. */
  sizes(): { macs: number; conntrack: number; nat: number; routerArp: number; bridgeArp: number } {
    return {
      macs: this.macCount,
      conntrack: this.conntrack.size,
      nat: this.nats.size,
      routerArp: this.routerArps.size,
      bridgeArp: this.bridgeArpCount,
    };
  }
}
