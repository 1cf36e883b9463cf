/**
 * The native addon on the host kernel (no openvswitch needed): sockets, options, batched send and
 * receive, the Poller, and generic-netlink family lookup through nlctrl, which every kernel has.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { netlink, NETLINK_GENERIC, RCVBUF, MSG_TRUNC, errnoName } from '../../../native/lib/index.js';
import { NlChannel } from '../../../agent/datapath/nl-channel.js';
import { lookupFamily, writeGetFamily, parseFamily } from '../../../agent/datapath/genl-ctrl.js';
import { NetlinkError } from '../../../agent/datapath/netlink-error.js';
import { NlWriter } from '../../../agent/datapath/nl-writer.js';
import { NlMessages } from '../../../agent/datapath/nl-reader.js';

test('open gives a non-blocking socket with a kernel-assigned pid; errors are negative errnos', () => {
  const nl = netlink();
  const fd = nl.open(NETLINK_GENERIC, 0);
  assert.ok(fd >= 0);
  try {
    assert.ok(nl.pid(fd) > 0);
    assert.ok(nl.setBuffer(fd, RCVBUF, 1 << 20) > 0);
    const buf = new Uint8Array(1024);
    assert.equal(errnoName(nl.recv(fd, buf, 0, buf.length)), 'EAGAIN');
    assert.equal(nl.waitReadable(fd, 0), 0);
    assert.throws(() => nl.recv(fd, buf, 1000, 100), RangeError);
  } finally {
    assert.equal(nl.close(fd), 0);
  }
  assert.equal(errnoName(nl.close(fd)), 'EBADF');
  assert.equal(errnoName(nl.open(9999, 0)), 'EPROTONOSUPPORT');
});

test('family lookup through nlctrl; an unknown family is a typed EINVAL, as nlctrl answers', () => {
  const ch = NlChannel.open();
  try {
    const f = lookupFamily(ch, 'nlctrl');
    assert.equal(f.id, 0x10);
    assert.ok(f.groups.has('notify'));
    assert.throws(() => lookupFamily(ch, 'mm_no_such_family'),
      (e: unknown) => e instanceof NetlinkError && e.code === 'EINVAL' && e.op === 'family-lookup');
  } finally {
    ch.close();
  }
});

test('sendBatch sends one datagram per message and recvBatch takes them in one call', () => {
  const nl = netlink();
  const ch = NlChannel.open();
  try {
    const w = new NlWriter(1024);
    const offs = new Uint32Array(3), lens = new Uint32Array(3);
    for (let i = 0; i < 3; i++) {
      offs[i] = w.length;
      writeGetFamily(w, 'nlctrl', 100 + i);
      lens[i] = w.length - offs[i]!;
    }
    assert.equal(nl.sendBatch(ch.fd, w.buf, offs, lens, 3), 3);
    const slot = 4096, slots = new Uint8Array(slot * 8), meta = new Int32Array(16);
    assert.equal(nl.waitReadable(ch.fd, 1000), 1);
    const n = nl.recvBatch(ch.fd, slots, slot, 8, meta);
    assert.equal(n, 3);
    const seqs: number[] = [];
    for (let i = 0; i < n; i++) {
      assert.equal(meta[2 * i + 1]! & MSG_TRUNC, 0);
      const m = new NlMessages(slots, i * slot, meta[2 * i]!);
      assert.ok(m.next());
      seqs.push(m.seq);
      const fam = parseFamily(slots, m.payloadOff, m.payloadLen);
      assert.equal(typeof fam === 'string' ? fam : fam.name, 'nlctrl');
    }
    assert.deepEqual(seqs, [100, 101, 102]);
    // A slot smaller than the datagram is reported, not silently cut.
    writeGetFamily(w, 'nlctrl', 200);
    ch.send(w.bytes().subarray(offs[2]! + lens[2]!), 'send');
    assert.equal(nl.waitReadable(ch.fd, 1000), 1);
    assert.equal(nl.recvBatch(ch.fd, slots, 64, 1, meta), 1);
    assert.equal(meta[1]! & MSG_TRUNC, MSG_TRUNC);
  } finally {
    ch.close();
  }
});

test('the Poller calls back on the event loop when the socket becomes readable', async () => {
  const nl = netlink();
  const ch = NlChannel.open();
  const p = new nl.Poller(ch.fd, () => {
    p.stop();
    resolveReadable();
  });
  let resolveReadable!: () => void;
  const readable = new Promise<void>((r) => { resolveReadable = r; });
  try {
    assert.equal(p.start(), 0);
    const w = new NlWriter(256);
    writeGetFamily(w, 'nlctrl', 7);
    ch.send(w.bytes(), 'send');
    await readable;
    assert.ok(nl.recv(ch.fd, ch.rx, 0, ch.rx.length) > 0);
  } finally {
    p.close();
    ch.close();
  }
});
