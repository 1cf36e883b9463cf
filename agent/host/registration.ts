/**
 * Host registration and the ephemeral state an agent owns (spec nsdb.md §3.2,
 * §1.5): the `Host` model object, `alive`, `host` (HostState text) and each
 * bound port's `active` key (PortState text with a locally generated tunnel key).
 *
 * Words:
 *  - register: create `Host{id, name}` (plain ZOOM create: model + provenance,
 *    owner none) when absent; accept an existing one only when its name is
 *    ours and, if a HostState was stored, one of its MACs is a local MAC (or
 *    both lists are empty). Then `alive` = `alive` and `host` = HostState.
 *  - LastWins key: an ephemeral written by another session is deleted and
 *    recreated by ours.
 *  - tunnel key: `0x100000 | random 20 bits` (type bits 001), made per port
 *    when it becomes active and kept while the agent runs.
 *
 * Session: every new session (first connect, or after an expiry) re-runs the
 * registration and re-creates every `active` key; if `alive` disappears or is
 * taken by another session while ours lives, registration re-runs after
 * `retryMs`. Failures are `HostRegistrationError` (MM_ERR_HOST_REGISTRATION).
 */
import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import { printPlain, parsePlain } from '../nsdb/proto-objects.js';
import { Zoom } from '../nsdb/zoom.js';
import { isZkError, type ZkClient } from '../nsdb/zk/index.js';
import { child } from '../runtime/log.js';

export interface LocalInterface {
  readonly name: string;
  readonly mac?: string;
  readonly addresses?: readonly string[];
  readonly up?: boolean;
  readonly mtu?: number;
}

export class HostRegistrationError extends Error {
  readonly code = 'MM_ERR_HOST_REGISTRATION';
  constructor(message: string) {
    super(message);
    this.name = 'HostRegistrationError';
  }
}

export interface HostRegistrationOptions {
  readonly hostId: string;
  readonly hostName: string;
  /** The current interface scan. */
  readonly interfaces: () => readonly LocalInterface[];
  readonly retryMs?: number;
}

export function generateTunnelKey(): number {
  return 0x100000 | randomInt(0, 0x100000);
}

export function hostStateText(hostId: string, ifs: readonly LocalInterface[]): string {
  return printPlain('HostState', {
    host_id: hostId,
    interfaces: ifs.map((i) => ({
      name: i.name,
      ...(i.mac !== undefined ? { mac: i.mac } : {}),
      ...(i.addresses !== undefined ? { addresses: i.addresses.map((a) => a) } : {}),
      ...(i.up !== undefined ? { up: i.up } : {}),
      ...(i.mtu !== undefined ? { mtu: i.mtu } : {}),
    })),
  } as never);
}

export function portStateText(hostId: string, tunnelKey: number): string {
  return printPlain('PortState', { host_id: hostId, tunnel_key: tunnelKey });
}

/** The `active` value in either format: PortState text (5.2+) or a bare host UUID (5.0). */
export function parsePortActive(value: string): { hostId: string; tunnelKey?: number } | null {
  const t = value.trim();
  if (/^[0-9a-f-]{36}$/i.test(t)) return { hostId: t.toLowerCase() };
  try {
    const p = parsePlain('PortState', t);
    const hostId = p['host_id'];
    const key = p['tunnel_key'];
    if (typeof hostId !== 'string') return null;
    return typeof key === 'number' ? { hostId, tunnelKey: key } : { hostId };
  } catch {
    return null;
  }
}

export class HostRegistration {
  private readonly log: Logger = child('host');
  private readonly active = new Map<string, number>();
  private offSession: (() => void) | null = null;
  private stopped = false;
  private registering: Promise<void> | null = null;

  constructor(private readonly zk: ZkClient, private readonly zoom: Zoom, private readonly opts: HostRegistrationOptions) {}

  private get id(): string { return this.opts.hostId; }

  /** Registers now (throws on refusal) and keeps registering on every new session. */
  async start(): Promise<void> {
    this.offSession = this.zk.onSession((ev) => {
      if (ev === 'connected' && !this.stopped) this.reregister('new session');
    });
    await this.register();
  }

  private reregister(why: string): void {
    if (this.registering !== null || this.stopped) return;
    this.log.info({ why }, 're-registering the host');
    this.registering = this.register()
      .catch((e: unknown) => {
        this.log.error({ err: String(e) }, 'host re-registration failed; retrying');
        setTimeout(() => this.reregister('retry'), this.opts.retryMs ?? 1000).unref();
      })
      .finally(() => { this.registering = null; });
  }

  async register(): Promise<void> {
    const p = this.zoom.paths;
    await this.zoom.ensureLayout(this.id);
    await this.ensureHostObject();
    const keyDir = p.stateObject(this.id, 'Host', this.id);
    await this.zk.mkdirs(keyDir);
    await this.putEphemeral(`${keyDir}/alive`, 'alive');
    await this.putEphemeral(`${keyDir}/host`, hostStateText(this.id, this.opts.interfaces()));
    await this.watchAlive(`${keyDir}/alive`);
    for (const [portId, key] of this.active) await this.writeActive(portId, key);
    this.log.info({ host: this.id, name: this.opts.hostName }, 'host registered');
  }

