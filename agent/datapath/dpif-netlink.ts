/**
 * DpifNetlink: the Dpif on the Linux openvswitch module, over the native netlink addon.
 *
 * Sockets (datapath.md §1.7): `ctl` carries synchronous requests (create, get, dump, delete,
 * sync flow put); `out` carries fire-and-forget flow puts and packet executes, whose only replies
 * are errors, drained by a Poller; each vport the agent creates has its own socket, created
 * first so the vport's UPCALL_PID is that socket's pid, and a Poller that drains upcalls with
 * recvmmsg into a slot buffer shared by all vports (JS is single-threaded: one drain at a time).
 *
 * Sequence numbers on `out`: flow puts use the caller's mark (1..0x3fffffff), executes set bit
 * 30, so an error names its op without a table of outstanding requests.
 *
 * Datapath bootstrap: `mode` 'reuse' (default) gets the datapath by name and creates it when
 * absent; 'recreate' deletes and creates (MidoNet's reclaim_datapath = false); 'existing' only
 * attaches. Creation passes the pid of a throw-away socket as UPCALL_PID, so the local port's
 * misses go nowhere — as MidoNet does. USER_FEATURES = UNALIGNED.
 */
import { MSG_TRUNC, netlink, type PollerHandle } from '../../native/lib/index.js';
import { EAGAIN, EEXIST, ENOBUFS, ENODEV, ENOENT } from '../../native/lib/errno.js';
import { FlowMatch } from '../../simulation/packet/flow-match.js';
import type {
  DpFlow, DpFlowStats, Dpif, DpifCounters, OutputErrorHandler, Upcall, UpcallHandler,
} from './dpif.js';
import { lookupOvsFamilies, type OvsFamilies } from './genl-ctrl.js';
import { parseDp, writeDpCreate, writeDpDelete, writeDpDump, writeDpGet, type DpInfo } from './genl-datapath.js';
import {
  parseFlow, writeFlowDelete, writeFlowDump, writeFlowFlush, writeFlowGet, writeFlowPut,
  type AttrSource, type FlowPutSpec,
} from './genl-flow.js';
import { UpcallSlots, parseUpcallInto, writeExecute, writeExecuteSpans, type UpcallReason } from './genl-packet.js';
import {
  parseVport, writeVportCreate, writeVportDelete, writeVportDump, writeVportGet,
  type VportInfo, type VportSpec,
} from './genl-vport.js';
import { NetlinkError, isNetlinkError } from './netlink-error.js';
import { NlChannel } from './nl-channel.js';
import { NlMessages } from './nl-reader.js';
import { NlWriter } from './nl-writer.js';
import { decodeFlowKey } from './odp-flow-key.js';
import { Fitness } from './odp-types.js';
import type { NlSpan } from './nl-reader.js';
import { GENL_HDRLEN, NLMSG_HDRLEN } from './nl-constants.js';

export interface DpifNetlinkOptions {
  readonly mode?: 'reuse' | 'recreate' | 'existing';
  /** SO_RCVBUF of each vport's upcall socket (default 2 MiB). */
  readonly upcallRcvbuf?: number;
  /** Bytes per upcall receive slot (default 16 KiB) and slots per recvmmsg (default 64). */
  readonly slotSize?: number;
  readonly slots?: number;
}

const EXECUTE_SEQ_BIT = 0x40000000;
const MARK_MASK = 0x3fffffff;

/** A control channel with the OVS family ids resolved: enough for tools and the dpif itself. */
export class GenlSession {
  readonly ch: NlChannel;
  readonly fam: OvsFamilies;
  readonly w = new NlWriter(4096);

  constructor() {
    this.ch = NlChannel.open();
    try {
      this.fam = lookupOvsFamilies(this.ch);
    } catch (e) {
      this.ch.close();
      throw e;
    }
  }

  /** Runs one request built by `build(w, seq)`; `onReply` gets each reply's genl payload span. */
  request(op: NetlinkError['op'], build: (w: NlWriter, seq: number) => void, onReply?: (buf: Uint8Array, off: number, len: number) => void): number {
    const seq = this.ch.nextSeq();
    this.w.reset();
    build(this.w, seq);
    return this.ch.transact(this.w.bytes(), seq, op, onReply === undefined ? undefined : (m) => onReply(this.ch.rx, m.payloadOff, m.payloadLen));
  }

