/**
 * The `ovs_datapath` generic-netlink family: request builders and the reply parser.
 *
 * A datapath is the kernel switch; it is addressed by NAME (ovs_header.dp_ifindex = 0) or by its
 * ifindex, which every vport/flow/packet request then carries. MidoNet asks for USER_FEATURES =
 * OVS_DP_F_UNALIGNED only (single upcall PID per vport, no per-CPU dispatch) and infers megaflow
 * support from the presence of MEGAFLOW_STATS in the reply (datapath.md §1.3–1.4).
 * Pure: builders write into an NlWriter, the parser reads a reply in place.
 */
import { GENL_HDRLEN, NLM_F_DUMP, NLM_F_ECHO, NLM_F_REQUEST, OVS_HEADER_LEN } from './nl-constants.js';
import { getI32, getU32, getU64, parseAttrs } from './nl-reader.js';
import type { NlWriter } from './nl-writer.js';
import {
  OVS_DATAPATH_VERSION, OVS_DP_ATTR_MEGAFLOW_STATS, OVS_DP_ATTR_NAME, OVS_DP_ATTR_STATS,
  OVS_DP_ATTR_UPCALL_PID, OVS_DP_ATTR_USER_FEATURES, OVS_DP_CMD_DEL, OVS_DP_CMD_GET, OVS_DP_CMD_SET, OVS_DP_CMD_NEW,
  OVS_DP_F_UNALIGNED,
} from './odp-types.js';

/** Counters of struct ovs_dp_stats. */
export interface DpStats {
  readonly hit: number;
  readonly missed: number;
  /** Upcalls the kernel could not queue to userspace (socket full): the loss counter. */
  readonly lost: number;
  readonly flows: number;
}

export interface DpInfo {
  readonly name: string;
  readonly ifindex: number;
  readonly stats: DpStats;
  /** Present when the kernel supports megaflows (MidoNet's supportsMegaflow()). */
  readonly megaflow: { readonly maskHit: number; readonly masks: number } | null;
  readonly userFeatures: number;
}

/** Features MidoNet requests: unaligned attributes only. */
export const MIDONET_DP_FEATURES = OVS_DP_F_UNALIGNED;

const DP_POLICY = {
  [OVS_DP_ATTR_NAME]: { name: 'name', kind: 'string' },
  [OVS_DP_ATTR_STATS]: { name: 'stats', kind: 'bytes', minLen: 32 },
  [OVS_DP_ATTR_MEGAFLOW_STATS]: { name: 'megaflow', kind: 'bytes', minLen: 12, optional: true },
  [OVS_DP_ATTR_USER_FEATURES]: { name: 'features', kind: 'u32', optional: true },
} as const;

function header(w: NlWriter, family: number, cmd: number, flags: number, seq: number, ifindex: number): void {
  w.beginMessage(family, flags, seq, 0);
  w.putGenlHeader(cmd, OVS_DATAPATH_VERSION);
  w.putOvsHeader(ifindex);
}

/** DP NEW: UPCALL_PID, NAME, USER_FEATURES — the order MidoNet writes. */
export function writeDpCreate(w: NlWriter, family: number, seq: number, name: string, upcallPid: number, features = MIDONET_DP_FEATURES): void {
  header(w, family, OVS_DP_CMD_NEW, NLM_F_REQUEST | NLM_F_ECHO, seq, 0);
  w.putU32(OVS_DP_ATTR_UPCALL_PID, upcallPid);
  w.putString(OVS_DP_ATTR_NAME, name);
  w.putU32(OVS_DP_ATTR_USER_FEATURES, features);
  w.endMessage();
}

/** DP GET by name (ifindex 0) or by ifindex (name omitted). */
export function writeDpGet(w: NlWriter, family: number, seq: number, name: string | null, ifindex = 0): void {
  header(w, family, OVS_DP_CMD_GET, NLM_F_REQUEST, seq, ifindex);
  if (name !== null) w.putString(OVS_DP_ATTR_NAME, name);
  w.putU32(OVS_DP_ATTR_USER_FEATURES, MIDONET_DP_FEATURES);
  w.endMessage();
}

/**
 * DP SET of the user features: how the agent takes its datapath back after
 * another tool (ovs-dpctl 3.x) switched it to per-CPU upcall dispatch, which
 * silently sends every miss to sockets nobody reads.
 */
export function writeDpSetFeatures(w: NlWriter, family: number, seq: number, name: string, features = MIDONET_DP_FEATURES): void {
  header(w, family, OVS_DP_CMD_SET, NLM_F_REQUEST | NLM_F_ECHO, seq, 0);
  w.putString(OVS_DP_ATTR_NAME, name);
  w.putU32(OVS_DP_ATTR_USER_FEATURES, features);
  w.endMessage();
}

export function writeDpDelete(w: NlWriter, family: number, seq: number, name: string): void {
  header(w, family, OVS_DP_CMD_DEL, NLM_F_REQUEST | NLM_F_ECHO, seq, 0);
  w.putString(OVS_DP_ATTR_NAME, name);
  w.endMessage();
}

export function writeDpDump(w: NlWriter, family: number, seq: number): void {
  header(w, family, OVS_DP_CMD_GET, NLM_F_REQUEST | NLM_F_DUMP, seq, 0);
  w.endMessage();
}

/** Parses a datapath reply (genl payload span of one message); a reason string if malformed. */
export function parseDp(buf: Uint8Array, off: number, len: number): DpInfo | string {
  if (len < GENL_HDRLEN + OVS_HEADER_LEN) return 'short datapath reply';
  const ifindex = getI32(buf, off + GENL_HDRLEN);
  const a = off + GENL_HDRLEN + OVS_HEADER_LEN;
  const r = parseAttrs(buf, a, len - GENL_HDRLEN - OVS_HEADER_LEN, DP_POLICY);
  if (!r.ok) return r.reason;
  const s = r.value.stats.off;
  const mf = r.value.megaflow;
  return {
    name: r.value.name,
    ifindex,
    stats: { hit: getU64(buf, s), missed: getU64(buf, s + 8), lost: getU64(buf, s + 16), flows: getU64(buf, s + 24) },
    megaflow: mf === undefined ? null : { maskHit: getU64(buf, mf.off), masks: getU32(buf, mf.off + 8) },
    userFeatures: r.value.features ?? 0,
  };
}
