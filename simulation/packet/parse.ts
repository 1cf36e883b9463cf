/**
 * parseFrame: raw Ethernet frame bytes → FlowMatch, the packet-side twin of the
 * kernel's flow key extraction (net/openvswitch/flow.c key_extract) with MidoNet's
 * userspace extras (ICMP identifier and quoted data).
 *
 * Contract:
 *  - Pure and allocation-free on every path but one: an ICMP error stores a
 *    subarray view of its quoted packet in the match (MidoNet's icmpData).
 *    Verdicts are preallocated and frozen; the caller owns and reuses the
 *    FlowMatch (reset before the call: setters only add) and the ParsedPacket.
 *  - Never throws on any byte sequence: every read is behind a header check.
 *  - Verdict: `{ ok: true }`, or `{ ok: false, reason }` with a stable kebab-case
 *    reason when the Ethernet, VLAN, ARP or IP header is truncated or invalid (the
 *    frame is dropped). After a drop the match holds whatever was parsed so far.
 *  - A missing or short L4 header after a good IP header is not a drop: like the
 *    kernel, the match keeps its L3 fields and has no L4 ones, and
 *    `pkt.l4Truncated` says so.
 *
 * Field conventions (MidoNet/OVS): ICMP type/code in srcPort/dstPort; echo
 * request/reply also fill icmpId; ICMP errors fill icmpData with a view of the
 * quoted packet; ARP fills nwSrc/nwDst with sender/target IP, nwProto with the
 * opcode's low byte, arpSha/arpTha; IPv4 and IPv6 fragments set nwFrag FIRST or
 * LATER, and LATER fragments get no L4 fields; 802.3 frames without a SNAP
 * EtherType get EtherType.NONE. At most two VLAN tags are keyed; a third TPID is
 * left as the EtherType, as in the kernel.
 */

import * as arp from './arp.js';
import * as eth from './ethernet.js';
import * as icmp from './icmp.js';
import * as ipv4 from './ipv4.js';
import * as ipv6 from './ipv6.js';
import * as tcp from './tcp.js';
import * as udp from './udp.js';
import * as vlan from './vlan.js';
import { readIpv4, readMac } from './addr.js';
import { EtherType, IpFrag, IpProto, type FlowMatch, type IpFragType } from './flow-match.js';

export type ParseVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** SCTP ports are keyed by the kernel like TCP/UDP ports. */
export const IPPROTO_SCTP = 132;
const SCTP_HEADER_LENGTH = 12;
const ICMPV6_HEADER_LENGTH = 8;

const OK: ParseVerdict = Object.freeze({ ok: true });
const verdicts = new Map<string, ParseVerdict>();

/** The frozen failure verdict for `reason` (made once per reason). */
function fail(reason: string): ParseVerdict {
  let v = verdicts.get(reason);
  if (v === undefined) {
    v = Object.freeze({ ok: false, reason });
    verdicts.set(reason, v);
  }
  return v;
}

/** Every reason parseFrame can return, for metrics and tests. */
export const PARSE_REASONS = [
  'eth-truncated',
  'vlan-truncated',
  'arp-truncated',
  'ipv4-truncated',
  'ipv4-bad-version',
  'ipv4-bad-ihl',
  'ipv4-bad-total-length',
  'ipv6-truncated',
  'ipv6-bad-version',
  'ipv6-ext-truncated',
] as const;
export type ParseReason = (typeof PARSE_REASONS)[number];
for (let i = 0; i < PARSE_REASONS.length; i++) fail(PARSE_REASONS[i]!);

/**
 * Where the headers of the last parsed frame are. Offsets are absolute in the
 * frame, -1 when absent. Reused: `parseFrame` resets it.
 */
export class ParsedPacket {
  frameLength = 0;
  vlanCount = 0;
  /** Offset of the type field that names the L3 protocol (after VLAN tags). */
  etherTypeOffset = -1;
  l3Offset = -1;
  /** End of the network packet: frame end, or earlier if the IP length says so. */
  l3End = 0;
  l4Offset = -1;
  /** IP protocol of the L4 header at l4Offset (or of a LATER fragment), -1 if none. */
  l4Proto = -1;
  /** Offset just after the L4 header (TCP with options, UDP, ICMP's 8 bytes). */
  payloadOffset = -1;
  frag: IpFragType = IpFrag.NONE;
  /** An L4 header was expected but too short: the match carries no L4 fields. */
  l4Truncated = false;
  /** ICMP errors: the quoted IP packet (header and start of its payload). */
  quotedOffset = -1;
  quotedLength = 0;
  /** Number of IPv6 extension headers crossed. */
  ipv6ExtCount = 0;
  readonly v6Walk = new ipv6.Ipv6ExtWalk();

