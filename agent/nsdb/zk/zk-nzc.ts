/**
 * `ZkClient` over node-zookeeper-client (pure JS, jute protocol, has multi and
 * SetWatches on reconnect), plus the two things it lacks on ZooKeeper 3.8:
 *
 *  1. A read timeout. The library pings when idle but never gives up waiting
 *     for the answer, so a silent server (partition, frozen JVM) leaves it
 *     "connected" forever. Like the Java and C clients, we declare the
 *     connection lost when nothing came back for 2/3 of the session timeout:
 *     a probe (`exists /`) is kept outstanding, checked every 1/10 of the timeout; if one is unanswered
 *     for 2/3, we report `disconnected` and destroy the socket, which makes the
 *     library reconnect with the same session id. A connect attempt that gets
 *     no ConnectResponse for as long is dropped the same way.
 *  2. Life after expiry. The library's client is dead once the server says
 *     SESSION_EXPIRED; we open a fresh one and report `expired` then
 *     `connected`, so owners of ephemerals re-register without a restart.
 *
 * The library is reached through `createRequire` and typed here by the few
 * members used; only this file may import it. The one private member touched
 * is `connectionManager.socket` (to destroy a silent connection).
 */
import { createRequire } from 'node:module';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { child } from '../../runtime/log.js';
import {
  ZkError,
  type ZkClient,
  type ZkClientOptions,
  type ZkCreateMode,
  type ZkErrorCode,
  type ZkOp,
  type ZkOpResult,
  type ZkSessionEvent,
  type ZkStat,
  type ZkWatcher,
  type ZkWatchType,
} from './zk-client.js';

interface NzcException { getCode(): number; getName(): string }
interface NzcStat {
  czxid: Buffer; mzxid: Buffer; pzxid: Buffer; ctime: Buffer; mtime: Buffer;
  version: number; cversion: number; aversion: number; ephemeralOwner: Buffer;
  dataLength: number; numChildren: number;
}
interface NzcEvent { getType(): number; getPath(): string }
type Cb<T> = (err: NzcException | null, res: T) => void;
interface NzcTransaction {
  create(path: string, data: Buffer, acls: unknown, mode: number): NzcTransaction;
  setData(path: string, data: Buffer, version: number): NzcTransaction;
  remove(path: string, version: number): NzcTransaction;
  check(path: string, version: number): NzcTransaction;
  commit(cb: (err: NzcException | null, results: { type: number; path?: string; stat?: NzcStat; err?: number }[]) => void): void;
}
interface NzcClient {
  connect(): void;
  close(): void;
  on(ev: 'state', fn: (s: { getCode(): number; getName(): string }) => void): void;
  getSessionId(): Buffer;
  getSessionPassword(): Buffer;
  getData(path: string, w: ((e: NzcEvent) => void) | undefined, cb: (e: NzcException | null, d: Buffer | null, s: NzcStat) => void): void;
  getChildren(path: string, w: ((e: NzcEvent) => void) | undefined, cb: (e: NzcException | null, c: string[], s: NzcStat) => void): void;
  exists(path: string, w: ((e: NzcEvent) => void) | undefined, cb: Cb<NzcStat | null>): void;
  create(path: string, data: Buffer, acls: unknown, mode: number, cb: Cb<string>): void;
  setData(path: string, data: Buffer, version: number, cb: Cb<NzcStat>): void;
  remove(path: string, version: number, cb: (e: NzcException | null) => void): void;
  transaction(): NzcTransaction;
  connectionManager?: { socket?: Socket };
}
interface NzcModule {
  createClient(cs: string, o: { sessionTimeout: number; spinDelay: number; retries: number }): NzcClient;
  ACL: { OPEN_ACL_UNSAFE: unknown };
  CreateMode: { PERSISTENT: number; EPHEMERAL: number; PERSISTENT_SEQUENTIAL: number; EPHEMERAL_SEQUENTIAL: number };
}

const lib = createRequire(import.meta.url)('node-zookeeper-client') as NzcModule;

