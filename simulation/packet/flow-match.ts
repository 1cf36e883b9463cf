/**
 * FlowMatch: the header fields of one packet, as the simulation sees them.
 *
 * A FlowMatch is filled either from raw frame bytes (packet/parse.ts) or from the
 * kernel's upcall key list (agent/datapath/odp-flow-key.ts); both produce the same
 * type, and replay tests check that they agree.
 *
 * Words:
 *  - field: one header value (eth src, ip dst, ...), named by a bit in `Field`.
 *  - present: the field exists in this packet (a TCP port is not present in an ARP
 *    frame). Set by whoever fills the match.
 *  - seen: the simulation read the field. Every getter marks its bit; setters do
 *    not. The installed kernel flow's wildcard mask is exactly seen ∧ present, so a
 *    device that decides on a field MUST read it through the getter. A missing seen
 *    bit misroutes later packets; an extra one only costs a narrower flow.
 *  - userspace-only fields (ICMP identifier, ICMP error data, the userspace mark)
 *    have no kernel mask; reading them means no kernel flow can be installed.
 *
 * Layout: plain numeric fields, no objects per header, so a pooled match is reset
 * and copied without allocation. MACs are 48-bit integers (exact in a double),
 * IPv4 addresses unsigned 32-bit integers. For ARP, nwSrc/nwDst hold the sender and
 * target protocol addresses and nwProto the opcode's low byte, as MidoNet does.
 * For ICMP, srcPort/dstPort hold the type and code.
 */

/** One bit per field; `seen` and `present` are unions of these. */
export const Field = {
  IN_PORT: 1 << 0,
  TUNNEL_KEY: 1 << 1,
  TUNNEL_SRC: 1 << 2,
  TUNNEL_DST: 1 << 3,
  TUNNEL_TOS: 1 << 4,
  TUNNEL_TTL: 1 << 5,
  ETH_SRC: 1 << 6,
  ETH_DST: 1 << 7,
  ETHER_TYPE: 1 << 8,
  VLAN: 1 << 9,
  NW_SRC: 1 << 10,
  NW_DST: 1 << 11,
  NW_PROTO: 1 << 12,
  NW_TOS: 1 << 13,
  NW_TTL: 1 << 14,
  NW_FRAG: 1 << 15,
  SRC_PORT: 1 << 16,
  DST_PORT: 1 << 17,
  ICMP_ID: 1 << 18,
  ICMP_DATA: 1 << 19,
  USERSPACE_MARK: 1 << 20,
  ARP_SHA: 1 << 21,
  ARP_THA: 1 << 22,
} as const;
export type FieldBit = (typeof Field)[keyof typeof Field];

/** Fields whose reading forbids a kernel flow (MidoNet's userspace-only keys). */
export const USERSPACE_FIELDS = Field.ICMP_ID | Field.ICMP_DATA | Field.USERSPACE_MARK;
export const TUNNEL_FIELDS =
  Field.TUNNEL_KEY | Field.TUNNEL_SRC | Field.TUNNEL_DST | Field.TUNNEL_TOS | Field.TUNNEL_TTL;
export const L2_FIELDS = Field.ETH_SRC | Field.ETH_DST | Field.ETHER_TYPE | Field.VLAN;
export const L3_FIELDS =
  Field.NW_SRC | Field.NW_DST | Field.NW_PROTO | Field.NW_TOS | Field.NW_TTL | Field.NW_FRAG;
export const L4_FIELDS = Field.SRC_PORT | Field.DST_PORT | Field.ICMP_ID | Field.ICMP_DATA;

export const EtherType = {
  IPV4: 0x0800,
  ARP: 0x0806,
  IPV6: 0x86dd,
  VLAN: 0x8100,
  QINQ: 0x88a8,
  /** MidoNet's marker for 802.2/802.3 frames, which carry a length, not a type. */
  NONE: 0x05ff,
} as const;

export const IpProto = { ICMP: 1, TCP: 6, UDP: 17, ICMPV6: 58 } as const;

/** ipv4_frag / ipv6_frag as the kernel encodes it. */
export const IpFrag = { NONE: 0, FIRST: 1, LATER: 2 } as const;
export type IpFragType = (typeof IpFrag)[keyof typeof IpFrag];

export class FlowMatch {
  /** Fields read by the simulation (the wildcard mask). */
  seen = 0;
  /** Fields present in this packet. */
  present = 0;

