/**
 * OVS_ACTION_ATTR_* records ↔ bytes (datapath.md §2.3).
 *
 * Words:
 *  - action list: the attributes inside OVS_FLOW_ATTR_ACTIONS or
 *    OVS_PACKET_ATTR_ACTIONS. `encodeActions` writes the list only; the caller
 *    opens the container, and MUST open it even for an empty list: an empty
 *    ACTIONS container is how a drop flow is said.
 *  - SET: a container holding exactly one key attribute with the FULL struct
 *    (eth, ipv4, ipv6, tcp, udp, icmp, tunnel). The kernel checks an IPv4 SET's
 *    proto/frag and an L4 SET's proto against the flow's masked key; the
 *    translator copies them from the match and the mask forces them exact.
 *  - PUSH_VLAN: {tpid be16, tci be16}; the CFI bit is forced on when written
 *    (the kernel refuses a TCI without it).
 *  - SAMPLE: parsed when the kernel reports it; MidoNet never generates it.
 *
 * Containers MidoNet writes (SET, USERSPACE, SAMPLE and its ACTIONS) carry
 * NLA_F_NESTED. Decoding keeps unknown actions as raw bytes (never drops them),
 * so a dumped list re-encodes byte-for-byte.
 */

import type { NlWriter } from './nl-writer.js';
import { getBe16, getU16, getU32, type NlParseResult } from './nl-reader.js';
import { NLA_HDRLEN, NLA_TYPE_MASK, nlAlign } from './nl-constants.js';
import { decodeKeyAttr, encodeKeyAttr } from './odp-key-attrs.js';
import {
  OVS_ACTION_ATTR_OUTPUT, OVS_ACTION_ATTR_POP_VLAN, OVS_ACTION_ATTR_PUSH_VLAN,
  OVS_ACTION_ATTR_RECIRC, OVS_ACTION_ATTR_SAMPLE, OVS_ACTION_ATTR_SET,
  OVS_ACTION_ATTR_USERSPACE, OVS_SAMPLE_ATTR_ACTIONS, OVS_SAMPLE_ATTR_PROBABILITY,
  OVS_USERSPACE_ATTR_EGRESS_TUN_PORT, OVS_USERSPACE_ATTR_PID, OVS_USERSPACE_ATTR_USERDATA,
  VLAN_CFI,
  type OdpAction, type OdpKeyAttr,
} from './odp-types.js';

// --- constructors (for the translator and tests) ---------------------------------

export const output = (port: number): OdpAction => ({ kind: 'output', port });
export const setKey = (key: OdpKeyAttr): OdpAction => ({ kind: 'set', key });
export const popVlan: OdpAction = Object.freeze({ kind: 'pop_vlan' });
export const pushVlan = (vid: number, pcp = 0, tpid = 0x8100): OdpAction => ({
  kind: 'push_vlan', tpid, tci: ((pcp & 7) << 13) | VLAN_CFI | (vid & 0x0fff),
});

// --- encode --------------------------------------------------------------------

export function encodeActions(w: NlWriter, actions: readonly OdpAction[]): void {
  for (let i = 0; i < actions.length; i++) encodeAction(w, actions[i]!);
}

export function encodeAction(w: NlWriter, a: OdpAction): void {
  switch (a.kind) {
    case 'output': return w.putU32(OVS_ACTION_ATTR_OUTPUT, a.port);
    case 'userspace': {
      const n = w.beginNested(OVS_ACTION_ATTR_USERSPACE);
      w.putU32(OVS_USERSPACE_ATTR_PID, a.pid);
      if (a.userdata !== undefined) w.putBytes(OVS_USERSPACE_ATTR_USERDATA, a.userdata);
      if (a.egressTunPort !== undefined) w.putU32(OVS_USERSPACE_ATTR_EGRESS_TUN_PORT, a.egressTunPort);
      w.endNested(n);
      return;
    }
    case 'set': {
      const n = w.beginNested(OVS_ACTION_ATTR_SET);
      encodeKeyAttr(w, a.key);
      w.endNested(n);
      return;
    }
    case 'push_vlan': {
      const p = w.putAttrHeader(OVS_ACTION_ATTR_PUSH_VLAN, 4);
      w.view.setUint16(p, a.tpid, false);
      w.view.setUint16(p + 2, a.tci | VLAN_CFI, false);
      return;
    }
    case 'pop_vlan': return w.putFlag(OVS_ACTION_ATTR_POP_VLAN);
    case 'sample': {
      const n = w.beginNested(OVS_ACTION_ATTR_SAMPLE);
      w.putU32(OVS_SAMPLE_ATTR_PROBABILITY, a.probability);
      const acts = w.beginNested(OVS_SAMPLE_ATTR_ACTIONS);
      encodeActions(w, a.actions);
      w.endNested(acts);
      w.endNested(n);
      return;
    }
    case 'recirc': return w.putU32(OVS_ACTION_ATTR_RECIRC, a.id);
    case 'unknown': return w.putBytes(a.type, a.bytes);
  }
}