// node-zookeeper-client State codes.
const ST_SYNC_CONNECTED = 3;
const ST_DISCONNECTED = 0;
const ST_EXPIRED = -122;
// Event types.
const EV_TYPES: Record<number, ZkWatchType> = { 1: 'created', 2: 'deleted', 3: 'changed', 4: 'children' };
const ERR_NAMES: Record<number, ZkErrorCode> = {
  [-101]: 'NO_NODE', [-110]: 'NODE_EXISTS', [-103]: 'BAD_VERSION', [-111]: 'NOT_EMPTY',
  [-108]: 'NO_CHILDREN_FOR_EPHEMERALS', [-4]: 'CONNECTION_LOSS', [-112]: 'SESSION_EXPIRED',
  [-7]: 'OPERATION_TIMEOUT',
};

function u64(b: Buffer): bigint {
  return b.readBigUInt64BE(0);
}

function toStat(s: NzcStat): ZkStat {
  return {
    czxid: u64(s.czxid), mzxid: u64(s.mzxid), pzxid: u64(s.pzxid),
    ctime: Number(s.ctime.readBigInt64BE(0)), mtime: Number(s.mtime.readBigInt64BE(0)),
    version: s.version, cversion: s.cversion, aversion: s.aversion,
    ephemeralOwner: s.ephemeralOwner.toString('hex'),
    dataLength: s.dataLength, numChildren: s.numChildren,
  };
}

function modeOf(m: ZkCreateMode | undefined): number {
  switch (m ?? 'persistent') {
    case 'persistent': return lib.CreateMode.PERSISTENT;
    case 'ephemeral': return lib.CreateMode.EPHEMERAL;
    case 'persistent-sequential': return lib.CreateMode.PERSISTENT_SEQUENTIAL;
    case 'ephemeral-sequential': return lib.CreateMode.EPHEMERAL_SEQUENTIAL;
  }
}

function zkErr(e: NzcException, op: string, path: string, idx?: number): ZkError {
  return new ZkError(ERR_NAMES[e.getCode()] ?? 'OTHER', op, path, idx);
}

export class NzcZkClient implements ZkClient {
  private nzc: NzcClient | null = null;
  private readonly events = new EventEmitter();
  private readonly sessionTimeoutMs: number;
  private readonly opTimeoutMs: number;
  private readonly log: Logger = child('zk');
  private state: 'idle' | 'connecting' | 'connected' | 'disconnected' | 'closed' = 'idle';
  private everConnected = false;
  private sid = '';
  private probeTimer: NodeJS.Timeout | null = null;
  private probeSentAt = 0;
  private lastProgress = 0;
  private generation = 0;

  constructor(private readonly opts: ZkClientOptions) {
    this.sessionTimeoutMs = opts.sessionTimeoutMs ?? 30_000;
    this.opTimeoutMs = opts.opTimeoutMs ?? 30_000;
    this.events.setMaxListeners(0);
  }

  get sessionId(): string { return this.sid; }
  get connected(): boolean { return this.state === 'connected'; }

  connect(): Promise<void> {
    if (this.state === 'idle') this.open();
    return this.waitConnected('connect', '/');
  }

  private open(): void {
    const gen = ++this.generation;
    const c = lib.createClient(this.opts.connectString, {
      sessionTimeout: this.sessionTimeoutMs, spinDelay: 200, retries: 0,
    });
    this.nzc = c;
    this.state = 'connecting';
    this.lastProgress = Date.now();
    c.on('state', (s) => { if (gen === this.generation) this.onState(s.getCode()); });
    c.connect();
    this.startWatchdog();
  }

  private onState(code: number): void {
    if (code === ST_SYNC_CONNECTED) {
      const id = this.nzc?.getSessionId().toString('hex') ?? '';
      const same = this.everConnected && id === this.sid;
      this.sid = id;
      this.state = 'connected';
      this.everConnected = true;
      this.lastProgress = Date.now();
      this.probeSentAt = 0;
      this.log.info({ session: id }, same ? 'zk session reconnected' : 'zk session connected');
      this.emit(same ? 'reconnected' : 'connected');
    } else if (code === ST_DISCONNECTED) {
      if (this.state === 'connected') this.markDisconnected('socket closed');
    } else if (code === ST_EXPIRED) {
      this.log.warn({ session: this.sid }, 'zk session expired; opening a new session');
      this.state = 'disconnected';
      const old = this.nzc;
      this.generation++;
      this.emit('expired');
      try { old?.close(); } catch { /* already dead */ }
      if (!this.isClosed()) this.open();
    }
  }