  private _inPort = 0;
  private _tunnelKey = 0;
  private _tunnelSrc = 0;
  private _tunnelDst = 0;
  private _tunnelTos = 0;
  private _tunnelTtl = 0;
  private _ethSrc = 0;
  private _ethDst = 0;
  private _etherType: number = EtherType.NONE;
  /** VLAN ids, outermost first. Reused across resets. */
  private readonly _vlans: number[] = [];
  private _nwSrc = 0;
  private _nwDst = 0;
  // IPv6 addresses, allocated on first use: most matches are never IPv6, and
  // a result clones its match on every simulation.
  private _src6: Uint8Array | null = null;
  private _dst6: Uint8Array | null = null;
  /** IPv6 source (16 bytes, writable); meaningful only when etherType is IPv6. */
  get nwSrc6(): Uint8Array {
    return (this._src6 ??= new Uint8Array(16));
  }
  /** IPv6 destination (16 bytes, writable); meaningful only when etherType is IPv6. */
  get nwDst6(): Uint8Array {
    return (this._dst6 ??= new Uint8Array(16));
  }
  private _nwProto = 0;
  private _nwTos = 0;
  private _nwTtl = 0;
  private _nwFrag: IpFragType = IpFrag.NONE;
  private _srcPort = 0;
  private _dstPort = 0;
  private _icmpId = 0;
  private _icmpData: Uint8Array | null = null;
  private _arpSha = 0;
  private _arpTha = 0;
  /** TCP flags of the packet (never in a mask; informational). */
  tcpFlags = 0;

  reset(): void {
    this.seen = 0;
    this.present = 0;
    this._inPort = 0;
    this._tunnelKey = 0;
    this._tunnelSrc = 0;
    this._tunnelDst = 0;
    this._tunnelTos = 0;
    this._tunnelTtl = 0;
    this._ethSrc = 0;
    this._ethDst = 0;
    this._etherType = EtherType.NONE;
    // Truncate without releasing the backing store (length = 0 would, and the
    // next tagged frame would allocate it again).
    while (this._vlans.length > 0) this._vlans.pop();
    this._nwSrc = 0;
    this._nwDst = 0;
    // IPv6 addresses are only meaningful (and only written) with an IPv6
    // ethertype; clearing them otherwise costs more than the parse itself.
    if (this._etherType === EtherType.IPV6) {
      this._src6?.fill(0);
      this._dst6?.fill(0);
    }
    this._nwProto = 0;
    this._nwTos = 0;
    this._nwTtl = 0;
    this._nwFrag = IpFrag.NONE;
    this._srcPort = 0;
    this._dstPort = 0;
    this._icmpId = 0;
    this._icmpData = null;
    this._arpSha = 0;
    this._arpTha = 0;
    this.tcpFlags = 0;
  }

  /** Copies every value and the present bits; `seen` is copied too. */
  copyFrom(o: FlowMatch): void {
    this.seen = o.seen;
    this.present = o.present;
    this._inPort = o._inPort;
    this._tunnelKey = o._tunnelKey;
    this._tunnelSrc = o._tunnelSrc;
    this._tunnelDst = o._tunnelDst;
    this._tunnelTos = o._tunnelTos;
    this._tunnelTtl = o._tunnelTtl;
    this._ethSrc = o._ethSrc;
    this._ethDst = o._ethDst;
    this._etherType = o._etherType;
    const v = this._vlans;
    v.length = 0;
    for (let i = 0; i < o._vlans.length; i++) v.push(o._vlans[i]!);
    this._nwSrc = o._nwSrc;
    this._nwDst = o._nwDst;
    // (etherType was copied above: this is o's, so stale bytes of a former
    // IPv6 packet here are only ever compared or read under an IPv6 type, and
    // an IPv6 copy always overwrites them.)
    if (o._etherType === EtherType.IPV6) {
      this.nwSrc6.set(o.nwSrc6);
      this.nwDst6.set(o.nwDst6);
    }
    this._nwProto = o._nwProto;
    this._nwTos = o._nwTos;
    this._nwTtl = o._nwTtl;
    this._nwFrag = o._nwFrag;
    this._srcPort = o._srcPort;
    this._dstPort = o._dstPort;
    this._icmpId = o._icmpId;
    this._icmpData = o._icmpData;
    this._arpSha = o._arpSha;
    this._arpTha = o._arpTha;
    this.tcpFlags = o.tcpFlags;
  }