  /** A request answered by exactly one parsed reply. */
  one<T>(op: NetlinkError['op'], build: (w: NlWriter, seq: number) => void, parse: (buf: Uint8Array, off: number, len: number) => T | string): T {
    const box: { v: T | string } = { v: 'no reply' };
    this.request(op, build, (b, o, l) => { box.v = parse(b, o, l); });
    return check(box.v, op);
  }

  getDatapath(name: string): DpInfo {
    return this.one('dp-get', (w, s) => writeDpGet(w, this.fam.datapath.id, s, name), parseDp);
  }

  listDatapaths(): DpInfo[] {
    const out: DpInfo[] = [];
    this.request('dp-dump', (w, s) => writeDpDump(w, this.fam.datapath.id, s), (b, o, l) => out.push(check(parseDp(b, o, l), 'dp-dump')));
    return out;
  }

  createDatapath(name: string): DpInfo {
    // A throw-away socket's pid: upcalls from the local port are not wanted (datapath.md §1.5).
    const tmp = NlChannel.open({ rcvbuf: 4096 });
    try {
      return this.one('dp-create', (w, s) => writeDpCreate(w, this.fam.datapath.id, s, name, tmp.pid), parseDp);
    } finally {
      tmp.close();
    }
  }

  deleteDatapath(name: string): void {
    this.request('dp-delete', (w, s) => writeDpDelete(w, this.fam.datapath.id, s, name));
  }

  listVports(ifindex: number): VportInfo[] {
    const out: VportInfo[] = [];
    this.request('vport-dump', (w, s) => writeVportDump(w, this.fam.vport.id, s, ifindex), (b, o, l) => out.push(check(parseVport(b, o, l), 'vport-dump')));
    return out.sort((a, b) => a.portNo - b.portNo);
  }

  close(): void {
    this.ch.close();
  }
}

function check<T>(v: T | string, op: NetlinkError['op']): T {
  if (typeof v === 'string') throw new NetlinkError(22, op, v);
  return v;
}

/** Bytes of a span, copied out of a receive buffer. */
function copySpan(buf: Uint8Array, s: { off: number; len: number } | null): Uint8Array | null {
  return s === null ? null : buf.slice(s.off, s.off + s.len);
}

/**
 * The one Upcall object a dpif hands to its handler, refilled for every upcall (with its spans
 * and its FlowMatch): see the ownership rule on `Upcall` in dpif.ts.
 */
class ReusedUpcall implements Upcall {
  portNo = 0;
  reason: UpcallReason = 'miss';
  userdata: NlSpan | null = null;
  fitness: Fitness = Fitness.PERFECT;
  readonly match = new FlowMatch();
  constructor(readonly buf: Uint8Array, readonly packet: NlSpan, readonly key: NlSpan) {}
}

interface VportSocket {
  readonly info: VportInfo;
  readonly ch: NlChannel;
  readonly poller: PollerHandle;
}

export class DpifNetlink implements Dpif {
  readonly name: string;
  readonly ifindex: number;
  readonly counters: DpifCounters = {
    upcalls: 0, upcallBatches: 0, upcallsTruncated: 0, upcallsMalformed: 0, upcallOverflows: 0,
    flowPutsSent: 0, flowPutsExisting: 0, flowPutErrors: 0, executesSent: 0, executeErrors: 0,
  };
  onOutputError: OutputErrorHandler = () => {};
  private readonly s: GenlSession;
  private readonly out: NlChannel;
  private readonly outPoller: PollerHandle;
  private readonly outW = new NlWriter(65536);
  /** Executes issued by upcall handlers, sent with one sendmmsg per received batch. */
  private readonly execW = new NlWriter(1 << 20);
  private execCount = 0;
  private inDrain = false;
  private execOffs = new Uint32Array(1024);
  private execLens = new Uint32Array(1024);
  private readonly vports = new Map<number, VportSocket>();
  private readonly slotSize: number;
  private readonly slots: number;
  private readonly slotBuf: Uint8Array;
  private readonly slotMeta: Int32Array;
  private readonly upcallRcvbuf: number;
  private readonly msgs = new NlMessages();
  private readonly upSlots = new UpcallSlots();
  private readonly up: ReusedUpcall;
  private handler: UpcallHandler = () => {};
  private putSeq = 0;
  private execSeq = 0;
  private batchOffs = new Uint32Array(256);
  private batchLens = new Uint32Array(256);

