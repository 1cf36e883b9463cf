/**
 * PortStates: whether each loaded bound port is active, and which tunnel key
 * its host published, read from `{Z}/state/{Port.host_id}/Port/{id}/active`
 * (spec nsdb.md §1.5, §3.4) and fed to the topology service.
 *
 * Why it matters: a router publishes an exterior port's routes only while the
 * port is active (an uplink on a gateway that died stops attracting traffic),
 * and traffic to a port on a peer host carries the key that host chose
 * (PortState.tunnel_key), falling back to the cluster's Port.tunnel_key.
 *
 * Values: PortState text (5.2+) or a bare host UUID (5.0): both mean active.
 * A value that parses as neither is logged and counted active without a key
 * (its host did write it). No node means inactive.
 *
 * One data-or-exists watch per (port, host); a port rebound to another host is
 * watched in the new host's namespace and the old watch is ignored when it
 * fires. After a new session every watch is gone: everything is read again.
 */
import type { Logger } from 'pino';
import type { TopologySnapshot } from '../../simulation/topology/snapshot.js';
import { parsePortActive } from '../host/registration.js';
import type { ZoomPaths } from '../nsdb/zoom.js';
import { isZkError, type ZkClient } from '../nsdb/zk/index.js';
import type { PortState } from './topology-service.js';

export interface PortStatesDeps {
  readonly zk: ZkClient;
  readonly paths: ZoomPaths;
  readonly set: (portId: string, state: PortState | null) => void;
  readonly log: Logger;
}

interface Watched {
  readonly hostId: string;
  /** Bumped when the port is dropped or rebound: a firing watch of an older one is stale. */
  readonly gen: number;
}

export class PortStates {
  private readonly watched = new Map<string, Watched>();
  private gen = 0;
  private readonly offSession: () => void;
  private closed = false;

  constructor(private readonly d: PortStatesDeps) {
    this.offSession = d.zk.onSession((ev) => {
      if (ev !== 'connected' || this.closed) return;
      for (const [portId, w] of this.watched) void this.read(portId, w);
    });
  }

  /** Watches every bound port of the snapshot; forgets ports gone or unbound. */
  sync(snap: TopologySnapshot): void {
    if (this.closed) return;
    for (const [portId, w] of this.watched) {
      const p = snap.parts.ports.get(portId);
      if (p === undefined || p.hostId !== w.hostId) {
        this.watched.delete(portId);
        this.d.set(portId, null);
      }
    }
    for (const p of snap.parts.ports.values()) {
      if (p.hostId === null || p.kind === 'vxlan' || this.watched.has(p.id)) continue;
      const w: Watched = { hostId: p.hostId, gen: ++this.gen };
      this.watched.set(p.id, w);
      void this.read(p.id, w);
    }
  }

  close(): void {
    this.closed = true;
    this.offSession();
    this.watched.clear();
  }

  private current(portId: string, w: Watched): boolean {
    return !this.closed && this.watched.get(portId)?.gen === w.gen;
  }

  private async read(portId: string, w: Watched): Promise<void> {
    const path = this.d.paths.stateKey(w.hostId, 'Port', portId, 'active');
    const again = (): void => {
      if (this.current(portId, w)) void this.read(portId, w);
    };
    try {
      const { data } = await this.d.zk.get(path, again);
      if (!this.current(portId, w)) return;
      const v = parsePortActive(data.toString('utf8'));
      if (v === null) this.d.log.warn({ port: portId, path }, 'unreadable port active state: counted active, cluster tunnel key');
      this.d.set(portId, v?.tunnelKey === undefined ? { active: true } : { active: true, tunnelKey: v.tunnelKey });
    } catch (e) {
      if (!isZkError(e, 'NO_NODE')) {
        // Disconnected: the last state stays; the session events bring us back.
        this.d.log.debug({ port: portId, err: String(e) }, 'reading port active state failed');
        return;
      }
      const st = await this.d.zk.exists(path, again).catch(() => null);
      if (st !== null) {
        again(); // created between the two reads
        return;
      }
      if (this.current(portId, w)) this.d.set(portId, { active: false });
    }
  }
}