  private async ensureHostObject(): Promise<void> {
    const existing = await this.zoom.read('hosts', this.id);
    if (existing === null) {
      try {
        await this.zoom.tx().create('hosts', { id: this.id, name: this.opts.hostName }).commit();
        return;
      } catch (e) {
        if (!isZkError(e, 'NODE_EXISTS')) throw e;
        return await this.ensureHostObject();
      }
    }
    if ((existing.obj.name ?? '') !== this.opts.hostName) {
      throw new HostRegistrationError(
        `host ${this.id} is registered in ZooKeeper with name "${existing.obj.name ?? ''}", ` +
          `but this machine is "${this.opts.hostName}": refusing to take over another host's identity ` +
          `(fix /etc/midonet_host_id.properties or the hostname)`,
      );
    }
    const stored = await this.storedMacs();
    if (stored === null) return;
    const local = new Set(this.opts.interfaces().map((i) => (i.mac ?? '').toLowerCase()).filter((m) => m !== ''));
    if (stored.length === 0 && local.size === 0) return;
    if (!stored.some((m) => local.has(m))) {
      throw new HostRegistrationError(
        `host ${this.id} ("${this.opts.hostName}") was registered from a machine with MACs ` +
          `${stored.join(', ') || '(none)'}; none of them is local (${[...local].join(', ') || 'none'}): ` +
          'refusing to register (another machine may be using this host id)',
      );
    }
  }

  /** MACs of the stored HostState, or null when there is none. */
  private async storedMacs(): Promise<string[] | null> {
    try {
      const { data } = await this.zk.get(this.zoom.paths.stateKey(this.id, 'Host', this.id, 'host'));
      const st = parsePlain('HostState', data);
      const ifs = (st['interfaces'] ?? []) as unknown as { mac?: string }[];
      return ifs.map((i) => (i.mac ?? '').toLowerCase()).filter((m) => m !== '');
    } catch (e) {
      if (isZkError(e, 'NO_NODE')) return null;
      if (isZkError(e)) throw e;
      return null; // undecodable HostState: treat as absent
    }
  }

  /** LastWins write of an ephemeral key in our session. */
  private async putEphemeral(path: string, value: string): Promise<void> {
    const data = Buffer.from(value, 'utf8');
    for (let attempt = 0; attempt < 5; attempt++) {
      const st = await this.zk.exists(path);
      if (st !== null) {
        if (st.ephemeralOwner === this.zk.sessionId) {
          await this.zk.setData(path, data, -1);
          return;
        }
        await this.zk.delete(path, -1).catch((e: unknown) => { if (!isZkError(e, 'NO_NODE')) throw e; });
      }
      try {
        await this.zk.create(path, data, 'ephemeral');
        return;
      } catch (e) {
        if (!isZkError(e, 'NODE_EXISTS')) throw e;
      }
    }
    throw new HostRegistrationError(`cannot take ${path}: another session keeps writing it`);
  }

  private async watchAlive(path: string): Promise<void> {
    const st = await this.zk.exists(path, (ev) => {
      if (this.stopped) return;
      if (ev.type === 'deleted' || ev.type === 'changed') void this.checkAlive(path);
    });
    if (st === null || st.ephemeralOwner !== this.zk.sessionId) void this.checkAlive(path);
  }

  private async checkAlive(path: string): Promise<void> {
    const st = await this.zk.exists(path).catch(() => null);
    if (st !== null && st.ephemeralOwner === this.zk.sessionId) {
      await this.watchAlive(path).catch(() => undefined);
      return;
    }
    if (!this.zk.connected) return; // the session handler re-registers
    setTimeout(() => this.reregister('alive lost'), this.opts.retryMs ?? 1000).unref();
  }

  /** Rewrites `host` after an interface change. */
  async updateHostState(): Promise<void> {
    await this.putEphemeral(this.zoom.paths.stateKey(this.id, 'Host', this.id, 'host'), hostStateText(this.id, this.opts.interfaces()));
  }

  /** Marks a bound port active (interface up) or not; returns the tunnel key used. */
  async setPortActive(portId: string, up: boolean): Promise<number | null> {
    if (!up) {
      this.active.delete(portId);
      await this.zk.delete(this.zoom.paths.stateKey(this.id, 'Port', portId, 'active'), -1)
        .catch((e: unknown) => { if (!isZkError(e, 'NO_NODE')) throw e; });
      return null;
    }
    const key = this.active.get(portId) ?? generateTunnelKey();
    this.active.set(portId, key);
    await this.writeActive(portId, key);
    return key;
  }

  private async writeActive(portId: string, key: number): Promise<void> {
    const dir = this.zoom.paths.stateObject(this.id, 'Port', portId);
    await this.zk.mkdirs(dir);
    await this.putEphemeral(`${dir}/active`, portStateText(this.id, key));
  }

  /** Clean stop: removes `alive`, `host` and every `active` key. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.offSession?.();
    // A re-registration under way would write its keys back after we delete them: let it end first.
    await this.registering?.catch(() => undefined);
    const p = this.zoom.paths;
    const paths = [
      ...[...this.active.keys()].map((id) => p.stateKey(this.id, 'Port', id, 'active')),
      p.stateKey(this.id, 'Host', this.id, 'host'),
      p.stateKey(this.id, 'Host', this.id, 'alive'),
    ];
    for (const path of paths) await this.zk.delete(path, -1).catch(() => undefined);
  }
}
