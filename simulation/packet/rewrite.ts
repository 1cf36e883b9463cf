/**
 * applyActions: runs a simulation's VirtualAction list over a frame, as the kernel
 * would run the translated datapath actions, and returns one frame per `output`.
 *
 * Contract: the input frame is never modified; the actions apply in order to one
 * working copy (a set after an output affects only later outputs), and each
 * output emits a fresh copy of the working frame as it stands. The ParsedPacket
 * must describe `frame` (parseFrame was run on it). Checksums follow the rewrites
 * the way the kernel's set actions keep them (net/openvswitch/actions.c):
 *  - set-ipv4: IPv4 header checksum updated incrementally; an address change also
 *    patches the TCP checksum and a non-zero UDP checksum (pseudo-header), except
 *    on non-first fragments, which have no L4 header. The protocol and fragment
 *    fields cannot be rewritten by the kernel and are ignored here too.
 *  - set-tcp / set-udp / set-icmp: incremental update of the L4 checksum.
 *  - set-icmp-data (userspace only): the ICMP payload is replaced, the IP total
 *    length and both checksums recomputed.
 * A set action whose header is absent (set-tcp on UDP, set-ipv4 on ARP, an L4 set
 * on a later fragment) changes nothing: the flow translator never emits one, and
 * a packet must not be corrupted if it does.
 */

import { writeMac } from './addr.js';
import { checksum, ipv4HeaderChecksum, update16, update32, word } from './checksum.js';
import * as eth from './ethernet.js';
import { EtherType, IpProto } from './flow-match.js';
import * as icmp from './icmp.js';
import * as ipv4 from './ipv4.js';
import type { ParsedPacket } from './parse.js';
import * as tcp from './tcp.js';
import * as udp from './udp.js';
import * as vlan from './vlan.js';
import type { VirtualAction } from '../result.js';

export interface EmittedFrame {
  readonly portId: string;
  readonly frame: Uint8Array;
}

/** Offsets into the working copy; they move when VLAN tags are pushed or popped. */
interface Cursor {
  buf: Uint8Array;
  l3: number;
  l4: number;
  /** End of the IP packet in `buf`. */
  end: number;
  ipv4: boolean;
  proto: number;
}

export function applyActions(
  frame: Uint8Array,
  pkt: ParsedPacket,
  actions: readonly VirtualAction[],
): EmittedFrame[] {
  const l3 = pkt.l3Offset;
  const c: Cursor = {
    buf: frame.slice(),
    l3,
    l4: pkt.l4Offset,
    end: pkt.l3End,
    ipv4: l3 >= 2 && word(frame, l3 - 2) === EtherType.IPV4 && ipv4.isValid(frame, l3, frame.length - l3),
    proto: pkt.l4Proto,
  };
  const out: EmittedFrame[] = [];
  for (let i = 0; i < actions.length; i++) {
    const a = actions[i]!;
    switch (a.kind) {
      case 'set-eth':
        writeMac(c.buf, eth.SRC, a.src);
        writeMac(c.buf, eth.DST, a.dst);
        break;
      case 'set-ipv4':
        if (c.ipv4) setIpv4(c, a.src, a.dst, a.tos, a.ttl);
        break;
      case 'push-vlan':
        pushVlan(c, a.tpid, a.vid & 0x0fff);
        break;
      case 'pop-vlan':
        popVlan(c);
        break;
      case 'set-tcp':
        if (hasL4(c, IpProto.TCP, tcp.MIN_HEADER_LENGTH)) setTcpPorts(c.buf, c.l4, a.src, a.dst);
        break;
      case 'set-udp':
        if (hasL4(c, IpProto.UDP, udp.HEADER_LENGTH)) setUdpPorts(c.buf, c.l4, a.src, a.dst);
        break;
      case 'set-icmp':
        if (hasL4(c, IpProto.ICMP, icmp.HEADER_LENGTH)) setIcmpTypeCode(c.buf, c.l4, a.type, a.code);
        break;
      case 'set-icmp-data':
        if (hasL4(c, IpProto.ICMP, icmp.HEADER_LENGTH)) setIcmpData(c, a.data);
        break;
      case 'output':
        out.push({ portId: a.portId, frame: c.buf.slice() });
        break;
      default: {
        const never: never = a;
        void never;
      }
    }
  }
  return out;
}

/** True when the working copy has an L4 header of `proto` with `min` bytes. */
function hasL4(c: Cursor, proto: number, min: number): boolean {
  if (!c.ipv4 || c.proto !== proto || c.l4 < 0) return false;
  if (ipv4.fragmentOffset(c.buf, c.l3) !== 0) return false;
  return c.end - c.l4 >= min;
}

