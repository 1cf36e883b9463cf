/**
 * The `ovs_vport` generic-netlink family: request builders and the reply parser.
 *
 * A vport is a datapath port: a host netdev (a VM's tap, a veth end), the datapath's own internal
 * port, or a tunnel endpoint (VXLAN with a UDP destination port, GRE). MidoNet creates each vport
 * through its own netlink socket and gives that socket's pid as UPCALL_PID, so misses from the
 * port arrive on that socket (datapath.md §1.7). Tunnel options carry DST_PORT as a u16 in host
 * order. Pure: builders write into an NlWriter, the parser reads a reply in place.
 */
import { GENL_HDRLEN, NLM_F_DUMP, NLM_F_ECHO, NLM_F_REQUEST, OVS_HEADER_LEN } from './nl-constants.js';
import { findAttr, getI32, getU16, getU64, parseAttrs } from './nl-reader.js';
import type { NlWriter } from './nl-writer.js';
import {
  OVS_TUNNEL_ATTR_DST_PORT, OVS_VPORT_ATTR_NAME, OVS_VPORT_ATTR_OPTIONS, OVS_VPORT_ATTR_PORT_NO,
  OVS_VPORT_ATTR_STATS, OVS_VPORT_ATTR_TYPE, OVS_VPORT_ATTR_UPCALL_PID, OVS_VPORT_CMD_DEL,
  OVS_VPORT_CMD_GET, OVS_VPORT_CMD_NEW, OVS_VPORT_TYPE_GENEVE, OVS_VPORT_TYPE_GRE,
  OVS_VPORT_TYPE_INTERNAL, OVS_VPORT_TYPE_NETDEV, OVS_VPORT_TYPE_VXLAN, OVS_VPORT_VERSION,
} from './odp-types.js';

export type VportType = 'netdev' | 'internal' | 'gre' | 'vxlan' | 'geneve';

const TYPE_NUM: Record<VportType, number> = {
  netdev: OVS_VPORT_TYPE_NETDEV, internal: OVS_VPORT_TYPE_INTERNAL, gre: OVS_VPORT_TYPE_GRE,
  vxlan: OVS_VPORT_TYPE_VXLAN, geneve: OVS_VPORT_TYPE_GENEVE,
};

export function vportTypeName(n: number): VportType | `type-${number}` {
  for (const [k, v] of Object.entries(TYPE_NUM)) if (v === n) return k as VportType;
  return `type-${n}`;
}

/** struct ovs_vport_stats. */
export interface VportStats {
  readonly rxPackets: number; readonly txPackets: number;
  readonly rxBytes: number; readonly txBytes: number;
  readonly rxErrors: number; readonly txErrors: number;
  readonly rxDropped: number; readonly txDropped: number;
}

export interface VportInfo {
  readonly dpIfindex: number;
  readonly portNo: number;
  readonly type: VportType | `type-${number}`;
  readonly name: string;
  readonly upcallPid: number;
  readonly stats: VportStats | null;
  /** Tunnel UDP destination port (VXLAN/Geneve). */
  readonly dstPort: number | null;
}

export interface VportSpec {
  readonly name: string;
  readonly type: VportType;
  /** UDP destination port for VXLAN/Geneve vports. */
  readonly dstPort?: number;
  /** Ask for this port number (re-creating a port with its old number). */
  readonly portNo?: number;
}

const VPORT_POLICY = {
  [OVS_VPORT_ATTR_PORT_NO]: { name: 'portNo', kind: 'u32' },
  [OVS_VPORT_ATTR_TYPE]: { name: 'type', kind: 'u32' },
  [OVS_VPORT_ATTR_NAME]: { name: 'name', kind: 'string' },
  [OVS_VPORT_ATTR_OPTIONS]: { name: 'options', kind: 'nested', optional: true },
  [OVS_VPORT_ATTR_UPCALL_PID]: { name: 'pid', kind: 'bytes', optional: true },
  [OVS_VPORT_ATTR_STATS]: { name: 'stats', kind: 'bytes', minLen: 64, optional: true },
} as const;

function header(w: NlWriter, family: number, cmd: number, flags: number, seq: number, dpIfindex: number): void {
  w.beginMessage(family, flags, seq, 0);
  w.putGenlHeader(cmd, OVS_VPORT_VERSION);
  w.putOvsHeader(dpIfindex);
}

