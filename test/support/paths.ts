/**
 * Where the repository and ../shared are, for tests and benchmarks, whether they
 * run from sources (tsx) or from dist/ (tsc output): walk up from this file to
 * the folder that holds package.json.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRepoRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'simulation'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`repository root not found above ${start}`);
    dir = up;
  }
}

export const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
/** The steering repo's shared/ folder, checked out beside the project. */
export const sharedDir = resolve(repoRoot, '..', 'shared');
export const capturesDir = join(sharedDir, 'captures', 'tcpdump');
