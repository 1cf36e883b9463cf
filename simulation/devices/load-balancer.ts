/**
 * L4 load balancing on a router (MidoNet's LoadBalancer, Pool, Vip and
 * PoolMember, simulation.md §13).
 *
 * Words:
 *  - VIP: (address, TCP port) clients connect to; UDP never matches.
 *  - active member: admin-up, weight > 0 and status ACTIVE (a MONITORED
 *    member takes the health monitor's answer, unknown = ACTIVE). Disabled
 *    member: admin-down; it keeps its existing connections unless sticky.
 *  - pool up: admin-up with at least one active member.
 *  - sticky: VIP or pool session persistence SOURCE_IP; bindings are keyed
 *    with client port 0 (FWD_STICKY_DNAT / REV_STICKY_DNAT) so every
 *    connection of one client IP goes to one member.
 *
 * Inbound (router pre-routing, before the inbound chains): a VIP hit DNATs to
 * a member (or keeps a still-valid binding) → ACCEPT (the router skips its
 * inbound chains); no member available → DROP; no VIP → CONTINUE.
 * Outbound (post-routing): reverse DNAT, plain then sticky; none → CONTINUE;
 * else ACCEPT, or DROP when the LB is down, the VIP gone or the backend no
 * longer valid (the router skips its outbound chains on both: quirk).
 *
 * NAT keys use the load balancer id as device: `currentDeviceId` is switched
 * for the duration and restored. Flows are tagged with the LB and the pool.
 */

import { IpProto } from '../packet/flow-match.js';
import type { PacketContext } from '../packet-context.js';
import { deviceTag } from '../tags.js';
import type { LoadBalancer, NatTarget, Pool, PoolMember, Vip } from '../topology/model.js';
import {
  applyExistingDnat,
  applyForwardNat,
  deleteBinding,
  natKeyOf,
  refBinding,
  reverseDnat,
} from '../rules/nat-state.js';

export type LbResult = 'ACCEPT' | 'DROP' | 'CONTINUE';

function pools(ctx: PacketContext, lb: LoadBalancer): Pool[] {
  const out: Pool[] = [];
  for (let i = 0; i < lb.poolIds.length; i++) {
    const p = ctx.topo.pool(lb.poolIds[i]!);
    if (p !== null) out.push(p);
  }
  return out;
}

function vipMatches(ctx: PacketContext, v: Vip): boolean {
  const m = ctx.wcmatch;
  return v.adminUp && m.nwDst === v.address && m.dstPort === v.protocolPort && m.nwProto === IpProto.TCP;
}

function vipMatchesReturn(ctx: PacketContext, v: Vip): boolean {
  const m = ctx.wcmatch;
  return v.adminUp && m.nwSrc === v.address && m.srcPort === v.protocolPort && m.nwProto === IpProto.TCP;
}

function findVip(ctx: PacketContext, ps: readonly Pool[], ret: boolean): Vip | null {
  for (let i = 0; i < ps.length; i++) {
    const vips = ps[i]!.vips;
    for (let j = 0; j < vips.length; j++) {
      const v = vips[j]!;
      if (ret ? vipMatchesReturn(ctx, v) : vipMatches(ctx, v)) return v;
    }
  }
  return null;
}

function isActive(ctx: PacketContext, pm: PoolMember): boolean {
  if (!pm.adminUp || pm.weight <= 0) return false;
  const status = pm.status === 'MONITORED' ? (ctx.state.poolMemberStatus(pm.id) ?? 'ACTIVE') : pm.status;
  return status === 'ACTIVE';
}

function findMember(ctx: PacketContext, pool: Pool, ip: number, port: number, activeOnly: boolean): boolean {
  const ms = pool.members;
  for (let i = 0; i < ms.length; i++) {
    const pm = ms[i]!;
    if (pm.address !== ip || pm.protocolPort !== port) continue;
    if (isActive(ctx, pm) || (!activeOnly && !pm.adminUp)) return true;
  }
  return false;
}

/** Sticky backends must be active; others may also be disabled (admin-down). */
function isValidBackend(ctx: PacketContext, pool: Pool, ip: number, port: number, sticky: boolean): boolean {
  return findMember(ctx, pool, ip, port, sticky);
}

/** Weighted random choice among active members (MidoNet's WeightedSelector). */
function pickMember(ctx: PacketContext, active: readonly PoolMember[]): PoolMember {
  let total = 0;
  for (let i = 0; i < active.length; i++) total += active[i]!.weight;
  let r = Math.floor(ctx.random() * total);
  if (r >= total) r = total - 1;
  let cum = 0;
  for (let i = 0; i < active.length; i++) {
    cum += active[i]!.weight;
    if (r < cum) return active[i]!;
  }
  return active[active.length - 1]!;
}

/**
 * Re-applies the flow's existing DNAT binding if its backend is still valid.
 * An invalid one is deleted and the destination put back to the VIP.
 */
