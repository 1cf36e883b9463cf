/**
 * Learned (BGP) routes, kept by MidoNet as the multi-value state key `routes`
 * of a router port (spec nsdb.md §1.5): one EPHEMERAL child per route under
 * `{Z}/state/{hostId}/Port/{portId}/routes/`, named by the route's value.
 *
 * Value: 50 big-endian bytes as lowercase hex (100 chars): dst IPv4 (4), dst
 * prefix length (1), src IPv4 (4), src prefix length (1), next-hop gateway
 * IPv4 (4), weight int32 (4), router UUID (16), next-hop port UUID (16).
 * Readers also accept the 34-byte form without the port (then the port is the
 * key's owner). Only next-hop PORT routes are learned.
 *
 * Contract: pure codec plus three ZooKeeper helpers; undecodable children are
 * skipped by `readLearnedRoutes`.
 */
import { ZoomPaths } from './zoom.js';
import { isZkError, type ZkClient } from './zk/index.js';

export interface LearnedRoute {
  readonly dst: string; // "a.b.c.d/len"
  readonly src: string;
  readonly gateway: string; // dotted IPv4
  readonly weight: number;
  readonly routerId: string;
  readonly portId: string;
}

function ipToBytes(ip: string, out: Uint8Array, off: number): void {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`bad IPv4 ${ip}`);
  out.set(parts, off);
}

function uuidToBytes(u: string, out: Uint8Array, off: number): void {
  const hex = u.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`bad UUID ${u}`);
  for (let i = 0; i < 16; i++) out[off + i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
}

function bytesToUuid(b: Uint8Array, off: number): string {
  const h = Array.from(b.subarray(off, off + 16), (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const ip = (b: Uint8Array, off: number): string => `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;

function subnet(s: string, out: Uint8Array, off: number): void {
  const [addr, len] = s.split('/');
  ipToBytes(addr ?? '', out, off);
  const l = Number(len ?? '32');
  if (!Number.isInteger(l) || l < 0 || l > 32) throw new Error(`bad prefix ${s}`);
  out[off + 4] = l;
}

export function encodeLearnedRoute(r: LearnedRoute): string {
  const b = new Uint8Array(50);
  subnet(r.dst, b, 0);
  subnet(r.src, b, 5);
  ipToBytes(r.gateway, b, 10);
  new DataView(b.buffer).setInt32(14, r.weight);
  uuidToBytes(r.routerId, b, 18);
  uuidToBytes(r.portId, b, 34);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** `ownerPortId` fills in the 34-byte (68-char) form. Null when not a route. */
export function decodeLearnedRoute(hex: string, ownerPortId?: string): LearnedRoute | null {
  if (!/^[0-9a-f]*$/.test(hex) || (hex.length !== 100 && hex.length !== 68)) return null;
  const b = new Uint8Array(hex.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  if ((b[4] ?? 99) > 32 || (b[9] ?? 99) > 32) return null;
  const portId = b.length === 50 ? bytesToUuid(b, 34) : ownerPortId;
  if (portId === undefined) return null;
  return {
    dst: `${ip(b, 0)}/${b[4]}`,
    src: `${ip(b, 5)}/${b[9]}`,
    gateway: ip(b, 10),
    weight: new DataView(b.buffer).getInt32(14),
    routerId: bytesToUuid(b, 18),
    portId,
  };
}

export function routesPath(p: ZoomPaths, hostId: string, portId: string): string {
  return p.stateKey(hostId, 'Port', portId, 'routes');
}

/** Publishes one learned route of a port bound here (ephemeral). */
export async function addLearnedRoute(zk: ZkClient, p: ZoomPaths, hostId: string, r: LearnedRoute): Promise<void> {
  const dir = routesPath(p, hostId, r.portId);
  await zk.mkdirs(dir);
  const hex = encodeLearnedRoute(r);
  try {
    await zk.create(`${dir}/${hex}`, Buffer.from(hex), 'ephemeral');
  } catch (e) {
    if (!isZkError(e, 'NODE_EXISTS')) throw e;
  }
}

export async function removeLearnedRoute(zk: ZkClient, p: ZoomPaths, hostId: string, r: LearnedRoute): Promise<void> {
  await zk.delete(`${routesPath(p, hostId, r.portId)}/${encodeLearnedRoute(r)}`, -1).catch((e: unknown) => {
    if (!isZkError(e, 'NO_NODE')) throw e;
  });
}

/** The learned routes of a port, read in the namespace of the host it is bound to. */
export async function readLearnedRoutes(zk: ZkClient, p: ZoomPaths, hostId: string, portId: string): Promise<LearnedRoute[]> {
  try {
    const { children } = await zk.getChildren(routesPath(p, hostId, portId));
    return children.map((c) => decodeLearnedRoute(c, portId)).filter((r): r is LearnedRoute => r !== null);
  } catch (e) {
    if (isZkError(e, 'NO_NODE')) return [];
    throw e;
  }
}