  private constructor(s: GenlSession, dp: DpInfo, opts: DpifNetlinkOptions) {
    this.s = s;
    this.name = dp.name;
    this.ifindex = dp.ifindex;
    this.slotSize = opts.slotSize ?? 16384;
    this.slots = opts.slots ?? 64;
    this.slotBuf = new Uint8Array(this.slotSize * this.slots);
    this.slotMeta = new Int32Array(this.slots * 2);
    this.upcallRcvbuf = opts.upcallRcvbuf ?? 2 * 1024 * 1024;
    this.up = new ReusedUpcall(this.slotBuf, this.upSlots.packet, this.upSlots.key);
    this.out = NlChannel.open();
    const nl = netlink();
    this.outPoller = new nl.Poller(this.out.fd, () => this.drainOutput());
    this.outPoller.start();
    // A stray on ctl is an answer nobody waits for; count it like the out channel's.
    s.ch.onStray = (seq, errno) => this.outputError(seq, errno);
  }

  /** Opens (creating or reusing per `mode`) the datapath `name`. */
  static open(name = 'midonet', opts: DpifNetlinkOptions = {}): DpifNetlink {
    const s = new GenlSession();
    try {
      const mode = opts.mode ?? 'reuse';
      let dp: DpInfo;
      if (mode === 'recreate') {
        try { s.deleteDatapath(name); } catch (e) { if (!isNetlinkError(e, 'ENODEV', 'ENOENT', 'ENXIO')) throw e; }
        dp = s.createDatapath(name);
      } else {
        try {
          dp = s.getDatapath(name);
        } catch (e) {
          if (mode === 'existing' || !isNetlinkError(e, 'ENODEV', 'ENOENT')) throw e;
          dp = s.createDatapath(name);
        }
      }
      return new DpifNetlink(s, dp, opts);
    } catch (e) {
      s.close();
      throw e;
    }
  }

  /** Resolved generic-netlink family ids (benchmarks and tools that frame messages themselves). */
  get families(): OvsFamilies {
    return this.s.fam;
  }

  info(): DpInfo {
    return this.s.getDatapath(this.name);
  }

  losses(): number {
    return this.info().stats.lost + this.counters.upcallOverflows;
  }

  // --- vports -----------------------------------------------------------------

  createVport(spec: VportSpec): VportInfo {
    const ch = NlChannel.open({ rcvbuf: this.upcallRcvbuf, bufSize: 4096 });
    try {
      const v = this.s.one('vport-create', (w, seq) => writeVportCreate(w, this.s.fam.vport.id, seq, this.ifindex, spec, ch.pid), parseVport);
      const poller = new (netlink().Poller)(ch.fd, () => this.drainUpcalls(v.portNo, ch));
      const rc = poller.start();
      if (rc < 0) throw new NetlinkError(-rc, 'vport-create', 'poll');
      this.vports.set(v.portNo, { info: v, ch, poller });
      return v;
    } catch (e) {
      ch.close();
      throw e;
    }
  }

  getVport(by: { name: string } | { portNo: number }): VportInfo {
    return this.s.one('vport-get', (w, seq) => writeVportGet(w, this.s.fam.vport.id, seq, this.ifindex, by), parseVport);
  }

  listVports(): VportInfo[] {
    return this.s.listVports(this.ifindex);
  }

  deleteVport(by: { name: string } | { portNo: number }): VportInfo {
    const v = this.s.one('vport-delete', (w, seq) => writeVportDelete(w, this.s.fam.vport.id, seq, this.ifindex, by), parseVport);
    const sock = this.vports.get(v.portNo);
    if (sock !== undefined) {
      sock.poller.close();
      sock.ch.close();
      this.vports.delete(v.portNo);
    }
    return v;
  }

  /** The pid of the socket serving a vport created through this dpif (tests, tools). */
  upcallPid(portNo: number): number | undefined {
    return this.vports.get(portNo)?.ch.pid;
  }

  // --- flows --------------------------------------------------------------------

  putFlow(flow: FlowPutSpec, seq?: number): void {
    const mark = seq !== undefined ? seq & MARK_MASK || 1 : this.nextPutSeq();
    this.outW.reset();
    writeFlowPut(this.outW, this.s.fam.flow.id, mark, this.ifindex, flow);
    this.out.send(this.outW.bytes(), 'flow-put');
    this.counters.flowPutsSent++;
  }

  putFlows(flows: readonly FlowPutSpec[]): number {
    this.outW.reset();
    const n = flows.length;
    if (this.batchOffs.length < n) {
      this.batchOffs = new Uint32Array(n);
      this.batchLens = new Uint32Array(n);
    }
    for (let i = 0; i < n; i++) {
      const at = writeFlowPut(this.outW, this.s.fam.flow.id, this.nextPutSeq(), this.ifindex, flows[i]!);
      this.batchOffs[i] = at;
      this.batchLens[i] = this.outW.length - at;
    }
    return this.sendBatch(n, 'flow-put', () => { this.counters.flowPutsSent += n; });
  }