  reset(frameLength: number): void {
    this.frameLength = frameLength;
    this.vlanCount = 0;
    this.etherTypeOffset = -1;
    this.l3Offset = -1;
    this.l3End = frameLength;
    this.l4Offset = -1;
    this.l4Proto = -1;
    this.payloadOffset = -1;
    this.frag = IpFrag.NONE;
    this.l4Truncated = false;
    this.quotedOffset = -1;
    this.quotedLength = 0;
    this.ipv6ExtCount = 0;
  }
}

/** Parses `frame` into `match` (fresh or reset) and `pkt`. Never throws. */
export function parseFrame(frame: Uint8Array, match: FlowMatch, pkt: ParsedPacket): ParseVerdict {
  const len = frame.length;
  pkt.reset(len);
  if (!eth.isValid(frame, 0, len)) return fail('eth-truncated');
  match.ethDst = readMac(frame, eth.DST);
  match.ethSrc = readMac(frame, eth.SRC);

  let typeOff = eth.TYPE;
  let t = eth.type(frame, 0);
  while (vlan.isTpid(t) && pkt.vlanCount < vlan.MAX_TAGS) {
    if (!vlan.isValid(frame, typeOff, len - typeOff)) return fail('vlan-truncated');
    match.addInnerVlan(vlan.vid(frame, typeOff));
    pkt.vlanCount++;
    typeOff += vlan.TAG_LENGTH;
    t = (frame[typeOff]! << 8) | frame[typeOff + 1]!;
  }
  pkt.etherTypeOffset = typeOff;
  let l3 = typeOff + 2;
  if (eth.isLength(t)) {
    const snap = eth.snapType(frame, l3, len - l3);
    if (snap < 0) {
      match.etherType = EtherType.NONE;
      return OK;
    }
    t = snap;
    l3 += eth.SNAP_LENGTH;
  }
  match.etherType = t;
  pkt.l3Offset = l3;
  if (t === EtherType.IPV4) return parseIpv4(frame, l3, match, pkt);
  if (t === EtherType.ARP) return parseArp(frame, l3, match);
  if (t === EtherType.IPV6) return parseIpv6(frame, l3, match, pkt);
  return OK;
}

function parseArp(b: Uint8Array, off: number, match: FlowMatch): ParseVerdict {
  if (!arp.isValid(b, off, b.length - off)) return fail('arp-truncated');
  // Another hardware/protocol flavour: keyed by EtherType only, as the kernel does.
  if (!arp.isSupported(b, off)) return OK;
  match.nwProto = arp.opcode(b, off) & 0xff;
  match.nwSrc = readIpv4(b, off + arp.SPA);
  match.nwDst = readIpv4(b, off + arp.TPA);
  match.arpSha = readMac(b, off + arp.SHA);
  match.arpTha = readMac(b, off + arp.THA);
  return OK;
}

function parseIpv4(b: Uint8Array, off: number, match: FlowMatch, pkt: ParsedPacket): ParseVerdict {
  const bad = ipv4.validate(b, off, b.length - off);
  if (bad !== null) return fail(bad);
  const hl = ipv4.headerLength(b, off);
  const end = ipv4.packetEnd(b, off, b.length);
  pkt.l3End = end;
  const proto = ipv4.protocol(b, off);
  match.nwSrc = readIpv4(b, off + ipv4.SRC);
  match.nwDst = readIpv4(b, off + ipv4.DST);
  match.nwProto = proto;
  match.nwTos = ipv4.tos(b, off);
  match.nwTtl = ipv4.ttl(b, off);
  const ff = ipv4.flagsFragment(b, off);
  const frag: IpFragType =
    (ff & ipv4.FRAGMENT_OFFSET_MASK) !== 0 ? IpFrag.LATER : (ff & ipv4.FLAG_MF) !== 0 ? IpFrag.FIRST : IpFrag.NONE;
  match.nwFrag = frag;
  pkt.frag = frag;
  pkt.l4Proto = proto;
  if (frag === IpFrag.LATER) return OK;
  parseL4(b, off + hl, end, proto, false, match, pkt);
  return OK;
}

