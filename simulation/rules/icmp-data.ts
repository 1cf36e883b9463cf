/**
 * The packet quoted inside an ICMP error (RFC 792: the offending IP header
 * plus at least 8 bytes of what followed), as NAT reads and rewrites it.
 *
 * NAT has to translate the quoted packet too, or the host receiving the error
 * cannot match it to its connection: a reply to an SNATed packet quotes the
 * NAT address, which reverse SNAT turns back into the host's own. MidoNet
 * re-serializes the quoted packet; here the rewrite patches a copy in place and
 * fixes the checksums incrementally (the quoted transport segment is usually
 * truncated, so a full recomputation is impossible anyway).
 *
 * Contract: `data` is a view of the caller's frame and is never written; a
 * rewrite returns a fresh array (the caller stores it with `wcmatch.icmpData =`,
 * which emits a userspace-only set-icmp-data action). Short data reads as 0.
 */

import { readIpv4, writeIpv4 } from '../packet/addr.js';
import { ipv4HeaderChecksum, update16, update32, word } from '../packet/checksum.js';
import { IpProto } from '../packet/flow-match.js';
import { MIN_HEADER_LENGTH, PROTOCOL, CHECKSUM, SRC, DST } from '../packet/ipv4.js';

/** Fields of the quoted packet a NAT key needs. Reused; not kept past a call. */
export interface QuotedFields {
  src: number;
  dst: number;
  proto: number;
  srcPort: number;
  dstPort: number;
  /** ICMP identifier when the quoted packet is ICMP. */
  icmpId: number;
}

function ihlOf(data: Uint8Array): number {
  const ihl = (data[0]! & 0x0f) * 4;
  return ihl < MIN_HEADER_LENGTH ? MIN_HEADER_LENGTH : ihl;
}

function u16(data: Uint8Array, off: number): number {
  return off + 2 <= data.length ? word(data, off) : 0;
}

function u32(data: Uint8Array, off: number): number {
  return off + 4 <= data.length ? readIpv4(data, off) : 0;
}

/** Reads the quoted header into `out`. */
export function readQuoted(data: Uint8Array, out: QuotedFields): void {
  const ihl = ihlOf(data);
  out.src = u32(data, SRC);
  out.dst = u32(data, DST);
  out.proto = data.length > PROTOCOL ? data[PROTOCOL]! : 0;
  out.srcPort = u16(data, ihl);
  out.dstPort = u16(data, ihl + 2);
  out.icmpId = u16(data, ihl + 4);
}

/** Where the transport checksum sits in the quoted L4 header, or -1. */
function l4ChecksumOffset(proto: number): number {
  if (proto === IpProto.TCP) return 16;
  if (proto === IpProto.UDP) return 6;
  return -1;
}

/**
 * Rewrites the quoted source (`which` = 'src') or destination address from
 * `from` to `to` and, for TCP/UDP when `port` ≥ 0, the matching port. Returns
 * the new data, or null when the quoted address is not `from`.
 */
export function rewriteQuoted(
  data: Uint8Array,
  which: 'src' | 'dst',
  from: number,
  to: number,
  port: number,
): Uint8Array | null {
  if (data.length < MIN_HEADER_LENGTH) return null;
  const addrOff = which === 'src' ? SRC : DST;
  if (readIpv4(data, addrOff) !== from >>> 0) return null;
  const out = data.slice();
  const ihl = ihlOf(out);
  writeIpv4(out, addrOff, to);
  if (ihl <= out.length) {
    out[CHECKSUM] = 0;
    out[CHECKSUM + 1] = 0;
    const hc = ipv4HeaderChecksum(out, 0, ihl);
    out[CHECKSUM] = hc >> 8;
    out[CHECKSUM + 1] = hc & 0xff;
  }
  const proto = out[PROTOCOL]!;
  const csOff = l4ChecksumOffset(proto);
  if (csOff < 0) return out;
  const portOff = ihl + (which === 'src' ? 0 : 2);
  const csAt = ihl + csOff;
  const hasCs = csAt + 2 <= out.length;
  let cs = hasCs ? word(out, csAt) : 0;
  // UDP checksum 0 means "none": leave it so.
  const keepCs = hasCs && !(proto === IpProto.UDP && cs === 0);
  if (keepCs) cs = update32(cs, from, to);
  if (port >= 0 && portOff + 2 <= out.length) {
    const old = word(out, portOff);
    out[portOff] = (port >> 8) & 0xff;
    out[portOff + 1] = port & 0xff;
    if (keepCs) cs = update16(cs, old, port & 0xffff);
  }
  if (keepCs) {
    if (proto === IpProto.UDP && cs === 0) cs = 0xffff;
    out[csAt] = cs >> 8;
    out[csAt + 1] = cs & 0xff;
  }
  return out;
}