  /** A method, not a field test, so that narrowing does not hide a close() made by a listener. */
  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private markDisconnected(why: string): void {
    this.state = 'disconnected';
    this.lastProgress = Date.now();
    this.log.warn({ session: this.sid, why }, 'zk connection lost');
    this.emit('disconnected');
  }

  private emit(ev: ZkSessionEvent): void {
    this.events.emit('session', ev);
  }

  /** The read-timeout probe (module doc, point 1). */
  private startWatchdog(): void {
    if (this.probeTimer !== null) return;
    const readTimeout = Math.floor((this.sessionTimeoutMs * 2) / 3);
    const tick = Math.max(100, Math.floor(this.sessionTimeoutMs / 10));
    this.probeTimer = setInterval(() => {
      const c = this.nzc;
      if (c === null || this.state === 'closed') return;
      const now = Date.now();
      if (this.state === 'connected') {
        if (this.probeSentAt !== 0) {
          if (now - this.probeSentAt > readTimeout) {
            this.probeSentAt = 0;
            this.markDisconnected(`no reply for ${readTimeout} ms`);
            c.connectionManager?.socket?.destroy();
          }
          return;
        }
        const gen = this.generation;
        this.probeSentAt = now;
        c.exists('/', undefined, () => { if (gen === this.generation) this.probeSentAt = 0; });
      } else if (now - this.lastProgress > readTimeout) {
        // A connect attempt that hangs (TCP accepted, no ConnectResponse): retry.
        this.lastProgress = now;
        c.connectionManager?.socket?.destroy();
      }
    }, tick);
    this.probeTimer.unref();
  }

