/**
 * The simulation engine is pure: no I/O, no clock, nothing from agent/ or
 * native/. The type check of simulation/tsconfig.json (no Node types) catches
 * Node globals; this test catches imports that would smuggle them in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from '../../support/paths.js';

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

const FORBIDDEN = [
  /from\s+['"]node:/,
  /from\s+['"](fs|path|os|net|dgram|child_process|crypto|worker_threads)['"]/,
  /from\s+['"][./]*\/?(agent|native)\//,
  /from\s+['"]\.\.\/(\.\.\/)*(agent|native)\//,
  /\bDate\.now\(\)|\bperformance\.now\(\)|\bnew Date\(/,
  /\bsetTimeout\(|\bsetInterval\(|\bprocess\./,
];

test('simulation/ imports nothing from agent/, native/ or node:, and reads no clock', () => {
  const files = tsFiles(join(repoRoot, 'simulation'));
  assert.ok(files.length > 10, 'simulation sources found');
  const offences: string[] = [];
  for (const f of files) {
    const lines = readFileSync(f, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (line.trimStart().startsWith('*') || line.trimStart().startsWith('//')) return;
      for (const re of FORBIDDEN) if (re.test(line)) offences.push(`${relative(repoRoot, f)}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(offences, []);
});
