/**
 * The Open vSwitch datapath vocabulary (linux/openvswitch.h) as constants, and a
 * flow's key, mask and actions as typed records.
 *
 * Words:
 *  - key attribute (OVS_KEY_ATTR_*): one header group of a flow key (in_port,
 *    eth, ipv4, ...). A key is an ordered list of them; the kernel builds one per
 *    upcall and takes one per flow put.
 *  - mask: a list of the same attributes whose values are bit masks (1 = must
 *    match). An absent mask attribute wildcards its whole group.
 *  - OdpKeyAttr: one key (or mask) attribute as a record, field names as
 *    `ovs-dpctl` prints them. The hot path (FlowMatch → bytes, odp-flow-key.ts)
 *    never builds these; they exist for dumps, text (flow-text.ts), tests and
 *    tools. MACs are 48-bit numbers, IPv4 addresses u32, IPv6 addresses 16 bytes,
 *    tunnel ids bigint (a 64-bit mask is not exact in a double).
 *  - OdpAction: one OVS_ACTION_ATTR_* as a record (odp-actions.ts codes them).
 *  - Fitness: how well a key list from the kernel fits what we understand (OVS's
 *    odp_key_fitness). See odp-flow-key.ts.
 *
 * Pure data: no I/O. Numbers here are the current UAPI; datapath.md §2.1 notes
 * where MidoNet's 2.1-era table differed.
 */

// --- generic netlink families (datapath.md §1.2) ---------------------------

export const OVS_DATAPATH_FAMILY = 'ovs_datapath';
export const OVS_VPORT_FAMILY = 'ovs_vport';
export const OVS_FLOW_FAMILY = 'ovs_flow';
export const OVS_PACKET_FAMILY = 'ovs_packet';
export const OVS_DATAPATH_VERSION = 2;
export const OVS_VPORT_VERSION = 1;
export const OVS_FLOW_VERSION = 1;
export const OVS_PACKET_VERSION = 1;
/** Fallback multicast group id of ovs_vport when nlctrl does not list it. */
export const OVS_VPORT_MCGROUP_FALLBACK_ID = 33;

export const OVS_DP_CMD_NEW = 1, OVS_DP_CMD_DEL = 2, OVS_DP_CMD_GET = 3, OVS_DP_CMD_SET = 4;
export const OVS_VPORT_CMD_NEW = 1, OVS_VPORT_CMD_DEL = 2, OVS_VPORT_CMD_GET = 3, OVS_VPORT_CMD_SET = 4;
export const OVS_FLOW_CMD_NEW = 1, OVS_FLOW_CMD_DEL = 2, OVS_FLOW_CMD_GET = 3, OVS_FLOW_CMD_SET = 4;
export const OVS_PACKET_CMD_MISS = 1, OVS_PACKET_CMD_ACTION = 2, OVS_PACKET_CMD_EXECUTE = 3;

export const OVS_DP_ATTR_NAME = 1;
export const OVS_DP_ATTR_UPCALL_PID = 2;
export const OVS_DP_ATTR_STATS = 3;
export const OVS_DP_ATTR_MEGAFLOW_STATS = 4;
export const OVS_DP_ATTR_USER_FEATURES = 5;
export const OVS_DP_F_UNALIGNED = 1;
export const OVS_DP_F_VPORT_PIDS = 2;

export const OVS_VPORT_ATTR_PORT_NO = 1;
export const OVS_VPORT_ATTR_TYPE = 2;
export const OVS_VPORT_ATTR_NAME = 3;
export const OVS_VPORT_ATTR_OPTIONS = 4;
export const OVS_VPORT_ATTR_UPCALL_PID = 5;
export const OVS_VPORT_ATTR_STATS = 6;
export const OVS_VPORT_TYPE_NETDEV = 1;
export const OVS_VPORT_TYPE_INTERNAL = 2;
export const OVS_VPORT_TYPE_GRE = 3;
export const OVS_VPORT_TYPE_VXLAN = 4;
export const OVS_VPORT_TYPE_GENEVE = 5;
/** Vport OPTIONS sub-attribute: UDP port, u16 host order. */
export const OVS_TUNNEL_ATTR_DST_PORT = 1;

