/**
 * Scalar values in protobuf text format as protobuf-java 2.6.1 writes and reads
 * them: C-style byte escaping of strings, Java's `Float/Double.toString`, and the
 * integer syntax of the text parser (decimal, `0x` hex, leading-`0` octal).
 *
 * Why byte-for-byte: ZooKeeper holds the printed text, and an agent that
 * rewrites an object (port binding) must not churn fields it did not change.
 *
 * Pure functions; no I/O.
 */

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

export function utf8Bytes(s: string): Uint8Array {
  return utf8Encoder.encode(s);
}

/** Like Java's `new String(bytes, UTF_8)`: bad sequences become U+FFFD. */
export function utf8String(b: Uint8Array): string {
  return utf8Decoder.decode(b);
}

/**
 * protobuf-java 2.6 `TextFormat.escapeBytes`: named escapes for BEL BS FF LF CR
 * HT VT, backslash, both quotes; three-digit octal for other bytes below 0x20
 * and for every byte ≥ 0x80 (so non-ASCII text comes out as escaped UTF-8).
 * DEL (0x7f) is printed raw, as Java does.
 */
export function escapeBytes(b: Uint8Array): string {
  let out = '';
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    switch (c) {
      case 0x07: out += '\\a'; break;
      case 0x08: out += '\\b'; break;
      case 0x0c: out += '\\f'; break;
      case 0x0a: out += '\\n'; break;
      case 0x0d: out += '\\r'; break;
      case 0x09: out += '\\t'; break;
      case 0x0b: out += '\\v'; break;
      case 0x5c: out += '\\\\'; break;
      case 0x27: out += "\\'"; break;
      case 0x22: out += '\\"'; break;
      default:
        if (c >= 0x20 && c < 0x80) out += String.fromCharCode(c);
        else out += '\\' + ((c >> 6) & 3) + ((c >> 3) & 7) + (c & 7);
    }
  }
  return out;
}

export function escapeText(s: string): string {
  return escapeBytes(utf8Bytes(s));
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  a: 0x07, b: 0x08, f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09, v: 0x0b,
  '\\': 0x5c, "'": 0x27, '"': 0x22, '?': 0x3f,
};

/**
 * Body of one quoted token (quotes stripped) → bytes. Accepts what the Java
 * parser accepts: the named escapes, `\NNN` octal (1–3 digits), `\xH[H]` hex.
 * Returns a reason string on a bad escape.
 */
export function unescapeBytes(body: string): Uint8Array | string {
  const out: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\') {
      const code = body.charCodeAt(i);
      if (code < 0x80) out.push(code);
      else {
        // Copy a whole code point (surrogate pairs included) as UTF-8.
        const cp = body.codePointAt(i)!;
        const s = String.fromCodePoint(cp);
        for (const byte of utf8Bytes(s)) out.push(byte);
        i += s.length - 1;
      }
      continue;
    }
    i++;
    if (i >= body.length) return 'Invalid escape sequence: \'\\\' at end of string.';
    const e = body[i]!;
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      out.push(simple);
    } else if (e >= '0' && e <= '7') {
      let v = e.charCodeAt(0) - 48;
      for (let k = 0; k < 2 && i + 1 < body.length && body[i + 1]! >= '0' && body[i + 1]! <= '7'; k++) {
        i++;
        v = v * 8 + (body.charCodeAt(i) - 48);
      }
      out.push(v & 0xff);
    } else if (e === 'x' || e === 'X') {
      let v = 0;
      let n = 0;
      while (n < 2 && i + 1 < body.length && /[0-9a-fA-F]/.test(body[i + 1]!)) {
        i++;
        n++;
        v = v * 16 + parseInt(body[i]!, 16);
      }
      if (n === 0) return "Invalid escape sequence: '\\x' with no digits";
      out.push(v);
    } else {
      return `Invalid escape sequence: '\\${e}'`;
    }
  }
  return Uint8Array.from(out);
}

/** Java `Double.toString` (shortest round-trip digits, as JDK 19+ and nearly always JDK 8). */
export function javaDoubleToString(d: number): string {
  return javaDecimal(d, d.toExponential());
}

/** Java `Float.toString` of a float32 value. */
export function javaFloatToString(f: number): string {
  const v = Math.fround(f);
  if (!Number.isFinite(v) || v === 0) return javaDecimal(v, '');
  for (let p = 1; p <= 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return javaDecimal(v, Number(s).toExponential());
  }
  return javaDecimal(v, v.toExponential());
}

/** Lays out JS exponential digits (`1.2345e+2`) in Java's two notations. */
function javaDecimal(v: number, exponential: string): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const sign = v < 0 ? '-' : '';
  const m = /^-?(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(exponential);
  if (m === null) return String(v);
  const digits = m[1]! + (m[2] ?? '');
  const exp = Number(m[3]);
  const abs = Math.abs(v);
  if (abs >= 1e-3 && abs < 1e7) {
    if (exp >= 0) {
      const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
      const frac = digits.slice(exp + 1);
      return `${sign}${intPart}.${frac === '' ? '0' : frac}`;
    }
    return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  }
  const frac = digits.slice(1);
  return `${sign}${digits[0]}.${frac === '' ? '0' : frac}E${exp}`;
}

export type IntKind = 'int32' | 'uint32' | 'int64' | 'uint64';

const LIMITS: Readonly<Record<IntKind, readonly [bigint, bigint]>> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};

/**
 * protobuf-java `TextFormat.parseInteger`: optional `-` (signed kinds only),
 * then `0x` hex, `0` octal or decimal; range-checked. Returns a reason on error.
 */
export function parseJavaInteger(text: string, kind: IntKind): bigint | string {
  let s = text;
  let negative = false;
  if (s.startsWith('-')) {
    if (kind === 'uint32' || kind === 'uint64') return `Number must be positive: ${text}`;
    negative = true;
    s = s.slice(1);
  } else if (s.startsWith('+')) {
    s = s.slice(1);
  }
  let re = /^[0-9]+$/;
  let prefix = '';
  if (/^0[xX]/.test(s)) {
    s = s.slice(2);
    re = /^[0-9a-fA-F]+$/;
    prefix = '0x';
  } else if (s.length > 1 && s.startsWith('0')) {
    s = s.slice(1);
    re = /^[0-7]+$/;
    prefix = '0o';
  }
  if (!re.test(s)) return `Couldn't parse integer: ${text}`;
  let v = BigInt(prefix + s);
  if (negative) v = -v;
  const [lo, hi] = LIMITS[kind];
  if (v < lo || v > hi) {
    const bits = kind.endsWith('32') ? '32' : '64';
    const signed = kind.startsWith('u') ? 'unsigned' : 'signed';
    return `Number out of range for ${bits}-bit ${signed} integer: ${text}`;
  }
  return v;
}
