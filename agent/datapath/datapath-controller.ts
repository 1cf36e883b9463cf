/**
 * DatapathController: the agent's datapath layout (MidoNet's DatapathController
 * and DatapathPortEntangler, datapath.md §1.6, §4.3).
 *
 *  - overlay vports, created at start and retried until they exist:
 *    `tngre-overlay` (GRE), `tnvxlan-overlay` (VXLAN, UDP 6677 by default),
 *    `tnvxlan-vtep` (VXLAN 4789);
 *  - one netdev vport per bound port whose interface exists on this host; a
 *    port is "entangled" when both its binding and its interface are present;
 *  - on entangling, the port is published active with a locally generated
 *    tunnel key; both that key and the legacy `Port.tunnel_key` map to the
 *    vport for tunnel ingress;
 *  - on disentangling (unbind, interface gone) the vport is removed, the port
 *    marked inactive and the flows tagged with its datapath port and tunnel
 *    keys invalidated.
 *
 * Implements the workflow's DpPortMap and answers the port resolver's
 * `localDpPort`. Errors creating a vport are logged and retried; they never
 * take the agent down.
 */

import type { Logger } from 'pino';
import { dpPortTag, tunnelKeyTag } from '../../simulation/tags.js';
import type { Dpif } from './dpif.js';
import { isNetlinkError } from './netlink-error.js';
import type { DpPortMap } from '../workflow/packet-workflow.js';

export interface DatapathControllerDeps {
  readonly dpif: Pick<Dpif, 'createVport' | 'deleteVport' | 'listVports'>;
  readonly log: Logger;
  readonly vxlanOverlayPort: number;
  readonly vxlanVtepPort: number;
  /** Publishes `Port/{id}/active` (true) with a fresh local key, or removes it. */
  readonly setPortActive: (portId: string, up: boolean) => Promise<number | null>;
  /** Legacy `Port.tunnel_key` of a port, still valid on ingress. */
  readonly legacyTunnelKey: (portId: string) => number | undefined;
  readonly invalidate: (tag: string) => number;
}

interface Entangled {
  readonly portId: string;
  readonly ifname: string;
  readonly dpPort: number;
  localKey: number | null;
  legacyKey: number | undefined;
}

export class DatapathController implements DpPortMap {
  private readonly bindings = new Map<string, string>(); // portId → ifname
  private readonly interfaces = new Set<string>();
  private readonly byPort = new Map<string, Entangled>();
  private readonly byDp = new Map<number, Entangled>();
  private readonly byKey = new Map<number, number>();
  overlay: { gre: number | null; vxlan: number | null; vtep: number | null } = { gre: null, vxlan: null, vtep: null };

  constructor(private readonly d: DatapathControllerDeps) {}

  /** Creates the tunnel vports; returns the names that could not be created yet. */
  ensureOverlay(): string[] {
    const missing: string[] = [];
    const make = (name: string, type: 'gre' | 'vxlan', dstPort?: number): number | null => {
      try {
        return this.d.dpif.createVport(dstPort === undefined ? { name, type } : { name, type, dstPort }).portNo;
      } catch (e) {
        if (isNetlinkError(e, 'EEXIST', 'EBUSY', 'EADDRINUSE')) {
          // Left over from an earlier run: remove and create again (no reclaim).
          try {
            this.d.dpif.deleteVport({ name });
            return this.d.dpif.createVport(dstPort === undefined ? { name, type } : { name, type, dstPort }).portNo;
          } catch (e2) {
            this.d.log.warn({ err: String(e2), vport: name }, 'tunnel vport could not be re-created; will retry');
          }
        } else {
          this.d.log.warn({ err: String(e), vport: name }, 'tunnel vport could not be created; will retry');
        }
        missing.push(name);
        return null;
      }
    };
    if (this.overlay.gre === null) this.overlay.gre = make('tngre-overlay', 'gre');
    if (this.overlay.vxlan === null) this.overlay.vxlan = make('tnvxlan-overlay', 'vxlan', this.d.vxlanOverlayPort);
    if (this.overlay.vtep === null) this.overlay.vtep = make('tnvxlan-vtep', 'vxlan', this.d.vxlanVtepPort);
    return missing;
  }

