/**
 * Connection tracking (MidoNet's ConnTrackState, simulation.md §11).
 *
 * Words:
 *  - forward flow: a packet whose connection has no stored return key; it may
 *    create one. return flow: a packet whose key is stored (a reply).
 *  - lookup key: (src, src port or ICMP id, dst, dst port or ICMP id, proto,
 *    device) from the ORIGINAL match, scoped by the device owning the port
 *    the packet entered the virtual network on.
 *  - return key: the same tuple swapped, built from the working match as it
 *    leaves (post-NAT), scoped by the device owning the EGRESS port, so the
 *    reply, which enters on that device, finds it.
 *
 * Contract: the lookup is lazy (only a rule condition asking for forward or
 * return flow triggers it), happens once per simulation (`ctx.conntrackState`
 * remembers it) and state is only created when a lookup happened and said
 * forward. Only IPv4 TCP, UDP and ICMP are tracked; others are always forward
 * and never create state. Generated packets are always return flows. ICMP
 * keys carry the identifier, whose read makes the flow userspace-only.
 */

import { EtherType, IpProto } from '../packet/flow-match.js';
import type { FlowMatch } from '../packet/flow-match.js';
import type { PacketContext } from '../packet-context.js';
import { sameConnTrackKey, type ConnTrackKey } from '../state/keys.js';
import { conntrackTag } from '../tags.js';
import type { SimPort } from '../topology/model.js';

/** Values of `ctx.conntrackState`. */
export const CT_UNKNOWN = 0;
export const CT_FORWARD = 1;
export const CT_RETURN = 2;

function tracked(m: FlowMatch): boolean {
  if (m.etherType !== EtherType.IPV4) return false;
  const p = m.nwProto;
  return p === IpProto.TCP || p === IpProto.UDP || p === IpProto.ICMP;
}

/** The key a packet looks itself up with (origMatch, ingress device). */
export function lookupKey(m: FlowMatch, deviceId: string): ConnTrackKey {
  const icmp = m.nwProto === IpProto.ICMP;
  const id = icmp ? m.icmpId : 0;
  return {
    srcIp: m.nwSrc,
    srcPort: icmp ? id : m.srcPort,
    dstIp: m.nwDst,
    dstPort: icmp ? id : m.dstPort,
    proto: m.nwProto,
    deviceId,
  };
}

/** The return key a forward packet stores (working match swapped, egress device). */
export function returnKey(m: FlowMatch, deviceId: string): ConnTrackKey {
  const icmp = m.nwProto === IpProto.ICMP;
  const id = icmp ? m.icmpId : 0;
  return {
    srcIp: m.nwDst,
    srcPort: icmp ? id : m.dstPort,
    dstIp: m.nwSrc,
    dstPort: icmp ? id : m.srcPort,
    proto: m.nwProto,
    deviceId,
  };
}

/**
 * True when the packet is a forward flow (MidoNet's isForwardFlow). The first
 * call for a tracked packet looks the key up and remembers the answer; a
 * forward answer tags the flow with the key, so a return key arriving later
 * (from a peer) re-simulates it.
 */
export function conntrackLookup(ctx: PacketContext): boolean {
  const s = ctx.conntrackState;
  if (s !== CT_UNKNOWN) return s === CT_FORWARD;
  if (!tracked(ctx.wcmatch)) return true;
  if (ctx.isGenerated) return false;
  // No ingress device (a context built without an ingress port): nothing to scope by.
  const dev = ctx.ingressDeviceId;
  if (dev === null) return true;
  const key = lookupKey(ctx.origMatch, dev);
  if (ctx.state.conntrackHasReturn(key)) {
    ctx.conntrackState = CT_RETURN;
    return false;
  }
  ctx.conntrackState = CT_FORWARD;
  ctx.addTag(conntrackTag(key));
  return true;
}


/**
 * Called when the packet leaves an exterior port (emit.ts): a tracked forward
 * flow stores its return key scoped by the egress port's device. A flood
 * leaving several ports of one device stores the key once.
 */
export function recordConntrackOnEmit(ctx: PacketContext, port: SimPort): void {
  if (ctx.conntrackState !== CT_FORWARD || ctx.isGenerated) return;
  const key = returnKey(ctx.wcmatch, port.deviceId);
  const effects = ctx.effects;
  for (let i = 0; i < effects.length; i++) {
    const e = effects[i]!;
    if (e.kind === 'conntrack' && sameConnTrackKey(e.key, key)) return;
  }
  ctx.addEffect({ kind: 'conntrack', key });
  ctx.stateful = true;
}
