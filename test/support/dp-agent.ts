/**
 * A minimal stand-in for Midolman on one "host" (a network namespace), for datapath tests that
 * need two of them: it owns the namespace's datapath, a local port (a VM's tap) and the VXLAN
 * overlay vport, and forwards between them with one tunnel key, as a bridge with one remote port
 * would: local misses → SET(TUNNEL{key, local, peer, ttl 255}) + OUTPUT(overlay); overlay misses
 * carrying the key → OUTPUT(tap). Each miss is executed and a megaflow installed from the fields
 * read (MidoNet's tunnel-ingress flow matches in_port + tunnel fields exactly).
 *
 * Run inside the namespace: `ip netns exec H node dist/test/support/dp-agent.js TAP KEY LOCAL PEER [PORT]`.
 * Prints "ready" once the vports exist; on SIGTERM prints its counters as JSON and removes the
 * datapath.
 */
import { DpifNetlink } from '../../agent/datapath/dpif-netlink.js';
import { actionsFromRecords, flowPutFromMatch } from '../../agent/datapath/dpif-flow-spec.js';
import { output, setKey } from '../../agent/datapath/odp-actions.js';
import type { OdpAction } from '../../agent/datapath/odp-types.js';

const [tap, keyArg, localArg, peerArg, portArg] = process.argv.slice(2);
if (tap === undefined || keyArg === undefined || localArg === undefined || peerArg === undefined) {
  process.stderr.write('usage: dp-agent TAP KEY LOCAL_IP PEER_IP [UDP_PORT]\n');
  process.exit(2);
}
const ip = (s: string): number => s.split('.').reduce((a, o) => a * 256 + Number(o), 0);
const key = Number(keyArg);
const dp = DpifNetlink.open('midonet', { mode: 'recreate' });
const local = dp.createVport({ name: tap, type: 'netdev' });
const overlay = dp.createVport({ name: 'tnvxlan-overlay', type: 'vxlan', dstPort: Number(portArg ?? 6677) });
const stats = { fromLocal: 0, fromTunnel: 0, wrongKey: 0 };

const toPeer: OdpAction[] = [
  setKey({ kind: 'tunnel', tunnel: { id: BigInt(key), src: ip(localArg), dst: ip(peerArg), tos: 0, ttl: 255 } }),
  output(overlay.portNo),
];
const toLocal: OdpAction[] = [output(local.portNo)];

dp.onUpcall((u) => {
  const m = u.match;
  let actions: OdpAction[];
  if (u.portNo === local.portNo) {
    void m.inPort;
    actions = toPeer;
    stats.fromLocal++;
  } else {
    void m.inPort;
    if (m.tunnelKey !== key) { stats.wrongKey++; return; }
    void m.tunnelSrc;
    void m.tunnelDst;
    actions = toLocal;
    stats.fromTunnel++;
  }
  dp.execute(u.buf.subarray(u.key.off, u.key.off + u.key.len), actionsFromRecords(actions), u.buf.subarray(u.packet.off, u.packet.off + u.packet.len));
  dp.putFlow(flowPutFromMatch(m, actions));
});

process.on('SIGTERM', () => {
  dp.drainOutput();
  process.stdout.write(JSON.stringify({ ...stats, counters: dp.counters, flows: dp.dumpFlows().length }) + '\n');
  dp.destroy();
  process.exit(0);
});
process.stdout.write('ready\n');
