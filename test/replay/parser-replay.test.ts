/**
 * Replay: every frame of every capture in shared/captures/tcpdump goes through
 * parseFrame. Nothing may throw; each frame ends as ok or as a drop with one of
 * the stable reasons. The captures include many frames malformed on purpose.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ethernetFrames, readCaptureFile } from '../../agent/capture/pcap.js';
import { FlowMatch } from '../../simulation/packet/flow-match.js';
import { PARSE_REASONS, ParsedPacket, parseFrame } from '../../simulation/packet/parse.js';
import { capturesDir } from '../support/paths.js';

test('replay: every captured frame parses to ok or a stable drop reason', async () => {
  const files = readdirSync(capturesDir).filter((f) => f.endsWith('.pcap') || f.endsWith('.pcapng'));
  assert.ok(files.length >= 280, `expected the tcpdump captures in ${capturesDir}, found ${files.length}`);
  const known = new Set<string>(PARSE_REASONS);
  const counts = new Map<string, number>();
  const m = new FlowMatch();
  const p = new ParsedPacket();
  let frames = 0;
  let l4Truncated = 0;
  for (const f of files) {
    const cap = await readCaptureFile(join(capturesDir, f));
    for (const fr of ethernetFrames(cap)) {
      m.reset();
      let key: string;
      try {
        const v = parseFrame(fr.data, m, p);
        key = v.ok ? 'ok' : v.reason;
        if (!v.ok) assert.ok(known.has(v.reason), `${f}: unknown reason ${v.reason}`);
      } catch (e) {
        assert.fail(`${f} frame ${frames}: parseFrame threw ${String(e)}`);
      }
      if (p.l4Truncated) l4Truncated++;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      frames++;
    }
  }
  const summary = [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}=${n}`).join(' ');
  console.log(`parser replay: ${files.length} files, ${frames} frames: ${summary}; l4-truncated=${l4Truncated}`);
  assert.ok(frames > 5000, `only ${frames} frames read`);
  // Almost all captured frames are well-formed up to L3.
  assert.ok((counts.get('ok') ?? 0) / frames > 0.99);
  // The malformed captures do exercise the drop paths.
  assert.ok(frames - (counts.get('ok') ?? 0) > 0);
});
