/**
 * errno numbers ↔ names. The addon returns failures as negative errno numbers; everything above it
 * speaks names ('EEXIST', 'ENOENT') so errors read the same in logs, tests and `NetlinkError.code`.
 * The table is Node's own (os.constants.errno), i.e. the platform's values, not a copy.
 */
import { constants } from 'node:os';

const byNumber = new Map<number, string>();
for (const [name, num] of Object.entries(constants.errno)) {
  // Aliases (EWOULDBLOCK = EAGAIN, EDEADLOCK = EDEADLK): keep the first, conventional name.
  if (!byNumber.has(num)) byNumber.set(num, name);
}

/** The errno name for a positive or negative errno number ('E123' when unknown). */
export function errnoName(errno: number): string {
  const n = Math.abs(errno);
  return byNumber.get(n) ?? `E${n}`;
}

/** The number for an errno name; throws for a name the platform does not have. */
export function errnoNumber(name: keyof typeof constants.errno): number {
  return constants.errno[name];
}

export const EAGAIN = constants.errno.EAGAIN;
export const EINTR = constants.errno.EINTR;
export const ENOBUFS = constants.errno.ENOBUFS;
export const EMSGSIZE = constants.errno.EMSGSIZE;
export const EEXIST = constants.errno.EEXIST;
export const ENOENT = constants.errno.ENOENT;
export const ENODEV = constants.errno.ENODEV;
export const EINVAL = constants.errno.EINVAL;
export const ETIMEDOUT = constants.errno.ETIMEDOUT;
