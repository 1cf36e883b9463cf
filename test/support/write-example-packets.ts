/**
 * Writes examples/two-tier/packets.json and traffic.pcap from exampleTraffic(),
 * so the example files and the story the tests pin cannot drift apart
 * (test/unit/examples/two-tier.test.ts compares them byte for byte).
 *
 *   npx tsx test/support/write-example-packets.ts
 *
 * packets.json is what `midolman simulate --packets` reads: an array of
 * {"port", "frame" (hex), "at" (seconds)}; one entry per line keeps diffs
 * readable. traffic.pcap is a classic pcap (microsecond timestamps, Ethernet)
 * of the same frames, timestamps = `at` from a fixed epoch, so Wireshark shows
 * the story (the ingress port is not in a pcap; see packets.json for it).
 */

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exampleTraffic } from './example-traffic.js';
import { toHex } from './frames.js';
import { repoRoot } from './paths.js';

export const EXAMPLE_DIR = join(repoRoot, 'examples', 'two-tier');
/** 2024-01-01T00:00:00Z: the pcap's time origin (at = 0). */
const EPOCH_SEC = 1_704_067_200;

export function examplePacketsJson(): string {
  const lines = exampleTraffic().map((e) =>
    JSON.stringify(e.at === undefined ? { port: e.port, frame: toHex(e.frame) } : { port: e.port, frame: toHex(e.frame), at: e.at }),
  );
  return `[\n  ${lines.join(',\n  ')}\n]\n`;
}

export function examplePcap(): Uint8Array {
  const frames = exampleTraffic();
  const size = 24 + frames.reduce((n, e) => n + 16 + e.frame.length, 0);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0xa1b2c3d4, true);
  dv.setUint16(4, 2, true);
  dv.setUint16(6, 4, true);
  dv.setUint32(16, 65535, true); // snaplen
  dv.setUint32(20, 1, true); // LINKTYPE_ETHERNET
  let off = 24;
  let at = 0;
  for (const e of frames) {
    if (e.at !== undefined) at = e.at;
    const usec = Math.round(at * 1e6);
    dv.setUint32(off, EPOCH_SEC + Math.floor(usec / 1e6), true);
    dv.setUint32(off + 4, usec % 1e6, true);
    dv.setUint32(off + 8, e.frame.length, true);
    dv.setUint32(off + 12, e.frame.length, true);
    out.set(e.frame, off + 16);
    off += 16 + e.frame.length;
  }
  return out;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(join(EXAMPLE_DIR, 'packets.json'), examplePacketsJson());
  writeFileSync(join(EXAMPLE_DIR, 'traffic.pcap'), examplePcap());
  process.stdout.write(`wrote ${EXAMPLE_DIR}/packets.json and traffic.pcap (${exampleTraffic().length} frames)\n`);
}