  clone(): FlowMatch {
    const m = new FlowMatch();
    m.copyFrom(this);
    return m;
  }

  isSeen(f: number): boolean {
    return (this.seen & f) !== 0;
  }
  isPresent(f: number): boolean {
    return (this.present & f) !== 0;
  }
  /** Marks fields as read without reading them (e.g. a hash that must not widen). */
  markSeen(f: number): void {
    this.seen |= f;
  }

  // --- getters: every read marks the field seen -------------------------------

  get inPort(): number {
    this.seen |= Field.IN_PORT;
    return this._inPort;
  }
  get tunnelKey(): number {
    this.seen |= Field.TUNNEL_KEY;
    return this._tunnelKey;
  }
  get tunnelSrc(): number {
    this.seen |= Field.TUNNEL_SRC;
    return this._tunnelSrc;
  }
  get tunnelDst(): number {
    this.seen |= Field.TUNNEL_DST;
    return this._tunnelDst;
  }
  get tunnelTos(): number {
    this.seen |= Field.TUNNEL_TOS;
    return this._tunnelTos;
  }
  get tunnelTtl(): number {
    this.seen |= Field.TUNNEL_TTL;
    return this._tunnelTtl;
  }
  get ethSrc(): number {
    this.seen |= Field.ETH_SRC;
    return this._ethSrc;
  }
  get ethDst(): number {
    this.seen |= Field.ETH_DST;
    return this._ethDst;
  }
  get etherType(): number {
    this.seen |= Field.ETHER_TYPE;
    return this._etherType;
  }
  /** VLAN ids, outermost first. The array is owned by the match: do not keep it. */
  get vlanIds(): readonly number[] {
    this.seen |= Field.VLAN;
    return this._vlans;
  }
  get nwSrc(): number {
    this.seen |= Field.NW_SRC;
    return this._nwSrc;
  }
  get nwDst(): number {
    this.seen |= Field.NW_DST;
    return this._nwDst;
  }
  get nwProto(): number {
    this.seen |= Field.NW_PROTO;
    return this._nwProto;
  }
  get nwTos(): number {
    this.seen |= Field.NW_TOS;
    return this._nwTos;
  }
  get nwTtl(): number {
    this.seen |= Field.NW_TTL;
    return this._nwTtl;
  }
  get nwFrag(): IpFragType {
    this.seen |= Field.NW_FRAG;
    return this._nwFrag;
  }
  get srcPort(): number {
    this.seen |= Field.SRC_PORT;
    return this._srcPort;
  }
  get dstPort(): number {
    this.seen |= Field.DST_PORT;
    return this._dstPort;
  }
  get icmpId(): number {
    this.seen |= Field.ICMP_ID;
    return this._icmpId;
  }
  /** The ICMP error payload (quoted IP header and more); a view, not a copy. */
  get icmpData(): Uint8Array | null {
    this.seen |= Field.ICMP_DATA;
    return this._icmpData;
  }
  get arpSha(): number {
    this.seen |= Field.ARP_SHA;
    return this._arpSha;
  }
  get arpTha(): number {
    this.seen |= Field.ARP_THA;
    return this._arpTha;
  }

  // --- setters: rewrite the value, mark present, never mark seen --------------

