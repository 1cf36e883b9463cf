/**
 * Flow-state keys, as MidoNet defines them (datapath.md §5.3) and as they travel
 * in the SBE flow-state message and the Cassandra tables.
 *
 *  - ConnTrackKey: (src ip, src port or ICMP id, dst ip, dst port or ICMP id,
 *    protocol, device). Its presence means "this packet is a return flow".
 *  - NatKey: (type, src ip, src port, dst ip, dst port, protocol, device) →
 *    NatBinding (ip, port). Forward keys are written with their reverse twin.
 *
 * Keys are immutable values. `connTrackKeyString`/`natKeyString` give the map
 * key form used by the tables and the flow tags.
 */

export interface ConnTrackKey {
  readonly srcIp: number;
  readonly srcPort: number;
  readonly dstIp: number;
  readonly dstPort: number;
  readonly proto: number;
  readonly deviceId: string;
}

export type NatKeyType =
  | 'FWD_DNAT'
  | 'FWD_STICKY_DNAT'
  | 'REV_DNAT'
  | 'REV_STICKY_DNAT'
  | 'FWD_SNAT'
  | 'REV_SNAT';

export interface NatKey {
  readonly type: NatKeyType;
  readonly srcIp: number;
  readonly srcPort: number;
  readonly dstIp: number;
  readonly dstPort: number;
  readonly proto: number;
  readonly deviceId: string;
}

export interface NatBinding {
  readonly ip: number;
  readonly port: number;
}

/** Field-by-field equality (no key strings built on the packet path). */
export function sameConnTrackKey(a: ConnTrackKey, b: ConnTrackKey): boolean {
  return (
    a.srcIp === b.srcIp &&
    a.srcPort === b.srcPort &&
    a.dstIp === b.dstIp &&
    a.dstPort === b.dstPort &&
    a.proto === b.proto &&
    a.deviceId === b.deviceId
  );
}

export function sameNatKey(a: NatKey, b: NatKey): boolean {
  return a.type === b.type && sameConnTrackKey(a, b);
}

export function connTrackKeyString(k: ConnTrackKey): string {
  return `ct:${k.srcIp}:${k.srcPort}:${k.dstIp}:${k.dstPort}:${k.proto}:${k.deviceId}`;
}

export function natKeyString(k: NatKey): string {
  return `nat:${k.type}:${k.srcIp}:${k.srcPort}:${k.dstIp}:${k.dstPort}:${k.proto}:${k.deviceId}`;
}

/** The reverse key MidoNet stores beside a forward binding (datapath.md §5.3). */
export function reverseNatKey(fwd: NatKey, binding: NatBinding): NatKey {
  switch (fwd.type) {
    case 'FWD_SNAT':
      return {
        type: 'REV_SNAT',
        srcIp: fwd.dstIp,
        srcPort: fwd.dstPort,
        dstIp: binding.ip,
        dstPort: binding.port,
        proto: fwd.proto,
        deviceId: fwd.deviceId,
      };
    case 'FWD_DNAT':
    case 'FWD_STICKY_DNAT':
      return {
        type: fwd.type === 'FWD_DNAT' ? 'REV_DNAT' : 'REV_STICKY_DNAT',
        srcIp: binding.ip,
        srcPort: binding.port,
        dstIp: fwd.srcIp,
        dstPort: fwd.srcPort,
        proto: fwd.proto,
        deviceId: fwd.deviceId,
      };
    default:
      throw new RangeError(`not a forward NAT key: ${fwd.type}`);
  }
}
