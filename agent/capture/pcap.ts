/**
 * Capture file reader: classic libpcap files and pcapng, for replay tests and
 * offline tools (mm-trace on a capture).
 *
 * Words:
 *  - frame: one captured packet: its bytes (a view into the file buffer, not a
 *    copy), capture length = bytes.length, original length on the wire, time
 *    stamp split into whole seconds and nanoseconds, and the link type of the
 *    interface it was captured on.
 *  - link type: the LINKTYPE_* number of the capture interface. Only
 *    LINKTYPE_ETHERNET (1) frames are ours; `ethernetFrames` filters them.
 *
 * Formats handled:
 *  - pcap: both byte orders, microsecond (0xa1b2c3d4) and nanosecond
 *    (0xa1b23c4d) time stamps.
 *  - pcapng: Section Header, Interface Description (if_tsresol honoured),
 *    Enhanced Packet, Simple Packet and the obsolete Packet block, several
 *    sections of either byte order; other blocks are skipped.
 *
 * Contract: `parseCapture(bytes)` is pure and either returns every frame or throws
 * a `CaptureError` (code MM_ERR_CAPTURE_CORRUPT, with the byte offset) naming what
 * is wrong; it never reads out of bounds and never loops on a bad length.
 */

import { readFile } from 'node:fs/promises';

export const LINKTYPE_ETHERNET = 1;

/** libpcap's ceiling on a record; anything larger is a corrupt length field. */
export const MAX_RECORD_LENGTH = 262144;

export interface CaptureFrame {
  readonly data: Uint8Array;
  readonly origLength: number;
  readonly tsSec: number;
  readonly tsNsec: number;
  readonly linkType: number;
}

export interface Capture {
  readonly format: 'pcap' | 'pcapng';
  readonly frames: readonly CaptureFrame[];
}