  set inPort(v: number) {
    this._inPort = v;
    this.present |= Field.IN_PORT;
  }
  set tunnelKey(v: number) {
    this._tunnelKey = v;
    this.present |= Field.TUNNEL_KEY;
  }
  set tunnelSrc(v: number) {
    this._tunnelSrc = v >>> 0;
    this.present |= Field.TUNNEL_SRC;
  }
  set tunnelDst(v: number) {
    this._tunnelDst = v >>> 0;
    this.present |= Field.TUNNEL_DST;
  }
  set tunnelTos(v: number) {
    this._tunnelTos = v & 0xff;
    this.present |= Field.TUNNEL_TOS;
  }
  set tunnelTtl(v: number) {
    this._tunnelTtl = v & 0xff;
    this.present |= Field.TUNNEL_TTL;
  }
  set ethSrc(v: number) {
    this._ethSrc = v;
    this.present |= Field.ETH_SRC;
  }
  set ethDst(v: number) {
    this._ethDst = v;
    this.present |= Field.ETH_DST;
  }
  set etherType(v: number) {
    this._etherType = v & 0xffff;
    this.present |= Field.ETHER_TYPE;
  }
  set nwSrc(v: number) {
    this._nwSrc = v >>> 0;
    this.present |= Field.NW_SRC;
  }
  set nwDst(v: number) {
    this._nwDst = v >>> 0;
    this.present |= Field.NW_DST;
  }
  set nwProto(v: number) {
    this._nwProto = v & 0xff;
    this.present |= Field.NW_PROTO;
  }
  set nwTos(v: number) {
    this._nwTos = v & 0xff;
    this.present |= Field.NW_TOS;
  }
  set nwTtl(v: number) {
    this._nwTtl = v & 0xff;
    this.present |= Field.NW_TTL;
  }
  set nwFrag(v: IpFragType) {
    this._nwFrag = v;
    this.present |= Field.NW_FRAG;
  }
  set srcPort(v: number) {
    this._srcPort = v & 0xffff;
    this.present |= Field.SRC_PORT;
  }
  set dstPort(v: number) {
    this._dstPort = v & 0xffff;
    this.present |= Field.DST_PORT;
  }
  set icmpId(v: number) {
    this._icmpId = v & 0xffff;
    this.present |= Field.ICMP_ID;
  }
  set icmpData(v: Uint8Array | null) {
    this._icmpData = v;
    if (v === null) this.present &= ~Field.ICMP_DATA;
    else this.present |= Field.ICMP_DATA;
  }
  set arpSha(v: number) {
    this._arpSha = v;
    this.present |= Field.ARP_SHA;
  }
  set arpTha(v: number) {
    this._arpTha = v;
    this.present |= Field.ARP_THA;
  }

  // --- VLAN stack --------------------------------------------------------------

  /** Pushes a VLAN id as the new outermost tag. */
  pushVlan(vid: number): void {
    this._vlans.unshift(vid & 0xfff);
    this.present |= Field.VLAN;
  }
  /** Removes the outermost tag; returns it, or -1 if the frame was untagged. */
  popVlan(): number {
    const v = this._vlans.shift();
    if (this._vlans.length === 0) this.present &= ~Field.VLAN;
    return v ?? -1;
  }
  /** Removes one given VLAN id wherever it is in the stack (MidoNet's removeVlanId). */
  removeVlan(vid: number): boolean {
    const i = this._vlans.indexOf(vid);
    if (i < 0) return false;
    this._vlans.splice(i, 1);
    if (this._vlans.length === 0) this.present &= ~Field.VLAN;
    return true;
  }
  /** Appends a VLAN id as the next inner tag (parsers fill outer to inner). */
  addInnerVlan(vid: number): void {
    this._vlans.push(vid & 0xfff);
    this.present |= Field.VLAN;
  }
  /** Number of VLAN tags, without marking VLAN seen (for bookkeeping only). */
  vlanCount(): number {
    return this._vlans.length;
  }

  // --- raw access for codecs and diffing: never marks seen ----------------------

  /**
   * Reads a field's value without marking it seen. For codecs (odp keys, flow
   * text, frame rewriting) and for the diff that produces set-field actions, never
   * for a simulation decision.
   */
  peek(f: FieldBit): number {
    switch (f) {
      case Field.IN_PORT: return this._inPort;
      case Field.TUNNEL_KEY: return this._tunnelKey;
      case Field.TUNNEL_SRC: return this._tunnelSrc;
      case Field.TUNNEL_DST: return this._tunnelDst;
      case Field.TUNNEL_TOS: return this._tunnelTos;
      case Field.TUNNEL_TTL: return this._tunnelTtl;
      case Field.ETH_SRC: return this._ethSrc;
      case Field.ETH_DST: return this._ethDst;
      case Field.ETHER_TYPE: return this._etherType;
      case Field.VLAN: return this._vlans.length > 0 ? this._vlans[0]! : -1;
      case Field.NW_SRC: return this._nwSrc;
      case Field.NW_DST: return this._nwDst;
      case Field.NW_PROTO: return this._nwProto;
      case Field.NW_TOS: return this._nwTos;
      case Field.NW_TTL: return this._nwTtl;
      case Field.NW_FRAG: return this._nwFrag;
      case Field.SRC_PORT: return this._srcPort;
      case Field.DST_PORT: return this._dstPort;
      case Field.ICMP_ID: return this._icmpId;
      case Field.ICMP_DATA: return this._icmpData === null ? 0 : this._icmpData.length;
      case Field.USERSPACE_MARK: return 0;
      case Field.ARP_SHA: return this._arpSha;
      case Field.ARP_THA: return this._arpTha;
    }
    return 0;
  }
  /** The VLAN stack without marking it seen. */
  peekVlans(): readonly number[] {
    return this._vlans;
  }
  peekIcmpData(): Uint8Array | null {
    return this._icmpData;
  }

