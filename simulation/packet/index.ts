/**
 * The packet layer's public surface: header views (as namespaces, so call sites
 * read `ipv4.ttl(b, off)`), the frame parser, checksums, builders and the action
 * executor. FlowMatch and the address helpers are re-exported for convenience.
 */

export * as arp from './arp.js';
export * as eth from './ethernet.js';
export * as icmp from './icmp.js';
export * as ipv4 from './ipv4.js';
export * as ipv6 from './ipv6.js';
export * as tcp from './tcp.js';
export * as udp from './udp.js';
export * as vlan from './vlan.js';
export * as csum from './checksum.js';

export { parseFrame, ParsedPacket, PARSE_REASONS, IPPROTO_SCTP } from './parse.js';
export type { ParseVerdict, ParseReason } from './parse.js';
export {
  buildArpReply,
  buildArpRequest,
  buildIcmpEchoReply,
  buildIcmpEchoRequest,
  buildIcmpError,
  buildTcp,
  buildUdp,
  icmpQuoteLength,
  writeEthernet,
  writeIpv4Header,
  DEFAULT_TTL,
} from './build.js';
export type { EchoFields, IcmpErrorFields, Ipv4HeaderFields, L3Addressing, TcpFields, UdpFields } from './build.js';
export { applyActions, insertVlanTag } from './rewrite.js';
export type { EmittedFrame } from './rewrite.js';
export * from './flow-match.js';
export * from './addr.js';
