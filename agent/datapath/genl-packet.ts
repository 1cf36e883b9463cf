/**
 * The `ovs_packet` generic-netlink family: upcalls in, executes out.
 *
 * Words:
 *  - upcall: a MISS (no flow matched) or ACTION (a userspace action fired) message the kernel
 *    sends to the vport's UPCALL_PID with seq = 0 and pid = 0. It carries the frame (PACKET), the
 *    flow key the kernel extracted (KEY) and, for ACTION, the cookie (USERDATA).
 *  - execute: run an action list on a frame once. Attributes go KEY, ACTIONS, PACKET — the packet
 *    deliberately last, as MidoNet does (datapath.md §1.4) — with REQUEST only: no reply on
 *    success, an NLMSG_ERROR tagged with the seq on failure.
 * Pure: the builder writes into an NlWriter, the parser returns spans into the receive buffer.
 *
 * Hot path: `parseUpcallInto` fills a caller-owned, reused `UpcallSlots` (no objects per upcall,
 * no policy table walk) and `writeExecuteSpans` copies key and packet straight out of the receive
 * buffer into the message — the dpif uses those two; `parseUpcall`/`writeExecute` stay for tools.
 */
import { GENL_HDRLEN, NLA_F_NESTED, NLA_HDRLEN, NLA_TYPE_MASK, NLM_F_REQUEST, OVS_HEADER_LEN } from './nl-constants.js';
import { getI32, parseAttrs } from './nl-reader.js';
import type { NlSpan } from './nl-reader.js';
import type { NlWriter } from './nl-writer.js';
import { putContainer, type AttrSource } from './genl-flow.js';
import {
  OVS_PACKET_ATTR_ACTIONS, OVS_PACKET_ATTR_KEY, OVS_PACKET_ATTR_PACKET, OVS_PACKET_ATTR_USERDATA,
  OVS_PACKET_CMD_ACTION, OVS_PACKET_CMD_EXECUTE, OVS_PACKET_CMD_MISS, OVS_PACKET_VERSION,
} from './odp-types.js';

export type UpcallReason = 'miss' | 'action';

/** An upcall's parts, as spans into the buffer it was received in. */
export interface UpcallFrame {
  readonly reason: UpcallReason;
  readonly dpIfindex: number;
  readonly packet: NlSpan;
  readonly key: NlSpan;
  readonly userdata: NlSpan | null;
}

const UPCALL_POLICY = {
  [OVS_PACKET_ATTR_PACKET]: { name: 'packet', kind: 'bytes' },
  [OVS_PACKET_ATTR_KEY]: { name: 'key', kind: 'nested' },
  [OVS_PACKET_ATTR_USERDATA]: { name: 'userdata', kind: 'bytes', optional: true },
} as const;

/** PACKET EXECUTE: KEY, ACTIONS, PACKET (last). Returns the message's start offset. */
export function writeExecute(w: NlWriter, family: number, seq: number, dpIfindex: number, key: AttrSource, actions: AttrSource, packet: Uint8Array): number {
  const at = w.length;
  w.beginMessage(family, NLM_F_REQUEST, seq, 0);
  w.putGenlHeader(OVS_PACKET_CMD_EXECUTE, OVS_PACKET_VERSION);
  w.putOvsHeader(dpIfindex);
  putContainer(w, OVS_PACKET_ATTR_KEY, key);
  putContainer(w, OVS_PACKET_ATTR_ACTIONS, actions);
  w.putBytes(OVS_PACKET_ATTR_PACKET, packet);
  w.endMessage();
  return at;
}

/**
 * Parses the genl payload of an ovs_packet message (cmd byte first). A reason string when it is
 * not an upcall or is malformed.
 */
export function parseUpcall(buf: Uint8Array, off: number, len: number): UpcallFrame | string {
  if (len < GENL_HDRLEN + OVS_HEADER_LEN) return 'short upcall';
  const cmd = buf[off]!;
  if (cmd !== OVS_PACKET_CMD_MISS && cmd !== OVS_PACKET_CMD_ACTION) return `not an upcall (cmd ${cmd})`;
  const a = off + GENL_HDRLEN + OVS_HEADER_LEN;
  const r = parseAttrs(buf, a, len - GENL_HDRLEN - OVS_HEADER_LEN, UPCALL_POLICY);
  if (!r.ok) return r.reason;
  return {
    reason: cmd === OVS_PACKET_CMD_MISS ? 'miss' : 'action',
    dpIfindex: getI32(buf, off + GENL_HDRLEN),
    packet: r.value.packet,
    key: r.value.key,
    userdata: r.value.userdata ?? null,
  };
}

/** A mutable span, reused from one upcall to the next. */
export interface MutableSpan {
  off: number;
  len: number;
}

