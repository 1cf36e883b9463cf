/**
 * NotYetError: the simulation needs something that is not available yet — a
 * topology object still loading, an ARP answer, a NAT port block — and cannot
 * decide. MidoNet's NotYetException: the packet is parked (the agent's waiting
 * room) and simulated again from the start when the thing arrives, or dropped
 * with a temporary drop flow when the wait times out.
 *
 * This is the one exception on the packet path; it is rare by construction and
 * carries no stack trace (captured once below) so throwing it stays cheap.
 */

import type { NotYetKey } from './result.js';

export class NotYetError extends Error {
  readonly key: NotYetKey;
  constructor(key: NotYetKey) {
    super(`not yet: ${describeNotYet(key)}`);
    this.name = 'NotYetError';
    this.key = key;
  }
}

export function describeNotYet(key: NotYetKey): string {
  switch (key.kind) {
    case 'object':
      return `${key.objectClass} ${key.id}`;
    case 'arp':
      return `ARP for ${key.ip >>> 24}.${(key.ip >>> 16) & 255}.${(key.ip >>> 8) & 255}.${key.ip & 255} on router ${key.routerId}`;
    case 'nat-block':
      return `NAT block on ${key.deviceId}`;
  }
}