function applyExistingIfValid(ctx: PacketContext, pool: Pool, sticky: boolean): boolean {
  const m = ctx.wcmatch;
  const vipIp = m.nwDst;
  const vipPort = m.dstPort;
  const key = natKeyOf(m, sticky ? 'FWD_STICKY_DNAT' : 'FWD_DNAT', ctx.currentDeviceId ?? '');
  const b = applyExistingDnat(ctx, key);
  if (b === null) return false;
  if (isValidBackend(ctx, pool, m.nwDst, m.dstPort, sticky)) {
    refBinding(ctx, key, b);
    return true;
  }
  m.nwDst = vipIp;
  m.dstPort = vipPort;
  deleteBinding(ctx, key, b);
  return false;
}

function loadBalance(ctx: PacketContext, pool: Pool, sticky: boolean): boolean {
  ctx.addTag(deviceTag(pool.id));
  const active: PoolMember[] = [];
  if (pool.adminUp) for (const pm of pool.members) if (isActive(ctx, pm)) active.push(pm);
  if (active.length > 0) {
    // The member is drawn before the existing binding is looked at, as MidoNet does.
    const member = pickMember(ctx, active);
    if (!applyExistingIfValid(ctx, pool, sticky)) {
      const target: NatTarget = {
        nwStart: member.address,
        nwEnd: member.address,
        tpStart: member.protocolPort,
        tpEnd: member.protocolPort,
      };
      applyForwardNat(ctx, sticky ? 'FWD_STICKY_DNAT' : 'FWD_DNAT', [target]);
    }
    return true;
  }
  // Pool down: only non-sticky, non-ICMP connections already bound survive.
  if (sticky || ctx.wcmatch.nwProto === IpProto.ICMP) return false;
  return applyExistingIfValid(ctx, pool, false);
}

/** Router pre-routing hook. */
export function loadBalancerInbound(ctx: PacketContext, lb: LoadBalancer): LbResult {
  ctx.addTag(deviceTag(lb.id));
  if (!lb.adminUp) return 'CONTINUE';
  const vip = findVip(ctx, pools(ctx, lb), false);
  if (vip === null) return 'CONTINUE';
  const caller = ctx.currentDeviceId;
  ctx.currentDeviceId = lb.id;
  try {
    const pool = ctx.topo.pool(vip.poolId);
    if (pool === null) return ctx.fail('lb-pool-missing', 'DROP');
    return loadBalance(ctx, pool, vip.sticky || pool.sticky) ? 'ACCEPT' : ctx.fail('lb-no-member', 'DROP');
  } finally {
    ctx.currentDeviceId = caller;
  }
}

/**
 * Which kinds of binding the LB can have made. Persistence is set on pools or
 * on VIPs, never both; a sticky pool makes MidoNet ignore the VIPs' setting.
 */
function stickiness(ps: readonly Pool[]): { sticky: boolean; nonSticky: boolean } {
  let anyVip = false;
  let poolSticky = false;
  let poolNonSticky = false;
  let vipSticky = false;
  let vipNonSticky = false;
  for (const p of ps) {
    if (p.vips.length > 0) anyVip = true;
    if (p.sticky) poolSticky = true;
    else poolNonSticky = true;
    for (const v of p.vips) {
      if (v.sticky) vipSticky = true;
      else vipNonSticky = true;
    }
  }
  if (!anyVip) return { sticky: false, nonSticky: false };
  if (poolSticky) return { sticky: true, nonSticky: poolNonSticky };
  if (vipSticky) return { sticky: true, nonSticky: vipNonSticky };
  return { sticky: false, nonSticky: true };
}

/** Router post-routing hook. */
export function loadBalancerOutbound(ctx: PacketContext, lb: LoadBalancer): LbResult {
  ctx.addTag(deviceTag(lb.id));
  const m = ctx.wcmatch;
  const backendIp = m.nwSrc;
  const backendPort = m.srcPort;
  const ps = pools(ctx, lb);
  const s = stickiness(ps);
  const caller = ctx.currentDeviceId;
  ctx.currentDeviceId = lb.id;
  let reversed: boolean;
  try {
    reversed = (s.nonSticky && reverseDnat(ctx, 'REV_DNAT')) || (s.sticky && reverseDnat(ctx, 'REV_STICKY_DNAT'));
  } finally {
    ctx.currentDeviceId = caller;
  }
  if (!reversed) return 'CONTINUE';
  if (!lb.adminUp) return ctx.fail('lb-down', 'DROP');
  const vip = findVip(ctx, ps, true);
  if (vip === null) return ctx.fail('lb-vip-gone', 'DROP');
  const pool = ctx.topo.pool(vip.poolId);
  if (pool === null) return ctx.fail('lb-pool-missing', 'DROP');
  ctx.addTag(deviceTag(pool.id));
  // Quirk: only the VIP's persistence decides here, not the pool's.
  return isValidBackend(ctx, pool, backendIp, backendPort, vip.sticky) ? 'ACCEPT' : ctx.fail('lb-backend-invalid', 'DROP');
}
