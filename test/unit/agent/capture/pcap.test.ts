import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  CaptureError,
  ethernetFrames,
  LINKTYPE_ETHERNET,
  parseCapture,
  readCaptureFile,
} from '../../../../agent/capture/pcap.js';
import { capturesDir } from '../../../support/paths.js';

/** Little helper to lay out binary files field by field. */
class W {
  private readonly parts: number[] = [];
  constructor(private readonly le: boolean) {}
  u8(...v: number[]): this {
    this.parts.push(...v);
    return this;
  }
  u16(v: number): this {
    return this.le ? this.u8(v & 0xff, v >> 8) : this.u8(v >> 8, v & 0xff);
  }
  u32(v: number): this {
    const b = [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
    return this.u8(...(this.le ? b.reverse() : b));
  }
  bytes(b: Uint8Array): this {
    return this.u8(...b);
  }
  done(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

const F1 = Uint8Array.from({ length: 60 }, (_, i) => i);
const F2 = Uint8Array.from({ length: 42 }, (_, i) => 255 - i);

function pcap(le: boolean, magic: number, link = 1): Uint8Array {
  const w = new W(le).u32(magic).u16(2).u16(4).u32(0).u32(0).u32(65535).u32(link);
  w.u32(1700000000).u32(123456).u32(F1.length).u32(F1.length).bytes(F1);
  w.u32(1700000001).u32(999).u32(F2.length).u32(100).bytes(F2);
  return w.done();
}

for (const le of [true, false]) {
  test(`pcap: ${le ? 'little' : 'big'}-endian, microseconds`, () => {
    const c = parseCapture(pcap(le, 0xa1b2c3d4));
    assert.equal(c.format, 'pcap');
    assert.equal(c.frames.length, 2);
    assert.deepEqual(c.frames[0]!.data, F1);
    assert.equal(c.frames[0]!.tsSec, 1700000000);
    assert.equal(c.frames[0]!.tsNsec, 123456000);
    assert.equal(c.frames[0]!.linkType, LINKTYPE_ETHERNET);
    assert.deepEqual(c.frames[1]!.data, F2);
    assert.equal(c.frames[1]!.origLength, 100);
  });
  test(`pcap: ${le ? 'little' : 'big'}-endian, nanoseconds`, () => {
    const c = parseCapture(pcap(le, 0xa1b23c4d));
    assert.equal(c.frames[1]!.tsNsec, 999);
  });
}

test('pcap: only Ethernet frames are ours', () => {
  const c = parseCapture(pcap(true, 0xa1b2c3d4, 113));
  assert.equal(c.frames[0]!.linkType, 113);
  assert.equal(ethernetFrames(c).length, 0);
});

function block(w: W, type: number, body: Uint8Array): void {
  const padded = (body.length + 3) & ~3;
  const len = 12 + padded;
  w.u32(type).u32(len).bytes(body).bytes(new Uint8Array(padded - body.length)).u32(len);
}

function pcapng(le: boolean): Uint8Array {
  const w = new W(le);
  block(w, 0x0a0d0d0a, new W(le).u32(0x1a2b3c4d).u16(1).u16(0).u32(0xffffffff).u32(0xffffffff).done());
  // IDB 0: Ethernet, microseconds (default); IDB 1: Ethernet, if_tsresol = 9 (ns).
  block(w, 1, new W(le).u16(1).u16(0).u32(0).done());
  block(w, 1, new W(le).u16(1).u16(0).u32(0).u16(9).u16(1).u8(9, 0, 0, 0).u16(0).u16(0).done());
  // Unknown block type (custom) must be skipped.
  block(w, 0x00000bad, Uint8Array.of(1, 2, 3, 4, 5));
  // EPB on interface 0: ts = 1.5 s in µs.
  block(w, 6, new W(le).u32(0).u32(0).u32(1_500_000).u32(F1.length).u32(F1.length).bytes(F1).done());
  // EPB on interface 1: ts in ns.
  const ns = 2_000_000_123n;
  block(w, 6, new W(le).u32(1).u32(Number(ns >> 32n)).u32(Number(ns & 0xffffffffn)).u32(F2.length).u32(F2.length).bytes(F2).done());
  // SPB (interface 0).
  block(w, 3, new W(le).u32(F2.length).bytes(F2).done());
  return w.done();
}

for (const le of [true, false]) {
  test(`pcapng: ${le ? 'little' : 'big'}-endian SHB/IDB/EPB/SPB, unknown block skipped`, () => {
    const c = parseCapture(pcapng(le));
    assert.equal(c.format, 'pcapng');
    assert.equal(c.frames.length, 3);
    assert.deepEqual(c.frames[0]!.data, F1);
    assert.equal(c.frames[0]!.tsSec, 1);
    assert.equal(c.frames[0]!.tsNsec, 500_000_000);
    assert.deepEqual(c.frames[1]!.data, F2);
    assert.equal(c.frames[1]!.tsSec, 2);
    assert.equal(c.frames[1]!.tsNsec, 123);
    assert.deepEqual(c.frames[2]!.data, F2);
    assert.equal(c.frames[2]!.linkType, 1);
  });
}

test('pcapng: two sections of different byte order', () => {
  const c = parseCapture(Uint8Array.from([...pcapng(true), ...pcapng(false)]));
  assert.equal(c.frames.length, 6);
});

function expectCorrupt(b: Uint8Array, re: RegExp): void {
  assert.throws(
    () => parseCapture(b),
    (e: unknown) => e instanceof CaptureError && e.code === 'MM_ERR_CAPTURE_CORRUPT' && re.test(e.message),
  );
}

test('corrupt captures give a CaptureError, never a crash', () => {
  expectCorrupt(new Uint8Array(0), /too short/);
  expectCorrupt(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), /unknown capture magic/);
  const p = pcap(true, 0xa1b2c3d4);
  expectCorrupt(p.subarray(0, 20), /header truncated/);
  expectCorrupt(p.subarray(0, 30), /record header truncated/);
  expectCorrupt(p.subarray(0, p.length - 1), /truncated/);
  const huge = p.slice();
  new DataView(huge.buffer).setUint32(24 + 8, 0x7fffffff, true);
  expectCorrupt(huge, /too large/);
  const ng = pcapng(true);
  expectCorrupt(ng.subarray(0, ng.length - 2), /truncated|block/);
  const badLen = ng.slice();
  new DataView(badLen.buffer).setUint32(4, 13, true);
  expectCorrupt(badLen, /block length 13 invalid/);
  const badTrail = ng.slice();
  badTrail[ng.length - 1] = 0x7f;
  expectCorrupt(badTrail, /trailing length/);
  const badMagic = ng.slice();
  badMagic[8] = 0;
  expectCorrupt(badMagic, /byte-order magic/);
  // EPB naming an interface that was never described.
  const w = new W(true);
  block(w, 0x0a0d0d0a, new W(true).u32(0x1a2b3c4d).u16(1).u16(0).u32(0xffffffff).u32(0xffffffff).done());
  block(w, 6, new W(true).u32(3).u32(0).u32(0).u32(4).u32(4).u32(0).done());
  expectCorrupt(w.done(), /unknown interface 3/);
});

test('pcap and pcapng captures from the tcpdump suite read fully', async () => {
  const a = await readCaptureFile(join(capturesDir, 'arp-oobr.pcap'));
  assert.equal(a.format, 'pcap');
  assert.ok(a.frames.length > 0);
  const b = await readCaptureFile(join(capturesDir, 'OSPFv2_Capture_FINAL.pcapng'));
  assert.equal(b.format, 'pcapng');
  assert.ok(ethernetFrames(b).length > 0);
  for (const f of b.frames) assert.ok(f.tsSec > 1_000_000_000, 'pcapng time stamps decoded');
});