export const OVS_FLOW_ATTR_KEY = 1;
export const OVS_FLOW_ATTR_ACTIONS = 2;
export const OVS_FLOW_ATTR_STATS = 3;
export const OVS_FLOW_ATTR_TCP_FLAGS = 4;
export const OVS_FLOW_ATTR_USED = 5;
export const OVS_FLOW_ATTR_CLEAR = 6;
export const OVS_FLOW_ATTR_MASK = 7;
export const OVS_FLOW_ATTR_PROBE = 8;
export const OVS_FLOW_ATTR_UFID = 9;
export const OVS_FLOW_ATTR_UFID_FLAGS = 10;

export const OVS_PACKET_ATTR_PACKET = 1;
export const OVS_PACKET_ATTR_KEY = 2;
export const OVS_PACKET_ATTR_ACTIONS = 3;
export const OVS_PACKET_ATTR_USERDATA = 4;
export const OVS_PACKET_ATTR_EGRESS_TUN_KEY = 5;
export const OVS_PACKET_ATTR_PROBE = 8;
export const OVS_PACKET_ATTR_MRU = 9;
export const OVS_PACKET_ATTR_LEN = 10;
export const OVS_PACKET_ATTR_HASH = 11;

// --- key attributes (datapath.md §2.1) ---------------------------------------

export const OVS_KEY_ATTR_ENCAP = 1;
export const OVS_KEY_ATTR_PRIORITY = 2;
export const OVS_KEY_ATTR_IN_PORT = 3;
export const OVS_KEY_ATTR_ETHERNET = 4;
export const OVS_KEY_ATTR_VLAN = 5;
export const OVS_KEY_ATTR_ETHERTYPE = 6;
export const OVS_KEY_ATTR_IPV4 = 7;
export const OVS_KEY_ATTR_IPV6 = 8;
export const OVS_KEY_ATTR_TCP = 9;
export const OVS_KEY_ATTR_UDP = 10;
export const OVS_KEY_ATTR_ICMP = 11;
export const OVS_KEY_ATTR_ICMPV6 = 12;
export const OVS_KEY_ATTR_ARP = 13;
export const OVS_KEY_ATTR_ND = 14;
export const OVS_KEY_ATTR_SKB_MARK = 15;
export const OVS_KEY_ATTR_TUNNEL = 16;
export const OVS_KEY_ATTR_SCTP = 17;
export const OVS_KEY_ATTR_TCP_FLAGS = 18;
export const OVS_KEY_ATTR_DP_HASH = 19;
export const OVS_KEY_ATTR_RECIRC_ID = 20;
export const OVS_KEY_ATTR_MPLS = 21;
export const OVS_KEY_ATTR_CT_STATE = 22;
export const OVS_KEY_ATTR_CT_ZONE = 23;
export const OVS_KEY_ATTR_CT_MARK = 24;
export const OVS_KEY_ATTR_CT_LABELS = 25;
export const OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4 = 26;
export const OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV6 = 27;
export const OVS_KEY_ATTR_NSH = 28;
export const OVS_KEY_ATTR_PACKET_TYPE = 29;
export const OVS_KEY_ATTR_ND_EXTENSIONS = 30;
export const OVS_KEY_ATTR_IPV6_EXTHDRS = 32;

/** Payload sizes of the fixed-size key attributes (others: variable/nested). */
export const KEY_ATTR_LEN: { readonly [type: number]: number } = {
  [OVS_KEY_ATTR_PRIORITY]: 4, [OVS_KEY_ATTR_IN_PORT]: 4, [OVS_KEY_ATTR_ETHERNET]: 12,
  [OVS_KEY_ATTR_VLAN]: 2, [OVS_KEY_ATTR_ETHERTYPE]: 2, [OVS_KEY_ATTR_IPV4]: 12,
  [OVS_KEY_ATTR_IPV6]: 40, [OVS_KEY_ATTR_TCP]: 4, [OVS_KEY_ATTR_UDP]: 4,
  [OVS_KEY_ATTR_ICMP]: 2, [OVS_KEY_ATTR_ICMPV6]: 2, [OVS_KEY_ATTR_ARP]: 24,
  [OVS_KEY_ATTR_ND]: 28, [OVS_KEY_ATTR_SKB_MARK]: 4, [OVS_KEY_ATTR_SCTP]: 4,
  [OVS_KEY_ATTR_TCP_FLAGS]: 2, [OVS_KEY_ATTR_DP_HASH]: 4, [OVS_KEY_ATTR_RECIRC_ID]: 4,
  [OVS_KEY_ATTR_CT_STATE]: 4, [OVS_KEY_ATTR_CT_ZONE]: 2, [OVS_KEY_ATTR_CT_MARK]: 4,
  [OVS_KEY_ATTR_CT_LABELS]: 16, [OVS_KEY_ATTR_PACKET_TYPE]: 4,
};

