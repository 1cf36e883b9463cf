/**
 * Frame builders for packets the devices generate: ARP requests and replies, ICMP
 * echo replies and errors, UDP datagrams (DHCP replies), plus the TCP segment and
 * echo request the tests and benchmarks need. Every builder returns a fresh,
 * complete Ethernet frame with correct IPv4, ICMP, UDP and TCP checksums; the
 * caller owns it (a generated packet outlives the simulation).
 *
 * IPv4 headers are written without options, TTL 64 unless told otherwise (what
 * MidoNet uses for generated packets), identification 0, no fragmentation flags.
 */

import { BROADCAST_MAC, writeIpv4, writeMac } from './addr.js';
import * as arp from './arp.js';
import { checksum, ipv4HeaderChecksum, pseudoHeaderSum } from './checksum.js';
import * as eth from './ethernet.js';
import { EtherType, IpProto } from './flow-match.js';
import * as icmp from './icmp.js';
import * as ipv4 from './ipv4.js';
import * as tcp from './tcp.js';
import * as udp from './udp.js';

export const DEFAULT_TTL = 64;

export interface Ipv4HeaderFields {
  readonly src: number;
  readonly dst: number;
  readonly proto: number;
  /** Bytes after the IPv4 header. */
  readonly payloadLength: number;
  readonly ttl?: number;
  readonly tos?: number;
  readonly id?: number;
  /** The 16-bit flags/fragment-offset word (e.g. ipv4.FLAG_DF). */
  readonly flagsFragment?: number;
}

/** Writes an Ethernet header at `off`. */
export function writeEthernet(b: Uint8Array, off: number, dst: number, src: number, type: number): void {
  writeMac(b, off + eth.DST, dst);
  writeMac(b, off + eth.SRC, src);
  eth.setType(b, off, type);
}

/** Writes a 20-byte IPv4 header at `off`, checksum included; returns its length. */
export function writeIpv4Header(b: Uint8Array, off: number, h: Ipv4HeaderFields): number {
  const ff = h.flagsFragment ?? 0;
  const id = h.id ?? 0;
  b[off + ipv4.VERSION_IHL] = 0x45;
  b[off + ipv4.TOS] = (h.tos ?? 0) & 0xff;
  ipv4.setTotalLength(b, off, ipv4.MIN_HEADER_LENGTH + h.payloadLength);
  b[off + ipv4.ID] = (id >> 8) & 0xff;
  b[off + ipv4.ID + 1] = id & 0xff;
  b[off + ipv4.FLAGS_FRAGMENT] = (ff >> 8) & 0xff;
  b[off + ipv4.FLAGS_FRAGMENT + 1] = ff & 0xff;
  b[off + ipv4.TTL] = (h.ttl ?? DEFAULT_TTL) & 0xff;
  b[off + ipv4.PROTOCOL] = h.proto & 0xff;
  ipv4.setChecksum(b, off, 0);
  writeIpv4(b, off + ipv4.SRC, h.src);
  writeIpv4(b, off + ipv4.DST, h.dst);
  ipv4.setChecksum(b, off, ipv4HeaderChecksum(b, off, ipv4.MIN_HEADER_LENGTH));
  return ipv4.MIN_HEADER_LENGTH;
}

/** Ethernet + IPv4 addressing shared by the IP builders. */
export interface L3Addressing {
  readonly ethSrc: number;
  readonly ethDst: number;
  readonly ipSrc: number;
  readonly ipDst: number;
  readonly ttl?: number;
  readonly tos?: number;
}

const L3_OFF = eth.HEADER_LENGTH;
const L4_OFF = eth.HEADER_LENGTH + ipv4.MIN_HEADER_LENGTH;

/** Allocates a frame with Ethernet and IPv4 headers for an L4 of `l4Length` bytes. */
function ipv4Frame(a: L3Addressing, proto: number, l4Length: number): Uint8Array {
  const f = new Uint8Array(L4_OFF + l4Length);
  writeEthernet(f, 0, a.ethDst, a.ethSrc, EtherType.IPV4);
  const h: { -readonly [K in keyof Ipv4HeaderFields]: Ipv4HeaderFields[K] } = {
    src: a.ipSrc,
    dst: a.ipDst,
    proto,
    payloadLength: l4Length,
  };
  if (a.ttl !== undefined) h.ttl = a.ttl;
  if (a.tos !== undefined) h.tos = a.tos;
  writeIpv4Header(f, L3_OFF, h);
  return f;
}

function arpFrame(op: number, sha: number, spa: number, tha: number, tpa: number, ethDst: number): Uint8Array {
  const f = new Uint8Array(eth.HEADER_LENGTH + arp.LENGTH);
  writeEthernet(f, 0, ethDst, sha, EtherType.ARP);
  const o = eth.HEADER_LENGTH;
  f[o + arp.HTYPE + 1] = arp.HTYPE_ETHERNET;
  f[o + arp.PTYPE] = arp.PTYPE_IPV4 >> 8;
  f[o + arp.HLEN] = 6;
  f[o + arp.PLEN] = 4;
  f[o + arp.OPER + 1] = op;
  writeMac(f, o + arp.SHA, sha);
  writeIpv4(f, o + arp.SPA, spa);
  writeMac(f, o + arp.THA, tha);
  writeIpv4(f, o + arp.TPA, tpa);
  return f;
}

/** Broadcast "who has targetIp, tell srcIp". The target MAC is zero. */
export function buildArpRequest(srcMac: number, srcIp: number, targetIp: number): Uint8Array {
  return arpFrame(arp.OP_REQUEST, srcMac, srcIp, 0, targetIp, BROADCAST_MAC);
}

