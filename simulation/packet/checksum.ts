/**
 * The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
 *
 * Words: a *sum* is the unfolded one's-complement accumulator of 16-bit
 * big-endian words (a plain number; doubles hold any realistic packet's sum
 * exactly); *fold* reduces it to 16 bits; the *checksum* written on the wire is
 * the complement of the folded sum. A buffer whose checksum field is correct sums
 * (with that field included) to 0xffff.
 *
 * The incremental form is what a rewrite needs: changing a 16-bit word m to m'
 * turns checksum HC into ~(~HC + ~m + m') (RFC 1624 eqn. 3), which keeps working
 * when the covered data are not at hand (a TCP checksum after a NAT of the IP
 * addresses, which sit in the pseudo-header).
 */

/** Adds the 16-bit words of b[off, off+len) to `acc`; an odd last byte is padded with zero. */
export function sum(b: Uint8Array, off: number, len: number, acc = 0): number {
  const end = off + len;
  let i = off;
  for (; i + 1 < end; i += 2) acc += (b[i]! << 8) | b[i + 1]!;
  if (i < end) acc += b[i]! << 8;
  return acc;
}

export function fold(acc: number): number {
  while (acc > 0xffff) acc = (acc & 0xffff) + Math.floor(acc / 0x10000);
  return acc;
}

/** The checksum to store for b[off, off+len) (field inside it zeroed), plus `acc`. */
export function checksum(b: Uint8Array, off: number, len: number, acc = 0): number {
  return ~fold(sum(b, off, len, acc)) & 0xffff;
}

/** True when b[off, off+len), checksum field included, plus `acc` verifies. */
export function verify(b: Uint8Array, off: number, len: number, acc = 0): boolean {
  return fold(sum(b, off, len, acc)) === 0xffff;
}

/** The IPv4 pseudo-header (RFC 793 §3.1, RFC 768) as an unfolded sum. */
export function pseudoHeaderSum(src: number, dst: number, proto: number, l4Length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + proto + l4Length;
}

/** The IPv4 header checksum for the header at `off`, skipping its checksum field. */
export function ipv4HeaderChecksum(b: Uint8Array, off: number, headerLength: number): number {
  const acc = sum(b, off, 10) + sum(b, off + 12, headerLength - 12);
  return ~fold(acc) & 0xffff;
}

/** Updates checksum `hc` for a 16-bit word changing from `oldWord` to `newWord`. */
export function update16(hc: number, oldWord: number, newWord: number): number {
  const acc = (~hc & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
  return ~fold(acc) & 0xffff;
}

/** Updates checksum `hc` for a 32-bit value (an IPv4 address) changing. */
export function update32(hc: number, oldValue: number, newValue: number): number {
  const acc =
    (~hc & 0xffff) +
    (~(oldValue >>> 16) & 0xffff) +
    (~oldValue & 0xffff) +
    ((newValue >>> 16) & 0xffff) +
    (newValue & 0xffff);
  return ~fold(acc) & 0xffff;
}

/** Reads the big-endian 16-bit word at `off`. */
export function word(b: Uint8Array, off: number): number {
  return (b[off]! << 8) | b[off + 1]!;
}