  private waitConnected(op: string, path: string): Promise<void> {
    if (this.state === 'connected') return Promise.resolve();
    if (this.state === 'closed') return Promise.reject(new ZkError('CLOSED', op, path));
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => { off(); reject(new ZkError('OPERATION_TIMEOUT', op, path)); }, this.opTimeoutMs);
      const off = this.onSession((ev) => {
        if (ev === 'connected' || ev === 'reconnected') { clearTimeout(t); off(); resolve(); }
      });
    });
  }

  /** Runs one library call once connected, bounded by opTimeoutMs. */
  private async call<T>(op: string, path: string, fn: (c: NzcClient, done: (e: ZkError | null, v?: T) => void) => void): Promise<T> {
    await this.waitConnected(op, path);
    const c = this.nzc;
    if (c === null) throw new ZkError('CLOSED', op, path);
    return await new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => reject(new ZkError('OPERATION_TIMEOUT', op, path)), this.opTimeoutMs);
      fn(c, (e, v) => {
        clearTimeout(t);
        if (e !== null) reject(e);
        else resolve(v as T);
      });
    });
  }

  private wrapWatch(w: ZkWatcher | undefined): ((e: NzcEvent) => void) | undefined {
    if (w === undefined) return undefined;
    return (e) => {
      const type = EV_TYPES[e.getType()];
      if (type !== undefined) w({ type, path: e.getPath() });
    };
  }

  get(path: string, watch?: ZkWatcher): Promise<{ data: Buffer; stat: ZkStat }> {
    return this.call('get', path, (c, done) =>
      c.getData(path, this.wrapWatch(watch), (e, d, s) =>
        e ? done(zkErr(e, 'get', path)) : done(null, { data: d ?? Buffer.alloc(0), stat: toStat(s) })));
  }

  getChildren(path: string, watch?: ZkWatcher): Promise<{ children: string[]; stat: ZkStat }> {
    return this.call('getChildren', path, (c, done) =>
      c.getChildren(path, this.wrapWatch(watch), (e, ch, s) =>
        e ? done(zkErr(e, 'getChildren', path)) : done(null, { children: ch, stat: toStat(s) })));
  }

  exists(path: string, watch?: ZkWatcher): Promise<ZkStat | null> {
    return this.call('exists', path, (c, done) =>
      c.exists(path, this.wrapWatch(watch), (e, s) =>
        e ? done(zkErr(e, 'exists', path)) : done(null, s ? toStat(s) : null)));
  }

  create(path: string, data: Uint8Array, mode?: ZkCreateMode): Promise<string> {
    return this.call('create', path, (c, done) =>
      c.create(path, Buffer.from(data), lib.ACL.OPEN_ACL_UNSAFE, modeOf(mode), (e, p) =>
        e ? done(zkErr(e, 'create', path)) : done(null, p)));
  }

  async mkdirs(path: string): Promise<void> {
    const parts = path.split('/').filter((p) => p !== '');
    let cur = '';
    for (const p of parts) {
      cur += `/${p}`;
      if ((await this.exists(cur)) !== null) continue;
      try {
        await this.create(cur, new Uint8Array(0));
      } catch (e) {
        if (!(e instanceof ZkError && e.code === 'NODE_EXISTS')) throw e;
      }
    }
  }

  setData(path: string, data: Uint8Array, version: number): Promise<ZkStat> {
    return this.call('setData', path, (c, done) =>
      c.setData(path, Buffer.from(data), version, (e, s) =>
        e ? done(zkErr(e, 'setData', path)) : done(null, toStat(s))));
  }

  delete(path: string, version: number): Promise<void> {
    return this.call('delete', path, (c, done) =>
      c.remove(path, version, (e) => (e ? done(zkErr(e, 'delete', path)) : done(null))));
  }

  multi(ops: readonly ZkOp[]): Promise<ZkOpResult[]> {
    const first = ops[0]?.path ?? '/';
    return this.call('multi', first, (c, done) => {
      let tx = c.transaction();
      for (const o of ops) {
        switch (o.op) {
          case 'create': tx = tx.create(o.path, Buffer.from(o.data), lib.ACL.OPEN_ACL_UNSAFE, modeOf(o.mode)); break;
          case 'set': tx = tx.setData(o.path, Buffer.from(o.data), o.version); break;
          case 'delete': tx = tx.remove(o.path, o.version); break;
          case 'check': tx = tx.check(o.path, o.version); break;
        }
      }
      tx.commit((e, results) => {
        if (e) {
          // The failing op carries the real code; the others say "rolled back" (-2).
          const idx = results?.findIndex((r) => r.err !== undefined && r.err !== 0 && r.err !== -2) ?? -1;
          const at = idx >= 0 ? ops[idx] : undefined;
          done(zkErr(e, 'multi', at?.path ?? first, idx >= 0 ? idx : undefined));
          return;
        }
        done(null, ops.map((o, i): ZkOpResult => {
          const r = results[i];
          switch (o.op) {
            case 'create': return { op: 'create', path: r?.path ?? o.path };
            case 'set': return { op: 'set', stat: r?.stat ? toStat(r.stat) : null };
            case 'delete': return { op: 'delete' };
            case 'check': return { op: 'check' };
          }
        }));
      });
    });
  }

  onSession(listener: (ev: ZkSessionEvent) => void): () => void {
    this.events.on('session', listener);
    return () => this.events.off('session', listener);
  }

  credentials(): { id: Buffer; password: Buffer } {
    return { id: this.nzc?.getSessionId() ?? Buffer.alloc(8), password: this.nzc?.getSessionPassword() ?? Buffer.alloc(16) };
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const wasConnected = this.state === 'connected';
    this.state = 'closed';
    this.generation++;
    if (this.probeTimer !== null) clearInterval(this.probeTimer);
    this.probeTimer = null;
    const c = this.nzc;
    this.nzc = null;
    if (c === null) return;
    c.close();
    if (!wasConnected) c.connectionManager?.socket?.destroy();
    // Give the closeSession packet a moment to leave so ephemerals vanish at once.
    await new Promise((r) => setTimeout(r, wasConnected ? 50 : 0));
  }
}

export function createZkClient(opts: ZkClientOptions): ZkClient {
  return new NzcZkClient(opts);
}