  /** Bits of the fields whose values differ from `o` (VLAN compares the stacks). */
  diff(o: FlowMatch): number {
    let d = 0;
    if (this._inPort !== o._inPort) d |= Field.IN_PORT;
    if (this._tunnelKey !== o._tunnelKey) d |= Field.TUNNEL_KEY;
    if (this._tunnelSrc !== o._tunnelSrc) d |= Field.TUNNEL_SRC;
    if (this._tunnelDst !== o._tunnelDst) d |= Field.TUNNEL_DST;
    if (this._tunnelTos !== o._tunnelTos) d |= Field.TUNNEL_TOS;
    if (this._tunnelTtl !== o._tunnelTtl) d |= Field.TUNNEL_TTL;
    if (this._ethSrc !== o._ethSrc) d |= Field.ETH_SRC;
    if (this._ethDst !== o._ethDst) d |= Field.ETH_DST;
    if (this._etherType !== o._etherType) d |= Field.ETHER_TYPE;
    if (!sameVlans(this._vlans, o._vlans)) d |= Field.VLAN;
    const v6 = this._etherType === EtherType.IPV6 && o._etherType === EtherType.IPV6;
    if (this._nwSrc !== o._nwSrc || (v6 && !sameBytes(this.nwSrc6, o.nwSrc6))) d |= Field.NW_SRC;
    if (this._nwDst !== o._nwDst || (v6 && !sameBytes(this.nwDst6, o.nwDst6))) d |= Field.NW_DST;
    if (this._nwProto !== o._nwProto) d |= Field.NW_PROTO;
    if (this._nwTos !== o._nwTos) d |= Field.NW_TOS;
    if (this._nwTtl !== o._nwTtl) d |= Field.NW_TTL;
    if (this._nwFrag !== o._nwFrag) d |= Field.NW_FRAG;
    if (this._srcPort !== o._srcPort) d |= Field.SRC_PORT;
    if (this._dstPort !== o._dstPort) d |= Field.DST_PORT;
    if (this._icmpId !== o._icmpId) d |= Field.ICMP_ID;
    if (this._icmpData !== o._icmpData) d |= Field.ICMP_DATA;
    if (this._arpSha !== o._arpSha) d |= Field.ARP_SHA;
    if (this._arpTha !== o._arpTha) d |= Field.ARP_THA;
    return d;
  }

  isIPv4(): boolean {
    return this._etherType === EtherType.IPV4;
  }
  isIPv6(): boolean {
    return this._etherType === EtherType.IPV6;
  }
  isArp(): boolean {
    return this._etherType === EtherType.ARP;
  }
  /** True when the packet carries transport ports or ICMP type/code. */
  hasL4(): boolean {
    return (this.present & (Field.SRC_PORT | Field.DST_PORT)) !== 0;
  }
}

/**
 * The stored values of a match, for codecs on the hot path (the kernel key
 * encoder): plain property reads, where `peek(field)` would switch on the
 * field. Reading these never marks a field seen. Not for simulation decisions.
 */
export interface FlowMatchValues {
  readonly _inPort: number;
  readonly _tunnelKey: number;
  readonly _tunnelSrc: number;
  readonly _tunnelDst: number;
  readonly _tunnelTos: number;
  readonly _tunnelTtl: number;
  readonly _ethSrc: number;
  readonly _ethDst: number;
  readonly _etherType: number;
  readonly _nwSrc: number;
  readonly _nwDst: number;
  readonly _nwProto: number;
  readonly _nwTos: number;
  readonly _nwTtl: number;
  readonly _nwFrag: IpFragType;
  readonly _srcPort: number;
  readonly _dstPort: number;
  readonly _arpSha: number;
  readonly _arpTha: number;
}

export function valuesOf(m: FlowMatch): FlowMatchValues {
  return m as unknown as FlowMatchValues;
}

function sameVlans(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