  // --- DpPortMap ----------------------------------------------------------------

  portForDp(dpPort: number): string | undefined {
    return this.byDp.get(dpPort)?.portId;
  }
  dpForTunnelKey(key: number): number | undefined {
    return this.byKey.get(key);
  }
  localDpPort(portId: string): number | undefined {
    return this.byPort.get(portId)?.dpPort;
  }
  entangled(): readonly { portId: string; ifname: string; dpPort: number; localKey: number | null }[] {
    return [...this.byPort.values()];
  }

  // --- inputs -------------------------------------------------------------------

  async bind(portId: string, ifname: string): Promise<void> {
    const old = this.bindings.get(portId);
    if (old === ifname) return;
    if (old !== undefined) await this.disentangle(portId);
    this.bindings.set(portId, ifname);
    if (this.interfaces.has(ifname)) await this.entangle(portId, ifname);
  }

  async unbind(portId: string): Promise<void> {
    this.bindings.delete(portId);
    await this.disentangle(portId);
  }

  async interfaceUp(ifname: string): Promise<void> {
    this.interfaces.add(ifname);
    for (const [portId, name] of this.bindings) if (name === ifname && !this.byPort.has(portId)) await this.entangle(portId, ifname);
  }

  async interfaceDown(ifname: string): Promise<void> {
    this.interfaces.delete(ifname);
    for (const [portId, name] of this.bindings) if (name === ifname) await this.disentangle(portId);
  }

  private async entangle(portId: string, ifname: string): Promise<void> {
    let dpPort: number;
    try {
      dpPort = this.d.dpif.createVport({ name: ifname, type: 'netdev' }).portNo;
    } catch (e) {
      if (!isNetlinkError(e, 'EEXIST', 'EBUSY')) {
        this.d.log.error({ err: String(e), port: portId, ifname }, 'netdev vport could not be created');
        return;
      }
      const existing = this.d.dpif.listVports().find((v) => v.name === ifname);
      if (existing === undefined) return;
      dpPort = existing.portNo;
    }
    const e: Entangled = { portId, ifname, dpPort, localKey: null, legacyKey: this.d.legacyTunnelKey(portId) };
    this.byPort.set(portId, e);
    this.byDp.set(dpPort, e);
    if (e.legacyKey !== undefined && e.legacyKey !== 0) this.byKey.set(e.legacyKey, dpPort);
    this.d.log.info({ port: portId, ifname, dpPort }, 'port bound to datapath');
    try {
      e.localKey = await this.d.setPortActive(portId, true);
      if (e.localKey !== null && this.byPort.get(portId) === e) this.byKey.set(e.localKey, dpPort);
    } catch (err) {
      this.d.log.warn({ err: String(err), port: portId }, 'could not publish port active state; will be retried on reconnect');
    }
  }

  private async disentangle(portId: string): Promise<void> {
    const e = this.byPort.get(portId);
    if (e === undefined) return;
    this.byPort.delete(portId);
    this.byDp.delete(e.dpPort);
    for (const k of [e.localKey, e.legacyKey]) if (k !== null && k !== undefined && this.byKey.get(k) === e.dpPort) this.byKey.delete(k);
    try {
      this.d.dpif.deleteVport({ portNo: e.dpPort });
    } catch (err) {
      if (!isNetlinkError(err, 'ENODEV', 'ENOENT')) this.d.log.warn({ err: String(err), port: portId }, 'vport removal failed');
    }
    this.d.invalidate(dpPortTag(e.dpPort));
    if (e.localKey !== null) this.d.invalidate(tunnelKeyTag(e.localKey));
    if (e.legacyKey !== undefined) this.d.invalidate(tunnelKeyTag(e.legacyKey));
    this.d.log.info({ port: portId, ifname: e.ifname }, 'port unbound from datapath');
    try {
      await this.d.setPortActive(portId, false);
    } catch (err) {
      this.d.log.warn({ err: String(err), port: portId }, 'could not clear port active state');
    }
  }
}
