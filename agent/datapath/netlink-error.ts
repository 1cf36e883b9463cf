/**
 * NetlinkError: a failed netlink operation at the edge of the agent, as a coded value.
 *
 * `errno` is the positive kernel errno, `code` its name ('EEXIST', 'ENOENT', 'EINVAL', 'ETIMEDOUT'
 * for a reply that never came), `op` the datapath operation that failed ('flow-put', 'vport-create').
 * Callers branch on `code` (a flow put answered EEXIST means a sibling upcall already installed it),
 * never on the message text. `mmCode` is the stable project-wide code for logs and metrics.
 */
import { errnoName } from '../../native/lib/index.js';

/** Every datapath operation that can fail, named as logs and tests name them. */
export type DpOp =
  | 'socket-open' | 'socket-option' | 'send' | 'recv' | 'family-lookup'
  | 'dp-create' | 'dp-get' | 'dp-delete' | 'dp-dump' | 'dp-set'
  | 'vport-create' | 'vport-get' | 'vport-delete' | 'vport-dump'
  | 'flow-put' | 'flow-get' | 'flow-delete' | 'flow-dump' | 'flow-flush'
  | 'packet-execute' | 'upcall-recv' | 'link-dump' | 'link-monitor';

export class NetlinkError extends Error {
  readonly mmCode = 'MM_ERR_NETLINK';
  /** Positive errno. */
  readonly errno: number;
  /** errno name, e.g. 'EEXIST'. */
  readonly code: string;
  readonly op: DpOp;

  constructor(errno: number, op: DpOp, detail?: string) {
    const n = Math.abs(errno);
    const code = errnoName(n);
    super(`${op} failed: ${code}${detail !== undefined ? ` (${detail})` : ''}`);
    this.name = 'NetlinkError';
    this.errno = n;
    this.code = code;
    this.op = op;
  }
}

/** True for a NetlinkError with one of the given codes. */
export function isNetlinkError(e: unknown, ...codes: string[]): e is NetlinkError {
  return e instanceof NetlinkError && (codes.length === 0 || codes.includes(e.code));
}
