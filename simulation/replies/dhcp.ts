/**
 * DHCP served by the agent (simulation.md §14): a BOOTREQUEST entering an
 * exterior bridge port is answered from the bridge's DHCP subnets (static host
 * entries keyed by the frame's source MAC), before any filter or device sees it.
 *
 * Contract of `dhcpReply(ctx, port, config?)`:
 *  - null: not DHCP, or no reply can be built (no host entry with an IP,
 *    subnet disabled, chaddr not 6 bytes); the packet goes on into the normal
 *    simulation (typically flooded);
 *  - DHCP_DROP (compare by identity): a malformed or unsupported request
 *    (option 53 missing or not 1 byte, empty parameter-request list, a message
 *    type other than DISCOVER/REQUEST, a BOOTP message that does not parse);
 *    the caller ends the packet with a temporary drop (ErrorDrop);
 *  - otherwise a fresh reply frame, to egress the ingress port as a generated
 *    packet (its outbound chain applies). No lease state is kept.
 *
 * The trigger reads ethertype, protocol and L4 ports through origMatch (they
 * become part of the flow mask, as in MidoNet's PacketWorkflow.handleDHCP).
 */

import { readIpv4, readMac, subnetBroadcast, writeIpv4 } from '../packet/addr.js';
import { buildUdp } from '../packet/build.js';
import { EtherType, IpProto } from '../packet/flow-match.js';
import type { PacketContext } from '../packet-context.js';
import type { BridgePort, DhcpHostEntry, DhcpSubnet } from '../topology/model.js';
import { encodeClasslessRoute, encodeExtraOption } from './dhcp-options.js';

export interface DhcpConfig {
  /** `agent.midolman.dhcp_mtu` (capped at 65535). */
  readonly dhcpMtu?: number;
  /** Smallest tunnel interface MTU minus tunnel overhead; defaults to dhcpMtu. */
  readonly underlayMtu?: number;
}

/** Marker: drop the request with a temporary drop flow. */
export const DHCP_DROP: Uint8Array = new Uint8Array(0);

/** The agent's DHCP server MAC (fixed in MidoNet). */
export const DHCP_SERVER_MAC = 0x02a89cde3927;

export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;
export const MAGIC_COOKIE = 0x63825363;
export const MsgType = { DISCOVER: 1, OFFER: 2, REQUEST: 3, DECLINE: 4, ACK: 5, NAK: 6, RELEASE: 7, INFORM: 8 } as const;
export const Opt = {
  PAD: 0, SUBNET_MASK: 1, ROUTER: 3, DNS: 6, INTERFACE_MTU: 26, BROADCAST: 28, REQUESTED_IP: 50,
  LEASE_TIME: 51, MESSAGE_TYPE: 53, SERVER_ID: 54, PARAM_REQUEST_LIST: 55, CLASSLESS_ROUTES: 121, END: 255,
} as const;

/** BOOTP layout (RFC 2131 §2): fixed 236 bytes, then the magic cookie and options. */
const OP = 0, HTYPE = 1, HLEN = 2, XID = 4, YIADDR = 16, SIADDR = 20, CHADDR = 28;
const COOKIE = 236;
const OPTIONS = 240;
const MAX_HLEN = 16;
const MIN_OPTIONS_LENGTH = 60;
const LEASE_SECONDS = 86400;

export function dhcpReply(ctx: PacketContext, port: BridgePort, config: DhcpConfig = {}): Uint8Array | null {
  const m = ctx.origMatch;
  if (m.etherType !== EtherType.IPV4 || m.nwProto !== IpProto.UDP || m.srcPort !== 68 || m.dstPort !== 67) {
    return null;
  }
  const pkt = ctx.packet;
  const off = pkt.payloadOffset;
  if (off < 0 || pkt.l4Proto !== IpProto.UDP) return null;
  const frame = ctx.frame;
  const end = Math.min(pkt.l3End, frame.length);
  if (end - off < OPTIONS || frame[off + HLEN]! > MAX_HLEN) return DHCP_DROP;
  const options = readOptions(frame, off + OPTIONS, end);
  if (options === null) return DHCP_DROP;
  if (frame[off + OP] !== BOOTREQUEST) return null;
  if (!port.isExterior) return null;

  const srcMac = m.ethSrc;
  const found = findHost(ctx, port, srcMac);
  if (found === null || !found.subnet.enabled) return null;
  const { subnet, host } = found;
  if (frame[off + HLEN] !== 6) return null;

  // Request options (a later duplicate replaces an earlier one).
  const req = new Map<number, Uint8Array>();
  for (const [code, data] of options) {
    if (code === Opt.MESSAGE_TYPE && data.length !== 1) return DHCP_DROP;
    if (code === Opt.PARAM_REQUEST_LIST && data.length === 0) return DHCP_DROP;
    req.set(code, data);
  }
  const type = req.get(Opt.MESSAGE_TYPE);
  if (type === undefined) return DHCP_DROP;
  const yiaddr = host.ip!;
  let replyType: number;
  if (type[0] === MsgType.DISCOVER) replyType = MsgType.OFFER;
  else if (type[0] === MsgType.REQUEST) {
    replyType = MsgType.ACK;
    const wanted = req.get(Opt.REQUESTED_IP);
    if (wanted !== undefined && wanted.length >= 4 && readIpv4(wanted, 0) !== yiaddr) replyType = MsgType.NAK;
  } else return DHCP_DROP;

  const mtu = interfaceMtu(subnet, config);
  const opts = replyOptions(subnet, host, yiaddr, replyType, mtu);
  const payload = bootReply(frame, off, srcMac, subnet.serverAddress, yiaddr, opts);
  return buildUdp({
    ethSrc: DHCP_SERVER_MAC,
    ethDst: srcMac,
    ipSrc: subnet.serverAddress,
    ipDst: 0xffffffff,
    srcPort: 67,
    dstPort: 68,
    payload,
  });
}

