import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readIpv4 } from '../../../../simulation/packet/addr.js';
import { buildUdp } from '../../../../simulation/packet/build.js';
import { ParsedPacket, parseFrame } from '../../../../simulation/packet/parse.js';
import { PacketContext } from '../../../../simulation/packet-context.js';
import { DHCP_DROP, DHCP_SERVER_MAC, dhcpReply, type DhcpConfig } from '../../../../simulation/replies/dhcp.js';
import { encodeExtraOption, optionCode } from '../../../../simulation/replies/dhcp-options.js';
import type { Dhcp } from '../../../../simulation/topology/objects.js';
import type { BridgePort } from '../../../../simulation/topology/model.js';
import { MemoryState } from '../../../support/memory-state.js';
import { LOCAL_HOST, TopologyBuilder } from '../../../support/topology-builder.js';
import { MA, MB, NOW, ip, mac, outputs, runner } from '../devices/l2-fixture.js';

interface Req {
  readonly type?: number | null;
  readonly requestedIp?: string;
  readonly prl?: readonly number[];
  readonly hlen?: number;
  readonly op?: number;
  readonly src?: string;
}

/** A DHCP request from `src` (default MA), xid 0x12345678. */
function request(r: Req = {}): Uint8Array {
  const opts: number[] = [];
  if (r.type !== null) opts.push(53, 1, r.type ?? 1);
  if (r.requestedIp !== undefined) opts.push(50, 4, ...ip(r.requestedIp).toString(16).padStart(8, '0').match(/../g)!.map((h) => parseInt(h, 16)));
  if (r.prl !== undefined) opts.push(55, r.prl.length, ...r.prl);
  opts.push(255);
  const p = new Uint8Array(240 + opts.length);
  p[0] = r.op ?? 1;
  p[1] = 1;
  p[2] = r.hlen ?? 6;
  p.set([0x12, 0x34, 0x56, 0x78], 4);
  const m = mac(r.src ?? MA);
  for (let i = 0; i < 6; i++) p[28 + i] = Math.floor(m / 2 ** (40 - 8 * i)) & 0xff;
  p.set([0x63, 0x82, 0x53, 0x63], 236);
  p.set(opts, 240);
  return buildUdp({ ethSrc: m, ethDst: 0xffffffffffff, ipSrc: 0, ipDst: 0xffffffff, srcPort: 68, dstPort: 67, payload: p });
}

function lan(fields: Partial<Dhcp> = {}) {
  const b = new TopologyBuilder();
  const br = b.bridge();
  const pa = b.bridgePort(br, { host: LOCAL_HOST });
  const pb = b.bridgePort(br, { host: LOCAL_HOST });
  b.dhcp(br, {
    subnet_address: '10.0.0.0/24',
    server_address: '10.0.0.2',
    default_gateway: '10.0.0.1',
    dns_server_address: ['8.8.8.8', '8.8.4.4'],
    hosts: [{ mac: MA, ip_address: '10.0.0.10', name: 'vm1' }],
    ...fields,
  });
  return { b, br, pa, pb };
}

function direct(t: ReturnType<typeof lan>, frame: Uint8Array, config: DhcpConfig = {}): Uint8Array | null {
  const topo = t.b.build();
  const ctx = new PacketContext();
  ctx.topo = topo;
  ctx.state = new MemoryState();
  ctx.now = NOW;
  ctx.frame = frame;
  ctx.packet = new ParsedPacket();
  assert.ok(parseFrame(frame, ctx.origMatch, ctx.packet).ok);
  ctx.wcmatch.copyFrom(ctx.origMatch);
  return dhcpReply(ctx, topo.port(t.pa) as BridgePort, config);
}

/** Options of a reply frame (Ethernet/IPv4/UDP/BOOTP) by code, END checked. */
function replyOptions(f: Uint8Array): Map<number, number[]> {
  const base = 14 + 20 + 8;
  const out = new Map<number, number[]>();
  let i = base + 240;
  for (;;) {
    const code = f[i++]!;
    if (code === 255) break;
    const len = f[i++]!;
    assert.ok(!out.has(code), `duplicate option ${code}`);
    out.set(code, Array.from(f.subarray(i, i + len)));
    i += len;
  }
  return out;
}

