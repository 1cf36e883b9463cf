/**
 * `midolman simulate`: run frames through a topology file, as the agent would on
 * the host named by `--host` (or the file's `local_host_id`), and print one JSON
 * line per frame:
 *
 *   {"index","result","egress":[{"port","frame"}],"generated":[{"port","frame"}],
 *    "reason","flow"}
 *
 * State (learned MACs, ARP entries, conntrack, NAT) carries from one frame to the
 * next; `at` (seconds) in a packet entry sets the simulation clock. A packet that
 * would wait (ARP, a NAT block) is reported as an error drop: nothing resumes it
 * in a batch run, as a real agent's waiting room would time out.
 *
 * The datapath layout is the agent's: 1 `tngre-overlay`, 2 `tnvxlan-overlay`,
 * 3 `tnvxlan-vtep`, then one netdev vport per port bound to this host, in file
 * order, from 4. The `flow` field is the kernel flow the agent would install, in
 * `ovs-dpctl dump-flows` syntax.
 */

import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { buildTopology } from '../../simulation/topology/build.js';
import { Simulator } from '../../simulation/simulator.js';
import { FlowMatch } from '../../simulation/packet/flow-match.js';
import { ParsedPacket, parseFrame } from '../../simulation/packet/parse.js';
import { applyActions } from '../../simulation/packet/rewrite.js';
import type { SimResult } from '../../simulation/result.js';
import { canonicalUuid } from '../../simulation/packet/addr.js';
import { LocalState } from '../state/local-state.js';
import { loadTopologyFile } from '../topology-file/index.js';
import { readCaptureFile, ethernetFrames } from '../capture/pcap.js';
import { TopologyPortResolver } from '../flows/port-resolver.js';
import { describeFlow } from '../flows/describe-flow.js';
import { UsageError, parseOptions } from './options.js';

export interface PacketEntry {
  readonly port: string;
  readonly frame: Uint8Array;
  /** Simulation time, ms. */
  readonly at: number | null;
}

export interface SimulateLine {
  readonly index: number;
  readonly result: string;
  readonly egress: readonly { readonly port: string; readonly frame: string }[];
  readonly generated: readonly { readonly port: string; readonly frame: string }[];
  readonly reason: string;
  readonly flow: string;
}

const OVERLAY = { gre: 1, vxlan: 2 } as const;
const FIRST_VM_PORT = 4;

const USAGE = `usage: midolman simulate --topology T.json (--packets P.json | --pcap FILE --port UUID) [--host HOST_UUID]`;

export async function simulateCommand(argv: readonly string[], out: (line: string) => void): Promise<number> {
  const opts = parseOptions(argv, ['topology', 'packets', 'pcap', 'port', 'host'], USAGE);
  const topoPath = opts.require('topology');
  const { objects, localHostId } = loadTopologyFile(topoPath);
  const hostOpt = opts.get('host');
  const host = hostOpt === undefined ? (localHostId ?? null) : canonicalUuid(hostOpt);
  if (hostOpt !== undefined && host === null) throw new UsageError(`--host: not a UUID: ${hostOpt}`);
  if (host === null) throw new UsageError('no local host: give --host or local_host_id in the topology file');

  const { snapshot, diagnostics } = buildTopology(objects, { localHostId: host });
  for (const d of diagnostics.items) process.stderr.write(`warning: ${d.objectClass} ${d.id}: ${d.message}\n`);

  const dpPorts = new Map<string, number>();
  for (const p of objects.ports) {
    if (p.host_id === host && p.interface_name !== undefined) dpPorts.set(p.id, FIRST_VM_PORT + dpPorts.size);
  }
  const resolver = new TopologyPortResolver({
    topo: () => snapshot,
    localHostId: host,
    localDpPort: (id) => dpPorts.get(id),
    overlay: OVERLAY,
  });

  const packets = await loadPackets(opts.get('packets'), opts.get('pcap'), opts.get('port'));
  const state = new LocalState();
  let seed = 0x5eed;
  const sim = new Simulator(snapshot, state, { random: () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) });
  let now = 0;
  packets.forEach((p, index) => {
    if (p.at !== null) now = p.at;
    const dpInPort = dpPorts.get(p.port);
    const result = sim.simulate(dpInPort === undefined ? { frame: p.frame, ingressPortId: p.port } : { frame: p.frame, ingressPortId: p.port, dpInPort }, now);
    state.apply(result.effects, now);
    out(JSON.stringify(lineFor(index, p, result, resolver)));
  });
  return 0;
}