/** Where `parseUpcallInto` writes: one instance per receive loop, overwritten on every call. */
export class UpcallSlots {
  reason: UpcallReason = 'miss';
  dpIfindex = 0;
  readonly packet: MutableSpan = { off: 0, len: 0 };
  readonly key: MutableSpan = { off: 0, len: 0 };
  readonly ud: MutableSpan = { off: 0, len: 0 };
  hasUserdata = false;
}

const PARSE_NO_PACKET = 'missing attr packet(1)';
const PARSE_NO_KEY = 'missing attr key(2)';

/**
 * parseUpcall without allocation: same checks (cmd, attribute framing, PACKET and KEY present),
 * results in `out`. Returns null when it is an upcall, else the reason (a constant string).
 */
export function parseUpcallInto(buf: Uint8Array, off: number, len: number, out: UpcallSlots): string | null {
  if (len < GENL_HDRLEN + OVS_HEADER_LEN) return 'short upcall';
  const cmd = buf[off]!;
  if (cmd !== OVS_PACKET_CMD_MISS && cmd !== OVS_PACKET_CMD_ACTION) return 'not an upcall';
  out.reason = cmd === OVS_PACKET_CMD_MISS ? 'miss' : 'action';
  out.dpIfindex = getI32(buf, off + GENL_HDRLEN);
  let gotPacket = false, gotKey = false;
  out.hasUserdata = false;
  const end = off + len;
  let p = off + GENL_HDRLEN + OVS_HEADER_LEN;
  while (p + NLA_HDRLEN <= end) {
    const alen = buf[p]! | (buf[p + 1]! << 8);
    if (alen < NLA_HDRLEN || p + alen > end) return 'malformed attribute header';
    const type = (buf[p + 2]! | (buf[p + 3]! << 8)) & NLA_TYPE_MASK;
    const o = p + NLA_HDRLEN, l = alen - NLA_HDRLEN;
    if (type === OVS_PACKET_ATTR_PACKET) { out.packet.off = o; out.packet.len = l; gotPacket = true; }
    else if (type === OVS_PACKET_ATTR_KEY) { out.key.off = o; out.key.len = l; gotKey = true; }
    else if (type === OVS_PACKET_ATTR_USERDATA) { out.ud.off = o; out.ud.len = l; out.hasUserdata = true; }
    p += (alen + 3) & ~3;
  }
  if (!gotPacket) return PARSE_NO_PACKET;
  if (!gotKey) return PARSE_NO_KEY;
  return null;
}

/** Copies `len` bytes; a plain loop for the small pieces of an upcall (no subarray views). */
function copyBytes(dst: Uint8Array, at: number, src: Uint8Array, off: number, len: number): void {
  if (len > 256) { dst.set(src.subarray(off, off + len), at); return; }
  for (let i = 0; i < len; i++) dst[at + i] = src[off + i]!;
}

/** Writes one attribute: header, `len` payload bytes from `src`, zeroed padding. */
function putSpan(w: NlWriter, type: number, src: Uint8Array, off: number, len: number): void {
  const total = (NLA_HDRLEN + len + 3) & ~3;
  const at = w.reserve(total);
  const b = w.buf;
  const alen = NLA_HDRLEN + len;
  b[at] = alen & 0xff; b[at + 1] = alen >>> 8;
  b[at + 2] = type & 0xff; b[at + 3] = type >>> 8;
  copyBytes(b, at + NLA_HDRLEN, src, off, len);
  for (let i = at + alen; i < at + total; i++) b[i] = 0;
}

/**
 * PACKET EXECUTE like writeExecute, with KEY and PACKET copied from spans of `src` (an upcall's
 * receive slot) and pre-encoded `actions` bytes. Returns the message's start offset.
 */
export function writeExecuteSpans(
  w: NlWriter, family: number, seq: number, dpIfindex: number,
  src: Uint8Array, keyOff: number, keyLen: number, actions: AttrSource, pktOff: number, pktLen: number,
): number {
  const at = w.length;
  w.beginMessage(family, NLM_F_REQUEST, seq, 0);
  w.putGenlHeader(OVS_PACKET_CMD_EXECUTE, OVS_PACKET_VERSION);
  w.putOvsHeader(dpIfindex);
  putSpan(w, OVS_PACKET_ATTR_KEY | NLA_F_NESTED, src, keyOff, keyLen);
  if (typeof actions === 'function') putContainer(w, OVS_PACKET_ATTR_ACTIONS, actions);
  else putSpan(w, OVS_PACKET_ATTR_ACTIONS | NLA_F_NESTED, actions, 0, actions.length);
  putSpan(w, OVS_PACKET_ATTR_PACKET, src, pktOff, pktLen);
  w.endMessage();
  return at;
}
