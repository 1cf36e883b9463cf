/**
 * NAT state as the simulation uses it (MidoNet's NatState trait, simulation.md
 * §10.3–10.5): NAT keys built from the working match, binding lookup and
 * allocation, and the header rewrites. Dynamic NAT rules (nat.ts) and the L4
 * load balancer (devices/load-balancer.ts) are built from these.
 *
 * Words:
 *  - NAT key: (type, src, src port, dst, dst port, proto, device). The device
 *    is the NAT scope: `ctx.currentDeviceId` for rules, the load balancer id
 *    for L4LB. ICMP echo puts the identifier in both ports; an ICMP error is
 *    keyed by its quoted packet, swapped. Sticky keys zero the client port.
 *  - binding: the (ip, port) a forward key maps to; every forward binding has
 *    a reverse twin (reverseNatKey) mapping back.
 *
 * Contract: the simulation writes nothing. A binding it creates or re-uses
 * comes back as `nat` effects (forward and reverse) and, for a leased SNAT
 * port, a `snat-lease` effect; an invalidated one as `nat-delete` effects.
 * Lookups see this simulation's own pending effects first (MidoNet's flow
 * state transaction), so a binding written earlier in the same simulation is
 * found again and a deleted one is gone. Every key read or written tags the
 * flow; creating or re-using a binding makes the flow stateful.
 */

import { EtherType, Field, IpProto } from '../packet/flow-match.js';
import type { FlowMatch } from '../packet/flow-match.js';
import type { PacketContext } from '../packet-context.js';
import { NotYetError } from '../not-yet.js';
import { reverseNatKey, sameNatKey } from '../state/keys.js';
import type { NatBinding, NatKey, NatKeyType } from '../state/keys.js';
import { natTag } from '../tags.js';
import type { NatTarget } from '../topology/model.js';
import { readQuoted, rewriteQuoted, type QuotedFields } from './icmp-data.js';

const ICMP_ECHO_REPLY = 0;
const ICMP_UNREACH = 3;
const ICMP_ECHO_REQUEST = 8;
const ICMP_TIME_EXCEEDED = 11;
const ICMP_PARAMETER_PROBLEM = 12;

function isEchoType(t: number): boolean {
  return t === ICMP_ECHO_REPLY || t === ICMP_ECHO_REQUEST;
}
/** The ICMP errors NAT understands (source quench and redirect are not among them). */
export function isNatErrorType(t: number): boolean {
  return t === ICMP_UNREACH || t === ICMP_TIME_EXCEEDED || t === ICMP_PARAMETER_PROBLEM;
}

/**
 * Dynamic NAT applies to IPv4 TCP, UDP, ICMP echo carrying an identifier and
 * ICMP errors carrying their quoted packet (MidoNet's isNatSupported). The
 * identifier and data are tested for presence only, which reads nothing.
 */
export function natSupported(m: FlowMatch): boolean {
  if (m.etherType !== EtherType.IPV4) return false;
  const proto = m.nwProto;
  if (proto === IpProto.TCP || proto === IpProto.UDP) return true;
  if (proto !== IpProto.ICMP) return false;
  const t = m.srcPort & 0xff;
  if (isEchoType(t)) return m.isPresent(Field.ICMP_ID);
  if (isNatErrorType(t)) return m.isPresent(Field.ICMP_DATA);
  return false;
}

const quoted: QuotedFields = { src: 0, dst: 0, proto: 0, srcPort: 0, dstPort: 0, icmpId: 0 };

/** The NAT key of the packet in `m` for `type`, scoped by `deviceId`. */
export function natKeyOf(m: FlowMatch, type: NatKeyType, deviceId: string): NatKey {
  let srcIp = m.nwSrc;
  let dstIp = m.nwDst;
  let proto = m.nwProto;
  let srcPort = type === 'FWD_STICKY_DNAT' ? 0 : m.srcPort;
  let dstPort = type === 'REV_STICKY_DNAT' ? 0 : m.dstPort;
  if (proto === IpProto.ICMP) {
    const t = m.srcPort & 0xff;
    const data = isNatErrorType(t) ? m.icmpData : null;
    if (isEchoType(t)) {
      srcPort = dstPort = m.icmpId;
    } else if (data !== null) {
      // The quoted packet is the one this error answers: swap it.
      readQuoted(data, quoted);
      srcIp = quoted.dst;
      dstIp = quoted.src;
      proto = quoted.proto;
      if (proto === IpProto.ICMP) {
        srcPort = dstPort = quoted.icmpId;
      } else {
        srcPort = quoted.dstPort;
        dstPort = quoted.srcPort;
      }
    } else {
      srcPort = dstPort = 0;
    }
  }
  return { type, srcIp, srcPort, dstIp, dstPort, proto, deviceId };
}