test('DISCOVER → OFFER: frame, BOOTP fields and every option', () => {
  const t = lan({ opt121_routes: [{ dst_subnet: '192.168.0.0/16', gateway: '10.0.0.5' }] });
  const r = runner(t.b.build()).run(t.pa, request({ type: 1, prl: [1, 3, 6] }));
  assert.equal(r.verdict, 'consumed');
  assert.deepEqual(r.actions, []);
  assert.equal(r.generated.length, 1);
  const g = r.generated[0]!;
  assert.equal(g.portId, t.pa);
  const f = g.frame;
  // Ethernet
  assert.deepEqual(Array.from(f.subarray(0, 6)), [2, 0, 0, 0, 0xaa, 1]);
  assert.deepEqual(Array.from(f.subarray(6, 12)), [0x02, 0xa8, 0x9c, 0xde, 0x39, 0x27]);
  assert.equal(DHCP_SERVER_MAC, 0x02a89cde3927);
  // IPv4: TTL 64, UDP, 10.0.0.2 → 255.255.255.255; UDP 67 → 68
  assert.equal(f[22], 64);
  assert.equal(f[23], 17);
  assert.equal(readIpv4(f, 26), ip('10.0.0.2'));
  assert.equal(readIpv4(f, 30), 0xffffffff);
  assert.deepEqual([f[34], f[35], f[36], f[37]], [0, 67, 0, 68]);
  // BOOTP
  const b = 42;
  assert.deepEqual([f[b], f[b + 1], f[b + 2]], [2, 1, 6]);
  assert.deepEqual(Array.from(f.subarray(b + 4, b + 8)), [0x12, 0x34, 0x56, 0x78]);
  assert.equal(readIpv4(f, b + 16), ip('10.0.0.10'), 'yiaddr');
  assert.equal(readIpv4(f, b + 20), ip('10.0.0.2'), 'siaddr');
  assert.deepEqual(Array.from(f.subarray(b + 28, b + 34)), [2, 0, 0, 0, 0xaa, 1], 'chaddr');
  assert.deepEqual(Array.from(f.subarray(b + 236, b + 240)), [0x63, 0x82, 0x53, 0x63]);
  const o = replyOptions(f);
  assert.deepEqual(o.get(53), [2]);
  assert.deepEqual(o.get(1), [255, 255, 255, 0]);
  assert.deepEqual(o.get(28), [10, 0, 0, 255]);
  assert.deepEqual(o.get(51), [0, 1, 0x51, 0x80]); // 86400
  assert.deepEqual(o.get(26), [0x05, 0xdc]); // 1500
  assert.deepEqual(o.get(3), [10, 0, 0, 1]);
  assert.deepEqual(o.get(54), [10, 0, 0, 2]);
  assert.deepEqual(o.get(6), [8, 8, 8, 8, 8, 8, 4, 4]);
  // 192.168/16 via 10.0.0.5, then the default route via the gateway.
  assert.deepEqual(o.get(121), [16, 192, 168, 10, 0, 0, 5, 0, 10, 0, 0, 1]);
  assert.equal(o.size, 9);
});

test('REQUEST → ACK; a different requested IP → NAK', () => {
  const t = lan();
  const ack = direct(t, request({ type: 3, requestedIp: '10.0.0.10' }));
  assert.ok(ack !== null && ack !== DHCP_DROP);
  assert.deepEqual(replyOptions(ack).get(53), [5]);
  const plain = direct(t, request({ type: 3 }));
  assert.ok(plain !== null && plain !== DHCP_DROP);
  assert.deepEqual(replyOptions(plain).get(53), [5]);
  const nak = direct(t, request({ type: 3, requestedIp: '10.0.0.99' }));
  assert.ok(nak !== null && nak !== DHCP_DROP);
  assert.deepEqual(replyOptions(nak).get(53), [6]);
});

test('malformed or unsupported requests are dropped (DHCP_DROP)', () => {
  const t = lan();
  assert.equal(direct(t, request({ type: null })), DHCP_DROP, 'no option 53');
  assert.equal(direct(t, request({ type: 7 })), DHCP_DROP, 'RELEASE');
  assert.equal(direct(t, request({ type: 8 })), DHCP_DROP, 'INFORM');
  assert.equal(direct(t, request({ type: 1, prl: [] })), DHCP_DROP, 'empty parameter list');
});

test('no reply (packet continues): unknown MAC, disabled subnet, bad chaddr, BOOTREPLY', () => {
  const t = lan();
  assert.equal(direct(t, request({ src: MB })), null);
  assert.equal(direct(t, request({ hlen: 0 })), null);
  assert.equal(direct(t, request({ op: 2 })), null);
  assert.equal(direct(lan({ enabled: false }), request()), null);
  // Unknown MAC: normal simulation floods it.
  const r = runner(t.b.build()).run(t.pa, request({ src: MB }));
  assert.equal(r.verdict, 'forward');
  assert.deepEqual(outputs(r), [t.pb]);
});

test('interface MTU: subnet MTU or agent dhcp_mtu, capped by the underlay', () => {
  const mtu = (f: Uint8Array | null): number => {
    assert.ok(f !== null && f !== DHCP_DROP);
    const v = replyOptions(f).get(26)!;
    return (v[0]! << 8) | v[1]!;
  };
  assert.equal(mtu(direct(lan(), request())), 1500);
  assert.equal(mtu(direct(lan(), request(), { dhcpMtu: 9000, underlayMtu: 1450 })), 1450);
  assert.equal(mtu(direct(lan(), request(), { dhcpMtu: 1400 })), 1400);
  assert.equal(mtu(direct(lan({ interface_mtu: 8950 }), request(), { underlayMtu: 9000 })), 8950);
  assert.equal(mtu(direct(lan({ interface_mtu: 8950 }), request(), { underlayMtu: 1450 })), 1450);
});

