/**
 * RoutingTable: a router's IPv4 routes indexed for longest-prefix match
 * (MidoNet's RoutingTable/RoutesTrie and RouteBalancer, simulation.md §7).
 *
 * Words:
 *  - candidate set: the routes a lookup returns. Destination prefixes are walked
 *    from the longest to the shortest; at one prefix length only routes whose
 *    source subnet contains the packet's source survive, and of those only the
 *    ones with the minimum weight. The first length with a non-empty set wins.
 *  - ECMP: several candidates. One is picked with `|h mod n|` (Java remainder,
 *    then absolute value), `h` being the flow's connection hash, so every packet
 *    of a flow sticks to one route. Which route a given hash picks is not
 *    MidoNet-portable (its candidate order comes from a Java HashSet); only
 *    stickiness and spread are.
 *
 * Layout: one Map per prefix length, keyed by the masked destination, and the
 * list of lengths present, longest first. A lookup is at most 33 map probes,
 * independent of the number of routes (BGP tables of thousands are common).
 * A table is built once per Router snapshot and cached in a WeakMap, so a
 * topology change (a new Router object) rebuilds it and nothing else does.
 *
 * Contract: pure. `lookupRoutes` reads nothing from a FlowMatch; `routeFor`
 * reads nw src and nw dst through the getters (they decide the route, so they
 * are seen) and hashes with `peek` — MidoNet's quirk: the ECMP hash does not
 * mark the L4 fields it folds in as seen.
 */

import { Field, type FlowMatch, type FieldBit } from '../packet/flow-match.js';
import { prefixMask } from '../packet/addr.js';
import type { Route, Router } from '../topology/model.js';

export class RoutingTable {
  /** byLength[len]: masked destination → routes with that destination prefix. */
  private readonly byLength: (Map<number, Route[]> | undefined)[] = new Array(33);
  /** Prefix lengths that hold routes, longest first, and their masks. */
  private readonly lengths: number[] = [];
  private readonly masks: number[] = [];
  readonly size: number;

  constructor(routes: readonly Route[]) {
    for (let i = 0; i < routes.length; i++) {
      const r = routes[i]!;
      const len = r.dstSubnet.prefixLen;
      let m = this.byLength[len];
      if (m === undefined) {
        m = new Map();
        this.byLength[len] = m;
      }
      const key = (r.dstSubnet.address & prefixMask(len)) >>> 0;
      const list = m.get(key);
      if (list === undefined) m.set(key, [r]);
      else list.push(r);
    }
    for (let len = 32; len >= 0; len--) {
      if (this.byLength[len] === undefined) continue;
      this.lengths.push(len);
      this.masks.push(prefixMask(len));
    }
    this.size = routes.length;
  }

  /**
   * The candidate set for (src, dst), in table order; empty when no route
   * matches. `out` is cleared and filled (pass a scratch array to avoid
   * allocating); it is also returned.
   */
  lookupRoutes(src: number, dst: number, out: Route[] = []): Route[] {
    out.length = 0;
    const lengths = this.lengths;
    const masks = this.masks;
    for (let i = 0; i < lengths.length; i++) {
      const routes = this.byLength[lengths[i]!]!.get((dst & masks[i]!) >>> 0);
      if (routes === undefined) continue;
      let minWeight = Infinity;
      for (let j = 0; j < routes.length; j++) {
        const r = routes[j]!;
        const sn = r.srcSubnet;
        if (((src & sn.mask) >>> 0) !== ((sn.address & sn.mask) >>> 0)) continue;
        if (r.weight < minWeight) {
          out.length = 0;
          out.push(r);
          minWeight = r.weight;
        } else if (r.weight === minWeight) {
          out.push(r);
        }
      }
      if (out.length > 0) return out;
    }
    return out;
  }
}

const tables = new WeakMap<Router, RoutingTable>();

/** The routing table of a router snapshot, built on first use. */
export function routingTableOf(router: Router): RoutingTable {
  let t = tables.get(router);
  if (t === undefined) {
    t = new RoutingTable(router.routes);
    tables.set(router, t);
  }
  return t;
}

// Single-threaded simulation: one scratch array serves every lookup.
const scratch: Route[] = [];

/**
 * The route a packet takes through `router`, or null (no route). Reads nw src
 * and nw dst (seen); breaks ECMP ties with the connection hash (not seen).
 */
export function routeFor(router: Router, match: FlowMatch): Route | null {
  const src = match.nwSrc;
  const dst = match.nwDst;
  const routes = routingTableOf(router).lookupRoutes(src, dst, scratch);
  const n = routes.length;
  if (n === 0) return null;
  if (n === 1) return routes[0]!;
  return routes[Math.abs(connectionHash(match) % n)]!;
}

/**
 * MidoNet's FlowMatch.connectionHash for a non-tunnel packet: with L4 fields,
 * `h = 31*h + x` over src IP, dst IP, protocol, src port, dst port and ICMP id
 * (IPs and protocol as Java signed ints/bytes); otherwise the whole-match hash.
 * Signed 32-bit result. Reads with `peek`: never marks a field seen.
 */
export function connectionHash(m: FlowMatch): number {
  if (!m.hasL4()) return wholeMatchHash(m);
  let h = m.peek(Field.NW_SRC) | 0;
  h = (Math.imul(31, h) + (m.peek(Field.NW_DST) | 0)) | 0;
  h = (Math.imul(31, h) + signedByte(m.peek(Field.NW_PROTO))) | 0;
  h = (Math.imul(31, h) + m.peek(Field.SRC_PORT)) | 0;
  h = (Math.imul(31, h) + m.peek(Field.DST_PORT)) | 0;
  h = (Math.imul(31, h) + m.peek(Field.ICMP_ID)) | 0;
  return h;
}

// The header fields a whole-match hash folds, in FlowMatch field order.
const HASHED: readonly FieldBit[] = [
  Field.IN_PORT,
  Field.ETH_SRC,
  Field.ETH_DST,
  Field.ETHER_TYPE,
  Field.VLAN,
  Field.NW_SRC,
  Field.NW_DST,
  Field.NW_PROTO,
  Field.NW_TTL,
  Field.NW_TOS,
  Field.NW_FRAG,
];

/**
 * Hash of every present header field (MidoNet's FlowMatch.hashCode folds the
 * used fields the same way; its per-field hashes of MAC objects are not
 * reproducible, and need not be: only stickiness matters).
 */
export function wholeMatchHash(m: FlowMatch): number {
  let h = m.present | 0;
  for (let i = 0; i < HASHED.length; i++) {
    const f = HASHED[i]!;
    if ((m.present & f) === 0) continue;
    const v = m.peek(f);
    // MACs exceed 32 bits: fold the high and low halves.
    const x = v > 0xffffffff ? (Math.floor(v / 0x100000000) ^ v) | 0 : v | 0;
    h = (Math.imul(31, h) + x) | 0;
  }
  return h;
}

function signedByte(v: number): number {
  return (v << 24) >> 24;
}
