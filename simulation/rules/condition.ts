/**
 * Rule condition matching (MidoNet's Condition.matches, simulation.md §9.3).
 *
 * A condition is a conjunction of terms, each with an invert flag. Terms are
 * tested in MidoNet's order; the first failing one ends matching with the
 * value of `conjunction_inv` (so `conjunction_inv` negates the whole
 * condition) and a full match returns `!conjunction_inv`. A term with no value
 * always passes and its invert flag is ignored. `fragment_policy` is tested
 * first and is outside the conjunction: a refused fragment never matches, even
 * with `conjunction_inv`.
 *
 * Two matchers with one meaning:
 *  - `matchConditionLinear`: the reference, a straight walk over every term.
 *  - `matchCondition`: the compiled form (compile.ts), cached per condition
 *    object; tests check it agrees with the reference, seen fields included.
 * Mirrors and chains call `matchCondition`.
 */

import { subnetContains } from '../packet/addr.js';
import type { PacketContext } from '../packet-context.js';
import { deviceTag } from '../tags.js';
import type { Condition, PortRange } from '../topology/model.js';
import { compileCondition, type Matcher } from './compile.js';
import { conntrackLookup } from './conntrack.js';
import {
  QUOTED_DST,
  QUOTED_SRC,
  fragmentAccepts,
  inGroups,
  macEqualsMasked,
  packetNwDst,
  packetNwSrc,
  quotedIpv4,
  subnetHas,
} from './terms.js';

const compiled = new WeakMap<Condition, Matcher>();

/** The compiled matcher for a condition, built on first use. */
export function matcherFor(cond: Condition): Matcher {
  let m = compiled.get(cond);
  if (m === undefined) {
    m = compileCondition(cond);
    compiled.set(cond, m);
  }
  return m;
}

/** True when the packet in `ctx` matches `cond`. */
export function matchCondition(ctx: PacketContext, cond: Condition): boolean {
  return matcherFor(cond)(ctx);
}

function inRange(r: PortRange, v: number): boolean {
  return v >= r.start && v <= r.end;
}

/** The reference matcher: every term in order, no precomputation. */
export function matchConditionLinear(ctx: PacketContext, c: Condition): boolean {
  const m = ctx.wcmatch;
  const no = c.conjunctionInv;
  if (!fragmentAccepts(m, c.fragmentPolicy)) return false;

  if (c.matchForwardFlow && !conntrackLookup(ctx)) return no;
  if (c.matchReturnFlow && conntrackLookup(ctx)) return no;

  if (c.noVlan && m.vlanIds.length !== 0) return no;
  if (c.vlan !== null && c.vlan !== 0) {
    const v = m.vlanIds;
    if (v.length === 0 || v[0] !== c.vlan) return no;
  }

  if (c.portGroupId !== null && c.invPortGroup === inGroups(ctx.portGroups, c.portGroupId)) return no;
  if (c.inPortGroupId !== null && c.invInPortGroup === inGroups(ctx.inPortGroups, c.inPortGroupId)) {
    return no;
  }
  if (c.outPortGroupId !== null && c.invOutPortGroup === inGroups(ctx.outPortGroups, c.outPortGroupId)) {
    return no;
  }
  if (c.inPortIds !== null && c.inPortIds.size > 0) {
    const has = ctx.inPortId !== null && c.inPortIds.has(ctx.inPortId);
    if (c.inPortInv === has) return no;
  }
  if (c.outPortIds !== null && c.outPortIds.size > 0) {
    const has = ctx.outPortId !== null && c.outPortIds.has(ctx.outPortId);
    if (c.outPortInv === has) return no;
  }

  if (c.dlType !== null && c.invDlType === ((c.dlType & 0xffff) === m.etherType)) return no;
  if (c.dlSrc !== null && c.invDlSrc === macEqualsMasked(c.dlSrc, m.ethSrc, c.dlSrcMask)) return no;
  if (c.dlDst !== null && c.invDlDst === macEqualsMasked(c.dlDst, m.ethDst, c.dlDstMask)) return no;
  if (c.nwTos !== null && c.nwTosInv === ((c.nwTos & 0xff) === m.nwTos)) return no;
  if (c.nwProto !== null && c.nwProtoInv === ((c.nwProto & 0xff) === m.nwProto)) return no;

  if (c.nwSrcIp !== null && c.nwSrcInv === subnetHas(c.nwSrcIp, packetNwSrc(m))) return no;
  if (c.nwDstIp !== null && c.nwDstInv === subnetHas(c.nwDstIp, packetNwDst(m))) return no;

  if (c.tpSrc !== null && c.tpSrcInv === inRange(c.tpSrc, m.srcPort)) return no;
  if (c.tpDst !== null && c.tpDstInv === inRange(c.tpDst, m.dstPort)) return no;

  if (c.ipAddrGroupIdSrc !== null) {
    const g = ctx.topo.ipAddrGroup(c.ipAddrGroupIdSrc);
    const ip = packetNwSrc(m);
    const has = g !== null && ip >= 0 && g.addresses.has(ip);
    if (c.invIpAddrGroupIdSrc === has) return no;
  }
  if (c.ipAddrGroupIdDst !== null) {
    const g = ctx.topo.ipAddrGroup(c.ipAddrGroupIdDst);
    const ip = packetNwDst(m);
    const has = g !== null && ip >= 0 && g.addresses.has(ip);
    if (c.invIpAddrGroupIdDst === has) return no;
  }

  if (c.traversedDevice !== null && c.traversedDeviceInv === ctx.hasTag(deviceTag(c.traversedDevice))) {
    return no;
  }

  if (c.icmpDataSrcIp !== null) {
    const ip = quotedIpv4(m, QUOTED_SRC);
    if (c.icmpDataSrcIpInv === (ip >= 0 && subnetContains(c.icmpDataSrcIp, ip))) return no;
  }
  if (c.icmpDataDstIp !== null) {
    const ip = quotedIpv4(m, QUOTED_DST);
    if (c.icmpDataDstIpInv === (ip >= 0 && subnetContains(c.icmpDataDstIp, ip))) return no;
  }

  if (c.matchNwDstRewritten && !ctx.nwDstRewritten) return no;
  return !no;
}