test('without gateway: no option 3 and no appended default route', () => {
  const t = lan({ opt121_routes: [{ dst_subnet: '172.16.5.0/24', gateway: '10.0.0.7' }] });
  delete (t.b.objects.dhcps[0] as { default_gateway?: string }).default_gateway;
  const f = direct(t, request());
  assert.ok(f !== null && f !== DHCP_DROP);
  const o = replyOptions(f);
  assert.equal(o.has(3), false);
  assert.deepEqual(o.get(121), [24, 172, 16, 5, 10, 0, 0, 7]);
});

test('host extra options replace same-code options; invalid ones are ignored', () => {
  const t = lan({
    hosts: [
      {
        mac: MA,
        ip_address: '10.0.0.10',
        name: 'vm1',
        extra_dhcp_opts: [
          { name: 'dns', value: '1.1.1.1' },
          { name: 'interface-mtu', value: '1400' },
          { name: '15', value: 'example.org' },
          { name: 'router', value: 'not-an-ip' },
          { name: 'no-such-option', value: 'x' },
        ],
      },
    ],
  });
  const f = direct(t, request());
  assert.ok(f !== null && f !== DHCP_DROP);
  const o = replyOptions(f);
  assert.deepEqual(o.get(6), [1, 1, 1, 1]);
  assert.deepEqual(o.get(26), [0x05, 0x78]);
  assert.deepEqual(o.get(15), Array.from(new TextEncoder().encode('example.org')));
  assert.deepEqual(o.get(3), [10, 0, 0, 1], 'invalid router value ignored');
});

test('the reply egresses the ingress port through its outbound filter', () => {
  const t = lan();
  const ch = t.b.chain();
  t.b.rule(ch, { action: 'DROP', condition: {} });
  t.b.port(t.pa).outbound_filter_id = ch;
  const r = runner(t.b.build()).run(t.pa, request());
  assert.equal(r.verdict, 'consumed');
  assert.equal(r.generated.length, 0);
});

test('extra option value parsers', () => {
  assert.equal(optionCode('DNS'), 6);
  assert.equal(optionCode(' classless-static-routes '), 121);
  assert.equal(optionCode('200'), null, 'numeric codes are signed bytes');
  assert.equal(optionCode('domain-name'), null, 'the table spells it with a space');
  assert.equal(optionCode('DOMAIN NAME'), 15);
  const enc = (n: string, v: string) => {
    const e = encodeExtraOption(n, v);
    return e === null ? null : [e.code, ...e.data];
  };
  assert.deepEqual(enc('ntp-servers', '10.0.0.1, 10.0.0.2'), [42, 10, 0, 0, 1, 10, 0, 0, 2]);
  assert.deepEqual(enc('ip-fowarding-enable-disable', 'TRUE'), [19, 1]);
  assert.deepEqual(enc('ip-fowarding-enable-disable', '0x0'), [19, 0]);
  assert.equal(enc('ip-fowarding-enable-disable', 'yes'), null);
  assert.deepEqual(enc('boot-file-size', '512,70000'), [13, 2, 0, 0, 0]);
  assert.deepEqual(enc('static-route', '10.1.2.3/16'), [33, 10, 1, 0, 0, 255, 255, 0, 0]);
  assert.deepEqual(enc('classless-static-routes', '10.0.0.0/8,10.0.0.1,0.0.0.0/0,10.0.0.254'), [
    121, 8, 10, 10, 0, 0, 1, 0, 10, 0, 0, 254,
  ]);
  assert.equal(enc('classless-static-routes', '10.0.0.0/8'), null);
  assert.deepEqual(enc('netbios-over-tcp-ip-node-type', '0x8'), [46, 8]);
  assert.equal(enc('netbios-over-tcp-ip-node-type', '3'), null);
  // RFC 3397 compression: "mail.example.com" reuses "example.com" (offset 4).
  assert.deepEqual(enc('domain-search', 'eng.example.com,mail.example.com'), [
    119, 3, 101, 110, 103, 7, 101, 120, 97, 109, 112, 108, 101, 3, 99, 111, 109, 0,
    4, 109, 97, 105, 108, 0xc0, 4,
  ]);
  // Quirk kept: a name wholly written before gets an empty label before its pointer.
  assert.deepEqual(enc('domain-search', 'a.b,a.b'), [119, 1, 97, 1, 98, 0, 0, 0xc0, 0]);
});