/** First subnet (in order) with a host entry for the MAC that has an address. */
function findHost(
  ctx: PacketContext,
  port: BridgePort,
  mac: number,
): { subnet: DhcpSubnet; host: DhcpHostEntry } | null {
  const bridge = ctx.topo.bridge(port.deviceId);
  if (bridge === null) return null;
  for (const subnet of bridge.dhcps) {
    for (const host of subnet.hosts) {
      if (host.mac !== mac) continue;
      if (host.ip !== null) return { subnet, host };
      break;
    }
  }
  return null;
}

/** Subnet MTU if set, else the agent's; never above the underlay MTU. */
export function interfaceMtu(subnet: DhcpSubnet, config: DhcpConfig): number {
  const agentMtu = Math.min(config.dhcpMtu ?? 1500, 0xffff);
  const underlay = config.underlayMtu ?? agentMtu;
  return subnet.interfaceMtu === 0 ? Math.min(agentMtu, underlay) : Math.min(subnet.interfaceMtu & 0xffff, underlay);
}

/** Options as [code, data] pairs; null when the option area does not parse. */
function readOptions(b: Uint8Array, off: number, end: number): Array<[number, Uint8Array]> | null {
  const out: Array<[number, Uint8Array]> = [];
  let i = off;
  while (i < end) {
    const code = b[i++]!;
    if (code === Opt.PAD) continue;
    if (code === Opt.END) break;
    if (i >= end) return null;
    const len = b[i++]!;
    if (end - i < len) return null;
    out.push([code, b.slice(i, i + len)]);
    i += len;
  }
  return out;
}

function u32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  writeIpv4(b, 0, v);
  return b;
}

/** The reply's options by code; host extra options replace same-code ones. */
function replyOptions(
  subnet: DhcpSubnet,
  host: DhcpHostEntry,
  yiaddr: number,
  replyType: number,
  mtu: number,
): Map<number, Uint8Array> {
  const o = new Map<number, Uint8Array>();
  const sn = subnet.subnet;
  o.set(Opt.MESSAGE_TYPE, Uint8Array.of(replyType));
  o.set(Opt.SUBNET_MASK, u32(sn.mask));
  o.set(Opt.BROADCAST, u32(subnetBroadcast({ address: yiaddr, prefixLen: sn.prefixLen, mask: sn.mask })));
  o.set(Opt.LEASE_TIME, u32(LEASE_SECONDS));
  o.set(Opt.INTERFACE_MTU, Uint8Array.of((mtu >> 8) & 0xff, mtu & 0xff));
  const gw = subnet.defaultGateway;
  if (gw !== null) o.set(Opt.ROUTER, u32(gw));
  o.set(Opt.SERVER_ID, u32(subnet.serverAddress));
  if (subnet.dnsServers.length > 0) {
    const dns = new Uint8Array(4 * subnet.dnsServers.length);
    subnet.dnsServers.forEach((ip, i) => writeIpv4(dns, 4 * i, ip));
    o.set(Opt.DNS, dns);
  }
  if (subnet.opt121Routes.length > 0) {
    const parts = subnet.opt121Routes.map((r) => encodeClasslessRoute(r.dst.address, r.dst.prefixLen, r.gateway));
    // RFC 3442 clients ignore option 3 when 121 is present: add the default route too.
    if (gw !== null) parts.push(encodeClasslessRoute(0, 0, gw));
    let n = 0;
    for (const p of parts) n += p.length;
    const data = new Uint8Array(n);
    n = 0;
    for (const p of parts) {
      data.set(p, n);
      n += p.length;
    }
    o.set(Opt.CLASSLESS_ROUTES, data);
  }
  for (const extra of host.extraOptions) {
    const e = encodeExtraOption(extra.name, extra.value);
    if (e !== null) o.set(e.code, e.data);
  }
  return o;
}

/** The BOOTP reply: op 2, xid copied, chaddr = client MAC, yiaddr, siaddr, options, END. */
function bootReply(
  req: Uint8Array,
  reqOff: number,
  clientMac: number,
  server: number,
  yiaddr: number,
  opts: Map<number, Uint8Array>,
): Uint8Array {
  let optLen = 1;
  for (const data of opts.values()) optLen += 2 + data.length;
  const b = new Uint8Array(OPTIONS + Math.max(optLen, MIN_OPTIONS_LENGTH));
  b[OP] = BOOTREPLY;
  b[HTYPE] = 1;
  b[HLEN] = 6;
  b.set(req.subarray(reqOff + XID, reqOff + XID + 4), XID);
  writeIpv4(b, YIADDR, yiaddr);
  writeIpv4(b, SIADDR, server);
  const macBytes = new Uint8Array(6);
  for (let i = 0; i < 6; i++) macBytes[i] = Math.floor(clientMac / 2 ** (40 - 8 * i)) & 0xff;
  b.set(macBytes, CHADDR);
  writeIpv4(b, COOKIE, MAGIC_COOKIE);
  let i = OPTIONS;
  for (const [code, data] of opts) {
    b[i++] = code;
    b[i++] = data.length;
    b.set(data, i);
    i += data.length;
  }
  b[i] = Opt.END;
  return b;
}

/** Reads the client MAC of a BOOTP message (for tests and traces). */
export function bootpClientMac(b: Uint8Array, off: number): number {
  return readMac(b, off + CHADDR);
}
