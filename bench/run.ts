/**
 * Runs every benchmark under bench/ (each module exports `run()`), in path
 * order, optionally only those whose path (e.g. `simulation/bridge-learned`)
 * matches a regular expression:
 *
 *   node dist/bench/run.js              all
 *   node dist/bench/run.js simulation   bench/simulation/*
 *   node dist/bench/run.js 'chain|parse'
 *
 * Run compiled (npx tsc -p tsconfig.json), one benchmark process at a time:
 * the figures assume one otherwise idle core.
 */

import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const ext = fileURLToPath(import.meta.url).endsWith('.ts') ? '.ts' : '.js';

function walk(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith(ext) && !name.endsWith(`.d${ext}`)) out.push(p);
  }
  return out;
}

export async function main(argv: readonly string[]): Promise<number> {
  const filter = argv[0] === undefined ? null : new RegExp(argv[0]);
  const files = walk(here, []).filter((f) => f !== fileURLToPath(import.meta.url));
  let ran = 0;
  for (const f of files) {
    const name = relative(here, f).slice(0, -ext.length);
    if (filter !== null && !filter.test(name)) continue;
    const mod = (await import(pathToFileURL(f).href)) as { run?: unknown };
    if (typeof mod.run !== 'function') continue; // a helper module (e.g. measure.ts)
    process.stdout.write(`# ${name}\n`);
    await (mod.run as () => Promise<void>)();
    ran++;
  }
  if (ran === 0) process.stderr.write(`no benchmark matches ${argv[0] ?? '(all)'}\n`);
  return ran === 0 ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = await main(process.argv.slice(2));