export const OVS_TUNNEL_KEY_ATTR_ID = 0;
export const OVS_TUNNEL_KEY_ATTR_IPV4_SRC = 1;
export const OVS_TUNNEL_KEY_ATTR_IPV4_DST = 2;
export const OVS_TUNNEL_KEY_ATTR_TOS = 3;
export const OVS_TUNNEL_KEY_ATTR_TTL = 4;
export const OVS_TUNNEL_KEY_ATTR_DONT_FRAGMENT = 5;
export const OVS_TUNNEL_KEY_ATTR_CSUM = 6;
export const OVS_TUNNEL_KEY_ATTR_OAM = 7;
export const OVS_TUNNEL_KEY_ATTR_GENEVE_OPTS = 8;
export const OVS_TUNNEL_KEY_ATTR_TP_SRC = 9;
export const OVS_TUNNEL_KEY_ATTR_TP_DST = 10;
export const OVS_TUNNEL_KEY_ATTR_VXLAN_OPTS = 11;
export const OVS_TUNNEL_KEY_ATTR_IPV6_SRC = 12;
export const OVS_TUNNEL_KEY_ATTR_IPV6_DST = 13;

export const OVS_FRAG_TYPE_NONE = 0, OVS_FRAG_TYPE_FIRST = 1, OVS_FRAG_TYPE_LATER = 2;
/** VLAN TCI "tag present" bit (CFI/DEI position); see datapath.md §2.1. */
export const VLAN_CFI = 0x1000;
export const VLAN_VID_MASK = 0x0fff;
export const VLAN_PCP_MASK = 0xe000;

// --- actions (datapath.md §2.3) -----------------------------------------------

export const OVS_ACTION_ATTR_OUTPUT = 1;
export const OVS_ACTION_ATTR_USERSPACE = 2;
export const OVS_ACTION_ATTR_SET = 3;
export const OVS_ACTION_ATTR_PUSH_VLAN = 4;
export const OVS_ACTION_ATTR_POP_VLAN = 5;
export const OVS_ACTION_ATTR_SAMPLE = 6;
export const OVS_ACTION_ATTR_RECIRC = 7;
export const OVS_ACTION_ATTR_HASH = 8;
export const OVS_ACTION_ATTR_SET_MASKED = 11;
export const OVS_ACTION_ATTR_CT = 12;
export const OVS_ACTION_ATTR_TRUNC = 13;
export const OVS_ACTION_ATTR_DROP = 24;

export const OVS_USERSPACE_ATTR_PID = 1;
export const OVS_USERSPACE_ATTR_USERDATA = 2;
export const OVS_USERSPACE_ATTR_EGRESS_TUN_PORT = 3;
export const OVS_USERSPACE_ATTR_ACTIONS = 4;
export const OVS_SAMPLE_ATTR_PROBABILITY = 1;
export const OVS_SAMPLE_ATTR_ACTIONS = 2;

// --- records -------------------------------------------------------------------

/** Key attributes that are one integer ("value" is host-order numeric). */
export type OdpScalarKind =
  | 'skb_priority' | 'in_port' | 'skb_mark' | 'dp_hash' | 'recirc_id'
  | 'ct_state' | 'ct_zone' | 'ct_mark' | 'eth_type' | 'vlan' | 'tcp_flags' | 'packet_type';

/**
 * Tunnel key fields; an absent field was absent on the wire (the kernel omits
 * zero src/dst/tos). `df`/`csum`/`oam` are flag attributes. Anything else
 * (geneve/vxlan options, IPv6 endpoints) is kept raw in `other`.
 */
