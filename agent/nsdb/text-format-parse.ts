/**
 * Protobuf text format → ProtoMessage, accepting what protobuf-java 2.6.1's
 * `TextFormat.Parser` accepts with `allowUnknownFields` set (as MidoNet's
 * ZoomSerializer configures it), and a little more:
 *
 *  - `name: { … }`, `name { … }` and `<` `>` delimiters for sub-messages;
 *  - `#` comments; `;` or `,` after a field; `[a, b]` lists for repeated scalars;
 *  - strings in single or double quotes with C escapes, adjacent strings joined;
 *  - integers in decimal, `0x` hex or leading-`0` octal; enums by name or number;
 *    bools as true/t/1/false/f/0; floats with `inf`/`nan`/`f` suffix;
 *  - a repeated singular field: the last value wins (Java's default policy).
 *
 * Unknown fields — an unknown name, an `[extension]`, a numeric name, or an enum
 * value this schema lacks (a newer MidoNet) — never fail the object: they are
 * kept as unknown entries (see text-format.ts) anchored after the preceding
 * known field, normalized to printed form (`:` dropped before `{`, `<>` → `{}`,
 * value tokens verbatim), so MidoNet-printed text re-prints byte for byte.
 * Required fields are not checked (Java checks them in build(), after merge).
 */
import { ProtoTextError } from './proto-errors.js';
import { enumType, messageType, resolveMessage, type FieldDesc, type MessageDesc } from './proto/index.js';
import { makeUnknownEntry, type ProtoMessage, type ProtoValue } from './text-format.js';
import { parseJavaInteger, unescapeBytes, utf8String, type IntKind } from './text-format-scalars.js';
import { Tokenizer, type Token } from './text-format-tokenizer.js';

/** Deeper nesting than any MidoNet message has; protects the stack from bad input. */
const MAX_DEPTH = 64;

/** Parses text (or its UTF-8 bytes) as message `type`. Throws ProtoTextError. */
export function parseMessage(type: MessageDesc | string, text: string | Uint8Array): ProtoMessage {
  const tok = new Tokenizer(typeof text === 'string' ? text : utf8String(text));
  return parseFields(resolveMessage(type), tok, null, 0);
}

const UNKNOWN_ENUM: unique symbol = Symbol('unknown-enum');
type Scalar = ProtoValue | typeof UNKNOWN_ENUM;

function parseFields(desc: MessageDesc, tok: Tokenizer, end: string | null, depth: number): ProtoMessage {
  if (depth > MAX_DEPTH) throw tok.error('Message nesting too deep.');
  const out: Record<string, ProtoValue | ProtoValue[]> = {};
  const unknown: string[] = [];
  let lastNumber = 0;
  for (;;) {
    if (end === null ? tok.atEnd() : tok.tryConsume(end)) break;
    if (tok.atEnd()) throw tok.error(`Expected "${end ?? ''}".`);
    const nameTok = tok.peek();
    const name = readFieldName(tok);
    const field = desc.byName.get(name);
    if (field === undefined) {
      unknown.push(makeUnknownEntry(captureUnknownField(name, tok, depth).join('\n'), lastNumber));
    } else if (field.kind === 'message') {
      tok.tryConsume(':');
      const close = openBlock(tok);
      store(out, field, parseFields(messageType(field.type), tok, close, depth + 1));
      lastNumber = field.number;
    } else {
      tok.consume(':');
      const valueStart = tok.peek();
      const values: Scalar[] = field.label === 'repeated' && tok.lookingAt('[')
        ? parseList<Scalar>(tok, () => parseScalar(field, tok))
        : [parseScalar(field, tok)];
      for (const v of values) {
        if (v === UNKNOWN_ENUM) {
          unknown.push(makeUnknownEntry(`${name}: ${valueStart.text}`, lastNumber));
          if (values.length > 1) throw tok.error(`Unknown enum value in list: ${valueStart.text}`, nameTok);
        } else {
          store(out, field, v);
          lastNumber = field.number;
        }
      }
    }
    if (!tok.tryConsume(';')) tok.tryConsume(',');
  }
  if (unknown.length > 0) out['unknown'] = unknown;
  return out;
}

function store(out: Record<string, ProtoValue | ProtoValue[]>, f: FieldDesc, v: ProtoValue): void {
  if (f.label !== 'repeated') {
    out[f.name] = v;
    return;
  }
  const list = out[f.name];
  if (Array.isArray(list)) list.push(v);
  else out[f.name] = [v];
}

function readFieldName(tok: Tokenizer): string {
  const t = tok.next();
  if (t.kind === 'ident') return t.text;
  if (t.kind === 'number' && /^[0-9]+$/.test(t.text)) return t.text;
  if (t.kind === 'symbol' && t.text === '[') {
    let name = '[';
    while (!tok.lookingAt(']')) {
      const part = tok.next();
      if (part.kind !== 'ident' && !(part.kind === 'symbol' && (part.text === '.' || part.text === '/'))) {
        throw tok.error('Expected "]".', part);
      }
      name += part.text;
    }
    tok.next();
    return name + ']';
  }
  throw tok.error(t.kind === 'eof' ? 'Expected identifier.' : `Expected identifier. Found '${t.text}'`, t);
}