// --- decode --------------------------------------------------------------------

/** Decodes an action list; a malformed action rejects the whole list. */
export function decodeActions(b: Uint8Array, off: number, len: number): NlParseResult<OdpAction[]> {
  const out: OdpAction[] = [];
  const end = off + len;
  let p = off;
  while (p + NLA_HDRLEN <= end) {
    const alen = getU16(b, p);
    if (alen < NLA_HDRLEN || p + alen > end) return { ok: false, reason: `action header at ${p - off} overruns the list` };
    const type = getU16(b, p + 2) & NLA_TYPE_MASK;
    const r = decodeAction(b, p + NLA_HDRLEN, alen - NLA_HDRLEN, type);
    if (typeof r === 'string') return { ok: false, reason: r };
    out.push(r);
    p += nlAlign(alen);
  }
  return { ok: true, value: out };
}

function decodeAction(b: Uint8Array, o: number, l: number, type: number): OdpAction | string {
  switch (type) {
    case OVS_ACTION_ATTR_OUTPUT:
      return l === 4 ? { kind: 'output', port: getU32(b, o) } : `output: length ${l}`;
    case OVS_ACTION_ATTR_RECIRC:
      return l === 4 ? { kind: 'recirc', id: getU32(b, o) } : `recirc: length ${l}`;
    case OVS_ACTION_ATTR_POP_VLAN:
      return l === 0 ? { kind: 'pop_vlan' } : `pop_vlan: length ${l}`;
    case OVS_ACTION_ATTR_PUSH_VLAN:
      return l === 4 ? { kind: 'push_vlan', tpid: getBe16(b, o), tci: getBe16(b, o + 2) } : `push_vlan: length ${l}`;
    case OVS_ACTION_ATTR_SET: {
      if (l < NLA_HDRLEN) return 'set: empty';
      const alen = getU16(b, o);
      if (alen < NLA_HDRLEN || alen > l || nlAlign(alen) < l) return 'set: must hold exactly one key attribute';
      const key = decodeKeyAttr(b, o + NLA_HDRLEN, alen - NLA_HDRLEN, getU16(b, o + 2) & NLA_TYPE_MASK);
      return typeof key === 'string' ? `set: ${key}` : { kind: 'set', key };
    }
    case OVS_ACTION_ATTR_USERSPACE: return decodeUserspace(b, o, l);
    case OVS_ACTION_ATTR_SAMPLE: return decodeSample(b, o, l);
    default: return { kind: 'unknown', type, bytes: b.slice(o, o + l) };
  }
}

function decodeUserspace(b: Uint8Array, off: number, len: number): OdpAction | string {
  let pid = -1;
  let userdata: Uint8Array | undefined;
  let egress: number | undefined;
  const end = off + len;
  for (let p = off; p + NLA_HDRLEN <= end; ) {
    const alen = getU16(b, p);
    if (alen < NLA_HDRLEN || p + alen > end) return 'userspace: bad attribute';
    const t = getU16(b, p + 2) & NLA_TYPE_MASK;
    const o = p + NLA_HDRLEN;
    if (t === OVS_USERSPACE_ATTR_PID && alen === 8) pid = getU32(b, o);
    else if (t === OVS_USERSPACE_ATTR_USERDATA) userdata = b.slice(o, p + alen);
    else if (t === OVS_USERSPACE_ATTR_EGRESS_TUN_PORT && alen === 8) egress = getU32(b, o);
    p += nlAlign(alen);
  }
  if (pid < 0) return 'userspace: no pid';
  return {
    kind: 'userspace', pid,
    ...(userdata !== undefined ? { userdata } : {}),
    ...(egress !== undefined ? { egressTunPort: egress } : {}),
  };
}

function decodeSample(b: Uint8Array, off: number, len: number): OdpAction | string {
  let probability = -1;
  let actions: OdpAction[] | null = null;
  const end = off + len;
  for (let p = off; p + NLA_HDRLEN <= end; ) {
    const alen = getU16(b, p);
    if (alen < NLA_HDRLEN || p + alen > end) return 'sample: bad attribute';
    const t = getU16(b, p + 2) & NLA_TYPE_MASK;
    if (t === OVS_SAMPLE_ATTR_PROBABILITY && alen === 8) probability = getU32(b, p + NLA_HDRLEN);
    else if (t === OVS_SAMPLE_ATTR_ACTIONS) {
      const r = decodeActions(b, p + NLA_HDRLEN, alen - NLA_HDRLEN);
      if (!r.ok) return `sample: ${r.reason}`;
      actions = r.value;
    }
    p += nlAlign(alen);
  }
  if (probability < 0 || actions === null) return 'sample: needs probability and actions';
  return { kind: 'sample', probability, actions };
}
