/**
 * 802.1Q / 802.1ad VLAN tag view. A tag sits where the EtherType would be: the
 * frame's type field holds the tag protocol identifier (TPID), then comes the tag
 * control information (TCI), then the next type field (another TPID for QinQ, or
 * the payload's EtherType).
 *
 * TPIDs recognised: 0x8100 (802.1Q, customer tag), 0x88a8 (802.1ad, service tag)
 * and 0x9100 (the pre-standard QinQ value some switches still send). The kernel
 * keys at most two tags (outer `vlan`, inner `cvlan`); parse.ts stops there too.
 *
 * Offsets are relative to the TPID, i.e. to the type field of the enclosing header.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |   TPID (0x8100/0x88a8/0x9100) | PCP |D|        VLAN id        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |     next type / TPID          |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */

export const TPID = 0;
export const TCI = 2;
export const NEXT_TYPE = 4;
/** Bytes a tag adds to a frame. */
export const TAG_LENGTH = 4;

export const TPID_8021Q = 0x8100;
export const TPID_8021AD = 0x88a8;
export const TPID_QINQ_OLD = 0x9100;

/** Most tags the kernel flow key (and so the parser) records. */
export const MAX_TAGS = 2;

export function isTpid(t: number): boolean {
  return t === TPID_8021Q || t === TPID_8021AD || t === TPID_QINQ_OLD;
}

/** A tag needs its TCI and the following type field. */
export function isValid(_b: Uint8Array, _off: number, len: number): boolean {
  return len >= TAG_LENGTH + 2;
}

export function tpid(b: Uint8Array, off: number): number {
  return (b[off + TPID]! << 8) | b[off + TPID + 1]!;
}
export function tci(b: Uint8Array, off: number): number {
  return (b[off + TCI]! << 8) | b[off + TCI + 1]!;
}
export function vid(b: Uint8Array, off: number): number {
  return tci(b, off) & 0x0fff;
}
export function pcp(b: Uint8Array, off: number): number {
  return b[off + TCI]! >> 5;
}
export function dei(b: Uint8Array, off: number): boolean {
  return (b[off + TCI]! & 0x10) !== 0;
}
export function nextType(b: Uint8Array, off: number): number {
  return (b[off + NEXT_TYPE]! << 8) | b[off + NEXT_TYPE + 1]!;
}

/** Writes a whole tag (TPID and TCI) at `off`. */
export function write(b: Uint8Array, off: number, tpidValue: number, tciValue: number): void {
  b[off + TPID] = (tpidValue >> 8) & 0xff;
  b[off + TPID + 1] = tpidValue & 0xff;
  b[off + TCI] = (tciValue >> 8) & 0xff;
  b[off + TCI + 1] = tciValue & 0xff;
}
