/**
 * The typed facade of the native netlink addon (native/src/*.cc) — the only module that loads it.
 *
 * Words:
 *  - fd: a netlink socket, as a plain number. `open` makes it non-blocking and close-on-exec and
 *    binds it so the kernel picks its port id, which `pid` returns (OVS's "upcall PID").
 *  - result numbers: every call returns a non-negative result or a negative errno; nothing throws
 *    except programming errors (bad argument types, ranges outside a buffer). Names for errnos
 *    come from ./errno.ts.
 *  - slots: `recvBatch` receives up to `maxSlots` datagrams with one recvmmsg, datagram i into
 *    `buf[i*slotSize …]`, and writes [length, msg_flags] pairs into `meta`. The caller owns `buf`
 *    and `meta`; the addon keeps no reference after returning.
 *  - Poller: calls back on the event loop thread when the fd is readable (level-triggered); the
 *    callback must drain the socket until -EAGAIN. close() it before dropping it.
 *
 * The addon holds no policy: buffer sizes, socket options and retries are the caller's choice.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export { errnoName, errnoNumber } from './errno.js';

/** Netlink protocols (linux/netlink.h). */
export const NETLINK_ROUTE = 0;
export const NETLINK_GENERIC = 16;
/** SOL_NETLINK options (linux/netlink.h). */
export const NETLINK_ADD_MEMBERSHIP = 1;
export const NETLINK_DROP_MEMBERSHIP = 2;
export const NETLINK_BROADCAST_ERROR = 4;
export const NETLINK_NO_ENOBUFS = 5;
export const NETLINK_CAP_ACK = 10;
export const NETLINK_EXT_ACK = 11;
/** rtnetlink multicast group bit for link add/del/change (linux/rtnetlink.h). */
export const RTMGRP_LINK = 1;
/** msg_flags bit reported by recvBatch when a datagram was longer than its slot. */
export const MSG_TRUNC = 0x20;
/** Buffer selectors for setBuffer. */
export const RCVBUF = 0;
export const SNDBUF = 1;

export interface PollerHandle {
  /** Starts watching for readability: 0 or a negative errno. */
  start(): number;
  /** Stops watching; the handle can be started again. */
  stop(): number;
  /** Releases the handle; the poller cannot be used afterwards. */
  close(): void;
}

/** Readability watcher: `callback(status, events)` with status 0 or a negative errno. */
export type PollerCtor = new (fd: number, callback: (status: number, events: number) => void) => PollerHandle;

export interface NetlinkAddon {
  open(protocol: number, groups: number): number;
  close(fd: number): number;
  pid(fd: number): number;
  /** SO_RCVBUFFORCE/SO_SNDBUFFORCE, falling back to the unforced option; returns the effective size. */
  setBuffer(fd: number, which: typeof RCVBUF | typeof SNDBUF, bytes: number): number;
  setNetlinkOpt(fd: number, option: number, value: number): number;
  /** Reads and clears SO_ERROR (a positive errno, or 0). */
  pendingError(fd: number): number;
  send(fd: number, buf: Uint8Array, off: number, len: number): number;
  /** One sendmmsg, one datagram per (offset, length); returns how many were sent. */
  sendBatch(fd: number, buf: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, count: number): number;
  /** One datagram into buf[off, off+len): its length, -EAGAIN when none, -EMSGSIZE when cut. */
  recv(fd: number, buf: Uint8Array, off: number, len: number): number;
  recvBatch(fd: number, buf: Uint8Array, slotSize: number, maxSlots: number, meta: Int32Array): number;
  /** Blocks up to timeoutMs (poll(2)): 1 readable, 0 timed out. For tools without an event loop. */
  waitReadable(fd: number, timeoutMs: number): number;
  Poller: PollerCtor;
}

const ADDON_FILE = join('native', 'build', 'Release', 'mm_netlink.node');

/** The addon's path: $MM_NATIVE_ADDON, else native/build/Release under the first ancestor holding it. */
export function addonPath(): string {
  const override = process.env['MM_NATIVE_ADDON'];
  if (override !== undefined && override !== '') return override;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, ADDON_FILE);
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new Error(`native addon ${ADDON_FILE} not found above ${dirname(fileURLToPath(import.meta.url))}: run \`npm ci\` or \`sh native/build.sh\``);
    dir = up;
  }
}

let loaded: NetlinkAddon | undefined;

/** Loads the addon once (synchronously: it is needed before any socket exists). */
export function netlink(): NetlinkAddon {
  if (loaded === undefined) {
    const require = createRequire(import.meta.url);
    loaded = require(addonPath()) as NetlinkAddon;
  }
  return loaded;
}
