/**
 * The routing table against a linear oracle (simulation.md §7): random tables of
 * overlapping prefixes, source filters and weights, random lookups; plus the ECMP
 * pick (stickiness, spread, the hash not marking L4 fields seen).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeSubnet, parseIpv4, subnetContains } from '../../../../simulation/packet/addr.js';
import { EtherType, Field, FlowMatch, IpProto } from '../../../../simulation/packet/flow-match.js';
import {
  RoutingTable,
  connectionHash,
  routeFor,
  routingTableOf,
} from '../../../../simulation/devices/routing-table.js';
import type { Route, Router } from '../../../../simulation/topology/model.js';

/** Deterministic PRNG (mulberry32) so a failure reproduces. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function ip(s: string): number {
  const v = parseIpv4(s);
  if (v === null) throw new Error(s);
  return v;
}

let nextId = 0;
function route(dst: string, len: number, opts: { src?: [string, number]; weight?: number } = {}): Route {
  const src = opts.src ?? ['0.0.0.0', 0];
  return {
    id: `r${nextId++}`,
    routerId: 'rt',
    srcSubnet: makeSubnet(ip(src[0]), src[1]),
    dstSubnet: makeSubnet(ip(dst), len),
    nextHop: 'PORT',
    nextHopPortId: 'p',
    gateway: 0,
    weight: opts.weight ?? 100,
  };
}

/** The linear oracle: MidoNet's rule restated over a flat list. */
function oracle(routes: readonly Route[], src: number, dst: number): Route[] {
  for (let len = 32; len >= 0; len--) {
    let best: Route[] = [];
    let min = Infinity;
    for (const r of routes) {
      if (r.dstSubnet.prefixLen !== len) continue;
      if (!subnetContains(r.dstSubnet, dst) || !subnetContains(r.srcSubnet, src)) continue;
      if (r.weight < min) {
        min = r.weight;
        best = [r];
      } else if (r.weight === min) best.push(r);
    }
    if (best.length > 0) return best;
  }
  return [];
}

/** Addresses drawn from a small pool so prefixes overlap and lookups hit. */
function randomAddr(r: () => number): number {
  const base = [ip('10.0.0.0'), ip('10.1.0.0'), ip('192.168.0.0'), ip('172.16.0.0')][Math.floor(r() * 4)]!;
  return (base + Math.floor(r() * 4) * 256 + Math.floor(r() * 8)) >>> 0;
}

function randomRoute(r: () => number, i: number): Route {
  const len = [0, 8, 16, 22, 24, 24, 28, 30, 32][Math.floor(r() * 9)]!;
  const dst = randomAddr(r);
  const hasSrc = r() < 0.3;
  const srcLen = [8, 16, 24][Math.floor(r() * 3)]!;
  return {
    id: `x${i}`,
    routerId: 'rt',
    srcSubnet: hasSrc ? makeSubnet(randomAddr(r), srcLen) : makeSubnet(0, 0),
    dstSubnet: makeSubnet(dst, len),
    nextHop: 'PORT',
    nextHopPortId: 'p',
    gateway: 0,
    weight: [10, 20, 20, 100][Math.floor(r() * 4)]!,
  };
}

test('lookup agrees with a linear oracle on random tables', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const r = rng(seed);
    const n = 1 + Math.floor(r() * (seed < 35 ? 60 : 2000));
    const routes: Route[] = [];
    for (let i = 0; i < n; i++) routes.push(randomRoute(r, i));
    const table = new RoutingTable(routes);
    for (let q = 0; q < 300; q++) {
      const src = randomAddr(r);
      const dst = r() < 0.9 ? randomAddr(r) : Math.floor(r() * 2 ** 32) >>> 0;
      const got = table.lookupRoutes(src, dst).map((x) => x.id).sort();
      const want = oracle(routes, src, dst).map((x) => x.id).sort();
      assert.deepEqual(got, want, `seed ${seed} src ${src} dst ${dst}`);
    }
  }
});

test('longest prefix wins over weight; source filter skips to shorter prefixes', () => {
  const wide = route('10.0.0.0', 8, { weight: 1 });
  const narrow = route('10.1.0.0', 16, { weight: 500 });
  const srcOnly = route('10.1.2.0', 24, { src: ['192.168.0.0', 16] });
  const t = new RoutingTable([wide, narrow, srcOnly]);
  assert.deepEqual(t.lookupRoutes(ip('1.1.1.1'), ip('10.1.2.3')), [narrow]);
  assert.deepEqual(t.lookupRoutes(ip('192.168.7.7'), ip('10.1.2.3')), [srcOnly]);
  assert.deepEqual(t.lookupRoutes(ip('1.1.1.1'), ip('10.2.0.1')), [wide]);
  assert.deepEqual(t.lookupRoutes(ip('1.1.1.1'), ip('11.0.0.1')), []);
});

