/**
 * Netlink framing constants (linux/netlink.h, linux/genetlink.h) shared by the
 * writer, the reader and the genl-* families.
 *
 * Words:
 *  - message: one nlmsghdr (16 bytes: len u32, type u16, flags u16, seq u32,
 *    pid u32) plus its payload, padded to 4 bytes.
 *  - attribute: one nlattr (len u16 counting its 4-byte header but not its
 *    padding, type u16) plus payload, padded to 4 bytes.
 *  - host order: netlink headers and the u16/u32/u64 attributes are in the CPU's
 *    native order; fields the UAPI marks __be16/__be32/__be64 are big-endian
 *    (datapath.md §1). `HOST_LITTLE_ENDIAN` is the switch every DataView call uses.
 *
 * Pure constants: no I/O.
 */

/** True on x86/arm64-le; netlink "host order" fields follow it. */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export const NLMSG_HDRLEN = 16;
export const GENL_HDRLEN = 4;
export const NLA_HDRLEN = 4;
/** struct ovs_header: int dp_ifindex. */
export const OVS_HEADER_LEN = 4;

/** Rounds up to the 4-byte netlink alignment. */
export function nlAlign(n: number): number {
  return (n + 3) & ~3;
}

// nlmsg_type values below NLMSG_MIN_TYPE are control messages.
export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLMSG_OVERRUN = 4;
export const NLMSG_MIN_TYPE = 0x10;

// nlmsg_flags
export const NLM_F_REQUEST = 0x1;
export const NLM_F_MULTI = 0x2;
export const NLM_F_ACK = 0x4;
export const NLM_F_ECHO = 0x8;
export const NLM_F_ROOT = 0x100;
export const NLM_F_MATCH = 0x200;
export const NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
export const NLM_F_CREATE = 0x400;
export const NLM_F_EXCL = 0x200;
export const NLM_F_REPLACE = 0x100;

// nla_type flag bits. MidoNet sets NLA_F_NESTED on the containers it writes; the
// kernel masks both bits, so readers must too (datapath.md §1.1).
export const NLA_F_NESTED = 0x8000;
export const NLA_F_NET_BYTEORDER = 0x4000;
export const NLA_TYPE_MASK = 0x3fff;

// Generic netlink controller (nlctrl), used for family discovery.
export const GENL_ID_CTRL = 0x10;
export const CTRL_VERSION = 1;
export const CTRL_CMD_GETFAMILY = 3;
export const CTRL_ATTR_FAMILY_ID = 1;
export const CTRL_ATTR_FAMILY_NAME = 2;
export const CTRL_ATTR_MCAST_GROUPS = 7;
export const CTRL_ATTR_MCAST_GRP_NAME = 1;
export const CTRL_ATTR_MCAST_GRP_ID = 2;
