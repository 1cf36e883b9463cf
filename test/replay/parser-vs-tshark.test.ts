/**
 * Oracle: our parse of every captured frame against tshark's decode of the same
 * frame, field by field (eth src/dst, outer VLAN id, outer type field, IPv4
 * src/dst/proto, TCP/UDP ports over IPv4 and IPv6, ICMP type/code).
 *
 * tshark decodes deeper and differently on purpose, so each disagreement is put
 * in a category, printed, and only real mismatches count against agreement:
 *  - ours-drop:<reason>: we drop the frame (malformed L2/L3); not compared.
 *  - ours-l4-truncated: our L4 header is short, so no L4 fields; L4 not compared.
 *  - tshark-deeper:<field>: tshark has a value where our outermost decode has
 *    none: tunnels (VXLAN, Geneve, GRE), ICMP-quoted packets, OpenFlow packet-in,
 *    vendor L2 headers (Arista 0xd28b) hiding VLAN/IP, reassembled fragments.
 *  - tshark-no-decode:<field>: we have a value, tshark none (it refuses the
 *    header, e.g. IPv6 jumbograms of BIG TCP). Bounded, not counted as agreement.
 *  - mismatch:<field>: both have a value and they differ. Agreement is
 *    equal / (equal + mismatches) over fields compared and must be >= 99%.
 * tshark prints several comma-separated values for repeated fields (inner
 * headers of tunnels, quoted packets): the first, outermost one is compared.
 *
 * Running tshark costs ~0.3 s of start-up per process, and 283 processes took
 * over three minutes on the shared build machine. So by default the captures are
 * concatenated with mergecap (same Wireshark package) and tshark runs once; rows
 * are mapped back to files by our per-file frame counts, and the totals must
 * agree. IP and TCP reassembly are switched off so no state crosses frames (or
 * files). MM_TSHARK_PER_FILE=1 runs tshark once per file instead, a few at a time.
 * If tshark is not installed the test fails: it is the oracle, its absence is not
 * a pass.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ethernetFrames, readCaptureFile } from '../../agent/capture/pcap.js';
import { ipv4ToString, macToString } from '../../simulation/packet/addr.js';
import { EtherType, Field, FlowMatch, IpProto } from '../../simulation/packet/flow-match.js';
import { ParsedPacket, parseFrame } from '../../simulation/packet/parse.js';
import { capturesDir } from '../support/paths.js';

const run = promisify(execFile);

const FIELDS = [
  'eth.src', 'eth.dst', 'vlan.id', 'eth.type', 'ip.src', 'ip.dst', 'ip.proto',
  'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport', 'icmp.type', 'icmp.code',
] as const;
type Col = (typeof FIELDS)[number];
const COL = Object.fromEntries(FIELDS.map((f, i) => [f, i])) as Record<Col, number>;

/** Per-frame decode only: no reassembly, so no state links frames. */
const NO_REASSEMBLY = ['-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE', '-o', 'tcp.desegment_tcp_streams:FALSE'];

async function tshark(file: string): Promise<string[][]> {
  const args = ['-n', ...NO_REASSEMBLY, '-r', file, '-T', 'fields'];
  for (const f of FIELDS) args.push('-e', f);
  const { stdout } = await run('tshark', args, { maxBuffer: 64 << 20 });
  const rows = stdout.split('\n');
  if (rows[rows.length - 1] === '') rows.pop();
  // Outermost value of each (possibly repeated) field.
  return rows.map((r) => r.split('\t').map((v) => v.split(',')[0] ?? ''));
}

/** One tshark run over all captures concatenated; rows split by `counts`. */
async function tsharkMerged(files: readonly string[], counts: readonly number[]): Promise<string[][][]> {
  const dir = mkdtempSync(join(tmpdir(), 'mm-tshark-'));
  try {
    const merged = join(dir, 'all.pcapng');
    await run('mergecap', ['-a', '-F', 'pcapng', '-w', merged, ...files.map((f) => join(capturesDir, f))]);
    const rows = await tshark(merged);
    const total = counts.reduce((a, b) => a + b, 0);
    assert.equal(rows.length, total, 'tshark rows over the merged captures != frames we read');
    const out: string[][][] = [];
    let at = 0;
    for (const n of counts) {
      out.push(rows.slice(at, at + n));
      at += n;
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  });
  await Promise.all(workers);
  return out;
}

class Tally {
  equal = 0;
  mismatch = 0;
  readonly categories = new Map<string, number>();
  readonly examples = new Map<string, string[]>();

  note(cat: string, where: string): void {
    this.categories.set(cat, (this.categories.get(cat) ?? 0) + 1);
    const ex = this.examples.get(cat) ?? [];
    if (ex.length < 3) ex.push(where);
    this.examples.set(cat, ex);
  }

  /** Compares one field: `ours` is '' when our parse has no value. */
  field(name: string, theirs: string, ours: string, where: string): void {
    if (theirs === ours) {
      this.equal++;
    } else if (ours === '') {
      this.note(`tshark-deeper:${name}`, where);
    } else if (theirs === '') {
      this.note(`tshark-no-decode:${name}`, where);
    } else {
      this.mismatch++;
      this.note(`mismatch:${name}`, `${where} tshark=${theirs} ours=${ours}`);
    }
  }
}

function hex4(v: number): string {
  return `0x${v.toString(16).padStart(4, '0')}`;
}