/** VPORT NEW: UPCALL_PID, NAME, TYPE, [PORT_NO], [OPTIONS{DST_PORT}] (datapath.md §1.4). */
export function writeVportCreate(w: NlWriter, family: number, seq: number, dpIfindex: number, spec: VportSpec, upcallPid: number): void {
  header(w, family, OVS_VPORT_CMD_NEW, NLM_F_REQUEST | NLM_F_ECHO, seq, dpIfindex);
  w.putU32(OVS_VPORT_ATTR_UPCALL_PID, upcallPid);
  w.putString(OVS_VPORT_ATTR_NAME, spec.name);
  w.putU32(OVS_VPORT_ATTR_TYPE, TYPE_NUM[spec.type]);
  if (spec.portNo !== undefined) w.putU32(OVS_VPORT_ATTR_PORT_NO, spec.portNo);
  if (spec.dstPort !== undefined) {
    const o = w.beginNested(OVS_VPORT_ATTR_OPTIONS);
    w.putU16(OVS_TUNNEL_ATTR_DST_PORT, spec.dstPort);
    w.endNested(o);
  }
  w.endMessage();
}

/** VPORT GET by name or number. */
export function writeVportGet(w: NlWriter, family: number, seq: number, dpIfindex: number, by: { name: string } | { portNo: number }): void {
  header(w, family, OVS_VPORT_CMD_GET, NLM_F_REQUEST, seq, dpIfindex);
  if ('name' in by) w.putString(OVS_VPORT_ATTR_NAME, by.name);
  else w.putU32(OVS_VPORT_ATTR_PORT_NO, by.portNo);
  w.endMessage();
}

/** VPORT DEL by name or number. */
export function writeVportDelete(w: NlWriter, family: number, seq: number, dpIfindex: number, by: { name: string } | { portNo: number }): void {
  header(w, family, OVS_VPORT_CMD_DEL, NLM_F_REQUEST | NLM_F_ECHO, seq, dpIfindex);
  if ('name' in by) w.putString(OVS_VPORT_ATTR_NAME, by.name);
  else w.putU32(OVS_VPORT_ATTR_PORT_NO, by.portNo);
  w.endMessage();
}

export function writeVportDump(w: NlWriter, family: number, seq: number, dpIfindex: number): void {
  header(w, family, OVS_VPORT_CMD_GET, NLM_F_REQUEST | NLM_F_DUMP, seq, dpIfindex);
  w.endMessage();
}

/** Parses a vport reply (genl payload span of one message); a reason string if malformed. */
export function parseVport(buf: Uint8Array, off: number, len: number): VportInfo | string {
  if (len < GENL_HDRLEN + OVS_HEADER_LEN) return 'short vport reply';
  const a = off + GENL_HDRLEN + OVS_HEADER_LEN;
  const r = parseAttrs(buf, a, len - GENL_HDRLEN - OVS_HEADER_LEN, VPORT_POLICY);
  if (!r.ok) return r.reason;
  const v = r.value;
  const s = v.stats?.off;
  let dstPort: number | null = null;
  if (v.options !== undefined) {
    const p = findAttr(buf, v.options.off, v.options.len, OVS_TUNNEL_ATTR_DST_PORT);
    if (p !== null && p.len >= 2) dstPort = getU16(buf, p.off);
  }
  return {
    dpIfindex: getI32(buf, off + GENL_HDRLEN),
    portNo: v.portNo,
    type: vportTypeName(v.type),
    name: v.name,
    // UPCALL_PID is an array of u32 (one per handler with VPORT_PIDS); MidoNet uses one.
    upcallPid: v.pid !== undefined && v.pid.len >= 4 ? getU64Low(buf, v.pid.off) : 0,
    stats: s === undefined ? null : {
      rxPackets: getU64(buf, s), txPackets: getU64(buf, s + 8),
      rxBytes: getU64(buf, s + 16), txBytes: getU64(buf, s + 24),
      rxErrors: getU64(buf, s + 32), txErrors: getU64(buf, s + 40),
      rxDropped: getU64(buf, s + 48), txDropped: getU64(buf, s + 56),
    },
    dstPort,
  };
}

function getU64Low(buf: Uint8Array, off: number): number {
  return getI32(buf, off) >>> 0;
}