  putFlowSync(flow: FlowPutSpec): 'created' | 'exists' {
    try {
      this.s.request('flow-put', (w, seq) => writeFlowPut(w, this.s.fam.flow.id, seq, this.ifindex, flow, true));
      return 'created';
    } catch (e) {
      if (isNetlinkError(e, 'EEXIST')) return 'exists';
      throw e;
    }
  }

  getFlow(key: AttrSource): DpFlow {
    return this.s.one('flow-get', (w, seq) => writeFlowGet(w, this.s.fam.flow.id, seq, this.ifindex, key), (b, o, l) => this.toFlow(b, o, l));
  }

  deleteFlow(key: AttrSource): DpFlowStats {
    const d = this.s.one('flow-delete', (w, seq) => writeFlowDelete(w, this.s.fam.flow.id, seq, this.ifindex, key), (b, o, l) => this.toFlow(b, o, l));
    return { packets: d.packets, bytes: d.bytes, tcpFlags: d.tcpFlags, used: d.used };
  }

  dumpFlows(): DpFlow[] {
    const out: DpFlow[] = [];
    this.s.request('flow-dump', (w, seq) => writeFlowDump(w, this.s.fam.flow.id, seq, this.ifindex), (b, o, l) => out.push(check(this.toFlow(b, o, l), 'flow-dump')));
    return out;
  }

  flushFlows(): void {
    this.s.request('flow-flush', (w, seq) => writeFlowFlush(w, this.s.fam.flow.id, seq, this.ifindex));
  }

  private toFlow(b: Uint8Array, o: number, l: number): DpFlow | string {
    const r = parseFlow(b, o, l);
    if (typeof r === 'string') return r;
    return {
      key: copySpan(b, r.key)!, mask: copySpan(b, r.mask), actions: copySpan(b, r.actions) ?? new Uint8Array(0),
      packets: r.packets, bytes: r.bytes, tcpFlags: r.tcpFlags, used: r.used,
    };
  }

  // --- packets ------------------------------------------------------------------

  execute(key: AttrSource, actions: AttrSource, packet: Uint8Array): void {
    this.execSeq = (this.execSeq + 1) & MARK_MASK;
    if (this.inDrain && this.execCount < this.execOffs.length && this.execW.length + packet.length + 4096 < this.execW.buf.length) {
      // Inside an upcall batch: queue, flushed with one sendmmsg when the batch is done.
      const at = writeExecute(this.execW, this.s.fam.packet.id, this.execSeq | EXECUTE_SEQ_BIT, this.ifindex, key, actions, packet);
      this.execOffs[this.execCount] = at;
      this.execLens[this.execCount] = this.execW.length - at;
      this.execCount++;
      return;
    }
    this.outW.reset();
    writeExecute(this.outW, this.s.fam.packet.id, this.execSeq | EXECUTE_SEQ_BIT, this.ifindex, key, actions, packet);
    this.out.send(this.outW.bytes(), 'packet-execute');
    this.counters.executesSent++;
  }

  executeUpcall(u: Upcall, actions: AttrSource): void {
    const b = u.buf, k = u.key, p = u.packet;
    this.execSeq = (this.execSeq + 1) & MARK_MASK;
    const seq = this.execSeq | EXECUTE_SEQ_BIT;
    if (this.inDrain && this.execCount < this.execOffs.length && this.execW.length + k.len + p.len + 4096 < this.execW.buf.length) {
      const at = writeExecuteSpans(this.execW, this.s.fam.packet.id, seq, this.ifindex, b, k.off, k.len, actions, p.off, p.len);
      this.execOffs[this.execCount] = at;
      this.execLens[this.execCount] = this.execW.length - at;
      this.execCount++;
      return;
    }
    this.outW.reset();
    writeExecuteSpans(this.outW, this.s.fam.packet.id, seq, this.ifindex, b, k.off, k.len, actions, p.off, p.len);
    this.out.send(this.outW.bytes(), 'packet-execute');
    this.counters.executesSent++;
  }