function openBlock(tok: Tokenizer): string {
  if (tok.tryConsume('<')) return '>';
  tok.consume('{');
  return '}';
}

function parseList<T>(tok: Tokenizer, item: () => T): T[] {
  tok.consume('[');
  const items: T[] = [];
  if (tok.tryConsume(']')) return items;
  do items.push(item()); while (tok.tryConsume(','));
  tok.consume(']');
  return items;
}

// ---- scalars ---------------------------------------------------------------

const INT_KIND: Readonly<Record<string, IntKind>> = {
  int32: 'int32', sint32: 'int32', sfixed32: 'int32', uint32: 'uint32', fixed32: 'uint32',
  int64: 'int64', sint64: 'int64', sfixed64: 'int64', uint64: 'uint64', fixed64: 'uint64',
};

function parseScalar(f: FieldDesc, tok: Tokenizer): Scalar {
  const t = tok.peek();
  if (f.kind === 'enum') {
    const e = enumType(f.type);
    if (t.kind === 'ident') {
      tok.next();
      return e.byName.has(t.text) ? t.text : UNKNOWN_ENUM;
    }
    if (t.kind !== 'number') throw tok.error('Expected identifier.');
    const n = parseJavaInteger(t.text, 'int32');
    if (typeof n === 'string') throw tok.error(n);
    tok.next();
    return e.byNumber.get(Number(n)) ?? UNKNOWN_ENUM;
  }
  const kind = INT_KIND[f.type];
  if (kind !== undefined) {
    if (t.kind !== 'number') throw tok.error('Expected integer.');
    const n = parseJavaInteger(t.text, kind);
    if (typeof n === 'string') throw tok.error(n);
    tok.next();
    return kind === 'int64' || kind === 'uint64' ? n : Number(n);
  }
  switch (f.type) {
    case 'bool': {
      tok.next();
      if (t.kind !== 'string' && ['true', 't', '1'].includes(t.text)) return true;
      if (t.kind !== 'string' && ['false', 'f', '0'].includes(t.text)) return false;
      throw tok.error('Expected "true" or "false".', t);
    }
    case 'float':
    case 'double': {
      const v = parseFloatToken(t);
      if (v === null) throw tok.error('Expected double.');
      tok.next();
      return f.type === 'float' ? Math.fround(v) : v;
    }
    case 'string':
    case 'bytes': {
      const bytes = parseStringTokens(tok);
      return f.type === 'string' ? utf8String(bytes) : bytes;
    }
    default:
      throw tok.error(`Unsupported field type ${f.type}.`);
  }
}

function parseFloatToken(t: Token): number | null {
  if (t.kind !== 'number' && t.kind !== 'ident') return null;
  const s = t.text.toLowerCase();
  if (/^-?inf(inity)?f?$/.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^nanf?$/.test(s)) return NaN;
  if (t.kind !== 'number') return null;
  const body = s.endsWith('f') && !s.startsWith('0x') ? s.slice(0, -1) : s;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(body)) return null;
  return Number(body);
}

function parseStringTokens(tok: Tokenizer): Uint8Array {
  if (tok.peek().kind !== 'string') throw tok.error('Expected string.');
  const parts: Uint8Array[] = [];
  while (tok.peek().kind === 'string') {
    const t = tok.next();
    const r = unescapeBytes(t.text.slice(1, -1));
    if (typeof r === 'string') throw new ProtoTextError(t.line, t.column, r);
    parts.push(r);
  }
  if (parts.length === 1) return parts[0]!;
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    all.set(p, off);
    off += p.length;
  }
  return all;
}

// ---- unknown fields --------------------------------------------------------

/** Consumes an unknown field's value; returns its normalized printed lines. */
function captureUnknownField(name: string, tok: Tokenizer, depth: number): string[] {
  if (depth > MAX_DEPTH) throw tok.error('Message nesting too deep.');
  if (tok.tryConsume(':') && !tok.lookingAt('{') && !tok.lookingAt('<')) {
    return [`${name}: ${captureValue(tok)}`];
  }
  const close = openBlock(tok);
  const lines = [`${name} {`];
  while (!tok.tryConsume(close)) {
    if (tok.atEnd()) throw tok.error(`Expected "${close}".`);
    const inner = readFieldName(tok);
    for (const l of captureUnknownField(inner, tok, depth + 1)) lines.push('  ' + l);
    if (!tok.tryConsume(';')) tok.tryConsume(',');
  }
  lines.push('}');
  return lines;
}

function captureValue(tok: Tokenizer): string {
  const t = tok.peek();
  if (t.kind === 'string') {
    const parts: string[] = [];
    while (tok.peek().kind === 'string') {
      const s = tok.next();
      const r = unescapeBytes(s.text.slice(1, -1));
      if (typeof r === 'string') throw new ProtoTextError(s.line, s.column, r);
      parts.push(s.text);
    }
    return parts.join(' ');
  }
  if (t.kind === 'ident' || t.kind === 'number') {
    tok.next();
    return t.text;
  }
  if (tok.lookingAt('[')) return `[${parseList(tok, () => captureValue(tok)).join(', ')}]`;
  throw tok.error('Invalid field value.');
}
