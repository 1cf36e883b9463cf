/**
 * NlChannel: one netlink socket from the native addon plus the request/reply discipline on it.
 *
 * Words:
 *  - channel: an open socket with its kernel-assigned `pid` (the upcall PID when the channel
 *    serves a vport), a sequence counter and one receive buffer it owns.
 *  - transact: send one request and consume its replies — a single reply, an ACK, or a dump's
 *    parts up to NLMSG_DONE — handing each reply message to the caller in place (valid only
 *    during the callback). An NLMSG_ERROR for that seq becomes a NetlinkError naming the op.
 *  - stray: a message for another seq, e.g. the error of an earlier fire-and-forget flow put.
 *    It goes to `onStray` (EEXIST accounting lives above), never silently dropped.
 *
 * Why transact is synchronous: the kernel processes a generic-netlink request inside the
 * sender's sendmsg and queues the reply before it returns, and it produces each further dump part
 * inside our recvmsg. So the wait below never actually blocks on a healthy kernel; the poll(2)
 * with a timeout is only a guard, reported as ETIMEDOUT. Upcall reception is asynchronous
 * (Poller, see dpif-netlink.ts).
 *
 * Socket options follow MidoNet (datapath.md §1.1): 2 MiB receive buffer (forced when
 * CAP_NET_ADMIN allows), NETLINK_BROADCAST_ERROR and NETLINK_NO_ENOBUFS on generic channels.
 */
import {
  netlink, NETLINK_BROADCAST_ERROR, NETLINK_GENERIC, NETLINK_NO_ENOBUFS, RCVBUF,
} from '../../native/lib/index.js';
import { EAGAIN, EINTR, ETIMEDOUT } from '../../native/lib/errno.js';
import { NetlinkError, type DpOp } from './netlink-error.js';
import { NlMessages } from './nl-reader.js';

export interface NlChannelOptions {
  /** Netlink protocol (default NETLINK_GENERIC). */
  readonly protocol?: number;
  /** Multicast group bitmask to bind to (default 0: none). */
  readonly groups?: number;
  /** Receive buffer bytes (default 2 MiB). */
  readonly rcvbuf?: number;
  /** Set NETLINK_NO_ENOBUFS (default true for generic netlink, as MidoNet does). */
  readonly noEnobufs?: boolean;
  /** Size of the channel's own receive buffer (default 64 KiB: the largest dump datagram). */
  readonly bufSize?: number;
}

export const DEFAULT_RCVBUF = 2 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 5000;

export class NlChannel {
  readonly fd: number;
  readonly pid: number;
  /** Effective SO_RCVBUF as the kernel reports it (twice what was asked: kernel bookkeeping). */
  readonly rcvbuf: number;
  readonly rx: Uint8Array;
  /** Messages that answered another seq (see the module comment). */
  onStray: (seq: number, errno: number) => void = () => {};
  private seq = 1;
  private closed = false;
  private readonly cursor = new NlMessages();

  private constructor(fd: number, pid: number, rcvbuf: number, bufSize: number) {
    this.fd = fd;
    this.pid = pid;
    this.rcvbuf = rcvbuf;
    this.rx = new Uint8Array(bufSize);
  }

  static open(opts: NlChannelOptions = {}): NlChannel {
    const nl = netlink();
    const protocol = opts.protocol ?? NETLINK_GENERIC;
    const fd = nl.open(protocol, opts.groups ?? 0);
    if (fd < 0) throw new NetlinkError(-fd, 'socket-open');
    const fail = (rc: number, what: string): never => {
      nl.close(fd);
      throw new NetlinkError(-rc, 'socket-option', what);
    };
    const rcvbuf = nl.setBuffer(fd, RCVBUF, opts.rcvbuf ?? DEFAULT_RCVBUF);
    if (rcvbuf < 0) fail(rcvbuf, 'SO_RCVBUF');
    if (protocol === NETLINK_GENERIC) {
      const rc = nl.setNetlinkOpt(fd, NETLINK_BROADCAST_ERROR, 1);
      if (rc < 0) fail(rc, 'NETLINK_BROADCAST_ERROR');
    }
    if (opts.noEnobufs ?? protocol === NETLINK_GENERIC) {
      const rc = nl.setNetlinkOpt(fd, NETLINK_NO_ENOBUFS, 1);
      if (rc < 0) fail(rc, 'NETLINK_NO_ENOBUFS');
    }
    const pid = nl.pid(fd);
    if (pid < 0) fail(pid, 'getsockname');
    return new NlChannel(fd, pid, rcvbuf, opts.bufSize ?? 65536);
  }

  /** A fresh sequence number (never 0: seq 0 with pid 0 marks an upcall). */
  nextSeq(): number {
    const s = this.seq;
    this.seq = this.seq >= 0x7fffffff ? 1 : this.seq + 1;
    return s;
  }

  /** Sends one datagram; throws NetlinkError(op) if the kernel refuses it. */
  send(bytes: Uint8Array, op: DpOp): void {
    const rc = netlink().send(this.fd, bytes, 0, bytes.length);
    if (rc < 0) throw new NetlinkError(-rc, op);
  }

  /**
   * Sends `bytes` (one request with sequence `seq`) and consumes its replies. `onReply` sees each
   * reply message through the shared cursor. Returns the number of reply messages seen.
   */
  transact(bytes: Uint8Array, seq: number, op: DpOp, onReply?: (m: NlMessages) => void, timeoutMs = DEFAULT_TIMEOUT_MS): number {
    this.send(bytes, op);
    const nl = netlink();
    const m = this.cursor;
    let replies = 0;
    for (;;) {
      const n = nl.recv(this.fd, this.rx, 0, this.rx.length);
      if (n < 0) {
        if (-n === EINTR) continue;
        if (-n !== EAGAIN) throw new NetlinkError(-n, op, 'recv');
        const w = nl.waitReadable(this.fd, timeoutMs);
        if (w === 0) throw new NetlinkError(ETIMEDOUT, op, `no reply within ${timeoutMs} ms`);
        if (w < 0) throw new NetlinkError(-w, op, 'poll');
        continue;
      }
      m.reset(this.rx, 0, n);
      while (m.next()) {
        if (m.isError()) {
          const err = m.errno();
          if (m.erroredSeq() !== seq) {
            if (err !== 0) this.onStray(m.erroredSeq(), err);
            continue;
          }
          if (err !== 0) throw new NetlinkError(err, op);
          return replies; // ACK
        }
        if (m.seq !== seq) {
          this.onStray(m.seq, 0);
          continue;
        }
        if (m.isDone()) return replies;
        replies++;
        onReply?.(m);
        if (!m.isMulti()) return replies;
      }
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    netlink().close(this.fd);
  }
}