export interface OdpTunnel {
  readonly id?: bigint;
  readonly src?: number;
  readonly dst?: number;
  readonly tos?: number;
  readonly ttl?: number;
  readonly df?: boolean;
  readonly csum?: boolean;
  readonly oam?: boolean;
  readonly tpSrc?: number;
  readonly tpDst?: number;
  readonly other?: readonly OdpRawAttr[];
}

export interface OdpRawAttr {
  readonly type: number;
  readonly bytes: Uint8Array;
}

export type OdpKeyAttr =
  | { readonly kind: OdpScalarKind; readonly value: number }
  | { readonly kind: 'encap'; readonly keys: readonly OdpKeyAttr[] }
  | { readonly kind: 'tunnel'; readonly tunnel: OdpTunnel }
  | { readonly kind: 'eth'; readonly src: number; readonly dst: number }
  | {
      readonly kind: 'ipv4';
      readonly src: number; readonly dst: number; readonly proto: number;
      readonly tos: number; readonly ttl: number; readonly frag: number;
    }
  | {
      readonly kind: 'ipv6';
      readonly src: Uint8Array; readonly dst: Uint8Array; readonly label: number;
      readonly proto: number; readonly tclass: number; readonly hlimit: number; readonly frag: number;
    }
  | { readonly kind: 'tcp' | 'udp' | 'sctp'; readonly src: number; readonly dst: number }
  | { readonly kind: 'icmp' | 'icmpv6'; readonly type: number; readonly code: number }
  | {
      readonly kind: 'arp';
      readonly sip: number; readonly tip: number; readonly op: number;
      readonly sha: number; readonly tha: number;
    }
  | { readonly kind: 'nd'; readonly target: Uint8Array; readonly sll: number; readonly tll: number }
  | { readonly kind: 'ct_label'; readonly bytes: Uint8Array }
  /** Any attribute we do not model (mpls, nsh, ct tuples, future ones): raw payload. */
  | { readonly kind: 'unknown'; readonly type: number; readonly bytes: Uint8Array };

export type OdpKeyKind = OdpKeyAttr['kind'];

export type OdpAction =
  | { readonly kind: 'output'; readonly port: number }
  | {
      readonly kind: 'userspace';
      readonly pid: number;
      /** Cookie bytes (MidoNet writes a u64 in host order). */
      readonly userdata?: Uint8Array;
      readonly egressTunPort?: number;
    }
  /** Full-struct SET of exactly one key attribute (eth, ipv4, ipv6, tcp, udp, icmp, tunnel...). */
  | { readonly kind: 'set'; readonly key: OdpKeyAttr }
  | { readonly kind: 'push_vlan'; readonly tpid: number; readonly tci: number }
  | { readonly kind: 'pop_vlan' }
  /** Parsed from the kernel, never generated by MidoNet. */
  | { readonly kind: 'sample'; readonly probability: number; readonly actions: readonly OdpAction[] }
  | { readonly kind: 'recirc'; readonly id: number }
  | { readonly kind: 'unknown'; readonly type: number; readonly bytes: Uint8Array };

/** Flow statistics as a dump reports them. `used` is seconds ago, null = never. */
export interface OdpFlowStats {
  readonly packets: number;
  readonly bytes: number;
  readonly used: number | null;
  readonly tcpFlags: number;
}

/** One datapath flow: what `ovs-dpctl dump-flows` prints on one line. */
export interface OdpFlow {
  readonly ufid?: string;
  readonly key: readonly OdpKeyAttr[];
  /** Absent: an exact-match flow (no megaflow mask). */
  readonly mask?: readonly OdpKeyAttr[];
  readonly stats?: OdpFlowStats;
  /** Empty list: a drop flow. */
  readonly actions: readonly OdpAction[];
}

/**
 * OVS's odp_key_fitness: PERFECT, the key is exactly what we model; TOO_MUCH,
 * it carries attributes we don't model (install an exact match, count it);
 * TOO_LITTLE, an attribute the packet needs is missing (e.g. ethertype IPv4
 * without an IPV4 key); ERROR, malformed.
 */
export const Fitness = {
  PERFECT: 'perfect',
  TOO_MUCH: 'too-much',
  TOO_LITTLE: 'too-little',
  ERROR: 'error',
} as const;
export type Fitness = (typeof Fitness)[keyof typeof Fitness];