function parseIpv6(b: Uint8Array, off: number, match: FlowMatch, pkt: ParsedPacket): ParseVerdict {
  const bad = ipv6.validate(b, off, b.length - off);
  if (bad !== null) return fail(bad);
  const pl = ipv6.payloadLength(b, off);
  // Payload length 0 is a jumbogram (or nothing): trust the frame end.
  const end = pl === 0 ? b.length : Math.min(b.length, off + ipv6.HEADER_LENGTH + pl);
  pkt.l3End = end;
  ipv6.copySrc(b, off, match.nwSrc6);
  ipv6.copyDst(b, off, match.nwDst6);
  // The addresses live in nwSrc6/nwDst6; the setters below mark NW_SRC/NW_DST present.
  match.nwSrc = 0;
  match.nwDst = 0;
  match.nwTos = ipv6.trafficClass(b, off);
  match.nwTtl = ipv6.hopLimit(b, off);
  const w = pkt.v6Walk;
  ipv6.walkExtensions(b, off, end, w);
  pkt.ipv6ExtCount = w.extCount;
  if (w.error !== null) return fail(w.error);
  match.nwProto = w.proto;
  match.nwFrag = w.frag;
  pkt.frag = w.frag;
  pkt.l4Proto = w.proto;
  if (w.l4Offset < 0) return OK;
  parseL4(b, w.l4Offset, end, w.proto, true, match, pkt);
  return OK;
}

/** Fills the L4 fields; on a short header leaves them out and flags l4Truncated. */
function parseL4(
  b: Uint8Array,
  off: number,
  end: number,
  proto: number,
  v6: boolean,
  match: FlowMatch,
  pkt: ParsedPacket,
): void {
  const avail = end - off;
  if (proto === IpProto.TCP) {
    pkt.l4Offset = off;
    if (!tcp.isValid(b, off, avail)) {
      pkt.l4Truncated = true;
      return;
    }
    match.srcPort = tcp.srcPort(b, off);
    match.dstPort = tcp.dstPort(b, off);
    match.tcpFlags = tcp.flags(b, off);
    pkt.payloadOffset = off + tcp.headerLength(b, off);
  } else if (proto === IpProto.UDP) {
    pkt.l4Offset = off;
    if (!udp.isValid(b, off, avail)) {
      pkt.l4Truncated = true;
      return;
    }
    match.srcPort = udp.srcPort(b, off);
    match.dstPort = udp.dstPort(b, off);
    pkt.payloadOffset = off + udp.HEADER_LENGTH;
  } else if (proto === IPPROTO_SCTP) {
    pkt.l4Offset = off;
    if (avail < SCTP_HEADER_LENGTH) {
      pkt.l4Truncated = true;
      return;
    }
    match.srcPort = (b[off]! << 8) | b[off + 1]!;
    match.dstPort = (b[off + 2]! << 8) | b[off + 3]!;
    pkt.payloadOffset = off + SCTP_HEADER_LENGTH;
  } else if (proto === IpProto.ICMP && !v6) {
    pkt.l4Offset = off;
    if (!icmp.isValid(b, off, avail)) {
      pkt.l4Truncated = true;
      return;
    }
    parseIcmp(b, off, end, match, pkt);
  } else if (proto === IpProto.ICMPV6 && v6) {
    pkt.l4Offset = off;
    if (avail < ICMPV6_HEADER_LENGTH) {
      pkt.l4Truncated = true;
      return;
    }
    match.srcPort = icmp.type(b, off);
    match.dstPort = icmp.code(b, off);
    pkt.payloadOffset = off + ICMPV6_HEADER_LENGTH;
  }
}

function parseIcmp(b: Uint8Array, off: number, end: number, match: FlowMatch, pkt: ParsedPacket): void {
  const t = icmp.type(b, off);
  match.srcPort = t;
  match.dstPort = icmp.code(b, off);
  const data = off + icmp.HEADER_LENGTH;
  pkt.payloadOffset = data;
  if (icmp.isEcho(t)) {
    match.icmpId = icmp.id(b, off);
  } else if (icmp.isError(t)) {
    pkt.quotedOffset = data;
    pkt.quotedLength = end - data;
    match.icmpData = b.subarray(data, end);
  }
}
