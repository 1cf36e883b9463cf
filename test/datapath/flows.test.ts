/**
 * Flow operations on the real module: install megaflows carrying every action kind MidoNet
 * emits, and check that `ovs-dpctl dump-flows` reads back exactly the flows our own dump decodes
 * (both printed in the canonical flow text of flow-text.ts); get, delete-with-stats, EEXIST for a
 * duplicate put (sync and fire-and-forget), ENOENT/EINVAL as typed errors, and flush.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DpifNetlink } from '../../agent/datapath/dpif-netlink.js';
import { flowPutFromRecords, keyFromRecords, toOdpFlow } from '../../agent/datapath/dpif-flow-spec.js';
import { formatFlow } from '../../agent/datapath/flow-text.js';
import { NetlinkError } from '../../agent/datapath/netlink-error.js';
import { output, popVlan, pushVlan, setKey } from '../../agent/datapath/odp-actions.js';
import type { OdpAction, OdpKeyAttr } from '../../agent/datapath/odp-types.js';
import { requireGuest } from '../support/vm.js';
import { sh } from '../support/guest.js';

const DP = 'mmtest-flows';
let dp: DpifNetlink;
let p1 = 0, p2 = 0, tun = 0;
const ip = (s: string): number => s.split('.').reduce((a, o) => a * 256 + Number(o), 0);
const mac = (s: string): number => parseInt(s.replace(/:/g, ''), 16);
const ZERO_ETH: OdpKeyAttr = { kind: 'eth', src: 0, dst: 0 };

before(() => {
  requireGuest();
  sh('ip link add mmf1 type veth peer name mmf2 && ip link set mmf1 up && ip link set mmf2 up');
  dp = DpifNetlink.open(DP, { mode: 'recreate' });
  p1 = dp.createVport({ name: 'mmf1', type: 'netdev' }).portNo;
  p2 = dp.createVport({ name: 'mmf2', type: 'netdev' }).portNo;
  tun = dp.createVport({ name: 'tnvxlan-mmf', type: 'vxlan', dstPort: 6677 }).portNo;
});

after(() => {
  dp?.destroy();
  sh('ip link del mmf1 2>/dev/null || true');
});

interface Case { key: OdpKeyAttr[]; mask: OdpKeyAttr[]; actions: OdpAction[] }

function cases(): Case[] {
  const inPort = (p: number): OdpKeyAttr => ({ kind: 'in_port', value: p });
  const exactPort: OdpKeyAttr = { kind: 'in_port', value: 0xffffffff };
  const ethType = (t: number): OdpKeyAttr => ({ kind: 'eth_type', value: t });
  const ipv4 = (src: number, dst: number, proto: number): OdpKeyAttr => ({ kind: 'ipv4', src, dst, proto, tos: 0, ttl: 64, frag: 0 });
  const ethA = mac('02:00:00:00:00:01'), ethB = mac('02:00:00:00:00:02');
  return [
    { // ARP to port 2
      key: [inPort(p1), ZERO_ETH, ethType(0x0806), { kind: 'arp', sip: 0, tip: 0, op: 0, sha: 0, tha: 0 }],
      mask: [exactPort, ZERO_ETH, ethType(0xffff), { kind: 'arp', sip: 0, tip: 0, op: 0, sha: 0, tha: 0 }],
      actions: [output(p2)],
    },
    { // TCP to 10.0.0.0/24:80, rewritten L2/L3/L4 (SETs force proto + ethertype exact)
      key: [inPort(p1), { kind: 'eth', src: ethA, dst: ethB }, ethType(0x0800), ipv4(ip('10.0.0.1'), ip('10.0.1.0'), 6), { kind: 'tcp', src: 0, dst: 80 },
        // The kernel requires TCP_FLAGS in any key with a TCP header ("Missing key ... expected").
        { kind: 'tcp_flags', value: 0 }],
      mask: [exactPort, { kind: 'eth', src: 0, dst: 0xffffffffffff }, ethType(0xffff), ipv4(0, 0xffffff00, 0xff), { kind: 'tcp', src: 0, dst: 0xffff }],
      actions: [
        setKey({ kind: 'eth', src: ethB, dst: ethA }),
        setKey({ kind: 'ipv4', src: ip('192.168.0.1'), dst: ip('10.0.1.5'), proto: 6, tos: 0, ttl: 63, frag: 0 }),
        setKey({ kind: 'tcp', src: 1234, dst: 8080 }),
        output(p2),
      ],
    },
    { // UDP from port 2 tagged with VLAN 10 on the way out
      key: [inPort(p2), ZERO_ETH, ethType(0x0800), ipv4(0, 0, 17), { kind: 'udp', src: 0, dst: 53 }],
      mask: [exactPort, ZERO_ETH, ethType(0xffff), { kind: 'ipv4', src: 0, dst: 0, proto: 0xff, tos: 0, ttl: 0, frag: 0xff }, { kind: 'udp', src: 0, dst: 0xffff }],
      actions: [pushVlan(10), output(p1)],
    },
    { // VLAN 20 frames from port 1: pop the tag
      key: [inPort(p1), ZERO_ETH, ethType(0x8100), { kind: 'vlan', value: 0x1000 | 20 }, { kind: 'encap', keys: [ethType(0x0800), ipv4(0, 0, 0)] }],
      mask: [exactPort, ZERO_ETH, ethType(0xffff), { kind: 'vlan', value: 0xffff }, { kind: 'encap', keys: [ethType(0xffff)] }],
      actions: [popVlan, output(p2)],
    },
    { // overlay: tunnel key 0x42 to a peer over the VXLAN vport
      key: [inPort(p2), ZERO_ETH, ethType(0x0806), { kind: 'arp', sip: 0, tip: 0, op: 0, sha: 0, tha: 0 }],
      mask: [exactPort, ZERO_ETH, ethType(0xffff), { kind: 'arp', sip: 0, tip: 0, op: 0, sha: 0, tha: 0 }],
      actions: [setKey({ kind: 'tunnel', tunnel: { id: 0x42n, src: ip('192.168.100.1'), dst: ip('192.168.100.2'), ttl: 255 } }), output(tun)],
    },
    { // LLDP from port 2: drop (empty action list)
      key: [inPort(p2), ZERO_ETH, ethType(0x88cc)],
      mask: [exactPort, ZERO_ETH, ethType(0xffff)],
      actions: [],
    },
    { // ICMP from port 2: copy to userspace (a BGP-style userspace action) and forward
      key: [inPort(p2), ZERO_ETH, ethType(0x0800), ipv4(0, 0, 1), { kind: 'icmp', type: 8, code: 0 }],
      mask: [exactPort, ZERO_ETH, ethType(0xffff), { kind: 'ipv4', src: 0, dst: 0, proto: 0xff, tos: 0, ttl: 0, frag: 0xff }, { kind: 'icmp', type: 0xff, code: 0 }],
      actions: [{ kind: 'userspace', pid: dp.upcallPid(p2) ?? 1 }, output(p1)],
    },
  ];
}

/** ovs-dpctl's lines without the statistics, which differ between the two reads. */
function dpctlFlows(): string[] {
  return sh(`ovs-dpctl dump-flows ${DP} 2>/dev/null`).split('\n').filter((l) => l.trim() !== '')
    .map((l) => l.replace(/, packets:\d+, bytes:\d+(?:, used:[^,]+)?(?:, flags:[^,]*)?/, '')).sort();
}

