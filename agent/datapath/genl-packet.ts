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
 */
import { GENL_HDRLEN, NLM_F_REQUEST, OVS_HEADER_LEN } from './nl-constants.js';
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
