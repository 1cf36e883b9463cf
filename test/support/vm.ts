/**
 * The test VM from the host side and from inside.
 *
 * `runInVm(script)` boots a throw-away qemu/TCG guest (test/support/vm/run-in-vm.sh: Debian's
 * kernel with the real openvswitch.ko, the host's "/" as its read-only root) and runs `script`
 * with /bin/sh from the current directory; it resolves with the guest command's exit status and
 * output. rc 125 means the guest never reported a status (it did not boot or timed out) — callers
 * treat that as a failure, never as a skip.
 *
 * `requireGuest()` is for the other side: a datapath test calls it first and fails loudly when it
 * is not running inside the guest with openvswitch loaded (run it with `npm run test:datapath`).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

export interface VmResult {
  readonly rc: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface VmOptions {
  /** Guest wall-clock limit; the runner kills qemu after it (default 600). */
  readonly timeoutSec?: number;
  /** Guest CPUs (default 2). */
  readonly cpus?: number;
  /** Working directory the guest script starts in (default process.cwd()). */
  readonly cwd?: string;
  /**
   * Job directory to use (and keep: the caller removes it). The guest sees it at the same path,
   * writable, so the host can read the guest's files while it runs and leave files for it.
   */
  readonly jobDir?: string;
}

export const runInVmScript = join(repoRoot, 'test', 'support', 'vm', 'run-in-vm.sh');

export function runInVm(script: string, opts: VmOptions = {}): Promise<VmResult> {
  const job = opts.jobDir === undefined ? [] : ['-j', opts.jobDir, '-k'];
  const args = [...job, '-t', String(opts.timeoutSec ?? 600), '-c', String(opts.cpus ?? 2), '--', script];
  return new Promise((resolve, reject) => {
    const child = spawn(runInVmScript, args, { cwd: opts.cwd ?? process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({
        rc: code ?? (signal !== null ? 128 : 125),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/** True inside the test guest with the openvswitch module loaded. */
export function inGuest(): boolean {
  try {
    return readFileSync('/proc/sys/kernel/hostname', 'utf8').trim() === 'ovsvm' &&
      /^openvswitch /m.test(readFileSync('/proc/modules', 'utf8'));
  } catch {
    return false;
  }
}

/** Throws (failing the test) unless running inside the guest; datapath tests call it first. */
export function requireGuest(): void {
  if (!inGuest()) {
    throw new Error('datapath tests run inside the test VM with openvswitch loaded: use `npm run test:datapath`');
  }
}