function lineFor(index: number, p: PacketEntry, r: SimResult, resolver: TopologyPortResolver): SimulateLine {
  const generated = r.generated.map((g) => ({ port: g.portId, frame: hex(g.frame) }));
  if (r.verdict === 'not-yet') {
    return { index, result: 'error-drop', egress: [], generated, reason: r.reason, flow: '' };
  }
  let egress: SimulateLine['egress'] = [];
  if (r.actions.length > 0) {
    const match = new FlowMatch();
    const pkt = new ParsedPacket();
    if (parseFrame(p.frame, match, pkt).ok) {
      egress = applyActions(p.frame, pkt, r.actions).map((e) => ({ port: e.portId, frame: hex(e.frame) }));
    }
  }
  // Nothing is installed for a consumed packet or an unparsable frame.
  const noFlow = r.verdict === 'consumed' || (r.verdict === 'drop' && r.userspaceOnly);
  const flow = noFlow ? '' : describeFlow(r, resolver);
  return { index, result: r.verdict, egress, generated, reason: r.reason, flow };
}

async function loadPackets(packetsPath: string | undefined, pcap: string | undefined, port: string | undefined): Promise<PacketEntry[]> {
  if (packetsPath !== undefined) return loadPacketsFile(packetsPath);
  if (pcap === undefined || port === undefined) throw new UsageError(`${USAGE}\n(--packets, or both --pcap and --port)`);
  const id = canonicalUuid(port);
  if (id === null) throw new UsageError(`--port: not a UUID: ${port}`);
  const frames = ethernetFrames(await readCaptureFile(pcap));
  // Capture time, relative to the first frame, drives the simulation clock.
  const t0 = frames.length > 0 ? frames[0]!.tsSec * 1000 + frames[0]!.tsNsec / 1e6 : 0;
  return frames.map((f) => ({ port: id, frame: f.data, at: Math.round(f.tsSec * 1000 + f.tsNsec / 1e6 - t0) }));
}

async function loadPacketsFile(path: string): Promise<PacketEntry[]> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!Array.isArray(doc)) throw new UsageError(`${path}: expected a JSON array of packets`);
  const base = dirname(resolve(path));
  const captures = new Map<string, Uint8Array[]>();
  const out: PacketEntry[] = [];
  for (let i = 0; i < doc.length; i++) {
    const e: unknown = doc[i];
    const where = `${path}: packet ${i}`;
    if (typeof e !== 'object' || e === null) throw new UsageError(`${where}: expected an object`);
    const rec = e as Record<string, unknown>;
    const port = typeof rec['port'] === 'string' ? canonicalUuid(rec['port']) : null;
    if (port === null) throw new UsageError(`${where}: "port" must be a UUID string`);
    const at = rec['at'];
    if (at !== undefined && (typeof at !== 'number' || !Number.isFinite(at))) throw new UsageError(`${where}: "at" must be a number of seconds`);
    let frame: Uint8Array;
    if (typeof rec['frame'] === 'string') {
      const h = rec['frame'].replace(/\s+/g, '');
      if (!/^([0-9a-fA-F]{2})*$/.test(h)) throw new UsageError(`${where}: "frame" must be hex bytes`);
      frame = Uint8Array.from(Buffer.from(h, 'hex'));
    } else if (typeof rec['pcap'] === 'string') {
      const file = resolve(base, rec['pcap']);
      let frames = captures.get(file);
      if (frames === undefined) {
        frames = ethernetFrames(await readCaptureFile(file)).map((f) => f.data);
        captures.set(file, frames);
      }
      const k = rec['index'] ?? 0;
      if (typeof k !== 'number' || !Number.isInteger(k) || frames[k] === undefined) {
        throw new UsageError(`${where}: "index" ${String(k)} is not a frame of ${rec['pcap']} (${frames.length} frames)`);
      }
      frame = frames[k];
    } else {
      throw new UsageError(`${where}: needs "frame" (hex) or "pcap" + "index"`);
    }
    out.push({ port, frame, at: at === undefined ? null : Math.round(at * 1000) });
  }
  return out;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}