export class CaptureError extends Error {
  readonly code = 'MM_ERR_CAPTURE_CORRUPT';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} (at byte ${offset})`);
    this.name = 'CaptureError';
  }
}

const PCAP_MAGIC_US = 0xa1b2c3d4;
const PCAP_MAGIC_NS = 0xa1b23c4d;
const PCAP_HEADER = 24;
const PCAP_RECORD_HEADER = 16;

const NG_SHB = 0x0a0d0d0a;
const NG_IDB = 0x00000001;
const NG_OPB = 0x00000002;
const NG_SPB = 0x00000003;
const NG_EPB = 0x00000006;
const NG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const NG_OPT_END = 0;
const NG_IF_TSRESOL = 9;

export async function readCaptureFile(path: string): Promise<Capture> {
  const buf = await readFile(path);
  return parseCapture(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
}

export function parseCapture(bytes: Uint8Array): Capture {
  if (bytes.length < 4) throw new CaptureError('file too short for a capture header', 0);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const be = dv.getUint32(0, false);
  if (be === NG_SHB) return { format: 'pcapng', frames: parsePcapng(bytes, dv) };
  const le = dv.getUint32(0, true);
  if (be === PCAP_MAGIC_US || be === PCAP_MAGIC_NS) return { format: 'pcap', frames: parsePcap(bytes, dv, false, be === PCAP_MAGIC_NS) };
  if (le === PCAP_MAGIC_US || le === PCAP_MAGIC_NS) return { format: 'pcap', frames: parsePcap(bytes, dv, true, le === PCAP_MAGIC_NS) };
  throw new CaptureError(`unknown capture magic 0x${be.toString(16).padStart(8, '0')}`, 0);
}

/** The frames captured on Ethernet interfaces. */
export function ethernetFrames(c: Capture): CaptureFrame[] {
  return c.frames.filter((f) => f.linkType === LINKTYPE_ETHERNET);
}

function parsePcap(bytes: Uint8Array, dv: DataView, le: boolean, nano: boolean): CaptureFrame[] {
  if (bytes.length < PCAP_HEADER) throw new CaptureError('pcap file header truncated', 0);
  const linkType = dv.getUint32(20, le) & 0xffff;
  const frames: CaptureFrame[] = [];
  let off = PCAP_HEADER;
  while (off < bytes.length) {
    if (off + PCAP_RECORD_HEADER > bytes.length) throw new CaptureError('pcap record header truncated', off);
    const sec = dv.getUint32(off, le);
    const frac = dv.getUint32(off + 4, le);
    const caplen = dv.getUint32(off + 8, le);
    const origLength = dv.getUint32(off + 12, le);
    if (caplen > MAX_RECORD_LENGTH) throw new CaptureError(`pcap record length ${caplen} too large`, off);
    const start = off + PCAP_RECORD_HEADER;
    if (start + caplen > bytes.length) throw new CaptureError(`pcap record of ${caplen} bytes truncated`, off);
    frames.push({
      data: bytes.subarray(start, start + caplen),
      origLength,
      tsSec: sec,
      tsNsec: nano ? frac : frac * 1000,
      linkType,
    });
    off = start + caplen;
  }
  return frames;
}

interface NgInterface {
  readonly linkType: number;
  readonly snapLen: number;
  /** Time stamp units per second. */
  readonly unitsPerSec: bigint;
}

interface NgSection {
  le: boolean;
  interfaces: NgInterface[];
}

function parsePcapng(bytes: Uint8Array, dv: DataView): CaptureFrame[] {
  const frames: CaptureFrame[] = [];
  const sec: NgSection = { le: true, interfaces: [] };
  let off = 0;
  while (off < bytes.length) {
    if (off + 12 > bytes.length) throw new CaptureError('pcapng block header truncated', off);
    const type = dv.getUint32(off, sec.le);
    if (type === NG_SHB) {
      if (off + 28 > bytes.length) throw new CaptureError('pcapng section header truncated', off);
      const magic = dv.getUint32(off + 8, true);
      if (magic === NG_BYTE_ORDER_MAGIC) sec.le = true;
      else if (magic === 0x4d3c2b1a) sec.le = false;
      else throw new CaptureError('pcapng section header has a bad byte-order magic', off);
      sec.interfaces = [];
    }
    const len = dv.getUint32(off + 4, sec.le);
    if (len < 12 || len % 4 !== 0) throw new CaptureError(`pcapng block length ${len} invalid`, off);
    if (off + len > bytes.length) throw new CaptureError(`pcapng block of ${len} bytes truncated`, off);
    if (dv.getUint32(off + len - 4, sec.le) !== len) {
      throw new CaptureError('pcapng block trailing length does not match', off);
    }
    const body = off + 8;
    const bodyEnd = off + len - 4;
    if (type === NG_IDB) sec.interfaces.push(parseIdb(dv, body, bodyEnd, sec.le, off));
    else if (type === NG_EPB) frames.push(parseEpb(bytes, dv, body, bodyEnd, sec, off));
    else if (type === NG_SPB) frames.push(parseSpb(bytes, dv, body, bodyEnd, sec, off));
    else if (type === NG_OPB) frames.push(parseOpb(bytes, dv, body, bodyEnd, sec, off));
    off += len;
  }
  return frames;
}

function parseIdb(dv: DataView, body: number, end: number, le: boolean, blk: number): NgInterface {
  if (body + 8 > end) throw new CaptureError('pcapng interface block truncated', blk);
  const linkType = dv.getUint16(body, le);
  const snapLen = dv.getUint32(body + 4, le);
  let unitsPerSec = 1_000_000n;
  let o = body + 8;
  while (o + 4 <= end) {
    const code = dv.getUint16(o, le);
    const olen = dv.getUint16(o + 2, le);
    if (code === NG_OPT_END) break;
    if (o + 4 + olen > end) throw new CaptureError('pcapng interface option overruns its block', blk);
    if (code === NG_IF_TSRESOL && olen >= 1) {
      const r = dv.getUint8(o + 4);
      const exp = BigInt(r & 0x7f);
      unitsPerSec = (r & 0x80) !== 0 ? 2n ** exp : 10n ** exp;
      if (unitsPerSec === 0n) unitsPerSec = 1n;
    }
    o += 4 + ((olen + 3) & ~3);
  }
  return { linkType, snapLen, unitsPerSec };
}

function iface(sec: NgSection, id: number, blk: number): NgInterface {
  const i = sec.interfaces[id];
  if (i === undefined) throw new CaptureError(`pcapng packet names unknown interface ${id}`, blk);
  return i;
}

function stamp(i: NgInterface, hi: number, lo: number): { tsSec: number; tsNsec: number } {
  const units = (BigInt(hi) << 32n) | BigInt(lo);
  const s = units / i.unitsPerSec;
  const rem = units % i.unitsPerSec;
  return { tsSec: Number(s), tsNsec: Number((rem * 1_000_000_000n) / i.unitsPerSec) };
}

function packet(
  bytes: Uint8Array,
  start: number,
  caplen: number,
  end: number,
  blk: number,
): Uint8Array {
  if (caplen > MAX_RECORD_LENGTH) throw new CaptureError(`pcapng packet length ${caplen} too large`, blk);
  if (start + caplen > end) throw new CaptureError(`pcapng packet of ${caplen} bytes overruns its block`, blk);
  return bytes.subarray(start, start + caplen);
}

function parseEpb(bytes: Uint8Array, dv: DataView, body: number, end: number, sec: NgSection, blk: number): CaptureFrame {
  if (body + 20 > end) throw new CaptureError('pcapng enhanced packet block truncated', blk);
  const i = iface(sec, dv.getUint32(body, sec.le), blk);
  const ts = stamp(i, dv.getUint32(body + 4, sec.le), dv.getUint32(body + 8, sec.le));
  const caplen = dv.getUint32(body + 12, sec.le);
  const origLength = dv.getUint32(body + 16, sec.le);
  const data = packet(bytes, body + 20, caplen, end, blk);
  return { data, origLength, tsSec: ts.tsSec, tsNsec: ts.tsNsec, linkType: i.linkType };
}

function parseOpb(bytes: Uint8Array, dv: DataView, body: number, end: number, sec: NgSection, blk: number): CaptureFrame {
  if (body + 20 > end) throw new CaptureError('pcapng packet block truncated', blk);
  const i = iface(sec, dv.getUint16(body, sec.le), blk);
  const ts = stamp(i, dv.getUint32(body + 4, sec.le), dv.getUint32(body + 8, sec.le));
  const caplen = dv.getUint32(body + 12, sec.le);
  const origLength = dv.getUint32(body + 16, sec.le);
  const data = packet(bytes, body + 20, caplen, end, blk);
  return { data, origLength, tsSec: ts.tsSec, tsNsec: ts.tsNsec, linkType: i.linkType };
}

/** Simple Packet Block: no time stamp, interface 0, length capped by its snaplen. */
function parseSpb(bytes: Uint8Array, dv: DataView, body: number, end: number, sec: NgSection, blk: number): CaptureFrame {
  if (body + 4 > end) throw new CaptureError('pcapng simple packet block truncated', blk);
  const i = iface(sec, 0, blk);
  const origLength = dv.getUint32(body, sec.le);
  let caplen = Math.min(origLength, end - (body + 4));
  if (i.snapLen > 0) caplen = Math.min(caplen, i.snapLen);
  const data = packet(bytes, body + 4, caplen, end, blk);
  return { data, origLength, tsSec: 0, tsNsec: 0, linkType: i.linkType };
}
