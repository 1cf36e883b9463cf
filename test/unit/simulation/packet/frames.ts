/**
 * Frame crafting for the packet-layer tests: hex literals, the production
 * builders, and hand-made IPv6 / option / fragment frames the builders do not
 * cover. Not a test file itself.
 */
import { parseIpv4, parseMac } from '../../../../simulation/packet/addr.js';
import { buildTcp, buildUdp, writeEthernet } from '../../../../simulation/packet/build.js';
import { checksum, ipv4HeaderChecksum, pseudoHeaderSum } from '../../../../simulation/packet/checksum.js';
import { EtherType, FlowMatch } from '../../../../simulation/packet/flow-match.js';
import { ParsedPacket, parseFrame, type ParseVerdict } from '../../../../simulation/packet/parse.js';

export function hex(s: string): Uint8Array {
  const clean = s.replace(/[^0-9a-fA-F]/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function mac(s: string): number {
  const m = parseMac(s);
  if (m === null) throw new Error(`bad mac ${s}`);
  return m;
}
export function ip(s: string): number {
  const v = parseIpv4(s);
  if (v === null) throw new Error(`bad ip ${s}`);
  return v;
}

export const MAC_A = mac('02:00:00:00:00:0a');
export const MAC_B = mac('02:00:00:00:00:0b');
export const IP_A = ip('10.0.0.1');
export const IP_B = ip('10.0.0.2');

export const addressing = { ethSrc: MAC_A, ethDst: MAC_B, ipSrc: IP_A, ipDst: IP_B } as const;

export function tcpFrame(payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  return buildTcp({ ...addressing, srcPort: 12345, dstPort: 80, flags: 0x12, seq: 1, payload });
}
export function udpFrame(payload: Uint8Array = hex("deadbeef")): Uint8Array {
  return buildUdp({ ...addressing, srcPort: 5353, dstPort: 53, payload });
}

export function parse(frame: Uint8Array): { v: ParseVerdict; m: FlowMatch; p: ParsedPacket } {
  const m = new FlowMatch();
  const p = new ParsedPacket();
  const v = parseFrame(frame, m, p);
  return { v, m, p };
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function ethHeader(type: number, dst = MAC_B, src = MAC_A): Uint8Array {
  const b = new Uint8Array(14);
  writeEthernet(b, 0, dst, src, type);
  return b;
}

/**
 * An IPv4 packet (no Ethernet) with the given options, flags/fragment word and
 * L4 bytes; header checksum correct.
 */
export function ipv4Packet(opts: {
  proto: number;
  l4: Uint8Array;
  options?: Uint8Array;
  flagsFragment?: number;
  src?: number;
  dst?: number;
}): Uint8Array {
  const optLen = opts.options?.length ?? 0;
  if (optLen % 4 !== 0) throw new Error('options must be padded to 4 bytes');
  const hl = 20 + optLen;
  const b = new Uint8Array(hl + opts.l4.length);
  b[0] = 0x40 | (hl >> 2);
  b[1] = 0x10;
  b[2] = (b.length >> 8) & 0xff;
  b[3] = b.length & 0xff;
  b[4] = 0x12;
  b[5] = 0x34;
  const ff = opts.flagsFragment ?? 0;
  b[6] = ff >> 8;
  b[7] = ff & 0xff;
  b[8] = 64;
  b[9] = opts.proto;
  const s = opts.src ?? IP_A;
  const d = opts.dst ?? IP_B;
  new DataView(b.buffer).setUint32(12, s);
  new DataView(b.buffer).setUint32(16, d);
  if (opts.options) b.set(opts.options, 20);
  b.set(opts.l4, hl);
  const c = ipv4HeaderChecksum(b, 0, hl);
  b[10] = c >> 8;
  b[11] = c & 0xff;
  return b;
}

export function ipv4Frame(opts: Parameters<typeof ipv4Packet>[0]): Uint8Array {
  return concat(ethHeader(EtherType.IPV4), ipv4Packet(opts));
}

/** UDP header + payload with the checksum over the IPv4 pseudo-header. */
export function udpSegment(src: number, dst: number, payload: Uint8Array, ipSrc = IP_A, ipDst = IP_B): Uint8Array {
  const b = new Uint8Array(8 + payload.length);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, src);
  dv.setUint16(2, dst);
  dv.setUint16(4, b.length);
  b.set(payload, 8);
  const c = checksum(b, 0, b.length, pseudoHeaderSum(ipSrc, ipDst, 17, b.length));
  dv.setUint16(6, c === 0 ? 0xffff : c);
  return b;
}

export const IP6_A = hex('20010db8000000000000000000000001');
export const IP6_B = hex('20010db8000000000000000000000002');

/** An IPv6 frame: base header with `nextHeader`, then `rest` (ext headers + L4). */
export function ipv6Frame(nextHeader: number, rest: Uint8Array, hopLimit = 64, tc = 0): Uint8Array {
  const h = new Uint8Array(40);
  h[0] = 0x60 | (tc >> 4);
  h[1] = (tc & 0x0f) << 4;
  h[4] = (rest.length >> 8) & 0xff;
  h[5] = rest.length & 0xff;
  h[6] = nextHeader;
  h[7] = hopLimit;
  h.set(IP6_A, 8);
  h.set(IP6_B, 24);
  return concat(ethHeader(EtherType.IPV6), h, rest);
}
