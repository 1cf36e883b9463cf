/**
 * ODP actions: byte-exact layouts of what MidoNet emits (output, SET(tunnel)
 * + output, push/pop VLAN, userspace with a u64 cookie) and round trips,
 * including SAMPLE (parse-only in MidoNet) and unknown actions kept raw.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NlWriter } from '../../../../agent/datapath/nl-writer.js';
import { decodeActions, encodeActions, output, popVlan, pushVlan, setKey } from '../../../../agent/datapath/odp-actions.js';
import type { OdpAction } from '../../../../agent/datapath/odp-types.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
function enc(a: readonly OdpAction[]): Uint8Array {
  const w = new NlWriter();
  encodeActions(w, a);
  return w.bytes().slice();
}

test('SET(TUNNEL{id,src,dst,tos,ttl}) + OUTPUT, byte for byte', () => {
  const b = enc([setKey({ kind: 'tunnel', tunnel: { id: 0x100005n, src: 0x0a000001, dst: 0x0a000002, tos: 0, ttl: 255 } }), output(4)]);
  assert.equal(hex(b),
    '34000380' + // SET, nested
      '30001080' + // TUNNEL, nested
        '0c000000' + '0000000000100005' + // ID be64
        '080001000a000001' + '080002000a000002' + // IPV4_SRC, IPV4_DST
        '0500030000000000' + '05000400ff000000' + // TOS, TTL (len 5 + 3 pad)
    '0800010004000000'); // OUTPUT 4
});

test('SET(ipv4) carries the full struct; push_vlan forces CFI; pop_vlan is empty', () => {
  const b = enc([
    setKey({ kind: 'ipv4', src: 0xc0a80001, dst: 0x0a000002, proto: 6, tos: 0, ttl: 63, frag: 0 }),
    pushVlan(5), { kind: 'push_vlan', tpid: 0x88a8, tci: 100 }, popVlan,
  ]);
  assert.equal(hex(b),
    '14000380' + '10000700' + 'c0a800010a00000206003f00' +
    '0800040081001005' + '0800040088a81064' + '04000500');
});

test('userspace with a u64 cookie (MidoNet BGP copies)', () => {
  const ud = new Uint8Array(8);
  new DataView(ud.buffer).setBigUint64(0, 7n, true);
  const a: OdpAction = { kind: 'userspace', pid: 3542, userdata: ud };
  assert.equal(hex(enc([a])), '18000280' + '08000100d60d0000' + '0c0002000700000000000000');
  const r = decodeActions(enc([a]), 0, 24);
  assert.ok(r.ok);
  if (r.ok) assert.deepEqual(r.value, [a]);
});

test('round trip of every action kind, sample and unknown included', () => {
  const all: OdpAction[] = [
    output(1), popVlan, { kind: 'push_vlan', tpid: 0x8100, tci: 0x3005 },
    setKey({ kind: 'eth', src: 0x001122334455, dst: 0x66778899aabb }),
    setKey({ kind: 'ipv6', src: new Uint8Array(16).fill(1), dst: new Uint8Array(16).fill(2), label: 5, proto: 17, tclass: 0, hlimit: 64, frag: 0 }),
    setKey({ kind: 'tcp', src: 80, dst: 8080 }), setKey({ kind: 'udp', src: 53, dst: 5353 }), setKey({ kind: 'icmp', type: 0, code: 0 }),
    setKey({ kind: 'tunnel', tunnel: { id: 1n, dst: 0x0a000002, ttl: 255, df: true } }),
    { kind: 'userspace', pid: 9, egressTunPort: 4 },
    { kind: 'sample', probability: 0x7fffffff, actions: [output(2), { kind: 'sample', probability: 1, actions: [] }] },
    { kind: 'recirc', id: 3 },
    { kind: 'unknown', type: 16, bytes: new Uint8Array(0) },
    { kind: 'unknown', type: 13, bytes: new Uint8Array([0, 0, 0, 64]) },
  ];
  const b = enc(all);
  const r = decodeActions(b, 0, b.length);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  if (r.ok) assert.deepEqual(r.value, all);
});

test('malformed actions reject the whole list with a reason', () => {
  const w = new NlWriter();
  w.putU16(1, 7); // OUTPUT with 2 bytes
  let r = decodeActions(w.buf, 0, w.length);
  assert.equal(r.ok, false);
  const s = new NlWriter();
  const n = s.beginNested(3);
  s.putU32(3, 1); s.putU32(3, 2); // SET with two keys
  s.endNested(n);
  r = decodeActions(s.buf, 0, s.length);
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.reason, /exactly one key/);
});
