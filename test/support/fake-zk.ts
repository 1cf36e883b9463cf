/**
 * An in-memory ZooKeeper tree behind the `ZkClient` surface, for unit tests of
 * code that only reads, writes and multis (ZOOM transactions, the topology
 * import). No sessions, no watches, no ephemerals: those calls are inert.
 *
 * Contract: the ZooKeeper rules the ZOOM writer depends on hold — create needs
 * the parent and fails NODE_EXISTS, set/delete check versions (BAD_VERSION),
 * delete needs no children (NOT_EMPTY), and `multi` is all-or-nothing, failing
 * with the first failing op's code and index. `multis` counts committed
 * multis, `ops` their ops and `gets` the reads, so a test can see what one commit did.
 */
import type { ZkClient, ZkCreateMode, ZkOp, ZkOpResult, ZkStat } from '../../agent/nsdb/zk/index.js';
import { ZkError } from '../../agent/nsdb/zk/index.js';

interface Node {
  data: Buffer;
  version: number;
  cversion: number;
}

function stat(n: Node, children: number): ZkStat {
  return {
    czxid: 0n, mzxid: 0n, pzxid: 0n, ctime: 0, mtime: 0,
    version: n.version, cversion: n.cversion, aversion: 0,
    ephemeralOwner: '0000000000000000', dataLength: n.data.length, numChildren: children,
  };
}

const parentOf = (path: string): string => path.slice(0, Math.max(path.lastIndexOf('/'), 0)) || '/';

export class FakeZk implements ZkClient {
  readonly sessionId = '0000000000000001';
  readonly connected = true;
  nodes = new Map<string, Node>([['/', { data: Buffer.alloc(0), version: 0, cversion: 0 }]]);
  multis = 0;
  gets = 0;
  ops: ZkOp[][] = [];

  async connect(): Promise<void> {}
  async close(): Promise<void> {}
  onSession(): () => void {
    return () => {};
  }
  credentials(): { id: Buffer; password: Buffer } {
    return { id: Buffer.alloc(8), password: Buffer.alloc(16) };
  }

  private children(path: string): string[] {
    const prefix = path === '/' ? '/' : `${path}/`;
    const out: string[] = [];
    for (const p of this.nodes.keys()) {
      if (p !== path && p.startsWith(prefix) && !p.slice(prefix.length).includes('/')) out.push(p.slice(prefix.length));
    }
    return out.sort();
  }

  private node(path: string, op: string): Node {
    const n = this.nodes.get(path);
    if (n === undefined) throw new ZkError('NO_NODE', op, path);
    return n;
  }

  async get(path: string): Promise<{ data: Buffer; stat: ZkStat }> {
    this.gets++;
    const n = this.node(path, 'get');
    return { data: Buffer.from(n.data), stat: stat(n, this.children(path).length) };
  }

  async getChildren(path: string): Promise<{ children: string[]; stat: ZkStat }> {
    const n = this.node(path, 'getChildren');
    const children = this.children(path);
    return { children, stat: stat(n, children.length) };
  }

  async exists(path: string): Promise<ZkStat | null> {
    const n = this.nodes.get(path);
    return n === undefined ? null : stat(n, this.children(path).length);
  }

  async create(path: string, data: Uint8Array, _mode?: ZkCreateMode): Promise<string> {
    this.apply(this.nodes, { op: 'create', path, data }, 'create');
    return path;
  }

  async mkdirs(path: string): Promise<void> {
    const parts = path.split('/').filter((p) => p !== '');
    let cur = '';
    for (const p of parts) {
      cur += `/${p}`;
      if (!this.nodes.has(cur)) this.apply(this.nodes, { op: 'create', path: cur, data: new Uint8Array(0) }, 'mkdirs');
    }
  }

  async setData(path: string, data: Uint8Array, version: number): Promise<ZkStat> {
    this.apply(this.nodes, { op: 'set', path, data, version }, 'setData');
    return stat(this.node(path, 'setData'), this.children(path).length);
  }

  async delete(path: string, version: number): Promise<void> {
    this.apply(this.nodes, { op: 'delete', path, version }, 'delete');
  }

  async multi(ops: readonly ZkOp[]): Promise<ZkOpResult[]> {
    const copy = new Map([...this.nodes].map(([p, n]) => [p, { ...n }] as const));
    const saved = this.nodes;
    this.nodes = copy;
    try {
      ops.forEach((op, i) => this.apply(copy, op, 'multi', i));
    } catch (e) {
      this.nodes = saved;
      throw e;
    }
    this.multis++;
    this.ops.push([...ops]);
    return ops.map((op): ZkOpResult => op.op === 'create' ? { op: 'create', path: op.path }
      : op.op === 'set' ? { op: 'set', stat: null } : op.op === 'delete' ? { op: 'delete' } : { op: 'check' });
  }

  private apply(nodes: Map<string, Node>, op: ZkOp, name: string, index?: number): void {
    const fail = (code: 'NO_NODE' | 'NODE_EXISTS' | 'BAD_VERSION' | 'NOT_EMPTY'): never => {
      throw new ZkError(code, name, op.path, index);
    };
    const n = nodes.get(op.path);
    if (op.op === 'create') {
      if (n !== undefined) fail('NODE_EXISTS');
      const parent = nodes.get(parentOf(op.path));
      if (parent === undefined) fail('NO_NODE');
      else parent.cversion++;
      nodes.set(op.path, { data: Buffer.from(op.data), version: 0, cversion: 0 });
      return;
    }
    if (n === undefined) return fail('NO_NODE');
    if (op.version !== -1 && op.version !== n.version) fail('BAD_VERSION');
    if (op.op === 'set') {
      nodes.set(op.path, { ...n, data: Buffer.from(op.data), version: n.version + 1 });
    } else if (op.op === 'delete') {
      const prefix = `${op.path}/`;
      for (const p of nodes.keys()) if (p.startsWith(prefix)) fail('NOT_EMPTY');
      nodes.delete(op.path);
    }
  }
}
