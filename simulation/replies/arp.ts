/**
 * Router ARP: what a router does with ARP frames addressed to it, and the ARP
 * requests it sends to learn a next hop (simulation.md §8.4, §8.6; MidoNet's
 * Router.processArp* and ArpRequestBroker.makeArpRequest).
 *
 * Words:
 *  - sender / target: the ARP payload's protocol (spa, tpa) and hardware
 *    (sha, tha) addresses. In the FlowMatch they are nwSrc/nwDst and
 *    arpSha/arpTha; the opcode's low byte is nwProto.
 *  - gratuitous: a request with tpa == spa and a zero tha, or a reply with
 *    tpa == spa and tha == sha. It announces, it asks nothing.
 *  - learning: writing spa → sha into the router's ARP table. The simulation
 *    does not write: it adds a `router-arp` effect, skipped when the table
 *    already holds that MAC and the entry is not stale (the broker's `set`).
 *
 * Contract: requests are answered only for the ingress port's own address, and
 * only when the sender lies in that port's subnet; replies are accepted when
 * gratuitous or addressed to the port (so unsolicited replies are learned) and
 * the sender is in the subnet. Answers are generated frames egressing the
 * ingress port; the request's result is NoOp. Opcodes other than request and
 * reply are dropped.
 */

import { subnetContains } from '../packet/addr.js';
import * as arp from '../packet/arp.js';
import { buildArpReply, buildArpRequest } from '../packet/build.js';
import { Field } from '../packet/flow-match.js';
import { Outcome } from '../outcome.js';
import type { PacketContext } from '../packet-context.js';
import type { Router, RouterPort } from '../topology/model.js';

/** Handles an ARP frame that reached `router` through `inPort` (broadcast or to our MAC). */
export function processRouterArp(ctx: PacketContext, router: Router, inPort: RouterPort): Outcome {
  const b = ctx.frame;
  const off = ctx.packet.l3Offset;
  if (off < 0 || b.length - off < arp.FIXED_LENGTH) return ctx.fail('router-arp-malformed', Outcome.DROP);
  // The decision depends on the opcode: it belongs in the wildcard.
  ctx.wcmatch.markSeen(Field.NW_PROTO);
  switch (arp.opcode(b, off)) {
    case arp.OP_REQUEST:
      arpRequest(ctx, router, inPort, b, off);
      return ctx.fail('router-arp-request', Outcome.NOOP);
    case arp.OP_REPLY:
      arpReply(ctx, router, inPort, b, off);
      return ctx.fail('router-arp-reply', Outcome.NOOP);
    default:
      return ctx.fail('router-arp-bad-opcode', Outcome.DROP);
  }
}

function arpRequest(ctx: PacketContext, router: Router, inPort: RouterPort, b: Uint8Array, off: number): void {
  if (arp.ptype(b, off) !== arp.PTYPE_IPV4) return;
  const address = inPort.address;
  const subnet = inPort.subnet;
  if (address === null || subnet === null) return;
  const m = ctx.wcmatch;
  const spa = m.nwSrc;
  const tpa = m.nwDst;
  const sha = m.arpSha;
  const tha = m.arpTha;
  if (!subnetContains(subnet, spa)) return;
  if (tpa === spa && tha === 0) {
    learnArp(ctx, router.id, spa, sha);
    return;
  }
  // Only the ingress port's own address is answered, not the router's others.
  if (tpa !== address) return;
  learnArp(ctx, router.id, spa, sha);
  ctx.generate(inPort.id, buildArpReply(inPort.mac, address, sha, spa));
}

function arpReply(ctx: PacketContext, router: Router, inPort: RouterPort, b: Uint8Array, off: number): void {
  if (arp.htype(b, off) !== arp.HTYPE_ETHERNET || arp.ptype(b, off) !== arp.PTYPE_IPV4) return;
  const address = inPort.address;
  const subnet = inPort.subnet;
  if (address === null || subnet === null) return;
  const m = ctx.wcmatch;
  const spa = m.nwSrc;
  const tpa = m.nwDst;
  const sha = m.arpSha;
  const tha = m.arpTha;
  const gratuitous = tpa === spa && tha === sha;
  const toThisPort = tpa === address && tha === inPort.mac;
  if (!gratuitous && !toThisPort) return;
  if (!subnetContains(subnet, spa)) return;
  learnArp(ctx, router.id, spa, sha);
}

/**
 * Asks for ip → mac to be written to the router's ARP table, unless an
 * up-to-date entry already says so (MidoNet's ArpRequestBroker.set).
 */
export function learnArp(ctx: PacketContext, routerId: string, ip: number, mac: number): void {
  const e = ctx.state.routerArp(routerId, ip);
  if (e !== null && e.mac === mac && ctx.now <= e.stale) return;
  ctx.addEffect({ kind: 'router-arp', routerId, ip, mac });
}

/**
 * The broadcast ARP request a router port sends for `targetIp`: eth src = port
 * MAC, eth dst broadcast, sender = port MAC/IP, target MAC zero. Null when the
 * port has no IPv4 address (nothing to ask from). The ARP broker sends the same
 * frame when it retries.
 */
export function routerArpRequestFrame(port: RouterPort, targetIp: number): Uint8Array | null {
  if (port.address === null) return null;
  return buildArpRequest(port.mac, port.address, targetIp);
}