/** The binding for `key`: this simulation's pending effects first, then the state view. */
export function findBinding(ctx: PacketContext, key: NatKey): NatBinding | null {
  const effects = ctx.effects;
  for (let i = effects.length - 1; i >= 0; i--) {
    const e = effects[i]!;
    if (e.kind === 'nat' && sameNatKey(e.key, key)) return e.binding;
    if (e.kind === 'nat-delete' && sameNatKey(e.key, key)) return null;
  }
  return ctx.state.natBinding(key);
}

/** What a forward key's reverse twin maps back to. */
export function returnBinding(fwd: NatKey): NatBinding {
  return fwd.type === 'FWD_SNAT'
    ? { ip: fwd.srcIp, port: fwd.srcPort }
    : { ip: fwd.dstIp, port: fwd.dstPort };
}

/** Stores (or re-references) a forward binding and its reverse twin. */
export function refBinding(ctx: PacketContext, key: NatKey, binding: NatBinding): void {
  const rev = reverseNatKey(key, binding);
  ctx.addEffect({ kind: 'nat', key, binding });
  ctx.addEffect({ kind: 'nat', key: rev, binding: returnBinding(key) });
  ctx.addTag(natTag(key));
  ctx.addTag(natTag(rev));
  ctx.stateful = true;
}

/** Deletes a forward binding and its reverse twin (an L4LB backend gone). */
export function deleteBinding(ctx: PacketContext, key: NatKey, binding: NatBinding): void {
  const rev = reverseNatKey(key, binding);
  ctx.addEffect({ kind: 'nat-delete', key });
  ctx.addEffect({ kind: 'nat-delete', key: rev });
  ctx.addTag(natTag(key));
  ctx.addTag(natTag(rev));
}

export function dnatTransform(ctx: PacketContext, b: NatBinding): void {
  const m = ctx.wcmatch;
  m.nwDst = b.ip;
  ctx.nwDstRewritten = true;
  if (m.nwProto !== IpProto.ICMP) m.dstPort = b.port;
}

export function snatTransform(ctx: PacketContext, b: NatBinding): void {
  const m = ctx.wcmatch;
  m.nwSrc = b.ip;
  if (m.nwProto !== IpProto.ICMP) m.srcPort = b.port;
}

function randInt(ctx: PacketContext, n: number): number {
  if (n <= 1) return 0;
  const r = Math.floor(ctx.random() * n);
  return r >= n ? n - 1 : r;
}

function pickTarget(ctx: PacketContext, targets: readonly NatTarget[]): NatTarget {
  return targets[randInt(ctx, targets.length)]!;
}

function pickIp(ctx: PacketContext, t: NatTarget): number {
  const span = t.nwEnd >= t.nwStart ? t.nwEnd - t.nwStart + 1 : 1;
  return (t.nwStart + randInt(ctx, span)) >>> 0;
}

function pickPort(ctx: PacketContext, t: NatTarget): number {
  const span = t.tpEnd >= t.tpStart ? t.tpEnd - t.tpStart + 1 : 1;
  return t.tpStart + randInt(ctx, span);
}

/**
 * An SNAT port from the NAT leaser: targets and their IPs in order, the first
 * owned block with a free port wins. With no block owned anywhere yet the
 * simulation waits for one (NotYet); when none can be had, null (MidoNet drops).
 */
function leaseSnat(ctx: PacketContext, key: NatKey, targets: readonly NatTarget[]): NatBinding | null {
  let waiting = false;
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i]!;
    for (let ip = t.nwStart; ip <= t.nwEnd; ip++) {
      const a = ctx.state.snatPort(key.deviceId, ip, t.tpStart, t.tpEnd, key.dstIp, key.dstPort, ctx.random());
      if (a.kind === 'port') {
        ctx.addEffect({
          kind: 'snat-lease',
          deviceId: key.deviceId,
          ip,
          port: a.port,
          dstIp: key.dstIp,
          dstPort: key.dstPort,
        });
        return { ip, port: a.port };
      }
      if (a.kind === 'no-block') waiting = true;
    }
  }
  if (waiting) {
    throw new NotYetError({ kind: 'nat-block', deviceId: key.deviceId, ip: targets[0]?.nwStart ?? 0 });
  }
  return null;
}