test('parser agrees with tshark on well-formed headers', { timeout: 240_000 }, async () => {
  try {
    execFileSync('tshark', ['-v'], { stdio: 'ignore' });
  } catch {
    assert.fail('tshark is not installed (Debian package "tshark"); the tshark oracle test cannot run');
  }
  const files = readdirSync(capturesDir).filter((f) => f.endsWith('.pcap') || f.endsWith('.pcapng')).sort();
  assert.ok(files.length >= 280, `captures missing from ${capturesDir}`);
  const caps = [];
  for (const f of files) caps.push(ethernetFrames(await readCaptureFile(join(capturesDir, f))));
  const started = Date.now();
  const decoded =
    process.env['MM_TSHARK_PER_FILE'] === '1'
      ? await mapLimit(files, Math.max(2, Math.min(4, availableParallelism())), (f) => tshark(join(capturesDir, f)))
      : await tsharkMerged(files, caps.map((c) => c.length));
  const tsharkMs = Date.now() - started;

  const t = new Tally();
  const m = new FlowMatch();
  const p = new ParsedPacket();
  let frames = 0;
  for (let fi = 0; fi < files.length; fi++) {
    const file = files[fi]!;
    const rows = decoded[fi]!;
    const ours = caps[fi]!;
    if (rows.length !== ours.length) {
      t.note('frame-count-differs', `${file}: tshark ${rows.length}, ours ${ours.length}`);
      continue;
    }
    for (let i = 0; i < ours.length; i++) {
      frames++;
      const frame = ours[i]!.data;
      const r = rows[i]!;
      const col = (c: Col): string => r[COL[c]] ?? '';
      const where = `${file}#${i + 1}`;
      m.reset();
      const v = parseFrame(frame, m, p);
      if (!v.ok) {
        t.note(`ours-drop:${v.reason}`, where);
        continue;
      }
      t.field('eth.src', col('eth.src'), macToString(m.peek(Field.ETH_SRC)), where);
      t.field('eth.dst', col('eth.dst'), macToString(m.peek(Field.ETH_DST)), where);
      const vlans = m.peekVlans();
      t.field('vlan.id', col('vlan.id'), vlans.length > 0 ? String(vlans[0]) : '', where);
      // tshark's eth.type is the outer type field: the first TPID for tagged frames,
      // nothing for 802.3 length frames.
      const et = m.peek(Field.ETHER_TYPE);
      const outerType = p.vlanCount > 0 ? (frame[12]! << 8) | frame[13]! : et;
      const snap = p.vlanCount === 0 && p.l3Offset === 22;
      t.field('eth.type', col('eth.type'), outerType === EtherType.NONE || snap ? '' : hex4(outerType), where);

      const isIp = et === EtherType.IPV4 || et === EtherType.IPV6;
      const proto = isIp ? m.peek(Field.NW_PROTO) : -1;
      if (et === EtherType.IPV4) {
        t.field('ip.src', col('ip.src'), ipv4ToString(m.peek(Field.NW_SRC)), where);
        t.field('ip.dst', col('ip.dst'), ipv4ToString(m.peek(Field.NW_DST)), where);
        t.field('ip.proto', col('ip.proto'), String(proto), where);
      } else {
        for (const c of ['ip.src', 'ip.dst', 'ip.proto'] as const) t.field(c, col(c), '', where);
      }
      if (p.l4Truncated) {
        t.note('ours-l4-truncated', where);
        continue;
      }
      const hasL4 = m.hasL4();
      const sp = hasL4 ? String(m.peek(Field.SRC_PORT)) : '';
      const dp = hasL4 ? String(m.peek(Field.DST_PORT)) : '';
      const l4 = (c1: Col, c2: Col, mine: boolean): void => {
        t.field(c1, col(c1), mine ? sp : '', where);
        t.field(c2, col(c2), mine ? dp : '', where);
      };
      l4('tcp.srcport', 'tcp.dstport', proto === IpProto.TCP);
      l4('udp.srcport', 'udp.dstport', proto === IpProto.UDP);
      l4('icmp.type', 'icmp.code', proto === IpProto.ICMP && et === EtherType.IPV4);
    }
  }

  const compared = t.equal + t.mismatch;
  const agreement = compared === 0 ? 0 : t.equal / compared;
  let noDecode = 0;
  const lines: string[] = [];
  for (const [k, n] of [...t.categories].sort()) {
    if (k.startsWith('tshark-no-decode')) noDecode += n;
    lines.push(`  ${k}: ${n}  e.g. ${(t.examples.get(k) ?? []).join('; ')}`);
  }
  console.log(
    `tshark oracle: ${files.length} files, ${frames} frames, tshark ${tsharkMs} ms\n` +
      `  fields equal ${t.equal}, mismatched ${t.mismatch}, agreement ${(agreement * 100).toFixed(3)}%\n` +
      lines.join('\n'),
  );
  assert.ok(frames > 5000, `only ${frames} frames compared`);
  assert.ok(t.equal > 25000, `only ${t.equal} fields compared equal`);
  assert.ok(agreement >= 0.99, `agreement ${(agreement * 100).toFixed(3)}% < 99%`);
  assert.ok(noDecode <= compared * 0.005, `${noDecode} fields only we decoded: too many`);
  assert.equal(t.categories.get('frame-count-differs') ?? 0, 0, 'tshark and our reader disagree on frame counts');
});