test('flows with masks and every action kind read back identically through ovs-dpctl', () => {
  for (const [i, c] of cases().entries()) {
    let r: string;
    try {
      r = dp.putFlowSync(flowPutFromRecords(c.key, c.mask, c.actions));
    } catch (e) {
      r = `case ${i}: ${String(e)}`;
    }
    assert.equal(r, 'created', `case ${i}`);
  }
  const ours = dp.dumpFlows().map((f) => {
    const o = toOdpFlow(f);
    assert.equal(typeof o, 'object', `decodes: ${String(o)}`);
    if (typeof o === 'string') return o;
    return formatFlow({ key: o.key, ...(o.mask !== undefined ? { mask: o.mask } : {}), actions: o.actions });
  }).sort();
  assert.equal(ours.length, cases().length);
  assert.deepEqual(ours, dpctlFlows());
});

test('duplicates answer EEXIST: sync put says exists, fire-and-forget is counted', () => {
  const c = cases()[0]!;
  const spec = flowPutFromRecords(c.key, c.mask, c.actions);
  assert.equal(dp.putFlowSync(spec), 'exists');
  const before = dp.counters.flowPutsExisting;
  dp.putFlow(spec, 77);
  const errs: [string, number, number][] = [];
  dp.onOutputError = (op, seq, errno) => errs.push([op, seq, errno]);
  dp.drainOutput();
  assert.equal(dp.counters.flowPutsExisting, before + 1);
  assert.deepEqual(errs, [['flow-put', 77, 17]]);
});

test('get and delete by key; delete returns the final stats; ENOENT and EINVAL are typed', () => {
  const c = cases()[5]!;
  const got = dp.getFlow(keyFromRecords(c.key));
  assert.equal(got.actions.length, 0, 'drop flow has an empty action list');
  const stats = dp.deleteFlow(keyFromRecords(c.key));
  assert.equal(stats.packets, 0);
  assert.throws(() => dp.deleteFlow(keyFromRecords(c.key)),
    (e: unknown) => e instanceof NetlinkError && e.code === 'ENOENT' && e.op === 'flow-delete');
  assert.throws(() => dp.getFlow(keyFromRecords(c.key)),
    (e: unknown) => e instanceof NetlinkError && e.code === 'ENOENT' && e.op === 'flow-get');
  // An IPv4 SET on a flow whose mask does not pin the protocol: the kernel refuses it.
  const bad = cases()[1]!;
  const loose = bad.mask.map((a) => (a.kind === 'ipv4' ? { ...a, proto: 0 } : a)).filter((a) => a.kind !== 'tcp');
  assert.throws(() => dp.putFlowSync(flowPutFromRecords(bad.key.filter((a) => a.kind !== 'tcp').map((a) => (a.kind === 'ipv4' ? { ...a, proto: 17 } : a)), loose, bad.actions)),
    (e: unknown) => e instanceof NetlinkError && e.code === 'EINVAL' && e.op === 'flow-put');
});

test('flush empties the datapath', () => {
  dp.flushFlows();
  assert.equal(dp.dumpFlows().length, 0);
  assert.deepEqual(dpctlFlows(), []);
  assert.equal(dp.info().stats.flows, 0);
});
