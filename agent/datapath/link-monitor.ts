/**
 * LinkMonitor: host interfaces appearing and disappearing, from rtnetlink notifications.
 *
 * Words:
 *  - link: a host network interface (a VM's tap, a veth end) by ifindex and name.
 *  - events: 'link' with { event: 'add' | 'change' | 'del', ifindex, name, up, mtu }. A
 *    RTM_NEWLINK for an ifindex not seen before is 'add', later ones are 'change' (flags, MTU,
 *    rename); RTM_DELLINK is 'del'. MidoNet binds a port when its interface shows up this way
 *    rather than subscribing to the ovs_vport multicast group (datapath.md §1.1).
 *  - overflow: the kernel dropped notifications (ENOBUFS on the socket): the monitor re-lists all
 *    links and emits the differences, so a burst never leaves the view silently stale; the
 *    `overflows` counter says it happened.
 *
 * Contract: no polling — a Poller wakes the event loop when the RTMGRP_LINK socket is readable.
 * `start()` lists the current links first (each as 'add'), then follows notifications until
 * `close()`. Works in the network namespace of the process.
 */
import { EventEmitter } from 'node:events';
import { netlink, NETLINK_ROUTE, RTMGRP_LINK, type PollerHandle } from '../../native/lib/index.js';
import { EAGAIN, ENOBUFS } from '../../native/lib/errno.js';
import { NetlinkError } from './netlink-error.js';
import { NlChannel } from './nl-channel.js';
import { NLM_F_DUMP, NLM_F_REQUEST } from './nl-constants.js';
import { NlMessages, getI32, getU32, parseAttrs } from './nl-reader.js';
import { NlWriter } from './nl-writer.js';

export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
const IFINFOMSG_LEN = 16;
const IFF_UP = 0x1;
const IFLA_IFNAME = 3;
const IFLA_MTU = 4;

export interface LinkInfo {
  readonly ifindex: number;
  readonly name: string;
  readonly up: boolean;
  readonly mtu: number;
}

export interface LinkEvent extends LinkInfo {
  readonly event: 'add' | 'change' | 'del';
}

const LINK_POLICY = {
  [IFLA_IFNAME]: { name: 'name', kind: 'string' },
  [IFLA_MTU]: { name: 'mtu', kind: 'u32', optional: true },
} as const;

/** Parses one RTM_NEWLINK/RTM_DELLINK payload (ifinfomsg + IFLA_* attributes). */
export function parseLink(buf: Uint8Array, off: number, len: number): LinkInfo | string {
  if (len < IFINFOMSG_LEN) return 'short ifinfomsg';
  const r = parseAttrs(buf, off + IFINFOMSG_LEN, len - IFINFOMSG_LEN, LINK_POLICY);
  if (!r.ok) return r.reason;
  return { ifindex: getI32(buf, off + 4), name: r.value.name, up: (getU32(buf, off + 8) & IFF_UP) !== 0, mtu: r.value.mtu ?? 0 };
}

/** RTM_GETLINK dump request (struct ifinfomsg all zero: every family, every link). */
export function writeLinkDump(w: NlWriter, seq: number): void {
  w.beginMessage(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, seq, 0);
  const at = w.reserve(IFINFOMSG_LEN);
  w.buf.fill(0, at, at + IFINFOMSG_LEN);
  w.endMessage();
}

/** Every link of the current namespace, now. */
export function listLinks(): LinkInfo[] {
  const ch = NlChannel.open({ protocol: NETLINK_ROUTE, rcvbuf: 1 << 20 });
  try {
    const w = new NlWriter(64);
    const seq = ch.nextSeq();
    writeLinkDump(w, seq);
    const out: LinkInfo[] = [];
    ch.transact(w.bytes(), seq, 'link-dump', (m) => {
      if (m.type !== RTM_NEWLINK) return;
      const l = parseLink(ch.rx, m.payloadOff, m.payloadLen);
      if (typeof l !== 'string') out.push(l);
    });
    return out;
  } finally {
    ch.close();
  }
}

export class LinkMonitor extends EventEmitter<{ link: [LinkEvent] }> {
  /** Times notifications were lost and the view was rebuilt from a dump. */
  overflows = 0;
  private readonly known = new Map<number, LinkInfo>();
  private ch: NlChannel | null = null;
  private poller: PollerHandle | null = null;
  private readonly msgs = new NlMessages();

  /** Subscribes (before listing, so nothing falls between the two), then reports current links. */
  start(): void {
    if (this.ch !== null) return;
    const ch = NlChannel.open({ protocol: NETLINK_ROUTE, groups: RTMGRP_LINK, noEnobufs: false });
    this.ch = ch;
    this.poller = new (netlink().Poller)(ch.fd, () => this.drain());
    const rc = this.poller.start();
    if (rc < 0) throw new NetlinkError(-rc, 'link-monitor', 'poll');
    this.resync();
  }

  /** Links as currently known. */
  links(): LinkInfo[] {
    return [...this.known.values()];
  }

  private drain(): void {
    const ch = this.ch;
    if (ch === null) return;
    const nl = netlink();
    for (;;) {
      const n = nl.recv(ch.fd, ch.rx, 0, ch.rx.length);
      if (n < 0) {
        if (-n === ENOBUFS) { this.overflows++; this.resync(); continue; }
        if (-n === EAGAIN) return;
        return;
      }
      const m = this.msgs.reset(ch.rx, 0, n);
      while (m.next()) {
        if (m.type !== RTM_NEWLINK && m.type !== RTM_DELLINK) continue;
        const l = parseLink(ch.rx, m.payloadOff, m.payloadLen);
        if (typeof l === 'string') continue;
        if (m.type === RTM_DELLINK) {
          this.known.delete(l.ifindex);
          this.emit('link', { event: 'del', ...l });
        } else {
          const had = this.known.has(l.ifindex);
          this.known.set(l.ifindex, l);
          this.emit('link', { event: had ? 'change' : 'add', ...l });
        }
      }
    }
  }

  /** Rebuilds the view from a dump and emits what changed. */
  private resync(): void {
    const now = new Map(listLinks().map((l) => [l.ifindex, l]));
    for (const [i, l] of this.known) if (!now.has(i)) { this.known.delete(i); this.emit('link', { event: 'del', ...l }); }
    for (const [i, l] of now) {
      const old = this.known.get(i);
      this.known.set(i, l);
      if (old === undefined) this.emit('link', { event: 'add', ...l });
      else if (old.name !== l.name || old.up !== l.up || old.mtu !== l.mtu) this.emit('link', { event: 'change', ...l });
    }
  }

  close(): void {
    this.poller?.close();
    this.ch?.close();
    this.poller = null;
    this.ch = null;
  }
}