function setIpv4(c: Cursor, src: number, dst: number, tos: number, ttl: number): void {
  const b = c.buf;
  const o = c.l3;
  let hc = ipv4.checksum(b, o);
  const oldSrc = ipv4.src(b, o);
  const oldDst = ipv4.dst(b, o);
  if (oldSrc !== src >>> 0) {
    hc = update32(hc, oldSrc, src >>> 0);
    fixPseudoHeader(c, oldSrc, src >>> 0);
    ipv4.setSrc(b, o, src);
  }
  if (oldDst !== dst >>> 0) {
    hc = update32(hc, oldDst, dst >>> 0);
    fixPseudoHeader(c, oldDst, dst >>> 0);
    ipv4.setDst(b, o, dst);
  }
  const oldVerTos = word(b, o);
  const newVerTos = (oldVerTos & 0xff00) | (tos & 0xff);
  if (oldVerTos !== newVerTos) {
    hc = update16(hc, oldVerTos, newVerTos);
    ipv4.setTos(b, o, tos);
  }
  const oldTtlProto = word(b, o + ipv4.TTL);
  const newTtlProto = ((ttl & 0xff) << 8) | (oldTtlProto & 0xff);
  if (oldTtlProto !== newTtlProto) {
    hc = update16(hc, oldTtlProto, newTtlProto);
    ipv4.setTtl(b, o, ttl);
  }
  ipv4.setChecksum(b, o, hc);
}

/** An address in the pseudo-header changed: patch the TCP/UDP checksum. */
function fixPseudoHeader(c: Cursor, oldAddr: number, newAddr: number): void {
  if (hasL4(c, IpProto.TCP, tcp.MIN_HEADER_LENGTH)) {
    tcp.setChecksum(c.buf, c.l4, update32(tcp.checksum(c.buf, c.l4), oldAddr, newAddr));
  } else if (hasL4(c, IpProto.UDP, udp.HEADER_LENGTH)) {
    const old = udp.checksum(c.buf, c.l4);
    if (old === 0) return; // "no checksum" stays so
    const n = update32(old, oldAddr, newAddr);
    udp.setChecksum(c.buf, c.l4, n === 0 ? 0xffff : n);
  }
}

function setTcpPorts(b: Uint8Array, o: number, src: number, dst: number): void {
  let hc = tcp.checksum(b, o);
  hc = update16(hc, tcp.srcPort(b, o), src & 0xffff);
  hc = update16(hc, tcp.dstPort(b, o), dst & 0xffff);
  tcp.setSrcPort(b, o, src);
  tcp.setDstPort(b, o, dst);
  tcp.setChecksum(b, o, hc);
}

function setUdpPorts(b: Uint8Array, o: number, src: number, dst: number): void {
  const old = udp.checksum(b, o);
  if (old !== 0) {
    let hc = update16(old, udp.srcPort(b, o), src & 0xffff);
    hc = update16(hc, udp.dstPort(b, o), dst & 0xffff);
    udp.setChecksum(b, o, hc === 0 ? 0xffff : hc);
  }
  udp.setSrcPort(b, o, src);
  udp.setDstPort(b, o, dst);
}

function setIcmpTypeCode(b: Uint8Array, o: number, type: number, code: number): void {
  const oldWord = word(b, o);
  const newWord = ((type & 0xff) << 8) | (code & 0xff);
  icmp.setChecksum(b, o, update16(icmp.checksum(b, o), oldWord, newWord));
  icmp.setType(b, o, type);
  icmp.setCode(b, o, code);
}

/** Replaces the ICMP body; the frame ends after it (any Ethernet padding goes). */
function setIcmpData(c: Cursor, data: Uint8Array): void {
  const dataOff = c.l4 + icmp.HEADER_LENGTH;
  const n = new Uint8Array(dataOff + data.length);
  n.set(c.buf.subarray(0, dataOff));
  n.set(data, dataOff);
  c.buf = n;
  c.end = n.length;
  ipv4.setTotalLength(n, c.l3, n.length - c.l3);
  ipv4.setChecksum(n, c.l3, ipv4HeaderChecksum(n, c.l3, ipv4.headerLength(n, c.l3)));
  icmp.setChecksum(n, c.l4, 0);
  icmp.setChecksum(n, c.l4, checksum(n, c.l4, n.length - c.l4));
}

function shift(c: Cursor, by: number): void {
  if (c.l3 >= 0) c.l3 += by;
  if (c.l4 >= 0) c.l4 += by;
  c.end += by;
}

/** Inserts a tag as the new outermost one (right after the MAC addresses). */
function pushVlan(c: Cursor, tpid: number, tci: number): void {
  c.buf = insertVlanTag(c.buf, tpid, tci);
  shift(c, vlan.TAG_LENGTH);
}

function popVlan(c: Cursor): void {
  const b = c.buf;
  if (b.length < eth.HEADER_LENGTH + vlan.TAG_LENGTH || !vlan.isTpid(eth.type(b, 0))) return;
  const n = new Uint8Array(b.length - vlan.TAG_LENGTH);
  n.set(b.subarray(0, eth.TYPE));
  n.set(b.subarray(eth.TYPE + vlan.TAG_LENGTH), eth.TYPE);
  c.buf = n;
  shift(c, -vlan.TAG_LENGTH);
}

/** A copy of `frame` with a VLAN tag inserted as the outermost tag. */
export function insertVlanTag(frame: Uint8Array, tpid: number, tci: number): Uint8Array {
  const n = new Uint8Array(frame.length + vlan.TAG_LENGTH);
  n.set(frame.subarray(0, eth.TYPE));
  vlan.write(n, eth.TYPE, tpid, tci);
  n.set(frame.subarray(eth.TYPE), eth.TYPE + vlan.TAG_LENGTH);
  return n;
}

