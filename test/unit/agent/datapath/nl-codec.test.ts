/**
 * NlWriter / NlMessages / NlAttrs / parseAttrs: byte-exact layouts computed by
 * hand from linux/netlink.h, and round trips. Host order is little-endian on
 * every machine this suite runs on (asserted first).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NlWriter } from '../../../../agent/datapath/nl-writer.js';
import {
  NlAttrs, NlMessages, getBe16, getBe64, getString, getU32, getU64, getU64Big, parseAttrs, type NlPolicy,
} from '../../../../agent/datapath/nl-reader.js';
import {
  HOST_LITTLE_ENDIAN, NLMSG_DONE, NLMSG_ERROR, NLM_F_CREATE, NLM_F_MULTI, NLM_F_REQUEST,
} from '../../../../agent/datapath/nl-constants.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

test('host is little-endian (expected bytes below assume it)', () => {
  assert.equal(HOST_LITTLE_ENDIAN, true);
});

test('scalar attributes: host vs network order, padding to 4, len excludes pad', () => {
  const w = new NlWriter(16); // forces growth
  w.putU8(1, 0xab);
  w.putU16(2, 0x1234);
  w.putBe16(3, 0x1234);
  w.putU32(4, 0x01020304);
  w.putBe32(5, 0x01020304);
  w.putU64(6, 0x0102030405060708n);
  w.putBe64(7, 0x0102030405060708n);
  w.putFlag(8);
  w.putString(9, 'abc');
  w.putBe64(10, 0x1_0000_0001); // number above 2^32
  assert.equal(
    hex(w.bytes()),
    '05000100ab000000' +
      '0600020034120000' +
      '0600030012340000' +
      '0800040004030201' +
      '0800050001020304' +
      '0c000600' + '0807060504030201' +
      '0c000700' + '0102030405060708' +
      '04000800' +
      '0800090061626300' +
      '0c000a00' + '0000000100000001',
  );
});

test('nested attributes carry NLA_F_NESTED unless asked not to; length patched', () => {
  const w = new NlWriter();
  const outer = w.beginNested(1);
  w.putU32(2, 7);
  const inner = w.beginNested(3, false);
  w.putU8(4, 1);
  w.endNested(inner);
  w.endNested(outer);
  assert.equal(hex(w.bytes()), '18000180' + '0800020007000000' + '0c000300' + '0500040001000000');
  // An empty container can be cancelled.
  const e = w.beginNested(9);
  assert.equal(w.endNestedOrCancel(e), false);
  assert.equal(w.length, 24);
});

test('a flow-put message (key eth+ipv4+tcp, empty actions) byte for byte', () => {
  const w = new NlWriter();
  w.beginMessage(0x1d, NLM_F_REQUEST | NLM_F_CREATE, 7, 0);
  w.putGenlHeader(1, 1);
  w.putOvsHeader(5);
  const k = w.beginNested(1);
  w.putU32(3, 1);
  w.putBytes(4, unhex('001122334455 66778899aabb'));
  w.putBe16(6, 0x0800);
  w.putBytes(7, unhex('0a000001 0a000002 06 00 40 00'));
  w.putBytes(9, unhex('04d2 0050'));
  w.endNested(k);
  w.endNested(w.beginNested(2));
  const len = w.endMessage();
  assert.equal(len, 88);
  assert.equal(
    hex(w.bytes()),
    '58000000' + '1d00' + '0104' + '07000000' + '00000000' + // nlmsghdr
      '01010000' + '05000000' + // genl + ovs_header
      '3c000180' +
      '0800030001000000' +
      '1000040000112233445566778899aabb' +
      '0600060008000000' +
      '100007000a0000010a00000206004000' +
      '08000900' + '04d20050' +
      '04000280',
  );
});

test('caller-supplied buffer is fixed: overflow is a RangeError, never a silent realloc', () => {
  const buf = new Uint8Array(12);
  const w = new NlWriter(buf);
  w.putU32(1, 1);
  assert.throws(() => w.putU32(2, 2), RangeError);
  assert.equal(w.buf, buf);
});

test('NlMessages walks a receive buffer: data, MULTI, ERROR with errno, ACK, DONE', () => {
  const w = new NlWriter();
  w.beginMessage(0x1d, NLM_F_MULTI, 11, 99);
  w.putGenlHeader(1, 1);
  w.putU32(1, 42);
  w.endMessage();
  // NLMSG_ERROR: int error (-17 EEXIST) + the offending header.
  w.beginMessage(NLMSG_ERROR, 0, 12, 99);
  const p = w.reserve(20);
  w.view.setInt32(p, -17, true);
  w.view.setUint32(p + 4, 16, true);
  w.view.setUint32(p + 12, 5, true); // echoed seq
  w.endMessage();
  w.beginMessage(NLMSG_ERROR, 0, 13, 99);
  w.view.setInt32(w.reserve(4), 0, true);
  w.endMessage();
  w.beginMessage(NLMSG_DONE, NLM_F_MULTI, 14, 99);
  w.reserve(4);
  w.endMessage();

  const it = new NlMessages(w.bytes());
  assert.ok(it.next());
  assert.equal(it.type, 0x1d);
  assert.ok(it.isMulti());
  assert.equal(it.seq, 11);
  assert.equal(it.pid, 99);
  assert.equal(getU32(w.buf, it.payloadOff + 8), 42);
  assert.ok(it.next());
  assert.ok(it.isError());
  assert.equal(it.errno(), 17);
  assert.equal(it.erroredSeq(), 5);
  assert.ok(it.next());
  assert.equal(it.errno(), 0); // ACK
  assert.ok(it.next());
  assert.ok(it.isDone());
  assert.equal(it.next(), false);
  assert.equal(it.truncated, false);
});

test('NlMessages flags a truncated message instead of reading past the end', () => {
  const w = new NlWriter();
  w.beginMessage(0x1d, 0, 1, 0);
  w.putU32(1, 1);
  w.endMessage();
  const it = new NlMessages(w.bytes().subarray(0, 20));
  assert.equal(it.next(), false);
  assert.equal(it.truncated, true);
});

test('NlAttrs clears the flag bits, accepts an unpadded last attribute, flags overruns', () => {
  const b = unhex('08000180 01000000 05000240 07');
  const it = new NlAttrs(b, 0, b.length);
  assert.ok(it.next());
  assert.equal(it.type, 1);
  assert.equal(it.nested, true);
  assert.ok(it.next());
  assert.equal(it.type, 2); // 0x4000 (NET_BYTEORDER) cleared too
  assert.equal(it.len, 1);
  assert.equal(it.next(), false);
  assert.equal(it.malformed, false);
  const bad = unhex('10000100 00000000');
  const it2 = new NlAttrs(bad, 0, bad.length);
  assert.equal(it2.next(), false);
  assert.equal(it2.malformed, true);
});

const POLICY = {
  1: { name: 'name', kind: 'string' },
  2: { name: 'pid', kind: 'u32' },
  3: { name: 'stats', kind: 'bytes', minLen: 16, optional: true },
  4: { name: 'port', kind: 'be16', optional: true },
  5: { name: 'big', kind: 'u64', optional: true },
  6: { name: 'feature', kind: 'flag', optional: true },
} as const satisfies NlPolicy;

test('parseAttrs yields a typed flat record; unknown attrs ignored', () => {
  const w = new NlWriter();
  w.putString(1, 'midonet');
  w.putU32(2, 1234);
  w.putU32(99, 1); // unknown
  w.putBe16(4, 6677);
  w.putU64(5, 2 ** 40 + 3);
  w.putFlag(6);
  const r = parseAttrs(w.buf, 0, w.length, POLICY);
  assert.ok(r.ok);
  if (!r.ok) return;
  const v = r.value;
  const name: string = v.name;
  const pid: number = v.pid;
  assert.equal(name, 'midonet');
  assert.equal(pid, 1234);
  assert.equal(v.port, 6677);
  assert.equal(v.big, 2 ** 40 + 3);
  assert.equal(v.feature, true);
  assert.equal(v.stats, undefined);
});

test('parseAttrs rejects the whole reply: missing required attr, short attr', () => {
  const w = new NlWriter();
  w.putString(1, 'x');
  const r = parseAttrs(w.buf, 0, w.length, POLICY);
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.reason, /missing attr pid/);
  w.putU32(2, 1);
  w.putBytes(3, new Uint8Array(8));
  const r2 = parseAttrs(w.buf, 0, w.length, POLICY);
  assert.equal(r2.ok, false);
  if (!r2.ok) assert.match(r2.reason, /stats.*too short/);
});

test('scalar getters agree with the writer (u64 as number and bigint, be64, strings)', () => {
  const w = new NlWriter();
  w.putU64(1, 0xdeadbeefcafen);
  w.putBe64(2, 0xffffff);
  w.putBe16(3, 0x8100);
  w.putString(4, 'tngre-overlay');
  assert.equal(getU64(w.buf, 4), 0xdeadbeefcafe);
  assert.equal(getU64Big(w.buf, 4), 0xdeadbeefcafen);
  assert.equal(getBe64(w.buf, 16), 0xffffff);
  assert.equal(getBe16(w.buf, 28), 0x8100);
  assert.equal(getString(w.buf, 36, 14), 'tngre-overlay');
});
