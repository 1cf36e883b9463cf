/**
 * The `ovs_flow` generic-netlink family: request builders and the reply parser.
 *
 * A flow is identified by its key (MidoNet never uses UFIDs). Key, mask and actions are attribute
 * lists; this module frames them and leaves their contents to the odp-* codecs: each is given as
 * an `AttrSource` — either already-encoded bytes or a function that writes the attributes into
 * the message in place (the hot path, no intermediate copy). The ACTIONS container is always
 * present, empty meaning "drop" (datapath.md §1.4). Put uses REQUEST|CREATE so an identical flow
 * is answered with EEXIST instead of being replaced.
 * Pure: builders write into an NlWriter, the parser reads a reply in place and returns spans.
 */
import {
  GENL_HDRLEN, HOST_LITTLE_ENDIAN as LE, NLM_F_ACK, NLM_F_CREATE, NLM_F_DUMP, NLM_F_ECHO, NLM_F_REQUEST, NLMSG_HDRLEN, OVS_HEADER_LEN,
} from './nl-constants.js';
import { getI32, getU64, parseAttrs } from './nl-reader.js';
import type { NlSpan } from './nl-reader.js';
import type { NlWriter } from './nl-writer.js';
import {
  OVS_FLOW_ATTR_ACTIONS, OVS_FLOW_ATTR_KEY, OVS_FLOW_ATTR_MASK, OVS_FLOW_ATTR_STATS,
  OVS_FLOW_ATTR_TCP_FLAGS, OVS_FLOW_ATTR_USED, OVS_FLOW_CMD_DEL, OVS_FLOW_CMD_GET, OVS_FLOW_CMD_NEW,
  OVS_FLOW_VERSION,
} from './odp-types.js';

/** An attribute list: encoded bytes, or a writer of the attributes into the open container. */
export type AttrSource = Uint8Array | ((w: NlWriter) => void);

export function putContainer(w: NlWriter, type: number, src: AttrSource): void {
  if (typeof src === 'function') {
    const h = w.beginNested(type);
    src(w);
    w.endNested(h);
  } else {
    w.putBytes(type | 0x8000, src);
  }
}

/** The wire form of one flow put. */
export interface FlowPutSpec {
  readonly key: AttrSource;
  /** null: exact match (no megaflow mask). */
  readonly mask: AttrSource | null;
  /** Empty: a drop flow. */
  readonly actions: AttrSource;
}

export interface FlowReply {
  readonly dpIfindex: number;
  readonly key: NlSpan;
  readonly mask: NlSpan | null;
  readonly actions: NlSpan | null;
  readonly packets: number;
  readonly bytes: number;
  readonly tcpFlags: number;
  /** Kernel monotonic ms of the last hit; 0 = never used. */
  readonly used: number;
}

const FLOW_POLICY = {
  [OVS_FLOW_ATTR_KEY]: { name: 'key', kind: 'nested' },
  [OVS_FLOW_ATTR_ACTIONS]: { name: 'actions', kind: 'nested', optional: true },
  [OVS_FLOW_ATTR_STATS]: { name: 'stats', kind: 'bytes', minLen: 16, optional: true },
  [OVS_FLOW_ATTR_TCP_FLAGS]: { name: 'tcpFlags', kind: 'u8', optional: true },
  [OVS_FLOW_ATTR_USED]: { name: 'used', kind: 'u64', optional: true },
  [OVS_FLOW_ATTR_MASK]: { name: 'mask', kind: 'nested', optional: true },
} as const;

function header(w: NlWriter, family: number, cmd: number, flags: number, seq: number, dpIfindex: number): void {
  w.beginMessage(family, flags, seq, 0);
  w.putGenlHeader(cmd, OVS_FLOW_VERSION);
  w.putOvsHeader(dpIfindex);
}

/**
 * FLOW NEW with REQUEST|CREATE (+ACK when `ack`: the caller waits for the verdict; without it
 * only failures come back, on the sending socket, tagged with `seq`).
 */
