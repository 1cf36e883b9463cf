/**
 * Shell helpers for tests running inside the test VM (see vm.ts): run a command and get its
 * output, or fail the test with the command's stderr. Namespaces, veths and ovs-dpctl are driven
 * through these; everything here assumes root inside the guest.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';

/** Runs `cmd` with /bin/sh; returns stdout; throws with stderr on a non-zero status. */
export function sh(cmd: string, timeoutMs = 30_000): string {
  try {
    return execFileSync('/bin/sh', ['-c', cmd], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
  } catch (e) {
    const err = e as { status?: number; stderr?: string; stdout?: string };
    throw new Error(`command failed (status ${err.status ?? '?'}): ${cmd}\n${err.stderr ?? ''}${err.stdout ?? ''}`);
  }
}

/** Runs `cmd`; returns its status and output without throwing. */
export function shStatus(cmd: string, timeoutMs = 30_000): { status: number; out: string } {
  try {
    return { status: 0, out: execFileSync('/bin/sh', ['-c', cmd], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs }) };
  } catch (e) {
    const err = e as { status?: number; stderr?: string; stdout?: string };
    return { status: err.status ?? 1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

/** Starts a long-running command (tcpdump); the caller kills it. */
export function spawnSh(cmd: string): ChildProcess {
  return spawn('/bin/sh', ['-c', cmd], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `ovs-dpctl show DP` as (port number → name, type text). */
export function dpctlPorts(dp: string): Map<number, { name: string; type: string }> {
  const ports = new Map<number, { name: string; type: string }>();
  for (const line of sh(`ovs-dpctl show ${dp} 2>/dev/null`).split('\n')) {
    const m = /^\s*port (\d+): (\S+)(?: \(([^)]*)\))?/.exec(line);
    if (m !== null) ports.set(Number(m[1]), { name: m[2]!, type: m[3] ?? 'netdev' });
  }
  return ports;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `cmd` without blocking the event loop (needed whenever the test process itself must
 * answer upcalls while the command runs, e.g. a ping through the datapath).
 */
export function shAsync(cmd: string, timeoutMs = 60_000): Promise<{ status: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', cmd], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { out += b.toString(); });
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ status: code ?? 128, out });
    });
  });
}

/** Two network namespaces `${p}a`/`${p}b`, each with eth0 = one end of a veth whose other end
 * (`${p}1`/`${p}2`) stays in the current namespace, addressed 10.0.0.1/24 and 10.0.0.2/24. */
export function makeVethPair(p: string, netns: { a: string; b: string } = { a: `${p}a`, b: `${p}b` }): { a: string; b: string; hostA: string; hostB: string } {
  const hostA = `${p}1`, hostB = `${p}2`;
  // No IPv6: router solicitations and DAD would be the first misses, not the traffic under test.
  const noV6 = (ns: string): string => `ip netns exec ${ns} sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1`;
  sh([
    'sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1',
    `ip netns add ${netns.a}`, `ip netns add ${netns.b}`, noV6(netns.a), noV6(netns.b),
    `ip link add ${hostA} type veth peer name eth0 netns ${netns.a}`,
    `ip link add ${hostB} type veth peer name eth0 netns ${netns.b}`,
    `ip -n ${netns.a} addr add 10.0.0.1/24 dev eth0`, `ip -n ${netns.b} addr add 10.0.0.2/24 dev eth0`,
    `ip -n ${netns.a} link set eth0 up`, `ip -n ${netns.b} link set eth0 up`,
    `ip -n ${netns.a} link set lo up`, `ip -n ${netns.b} link set lo up`,
    `ip link set ${hostA} up`, `ip link set ${hostB} up`,
  ].join(' && '));
  return { ...netns, hostA, hostB };
}

export function removeNetns(...names: string[]): void {
  for (const n of names) shStatus(`ip netns del ${n}`);
}
