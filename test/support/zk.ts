/**
 * A real ZooKeeper server for service tests: the Debian `zookeeper` package's
 * 3.8 jar run standalone (`ZooKeeperServerMain`) on a free loopback port with a
 * throw-away data directory.
 *
 * Words:
 *  - server: one JVM process; `stop()` kills it but keeps the data directory, so
 *    `start()` brings back the same tree and the same sessions (sessions survive
 *    a restart shorter than their timeout: ZooKeeper persists them in its log).
 *  - session kill: `expireSession(id, passwd)` attaches a second connection to
 *    the session and closes it (as ZooKeeper's own tests expire a session),
 *    until the server confirms the session is gone; the original client then
 *    sees SESSION_EXPIRED on its next (re)connect. Spoken with raw jute frames
 *    so that it does not depend on the client library under test.
 *
 * Contract: `startZk()` either resolves with a server answering `srvr` or
 * throws with the JVM's output. It never skips. Needs `java` and
 * /usr/share/java/zookeeper.jar (apt: zookeeper, default-jre-headless);
 * `MM_ZK_CLASSPATH` / `MM_JAVA` override the locations.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createZkClient, type ZkClient, type ZkClientOptions } from '../../agent/nsdb/zk/index.js';

const CLASSPATH = process.env['MM_ZK_CLASSPATH'] ?? '/usr/share/java/zookeeper.jar';
const JAVA = process.env['MM_JAVA'] ?? 'java';
const READY_TIMEOUT_MS = 45_000;

export interface ZkServerOptions {
  /** ZooKeeper tick; the minimum session timeout is twice this. */
  readonly tickTimeMs?: number;
}

export interface ZkServer {
  readonly port: number;
  readonly connectString: string;
  readonly dataDir: string;
  /** Starts the JVM (again) on the same port and data dir; resolves when ready. */
  start(): Promise<void>;
  /** Kills the JVM (SIGKILL: no clean session close) and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills the session with this id and password (see module doc). */
  expireSession(sessionId: Buffer, password: Buffer): Promise<void>;
  /**
   * Freezes the JVM (SIGSTOP): connections stay open but nothing answers, as in
   * a network partition. `resume()` (SIGCONT) thaws it.
   */
  pause(): void;
  resume(): void;
  /** One four-letter-word command; resolves with the reply text. */
  fourLetter(cmd: string): Promise<string>;
  /** Stops the server and deletes the data directory. */
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function fourLetter(port: number, cmd: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = createConnection({ host: '127.0.0.1', port }, () => sock.write(cmd));
    sock.setTimeout(timeoutMs, () => sock.destroy(new Error(`4lw ${cmd} timed out`)));
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.on('error', reject);
    sock.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function startZk(opts: ZkServerOptions = {}): Promise<ZkServer> {
  if (!existsSync(CLASSPATH.split(':')[0] ?? '')) {
    throw new Error(
      `ZooKeeper jar not found at ${CLASSPATH}: install the Debian packages "zookeeper" and ` +
        `"default-jre-headless" (or set MM_ZK_CLASSPATH)`,
    );
  }
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'mm-zk-'));
  const tick = opts.tickTimeMs ?? 500;
  const cfg = join(dataDir, 'zoo.cfg');
  writeFileSync(
    cfg,
    [
      `tickTime=${tick}`,
      `dataDir=${join(dataDir, 'data')}`,
      `clientPort=${port}`,
      'clientPortAddress=127.0.0.1',
      'admin.enableServer=false',
      '4lw.commands.whitelist=ruok,srvr,stat,cons,mntr',
      `minSessionTimeout=${2 * tick}`,
      'maxSessionTimeout=120000',
      'maxClientCnxns=0',
      '',
    ].join('\n'),
  );
  let child: ChildProcess | null = null;
  let output = '';
  const killOnExit = (): void => {
    child?.kill('SIGKILL');
  };
  process.on('exit', killOnExit);