export function writeFlowPut(w: NlWriter, family: number, seq: number, dpIfindex: number, f: FlowPutSpec, ack = false): number {
  // The hot path of every install: the three fixed headers in one reservation, the length patched
  // at the end (same bytes as header() + endMessage(), without the writer's message bookkeeping).
  const pad = nlAlignPad(w.length);
  if (pad !== 0) {
    const p = w.reserve(pad);
    w.buf.fill(0, p, p + pad);
  }
  const at = w.reserve(NLMSG_HDRLEN + GENL_HDRLEN + OVS_HEADER_LEN);
  const v = w.view;
  v.setUint16(at + 4, family, LE);
  v.setUint16(at + 6, NLM_F_REQUEST | NLM_F_CREATE | (ack ? NLM_F_ACK : 0), LE);
  v.setUint32(at + 8, seq >>> 0, LE);
  v.setUint32(at + 12, 0, LE);
  const b = w.buf;
  b[at + 16] = OVS_FLOW_CMD_NEW; b[at + 17] = OVS_FLOW_VERSION; b[at + 18] = 0; b[at + 19] = 0;
  v.setInt32(at + 20, dpIfindex | 0, LE);
  putContainer(w, OVS_FLOW_ATTR_KEY, f.key);
  putContainer(w, OVS_FLOW_ATTR_ACTIONS, f.actions);
  if (f.mask !== null) putContainer(w, OVS_FLOW_ATTR_MASK, f.mask);
  w.view.setUint32(at, w.length - at, LE);
  return at;
}

function nlAlignPad(n: number): number {
  return (4 - (n & 3)) & 3;
}

/** FLOW GET by key. */
export function writeFlowGet(w: NlWriter, family: number, seq: number, dpIfindex: number, key: AttrSource): void {
  header(w, family, OVS_FLOW_CMD_GET, NLM_F_REQUEST, seq, dpIfindex);
  putContainer(w, OVS_FLOW_ATTR_KEY, key);
  w.endMessage();
}

/** FLOW DEL by key, with ECHO: the reply carries the deleted flow's final stats. */
export function writeFlowDelete(w: NlWriter, family: number, seq: number, dpIfindex: number, key: AttrSource): void {
  header(w, family, OVS_FLOW_CMD_DEL, NLM_F_REQUEST | NLM_F_ECHO, seq, dpIfindex);
  putContainer(w, OVS_FLOW_ATTR_KEY, key);
  w.endMessage();
}

/** FLOW DEL without a key: flush every flow of the datapath (ACK requested). */
export function writeFlowFlush(w: NlWriter, family: number, seq: number, dpIfindex: number): void {
  header(w, family, OVS_FLOW_CMD_DEL, NLM_F_REQUEST | NLM_F_ACK, seq, dpIfindex);
  w.endMessage();
}

export function writeFlowDump(w: NlWriter, family: number, seq: number, dpIfindex: number): void {
  header(w, family, OVS_FLOW_CMD_GET, NLM_F_REQUEST | NLM_F_DUMP, seq, dpIfindex);
  w.endMessage();
}

/** Parses a flow reply (genl payload span of one message); a reason string if malformed. */
export function parseFlow(buf: Uint8Array, off: number, len: number): FlowReply | string {
  if (len < GENL_HDRLEN + OVS_HEADER_LEN) return 'short flow reply';
  const a = off + GENL_HDRLEN + OVS_HEADER_LEN;
  const r = parseAttrs(buf, a, len - GENL_HDRLEN - OVS_HEADER_LEN, FLOW_POLICY);
  if (!r.ok) return r.reason;
  const v = r.value;
  return {
    dpIfindex: getI32(buf, off + GENL_HDRLEN),
    key: v.key,
    mask: v.mask ?? null,
    actions: v.actions ?? null,
    packets: v.stats !== undefined ? getU64(buf, v.stats.off) : 0,
    bytes: v.stats !== undefined ? getU64(buf, v.stats.off + 8) : 0,
    tcpFlags: v.tcpFlags ?? 0,
    used: v.used ?? 0,
  };
}
