/**
 * TableReplicator: the agent's MAC, IPv4→MAC and ARP tables kept in step with
 * MidoNet's replicated state tables in ZooKeeper (nsdb.md §1.6), both ways:
 *
 *  - out: an applied `mac-learned` effect writes a learned entry
 *    `{mac},{port},{seq}` under `tables/Network/{bridge}/mac_table/{vlan}`; a
 *    `bridge-arp` writes `ip4_mac_table`; a `router-arp` writes the router's
 *    `arp_table` with MidoNet's `mac;expiry;stale;lastArp` value. A real
 *    Midolman reading those tables sees what this agent learned.
 *  - in: entries written by other agents (or the cluster) are applied to the
 *    local tables as the same effects, through `applyEffects`, so the flows
 *    that flooded for an unknown MAC are invalidated exactly as for a local
 *    learning.
 *
 * Tables are opened when first needed (a bridge in the topology, a learned
 * entry) and watched from then on. ZooKeeper errors are logged and never reach
 * the packet path: the local tables keep working without replication.
 */

import type { Logger } from 'pino';
import type { SimEffect } from '../../simulation/state/effects.js';
import { ipv4ToString, macToString, parseIpv4, parseMac } from '../../simulation/packet/addr.js';
import type { ZkClient } from '../nsdb/zk/index.js';
import type { ZoomPaths } from '../nsdb/zoom.js';
import {
  ARP_CODEC,
  IP4_MAC_CODEC,
  MAC_PORT_CODEC,
  StateTable,
  arpTablePath,
  ip4MacTablePath,
  macTablePath,
  type ArpEntry,
} from '../nsdb/state-tables.js';
import type { LocalState } from './local-state.js';

export interface TableReplicatorDeps {
  readonly zk: ZkClient;
  readonly paths: ZoomPaths;
  readonly state: LocalState;
  /** Applies effects that came from ZooKeeper (with their flow invalidations). */
  readonly applyRemote: (effects: readonly SimEffect[]) => void;
  readonly now: () => number;
  readonly arpStaleMs: number;
  readonly arpExpirationMs: number;
  readonly log: Logger;
}

export class TableReplicator {
  private readonly macTables = new Map<string, Promise<StateTable<string, string>>>();
  private readonly ip4Tables = new Map<string, Promise<StateTable<string, string>>>();
  private readonly arpTables = new Map<string, Promise<StateTable<string, ArpEntry>>>();
  /** Writes we made, so their own watch events are not applied back. */
  private writes = 0;
  errors = 0;

  constructor(private readonly d: TableReplicatorDeps) {
    d.state.onApplied((effects) => this.publish(effects));
  }

  /** Opens (and watches) the tables of a bridge, so remote learning arrives before it is needed. */
  watchBridge(bridgeId: string, vlans: readonly number[] = [0]): void {
    for (const v of vlans) void this.macTable(bridgeId, v).catch((e: unknown) => this.fail('open mac_table', e));
    void this.ip4Table(bridgeId).catch((e: unknown) => this.fail('open ip4_mac_table', e));
  }

  watchRouter(routerId: string): void {
    void this.arpTable(routerId).catch((e: unknown) => this.fail('open arp_table', e));
  }

  close(): void {
    for (const m of [this.macTables, this.ip4Tables, this.arpTables] as Map<string, Promise<{ close(): void }>>[]) {
      for (const t of m.values()) void t.then((x) => x.close(), () => undefined);
    }
  }

  get published(): number {
    return this.writes;
  }

  private publish(effects: readonly SimEffect[]): void {
    for (const e of effects) {
      switch (e.kind) {
        case 'mac-learned':
          this.write(this.macTable(e.bridgeId, e.vlan), macToString(e.mac), e.portId, 'mac_table');
          break;
        case 'bridge-arp':
          this.write(this.ip4Table(e.bridgeId), ipv4ToString(e.ip), macToString(e.mac), 'ip4_mac_table');
          break;
        case 'router-arp': {
          const now = this.d.now();
          const entry: ArpEntry = { mac: macToString(e.mac), expiry: now + this.d.arpExpirationMs, stale: now + this.d.arpStaleMs, lastArp: 0 };
          this.write(this.arpTable(e.routerId), ipv4ToString(e.ip), entry, 'arp_table', (a, b) => a.mac === b.mac);
          break;
        }
        default:
          break;
      }
    }
  }

  /** Writes unless the table already holds an equal value (which is how echoes of remote entries stop). */
  private write<V>(
    table: Promise<StateTable<string, V>>,
    key: string,
    value: V,
    what: string,
    same: (a: V, b: V) => boolean = (a, b) => a === b,
  ): void {
    void table
      .then(async (t) => {
        const cur = t.get(key);
        if (cur !== null && same(cur, value)) return;
        this.writes++;
        await t.add(key, value);
      })
      .catch((err: unknown) => this.fail(`write ${what}`, err));
  }

  private fail(what: string, err: unknown): void {
    this.errors++;
    this.d.log.warn({ err: String(err) }, `state table ${what} failed; the local table keeps the entry`);
  }

  private macTable(bridgeId: string, vlan: number): Promise<StateTable<string, string>> {
    const k = `${bridgeId}/${vlan}`;
    let t = this.macTables.get(k);
    if (t === undefined) {
      t = this.open(new StateTable(this.d.zk, macTablePath(this.d.paths, bridgeId, vlan), MAC_PORT_CODEC), (key, port) => {
        const mac = parseMac(key);
        if (mac === null || port === null || this.d.state.macPort(bridgeId, vlan, mac) === port) return;
        this.d.applyRemote([{ kind: 'mac-learned', bridgeId, vlan, mac, portId: port }]);
      });
      this.macTables.set(k, t);
    }
    return t;
  }

  private ip4Table(bridgeId: string): Promise<StateTable<string, string>> {
    let t = this.ip4Tables.get(bridgeId);
    if (t === undefined) {
      const { path, legacy } = ip4MacTablePath(this.d.paths, bridgeId);
      t = this.open(new StateTable(this.d.zk, path, IP4_MAC_CODEC, legacy), (key, macText) => {
        const ip = parseIpv4(key);
        const mac = macText === null ? null : parseMac(macText);
        if (ip === null || mac === null || this.d.state.bridgeArp(bridgeId, ip) === mac) return;
        this.d.applyRemote([{ kind: 'bridge-arp', bridgeId, ip, mac }]);
      });
      this.ip4Tables.set(bridgeId, t);
    }
    return t;
  }

  private arpTable(routerId: string): Promise<StateTable<string, ArpEntry>> {
    let t = this.arpTables.get(routerId);
    if (t === undefined) {
      const { path, legacy } = arpTablePath(this.d.paths, routerId);
      t = this.open(new StateTable(this.d.zk, path, ARP_CODEC, legacy), (key, entry) => {
        const ip = parseIpv4(key);
        const mac = entry?.mac === null || entry === null ? null : parseMac(entry.mac);
        if (ip === null || mac === null || this.d.state.routerArp(routerId, ip)?.mac === mac) return;
        this.d.applyRemote([{ kind: 'router-arp', routerId, ip, mac }]);
      });
      this.arpTables.set(routerId, t);
    }
    return t;
  }

  private async open<V>(t: StateTable<string, V>, onRemote: (key: string, value: V | null) => void): Promise<StateTable<string, V>> {
    t.on((c) => onRemote(c.key, c.value));
    await t.start();
    for (const [k, v] of t.snapshot()) onRemote(k, v);
    return t;
  }
}