/** "srcIp is at srcMac", unicast to the asker (dstMac, dstIp). */
export function buildArpReply(srcMac: number, srcIp: number, dstMac: number, dstIp: number): Uint8Array {
  return arpFrame(arp.OP_REPLY, srcMac, srcIp, dstMac, dstIp, dstMac);
}

export interface EchoFields extends L3Addressing {
  readonly id: number;
  readonly seq: number;
  readonly data: Uint8Array;
}

function icmpEcho(type: number, e: EchoFields): Uint8Array {
  const f = ipv4Frame(e, IpProto.ICMP, icmp.HEADER_LENGTH + e.data.length);
  icmp.setType(f, L4_OFF, type);
  icmp.setId(f, L4_OFF, e.id);
  icmp.setSeq(f, L4_OFF, e.seq);
  f.set(e.data, L4_OFF + icmp.HEADER_LENGTH);
  icmp.setChecksum(f, L4_OFF, checksum(f, L4_OFF, f.length - L4_OFF));
  return f;
}

/** Echo reply (type 0) carrying the request's identifier, sequence and data. */
export function buildIcmpEchoReply(e: EchoFields): Uint8Array {
  return icmpEcho(icmp.TYPE_ECHO_REPLY, e);
}
export function buildIcmpEchoRequest(e: EchoFields): Uint8Array {
  return icmpEcho(icmp.TYPE_ECHO_REQUEST, e);
}

export interface IcmpErrorFields extends L3Addressing {
  readonly type: number;
  readonly code: number;
  /** The offending IP packet from its header on; it is quoted up to `icmpQuoteLength`. */
  readonly quoted: Uint8Array;
  /** Second ICMP word: e.g. the next-hop MTU for "fragmentation needed" (low 16 bits). */
  readonly rest?: number;
}

/**
 * How much of an IP packet an ICMP error quotes, as MidoNet does: the IP header
 * plus the L4 header (TCP with its options, 8 bytes for UDP, ICMP and anything
 * else, which is also RFC 792's "64 bits of data"), never more than there is.
 */
export function icmpQuoteLength(b: Uint8Array, off: number, len: number): number {
  if (!ipv4.isValid(b, off, len)) return Math.min(len, ipv4.MIN_HEADER_LENGTH + 8);
  const hl = ipv4.headerLength(b, off);
  let l4 = 8;
  if (ipv4.protocol(b, off) === IpProto.TCP && ipv4.fragmentOffset(b, off) === 0 && len - hl >= tcp.MIN_HEADER_LENGTH) {
    l4 = Math.max(tcp.MIN_HEADER_LENGTH, tcp.headerLength(b, off + hl));
  }
  return Math.min(len, hl + l4);
}

/** ICMP error quoting `quoted` (trimmed to icmpQuoteLength). */
export function buildIcmpError(e: IcmpErrorFields): Uint8Array {
  const q = icmpQuoteLength(e.quoted, 0, e.quoted.length);
  const f = ipv4Frame(e, IpProto.ICMP, icmp.HEADER_LENGTH + q);
  icmp.setType(f, L4_OFF, e.type);
  icmp.setCode(f, L4_OFF, e.code);
  const rest = e.rest ?? 0;
  icmp.setId(f, L4_OFF, (rest >>> 16) & 0xffff);
  icmp.setSeq(f, L4_OFF, rest & 0xffff);
  f.set(e.quoted.subarray(0, q), L4_OFF + icmp.HEADER_LENGTH);
  icmp.setChecksum(f, L4_OFF, checksum(f, L4_OFF, f.length - L4_OFF));
  return f;
}

export interface UdpFields extends L3Addressing {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly payload: Uint8Array;
}

/** A UDP datagram with its checksum computed (never left at zero). */
export function buildUdp(u: UdpFields): Uint8Array {
  const l4len = udp.HEADER_LENGTH + u.payload.length;
  const f = ipv4Frame(u, IpProto.UDP, l4len);
  udp.setSrcPort(f, L4_OFF, u.srcPort);
  udp.setDstPort(f, L4_OFF, u.dstPort);
  udp.setLength(f, L4_OFF, l4len);
  f.set(u.payload, L4_OFF + udp.HEADER_LENGTH);
  const c = checksum(f, L4_OFF, l4len, pseudoHeaderSum(u.ipSrc, u.ipDst, IpProto.UDP, l4len));
  udp.setChecksum(f, L4_OFF, c === 0 ? 0xffff : c);
  return f;
}

export interface TcpFields extends L3Addressing {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly flags: number;
  readonly seq?: number;
  readonly ack?: number;
  readonly window?: number;
  readonly payload?: Uint8Array;
}

/** A TCP segment without options (20-byte header), checksum computed. */
export function buildTcp(t: TcpFields): Uint8Array {
  const payload = t.payload ?? new Uint8Array(0);
  const l4len = tcp.MIN_HEADER_LENGTH + payload.length;
  const f = ipv4Frame(t, IpProto.TCP, l4len);
  const o = L4_OFF;
  tcp.setSrcPort(f, o, t.srcPort);
  tcp.setDstPort(f, o, t.dstPort);
  writeIpv4(f, o + tcp.SEQ, t.seq ?? 0);
  writeIpv4(f, o + tcp.ACK, t.ack ?? 0);
  f[o + tcp.DATA_OFFSET] = (tcp.MIN_HEADER_LENGTH >> 2) << 4;
  f[o + tcp.FLAGS] = t.flags & 0xff;
  const win = t.window ?? 65535;
  f[o + tcp.WINDOW] = (win >> 8) & 0xff;
  f[o + tcp.WINDOW + 1] = win & 0xff;
  f.set(payload, o + tcp.MIN_HEADER_LENGTH);
  tcp.setChecksum(f, o, checksum(f, o, l4len, pseudoHeaderSum(t.ipSrc, t.ipDst, IpProto.TCP, l4len)));
  return f;
}