/** Outcome of a forward dynamic translation. */
export type NatApply = 'applied' | 'unsupported' | 'exhausted';

/**
 * Forward DNAT (plain or sticky) or SNAT with `targets`: reuse the key's
 * binding or allocate one, then rewrite. ICMP keeps its identifier.
 */
export function applyForwardNat(
  ctx: PacketContext,
  type: 'FWD_DNAT' | 'FWD_STICKY_DNAT' | 'FWD_SNAT',
  targets: readonly NatTarget[],
): NatApply {
  const m = ctx.wcmatch;
  if (targets.length === 0 || !natSupported(m)) return 'unsupported';
  const key = natKeyOf(m, type, ctx.currentDeviceId ?? '');
  let binding = findBinding(ctx, key);
  if (binding === null) {
    if (m.nwProto === IpProto.ICMP) {
      binding = { ip: pickIp(ctx, pickTarget(ctx, targets)), port: key.dstPort };
    } else if (type === 'FWD_SNAT') {
      binding = leaseSnat(ctx, key, targets);
      if (binding === null) return 'exhausted';
    } else {
      const t = pickTarget(ctx, targets);
      const ip = pickIp(ctx, t);
      binding = { ip, port: pickPort(ctx, t) };
    }
  }
  refBinding(ctx, key, binding);
  if (type === 'FWD_SNAT') snatTransform(ctx, binding);
  else dnatTransform(ctx, binding);
  return 'applied';
}

/** Re-applies an existing forward DNAT binding (L4LB); false (key tagged) when none. */
export function applyExistingDnat(ctx: PacketContext, key: NatKey): NatBinding | null {
  const binding = findBinding(ctx, key);
  if (binding === null) {
    ctx.addTag(natTag(key));
    return null;
  }
  dnatTransform(ctx, binding);
  return binding;
}

/**
 * Reverse DNAT: a reply from the translated destination gets its source back.
 * ICMP: only the outer source if it is the key's, plus the quoted packet of an
 * error; sticky keys never translate ICMP.
 */
export function reverseDnat(ctx: PacketContext, type: 'REV_DNAT' | 'REV_STICKY_DNAT'): boolean {
  const m = ctx.wcmatch;
  if (!natSupported(m)) return false;
  const key = natKeyOf(m, type, ctx.currentDeviceId ?? '');
  ctx.addTag(natTag(key));
  const b = findBinding(ctx, key);
  if (b === null) return false;
  if (m.nwProto === IpProto.ICMP) {
    if (type === 'REV_STICKY_DNAT') return false;
    let changed = false;
    if (m.nwSrc === key.srcIp) {
      m.nwSrc = b.ip;
      changed = true;
    }
    return rewriteIcmpData(m, 'dst', key.srcIp, b.ip, b.port) || changed;
  }
  m.nwSrc = b.ip;
  m.srcPort = b.port;
  return true;
}

/** Reverse SNAT: a reply to the translated source gets its destination back. */
export function reverseSnat(ctx: PacketContext): boolean {
  const m = ctx.wcmatch;
  if (!natSupported(m)) return false;
  const key = natKeyOf(m, 'REV_SNAT', ctx.currentDeviceId ?? '');
  ctx.addTag(natTag(key));
  const b = findBinding(ctx, key);
  if (b === null) return false;
  if (m.nwProto === IpProto.ICMP) {
    let changed = false;
    if (m.nwDst === key.dstIp) {
      m.nwDst = b.ip;
      ctx.nwDstRewritten = true;
      changed = true;
    }
    return rewriteIcmpData(m, 'src', key.dstIp, b.ip, b.port) || changed;
  }
  m.nwDst = b.ip;
  ctx.nwDstRewritten = true;
  m.dstPort = b.port;
  return true;
}

/**
 * Rewrites an address (and port, when ≥ 0) of the packet quoted in an ICMP
 * error; false when the packet is not such an error or the address differs.
 */
export function rewriteIcmpData(
  m: FlowMatch,
  which: 'src' | 'dst',
  from: number,
  to: number,
  port: number,
): boolean {
  if (!isNatErrorType(m.srcPort & 0xff)) return false;
  const data = m.icmpData;
  if (data === null) return false;
  const out = rewriteQuoted(data, which, from, to, port);
  if (out === null) return false;
  m.icmpData = out;
  return true;
}