  drainOutput(): void {
    const nl = netlink();
    const m = this.msgs;
    for (;;) {
      const n = nl.recv(this.out.fd, this.out.rx, 0, this.out.rx.length);
      if (n < 0) {
        if (-n === EAGAIN) return;
        // ENOBUFS here means error replies were lost: count them as put errors, keep going.
        if (-n === ENOBUFS) { this.counters.flowPutErrors++; continue; }
        return;
      }
      m.reset(this.out.rx, 0, n);
      while (m.next()) if (m.isError() && m.errno() !== 0) this.outputError(m.erroredSeq(), m.errno());
    }
  }

  /** Sends the executes queued during an upcall batch (one sendmmsg, 1024 at most per call). */
  private flushExecutes(): void {
    const n = this.execCount;
    if (n === 0) return;
    this.execCount = 0;
    let sent = 0;
    while (sent < n) {
      const rc = netlink().sendBatch(this.out.fd, this.execW.buf, this.execOffs.subarray(sent), this.execLens.subarray(sent), n - sent);
      if (rc <= 0) { this.counters.executeErrors += n - sent; break; }
      sent += rc;
    }
    this.counters.executesSent += sent;
    this.execW.reset();
  }

  private outputError(seq: number, errno: number): void {
    if (errno === 0) return;
    const isExec = (seq & EXECUTE_SEQ_BIT) !== 0;
    if (isExec) this.counters.executeErrors++;
    else if (errno === EEXIST) this.counters.flowPutsExisting++;
    else this.counters.flowPutErrors++;
    this.onOutputError(isExec ? 'packet-execute' : 'flow-put', seq & MARK_MASK, errno);
  }

  private nextPutSeq(): number {
    this.putSeq = (this.putSeq + 1) & MARK_MASK || 1;
    return this.putSeq;
  }

  private sendBatch(n: number, op: 'flow-put', onSent: () => void): number {
    const buf = this.outW.buf;
    let sent = 0;
    while (sent < n) {
      const count = Math.min(1024, n - sent);
      const rc = netlink().sendBatch(this.out.fd, buf, this.batchOffs.subarray(sent), this.batchLens.subarray(sent), count);
      if (rc < 0) throw new NetlinkError(-rc, op, `batch of ${n}, ${sent} sent`);
      sent += rc;
      if (rc < count) break;
    }
    if (sent === n) onSent();
    return sent;
  }

  // --- upcalls ------------------------------------------------------------------

  onUpcall(handler: UpcallHandler): void {
    this.handler = handler;
  }

  private drainUpcalls(portNo: number, ch: NlChannel): void {
    const nl = netlink();
    const pktFamily = this.s.fam.packet.id;
    for (;;) {
      const n = nl.recvBatch(ch.fd, this.slotBuf, this.slotSize, this.slots, this.slotMeta);
      if (n < 0) {
        if (-n === ENOBUFS) { this.counters.upcallOverflows++; continue; }
        return; // EAGAIN, or the socket is gone
      }
      this.counters.upcallBatches++;
      this.inDrain = true;
      try {
        for (let i = 0; i < n; i++) {
          const len = this.slotMeta[2 * i]!;
          if ((this.slotMeta[2 * i + 1]! & MSG_TRUNC) !== 0) { this.counters.upcallsTruncated++; continue; }
          this.deliver(portNo, pktFamily, i * this.slotSize, len);
        }
      } finally {
        this.inDrain = false;
        this.flushExecutes();
      }
      if (n < this.slots) return;
    }
  }

  private deliver(portNo: number, pktFamily: number, off: number, len: number): void {
    const m = this.msgs;
    const slots = this.upSlots;
    const u = this.up;
    m.reset(this.slotBuf, off, len);
    while (m.next()) {
      if (m.type !== pktFamily || m.len < NLMSG_HDRLEN + GENL_HDRLEN) { this.counters.upcallsMalformed++; continue; }
      if (parseUpcallInto(this.slotBuf, m.payloadOff, m.payloadLen, slots) !== null) { this.counters.upcallsMalformed++; continue; }
      u.portNo = portNo;
      u.reason = slots.reason;
      u.userdata = slots.hasUserdata ? slots.ud : null;
      u.fitness = decodeFlowKey(this.slotBuf, slots.key.off, slots.key.len, u.match);
      this.counters.upcalls++;
      this.handler(u);
    }
  }

  close(): void {
    for (const v of this.vports.values()) {
      v.poller.close();
      v.ch.close();
    }
    this.vports.clear();
    this.outPoller.close();
    this.out.close();
    this.s.close();
  }

  /** Deletes the datapath itself (vports go with it) and closes. */
  destroy(): void {
    try { this.s.deleteDatapath(this.name); } finally { this.close(); }
  }
}

export { ENODEV, ENOENT };
