/**
 * Wire shapes of the genl-* builders and parsers, checked byte by byte against datapath.md §1.4:
 * attribute order, header fields, host-order tunnel port, PACKET last in an execute, and the
 * reply parsers on hand-built replies (including the rejection of malformed ones).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NlWriter } from '../../../../agent/datapath/nl-writer.js';
import { NlAttrs, NlMessages, getU16, getU32 } from '../../../../agent/datapath/nl-reader.js';
import { writeVportCreate, parseVport } from '../../../../agent/datapath/genl-vport.js';
import { writeDpCreate, parseDp } from '../../../../agent/datapath/genl-datapath.js';
import { writeExecute, parseUpcall } from '../../../../agent/datapath/genl-packet.js';
import { writeFlowPut, parseFlow } from '../../../../agent/datapath/genl-flow.js';
import { parseLink } from '../../../../agent/datapath/link-monitor.js';
import { NLM_F_CREATE, NLM_F_ECHO, NLM_F_REQUEST } from '../../../../agent/datapath/nl-constants.js';

function attrsOf(w: NlWriter, skip = 8): [number, number, number][] {
  const m = new NlMessages(w.bytes());
  assert.ok(m.next());
  const out: [number, number, number][] = [];
  const it = new NlAttrs(w.buf, m.payloadOff + skip, m.payloadLen - skip);
  while (it.next()) out.push([it.type, it.off, it.len]);
  return out;
}

test('vport create: ECHO, UPCALL_PID, NAME, TYPE, OPTIONS{DST_PORT u16 host order}', () => {
  const w = new NlWriter(256);
  writeVportCreate(w, 33, 9, 5, { name: 'tnvxlan-overlay', type: 'vxlan', dstPort: 6677 }, 4242);
  const m = new NlMessages(w.bytes());
  assert.ok(m.next());
  assert.equal(m.type, 33);
  assert.equal(m.flags, NLM_F_REQUEST | NLM_F_ECHO);
  assert.equal(getU32(w.buf, m.payloadOff + 4), 5, 'ovs_header dp_ifindex');
  const a = attrsOf(w);
  assert.deepEqual(a.map(([t]) => t), [5, 3, 2, 4]);
  assert.equal(getU32(w.buf, a[0]![1]), 4242);
  assert.equal(getU32(w.buf, a[2]![1]), 4, 'VXLAN');
  const opt = new NlAttrs(w.buf, a[3]![1], a[3]![2]);
  assert.ok(opt.next());
  assert.deepEqual([opt.type, opt.len, getU16(w.buf, opt.off)], [1, 2, 6677]);
});

test('datapath create: UPCALL_PID, NAME, USER_FEATURES = UNALIGNED; parseDp reads a reply', () => {
  const w = new NlWriter(256);
  writeDpCreate(w, 32, 1, 'midonet', 77);
  const a = attrsOf(w);
  assert.deepEqual(a.map(([t]) => t), [2, 1, 5]);
  assert.equal(getU32(w.buf, a[2]![1]), 1);
  // A reply: genl + ovs_header(ifindex 12) + NAME + STATS + MEGAFLOW_STATS.
  const r = new NlWriter(256);
  r.beginMessage(32, 0, 1, 0); r.putGenlHeader(1, 2); r.putOvsHeader(12);
  r.putString(1, 'midonet');
  const s = r.putAttrHeader(3, 32);
  [1, 2, 3, 4].forEach((v, i) => r.setU64(s + 8 * i, v, true));
  const mf = r.putAttrHeader(4, 32);
  r.setU64(mf, 9, true); r.view.setUint32(mf + 8, 2, true);
  r.endMessage();
  const m = new NlMessages(r.bytes()); m.next();
  assert.deepEqual(parseDp(r.buf, m.payloadOff, m.payloadLen), {
    name: 'midonet', ifindex: 12, stats: { hit: 1, missed: 2, lost: 3, flows: 4 },
    megaflow: { maskHit: 9, masks: 2 }, userFeatures: 0,
  });
  assert.equal(typeof parseDp(r.buf, m.payloadOff, 6), 'string', 'short reply rejected');
  assert.equal(typeof parseVport(r.buf, m.payloadOff, m.payloadLen), 'string', 'missing vport attrs rejected');
});

test('flow put is REQUEST|CREATE with KEY, ACTIONS (empty = drop) and MASK', () => {
  const w = new NlWriter(256);
  writeFlowPut(w, 34, 5, 3, { key: (x) => x.putU32(3, 1), mask: (x) => x.putU32(3, 0xffffffff), actions: new Uint8Array(0) });
  const m = new NlMessages(w.bytes()); m.next();
  assert.equal(m.flags, NLM_F_REQUEST | NLM_F_CREATE);
  const a = attrsOf(w);
  assert.deepEqual(a.map(([t, , l]) => [t, l]), [[1, 8], [2, 0], [7, 8]]);
  const f = parseFlow(w.buf, m.payloadOff, m.payloadLen);
  assert.ok(typeof f !== 'string');
  assert.deepEqual([f.key.len, f.actions?.len, f.mask?.len, f.packets], [8, 0, 8, 0]);
});

test('execute puts KEY, ACTIONS, then PACKET last; parseUpcall refuses a non-upcall', () => {
  const w = new NlWriter(256);
  const pkt = new Uint8Array([1, 2, 3, 4, 5]);
  writeExecute(w, 35, 1, 3, (x) => x.putU32(3, 1), (x) => x.putU32(1, 2), pkt);
  const a = attrsOf(w);
  assert.deepEqual(a.map(([t]) => t), [2, 3, 1]);
  assert.deepEqual([...w.buf.subarray(a[2]![1], a[2]![1] + 5)], [...pkt]);
  const m = new NlMessages(w.bytes()); m.next();
  assert.match(String(parseUpcall(w.buf, m.payloadOff, m.payloadLen)), /not an upcall/);
  w.buf[m.payloadOff] = 1; // as if the kernel had sent it as a MISS
  const u = parseUpcall(w.buf, m.payloadOff, m.payloadLen);
  assert.ok(typeof u !== 'string');
  assert.equal(u.reason, 'miss');
  assert.equal(u.packet.len, 5);
});

test('parseLink reads ifindex, name, up flag and MTU of an RTM_NEWLINK', () => {
  const w = new NlWriter(128);
  const at = w.reserve(16);
  w.buf.fill(0, at, at + 16);
  w.view.setInt32(at + 4, 7, true);
  w.view.setUint32(at + 8, 0x1 | 0x40, true);
  w.putString(3, 'tap0');
  w.putU32(4, 1500);
  assert.deepEqual(parseLink(w.buf, 0, w.length), { ifindex: 7, name: 'tap0', up: true, mtu: 1500 });
  assert.equal(typeof parseLink(w.buf, 0, 8), 'string');
});
