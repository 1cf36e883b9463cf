/**
 * Generic netlink family discovery through the `nlctrl` controller (linux/genetlink.h).
 *
 * The four OVS families (ovs_datapath, ovs_vport, ovs_flow, ovs_packet) get dynamic ids when
 * openvswitch.ko loads; every request is addressed to such an id, so the agent resolves them
 * once at start (CTRL_CMD_GETFAMILY by name) and keeps them in an `OvsFamilies` record. Multicast
 * groups are read for completeness (MidoNet records but never joins them, datapath.md §1.1).
 * A missing family means the module is not loaded: nlctrl answers EINVAL (its reply for an unknown
 * name), surfacing as NetlinkError { code: 'EINVAL', op: 'family-lookup' }.
 */
import {
  CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_MCAST_GROUPS, CTRL_ATTR_MCAST_GRP_ID,
  CTRL_ATTR_MCAST_GRP_NAME, CTRL_CMD_GETFAMILY, CTRL_VERSION, GENL_HDRLEN, GENL_ID_CTRL, NLM_F_REQUEST,
} from './nl-constants.js';
import { NlAttrs, parseAttrs } from './nl-reader.js';
import type { NlMessages } from './nl-reader.js';
import { NlWriter } from './nl-writer.js';
import {
  OVS_DATAPATH_FAMILY, OVS_FLOW_FAMILY, OVS_PACKET_FAMILY, OVS_VPORT_FAMILY, OVS_VPORT_MCGROUP_FALLBACK_ID,
} from './odp-types.js';
import type { NlChannel } from './nl-channel.js';
import { NetlinkError } from './netlink-error.js';

export interface GenlFamily {
  readonly name: string;
  readonly id: number;
  /** Multicast group name → id. */
  readonly groups: ReadonlyMap<string, number>;
}

export interface OvsFamilies {
  readonly datapath: GenlFamily;
  readonly vport: GenlFamily;
  readonly flow: GenlFamily;
  readonly packet: GenlFamily;
  /** The ovs_vport multicast group (33 when nlctrl does not list it). */
  readonly vportMcastGroup: number;
}

const FAMILY_POLICY = {
  [CTRL_ATTR_FAMILY_ID]: { name: 'id', kind: 'u16' },
  [CTRL_ATTR_FAMILY_NAME]: { name: 'name', kind: 'string' },
  [CTRL_ATTR_MCAST_GROUPS]: { name: 'groups', kind: 'nested', optional: true },
} as const;

const GROUP_POLICY = {
  [CTRL_ATTR_MCAST_GRP_NAME]: { name: 'name', kind: 'string' },
  [CTRL_ATTR_MCAST_GRP_ID]: { name: 'id', kind: 'u32' },
} as const;

/** CTRL_CMD_GETFAMILY for `name`. */
export function writeGetFamily(w: NlWriter, name: string, seq: number): void {
  w.beginMessage(GENL_ID_CTRL, NLM_F_REQUEST, seq, 0);
  w.putGenlHeader(CTRL_CMD_GETFAMILY, CTRL_VERSION);
  w.putString(CTRL_ATTR_FAMILY_NAME, name);
  w.endMessage();
}

/** Parses a CTRL_CMD_NEWFAMILY reply; a string reason when it is malformed. */
export function parseFamily(buf: Uint8Array, off: number, len: number): GenlFamily | string {
  const r = parseAttrs(buf, off + GENL_HDRLEN, len - GENL_HDRLEN, FAMILY_POLICY);
  if (!r.ok) return r.reason;
  const groups = new Map<string, number>();
  if (r.value.groups !== undefined) {
    const outer = new NlAttrs(buf, r.value.groups.off, r.value.groups.len);
    while (outer.next()) {
      const g = parseAttrs(buf, outer.off, outer.len, GROUP_POLICY);
      if (g.ok) groups.set(g.value.name, g.value.id);
    }
  }
  return { name: r.value.name, id: r.value.id, groups };
}

/** Resolves one family on `ch`; NetlinkError(EINVAL, 'family-lookup') when the kernel lacks it. */
export function lookupFamily(ch: NlChannel, name: string): GenlFamily {
  const w = new NlWriter(256);
  const seq = ch.nextSeq();
  writeGetFamily(w, name, seq);
  const box: { fam: GenlFamily | string } = { fam: 'no reply' };
  ch.transact(w.bytes(), seq, 'family-lookup', (m: NlMessages) => {
    box.fam = parseFamily(ch.rx, m.payloadOff, m.payloadLen);
  });
  if (typeof box.fam === 'string') throw new NetlinkError(22, 'family-lookup', `${name}: ${box.fam}`);
  return box.fam;
}

/** Resolves the four OVS families (the openvswitch module must be loaded). */
export function lookupOvsFamilies(ch: NlChannel): OvsFamilies {
  const vport = lookupFamily(ch, OVS_VPORT_FAMILY);
  return {
    datapath: lookupFamily(ch, OVS_DATAPATH_FAMILY),
    vport,
    flow: lookupFamily(ch, OVS_FLOW_FAMILY),
    packet: lookupFamily(ch, OVS_PACKET_FAMILY),
    vportMcastGroup: vport.groups.get(OVS_VPORT_FAMILY) ?? OVS_VPORT_MCGROUP_FALLBACK_ID,
  };
}
