/**
 * The ZooKeeper client as the agent sees it: a small typed surface with no
 * library types, so that the library underneath (zk-nzc.ts) can be replaced.
 *
 * Words:
 *  - session: what ephemeral nodes and watches belong to. Its life is reported
 *    as `ZkSessionEvent`s:
 *      connected     a NEW session is up (first connect, or after an expiry);
 *                    everything ephemeral must be (re)created and watches re-set.
 *      disconnected  the connection is lost (socket closed or the server stayed
 *                    silent for 2/3 of the session timeout); the session may live.
 *      reconnected   the same session is back; the server re-armed the watches
 *                    and fired those whose node changed meanwhile.
 *      expired       the session is gone with its ephemerals and watches; a new
 *                    one is being opened (a `connected` follows).
 *  - watch: one-shot, as in ZooKeeper. Set by passing a `ZkWatcher` to a read.
 *  - version: ZooKeeper data version; -1 means "any" (unversioned).
 *
 * Contract: every operation resolves or rejects with a `ZkError` whose `code`
 * is ZooKeeper's error name (NO_NODE, NODE_EXISTS, BAD_VERSION, NOT_EMPTY,
 * CONNECTION_LOSS, SESSION_EXPIRED, OPERATION_TIMEOUT, ...). An operation
 * issued while disconnected waits for the connection, at most `opTimeoutMs`.
 */

export type ZkSessionEvent = 'connected' | 'disconnected' | 'reconnected' | 'expired';

export type ZkCreateMode = 'persistent' | 'ephemeral' | 'persistent-sequential' | 'ephemeral-sequential';

export interface ZkStat {
  readonly czxid: bigint;
  readonly mzxid: bigint;
  readonly pzxid: bigint;
  readonly ctime: number;
  readonly mtime: number;
  readonly version: number;
  readonly cversion: number;
  readonly aversion: number;
  /** Owning session id as 16 hex digits; all zeros for persistent nodes. */
  readonly ephemeralOwner: string;
  readonly dataLength: number;
  readonly numChildren: number;
}

export type ZkWatchType = 'created' | 'deleted' | 'changed' | 'children';

export interface ZkWatchEvent {
  readonly type: ZkWatchType;
  readonly path: string;
}

export type ZkWatcher = (ev: ZkWatchEvent) => void;

export type ZkOp =
  | { readonly op: 'create'; readonly path: string; readonly data: Uint8Array; readonly mode?: ZkCreateMode }
  | { readonly op: 'set'; readonly path: string; readonly data: Uint8Array; readonly version: number }
  | { readonly op: 'delete'; readonly path: string; readonly version: number }
  | { readonly op: 'check'; readonly path: string; readonly version: number };

export type ZkOpResult =
  | { readonly op: 'create'; readonly path: string }
  | { readonly op: 'set'; readonly stat: ZkStat | null }
  | { readonly op: 'delete' }
  | { readonly op: 'check' };

export type ZkErrorCode =
  | 'NO_NODE'
  | 'NODE_EXISTS'
  | 'BAD_VERSION'
  | 'NOT_EMPTY'
  | 'NO_CHILDREN_FOR_EPHEMERALS'
  | 'CONNECTION_LOSS'
  | 'SESSION_EXPIRED'
  | 'OPERATION_TIMEOUT'
  | 'CLOSED'
  | 'OTHER';

/** A failed ZooKeeper call. `opIndex` names the failing op of a multi. */
export class ZkError extends Error {
  readonly mmCode: string;
  constructor(
    readonly code: ZkErrorCode,
    readonly op: string,
    readonly path: string,
    readonly opIndex?: number,
  ) {
    super(`ZooKeeper ${op} ${path}: ${code}${opIndex === undefined ? '' : ` (op #${opIndex})`}`);
    this.name = 'ZkError';
    this.mmCode = code === 'SESSION_EXPIRED' ? 'MM_ERR_ZK_SESSION_LOST' : `MM_ERR_ZK_${code}`;
  }
}

export function isZkError(e: unknown, code?: ZkErrorCode): e is ZkError {
  return e instanceof ZkError && (code === undefined || e.code === code);
}

export interface ZkClientOptions {
  /** `host:port[,host:port...]` */
  readonly connectString: string;
  /** Requested session timeout (the server may clamp it). Default 30 s. */
  readonly sessionTimeoutMs?: number;
  /** How long an operation may wait for a connection and its reply. Default 30 s. */
  readonly opTimeoutMs?: number;
}

export interface ZkClient {
  /** Current session id, 16 hex digits ('' before the first connect). */
  readonly sessionId: string;
  readonly connected: boolean;
  /** Resolves once the first session is established (rejects after opTimeoutMs). */
  connect(): Promise<void>;
  get(path: string, watch?: ZkWatcher): Promise<{ data: Buffer; stat: ZkStat }>;
  getChildren(path: string, watch?: ZkWatcher): Promise<{ children: string[]; stat: ZkStat }>;
  /** null when absent; with a watcher, the watch also fires on creation. */
  exists(path: string, watch?: ZkWatcher): Promise<ZkStat | null>;
  /** Resolves with the created path (with the sequence suffix if sequential). */
  create(path: string, data: Uint8Array, mode?: ZkCreateMode): Promise<string>;
  /** Creates every missing persistent ancestor and the node itself; existing nodes are fine. */
  mkdirs(path: string): Promise<void>;
  setData(path: string, data: Uint8Array, version: number): Promise<ZkStat>;
  delete(path: string, version: number): Promise<void>;
  /** All-or-nothing; rejects with the first failing op's code and index. */
  multi(ops: readonly ZkOp[]): Promise<ZkOpResult[]>;
  /** Subscribe to session events; returns the unsubscribe function. */
  onSession(listener: (ev: ZkSessionEvent) => void): () => void;
  /** For tests that kill the session from outside. */
  credentials(): { id: Buffer; password: Buffer };
  close(): Promise<void>;
}