  async function start(): Promise<void> {
    if (child !== null) return;
    output = '';
    const proc = spawn(
      JAVA,
      [
        '-Xmx256m',
        '-XX:+UseSerialGC',
        '-XX:TieredStopAtLevel=1',
        `-Dzookeeper.log.dir=${dataDir}`,
        '-Dzookeeper.jmx.log4j.disable=true',
        '-cp',
        CLASSPATH,
        'org.apache.zookeeper.server.ZooKeeperServerMain',
        cfg,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    let exited: string | null = null;
    proc.on('error', (e) => {
      exited = `spawn failed: ${e.message}`;
    });
    proc.on('exit', (code, sig) => {
      exited = `exited code=${code} signal=${sig}`;
      if (child === proc) child = null;
    });
    const keep = (d: Buffer): void => {
      if (output.length < 20_000) output += d.toString('utf8');
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (exited !== null) throw new Error(`ZooKeeper ${exited} before ready:\n${output}`);
      try {
        const r = await fourLetter(port, 'srvr', 1000);
        if (r.includes('Mode: standalone')) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`ZooKeeper not ready on port ${port} after ${READY_TIMEOUT_MS} ms:\n${output}`);
      }
      await sleep(150);
    }
  }

  async function stop(): Promise<void> {
    const proc = child;
    if (proc === null) return;
    const gone = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill('SIGCONT');
    proc.kill('SIGKILL');
    await gone;
    child = null;
  }

  await start();
  return {
    port,
    connectString: `127.0.0.1:${port}`,
    dataDir,
    start,
    stop,
    expireSession: (id, pw) => expireSession(port, id, pw),
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
    fourLetter: (cmd) => fourLetter(port, cmd),
    async close() {
      await stop();
      process.off('exit', killOnExit);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Kill a session from outside: attach to it with a raw ConnectRequest carrying
 * its id and password and, pipelined on the same connection, send closeSession
 * (op -11). The owner's client may win the session back before the close is
 * read (the server drops the older connection of a session), so repeat until
 * an attach is answered with timeout 0: the server's word that the session is
 * gone. Frames: int32 length, then jute fields.
 */
async function expireSession(port: number, sessionId: Buffer, password: Buffer): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    if ((await attachAndClose(port, sessionId, password)) === 'gone') return;
    await sleep(50);
  }
  throw new Error(`session ${sessionId.toString('hex')} survived 20 close attempts`);
}

function attachAndClose(port: number, sessionId: Buffer, password: Buffer): Promise<'gone' | 'closed'> {
  return new Promise((resolve, reject) => {
    const sock = createConnection({ host: '127.0.0.1', port });
    sock.setTimeout(5000, () => sock.destroy(new Error('expireSession timed out')));
    let buf = Buffer.alloc(0);
    let answer: 'gone' | 'closed' = 'closed';
    sock.on('connect', () => {
      const body = Buffer.alloc(4 + 8 + 4 + 8 + 4 + password.length + 1);
      let o = 0;
      o = body.writeInt32BE(0, o); // protocolVersion
      body.fill(0, o, o + 8); // lastZxidSeen
      o += 8;
      o = body.writeInt32BE(30_000, o); // timeOut
      o += sessionId.copy(body, o, 0, 8);
      o = body.writeInt32BE(password.length, o);
      o += password.copy(body, o);
      body.writeUInt8(0, o); // readOnly
      const hdr = Buffer.alloc(8);
      hdr.writeInt32BE(1, 0); // xid
      hdr.writeInt32BE(-11, 4); // closeSession
      sock.write(Buffer.concat([frame(body), frame(hdr)]));
    });
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 4) return;
      const len = buf.readInt32BE(0);
      if (buf.length < 4 + len) return;
      const msg = buf.subarray(4, 4 + len);
      // ConnectResponse: protocolVersion, timeOut, ... A zero timeout: no such session.
      if (msg.length >= 8 && msg.readInt32BE(4) === 0) answer = 'gone';
      buf = buf.subarray(4 + len);
      if (answer === 'gone') sock.destroy();
    });
    sock.on('error', reject);
    sock.on('close', () => resolve(answer));
  });
}

function frame(body: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeInt32BE(body.length, 0);
  return Buffer.concat([len, body]);
}

/**
 * A TCP relay in front of the server, to cut ONE client off while others keep
 * writing (a partition seen by that client only). `cut()` drops every relayed
 * connection and refuses new ones until `heal()`.
 */
export interface ZkProxy {
  readonly connectString: string;
  cut(): void;
  heal(): void;
  close(): Promise<void>;
}

export async function startZkProxy(targetPort: number): Promise<ZkProxy> {
  const { Socket } = await import('node:net');
  const open = new Set<InstanceType<typeof Socket>>();
  let isCut = false;
  const srv = createServer((down) => {
    if (isCut) {
      down.destroy();
      return;
    }
    const up = createConnection({ host: '127.0.0.1', port: targetPort });
    open.add(down);
    open.add(up);
    const drop = (): void => {
      down.destroy();
      up.destroy();
      open.delete(down);
      open.delete(up);
    };
    down.on('error', drop);
    up.on('error', drop);
    down.on('close', drop);
    up.on('close', drop);
    down.pipe(up);
    up.pipe(down);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const addr = srv.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  return {
    connectString: `127.0.0.1:${port}`,
    cut() {
      isCut = true;
      for (const s of open) s.destroy();
      open.clear();
    },
    heal() {
      isCut = false;
    },
    async close() {
      for (const s of open) s.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
    },
  };
}

/**
 * Clients made through `testClient` are closed by `closeTestClients()` (call it
 * in `after`), so a failed test cannot leave a client reconnecting forever and
 * keep the test process alive.
 */
const openClients = new Set<ZkClient>();

export function testClient(opts: ZkClientOptions): ZkClient {
  const c = createZkClient(opts);
  openClients.add(c);
  return c;
}

export async function closeTestClients(): Promise<void> {
  for (const c of openClients) await c.close().catch(() => undefined);
  openClients.clear();
}
