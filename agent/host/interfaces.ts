/**
 * The host's network interfaces as MidoNet's HostState reports them: name,
 * MAC, addresses, up, MTU. Read from /sys/class/net (which lists interfaces
 * without addresses too) joined with os.networkInterfaces() for addresses.
 * Changes are learned from rtnetlink notifications (datapath/link-monitor),
 * never by polling; this module only reads the current state.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import type { LocalInterface } from './registration.js';

const SYS_NET = '/sys/class/net';

function readSys(name: string, file: string): string | undefined {
  try {
    return readFileSync(`${SYS_NET}/${name}/${file}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function scanInterfaces(): LocalInterface[] {
  let names: string[];
  try {
    names = readdirSync(SYS_NET);
  } catch {
    names = Object.keys(networkInterfaces());
  }
  const addrs = networkInterfaces();
  return names.sort().map((name) => {
    const mtu = Number(readSys(name, 'mtu'));
    const mac = readSys(name, 'address');
    const oper = readSys(name, 'operstate');
    const flags = Number(readSys(name, 'flags'));
    const up = Number.isFinite(flags) ? (flags & 1) === 1 : oper === 'up';
    const addresses = (addrs[name] ?? []).map((a) => a.address);
    return {
      name,
      ...(mac !== undefined && mac !== '' ? { mac } : {}),
      ...(addresses.length > 0 ? { addresses } : {}),
      up,
      ...(Number.isFinite(mtu) ? { mtu } : {}),
    };
  });
}