test('minimum weight among equal prefixes; unmasked route destinations are masked', () => {
  const heavy = route('10.0.0.0', 24, { weight: 200 });
  const light1 = route('10.0.0.77', 24, { weight: 50 });
  const light2 = route('10.0.0.0', 24, { weight: 50 });
  const t = new RoutingTable([heavy, light1, light2]);
  assert.deepEqual(t.lookupRoutes(0, ip('10.0.0.5')), [light1, light2]);
});

test('the table is built once per router snapshot', () => {
  const router = { routes: [route('0.0.0.0', 0)] } as unknown as Router;
  assert.equal(routingTableOf(router), routingTableOf(router));
  const changed = { routes: [] } as unknown as Router;
  assert.notEqual(routingTableOf(changed), routingTableOf(router));
  assert.equal(routingTableOf(changed).size, 0);
});

function tcpMatch(src: number, dst: number, sport: number, dport: number): FlowMatch {
  const m = new FlowMatch();
  m.etherType = EtherType.IPV4;
  m.nwSrc = src;
  m.nwDst = dst;
  m.nwProto = IpProto.TCP;
  m.nwTtl = 64;
  m.srcPort = sport;
  m.dstPort = dport;
  return m;
}

test('ECMP: sticky per flow, spread across flows, L4 not marked seen', () => {
  const members = [route('0.0.0.0', 0), route('0.0.0.0', 0), route('0.0.0.0', 0)];
  const router = { routes: members } as unknown as Router;
  const hits = new Map<string, number>();
  for (let p = 0; p < 300; p++) {
    const m = tcpMatch(ip('10.0.0.1'), ip('20.0.0.1'), 1000 + p, 80);
    const a = routeFor(router, m);
    const b = routeFor(router, tcpMatch(ip('10.0.0.1'), ip('20.0.0.1'), 1000 + p, 80));
    assert.ok(a !== null);
    assert.equal(a, b, 'same 5-tuple, same route');
    hits.set(a.id, (hits.get(a.id) ?? 0) + 1);
    assert.ok(m.isSeen(Field.NW_SRC) && m.isSeen(Field.NW_DST));
    assert.ok(!m.isSeen(Field.SRC_PORT) && !m.isSeen(Field.DST_PORT) && !m.isSeen(Field.NW_PROTO));
  }
  assert.equal(hits.size, 3, 'every member gets flows');
  for (const n of hits.values()) assert.ok(n > 50, `spread ${[...hits.values()]}`);
});

test('connection hash is the Java 31*h+x recurrence over the 5-tuple and ICMP id', () => {
  const m = tcpMatch(ip('192.168.1.1'), ip('10.0.0.2'), 40000, 443);
  // Computed by hand with Java int arithmetic (IPs as signed ints).
  let h = ip('192.168.1.1') | 0;
  h = (Math.imul(31, h) + ip('10.0.0.2')) | 0;
  h = (Math.imul(31, h) + 6) | 0;
  h = (Math.imul(31, h) + 40000) | 0;
  h = (Math.imul(31, h) + 443) | 0;
  h = Math.imul(31, h) | 0;
  assert.equal(connectionHash(m), h);
  // Index rule: Java remainder then abs, valid for negative hashes.
  assert.equal(Math.abs(-7 % 3), 1);
});

test('non-L4 packets use the whole-match hash, which is sticky too', () => {
  const mk = (): FlowMatch => {
    const m = new FlowMatch();
    m.etherType = EtherType.IPV4;
    m.nwSrc = ip('10.0.0.1');
    m.nwDst = ip('10.0.0.2');
    m.nwProto = 47;
    return m;
  };
  assert.equal(connectionHash(mk()), connectionHash(mk()));
  const other = mk();
  other.nwSrc = ip('10.0.0.3');
  assert.notEqual(connectionHash(other), connectionHash(mk()));
});

test('thousands of routes: lookups stay fast', () => {
  const r = rng(7);
  const routes: Route[] = [];
  for (let i = 0; i < 5000; i++) {
    const len = 16 + Math.floor(r() * 17);
    routes.push({ ...randomRoute(r, i), dstSubnet: makeSubnet(Math.floor(r() * 2 ** 32) >>> 0, len) });
  }
  const t = new RoutingTable(routes);
  const out: Route[] = [];
  const start = performance.now();
  for (let i = 0; i < 100000; i++) t.lookupRoutes(0, Math.floor(r() * 2 ** 32) >>> 0, out);
  const ms = performance.now() - start;
  assert.ok(ms < 2000, `100k lookups took ${ms} ms`);
});
