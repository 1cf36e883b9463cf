/**
 * Emitting a packet from an exterior port: the moment a virtual decision
 * becomes datapath actions (MidoNet's PacketContext.addVirtualAction at
 * Port.emit). The set-field actions are the diff between the working match and
 * the header state the physical packet has after the previous output, in
 * MidoNet's fixed order: Ethernet, IPv4, VLAN pops then pushes, ICMP error data,
 * then TCP/UDP ports; then the output. The list applies sequentially to one
 * packet, so after each output the "physical" state is the working match.
 */

import { EtherType, Field, IpProto } from './packet/flow-match.js';
import type { FlowMatch } from './packet/flow-match.js';
import type { PacketContext } from './packet-context.js';
import type { VirtualAction } from './result.js';
import { recordConntrackOnEmit } from './rules/conntrack.js';
import type { SimPort } from './topology/model.js';

const L3_DIFF = Field.NW_SRC | Field.NW_DST | Field.NW_PROTO | Field.NW_TOS | Field.NW_TTL | Field.NW_FRAG;

export function emitToPort(ctx: PacketContext, port: SimPort): void {
  const cur = ctx.wcmatch;
  const prev = ctx.lastEmitted;
  const d = cur.diff(prev);
  if (d !== 0) appendSetFields(ctx.actions, cur, prev, d);
  ctx.actions.push({ kind: 'output', portId: port.id });
  prev.copyFrom(cur);
  ctx.egressPorts.push(port.id);
  if (!ctx.isGenerated) recordConntrackOnEmit(ctx, port);
}

function appendSetFields(out: VirtualAction[], cur: FlowMatch, prev: FlowMatch, d: number): void {
  if (d & (Field.ETH_SRC | Field.ETH_DST)) {
    out.push({ kind: 'set-eth', src: cur.peek(Field.ETH_SRC), dst: cur.peek(Field.ETH_DST) });
  }
  const ethType = cur.peek(Field.ETHER_TYPE);
  if (d & L3_DIFF && ethType === EtherType.IPV4) {
    out.push({
      kind: 'set-ipv4',
      src: cur.peek(Field.NW_SRC),
      dst: cur.peek(Field.NW_DST),
      proto: cur.peek(Field.NW_PROTO),
      tos: cur.peek(Field.NW_TOS),
      ttl: cur.peek(Field.NW_TTL),
      frag: cur.peek(Field.NW_FRAG),
    });
  }
  if (d & Field.VLAN) appendVlanChanges(out, prev.peekVlans(), cur.peekVlans());
  if (d & Field.ICMP_DATA) {
    const data = cur.peekIcmpData();
    if (data !== null) out.push({ kind: 'set-icmp-data', data: data.slice() });
  }
  if (d & (Field.SRC_PORT | Field.DST_PORT)) {
    const proto = cur.peek(Field.NW_PROTO);
    const src = cur.peek(Field.SRC_PORT);
    const dst = cur.peek(Field.DST_PORT);
    if (proto === IpProto.TCP) out.push({ kind: 'set-tcp', src, dst });
    else if (proto === IpProto.UDP) out.push({ kind: 'set-udp', src, dst });
    else if (proto === IpProto.ICMP) out.push({ kind: 'set-icmp', type: src, code: dst });
  }
}

/**
 * VLAN stacks are compared from the inside out: tags beyond the common inner
 * part are popped from the old stack, then the new outer tags are pushed, inner
 * first. The last pushed (outermost) tag uses 0x8100, earlier ones 0x88a8.
 */
function appendVlanChanges(out: VirtualAction[], prev: readonly number[], cur: readonly number[]): void {
  let common = 0;
  while (
    common < prev.length &&
    common < cur.length &&
    prev[prev.length - 1 - common] === cur[cur.length - 1 - common]
  ) {
    common++;
  }
  for (let i = 0; i < prev.length - common; i++) out.push({ kind: 'pop-vlan' });
  const pushes = cur.length - common;
  for (let i = pushes - 1; i >= 0; i--) {
    out.push({ kind: 'push-vlan', tpid: i === 0 ? EtherType.VLAN : EtherType.QINQ, vid: cur[i]! });
  }
}
