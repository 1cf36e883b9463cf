/**
 * Protobuf text format exactly as MidoNet stores objects in ZooKeeper: the output
 * of protobuf-java 2.6.1 `TextFormat.print` (ZoomSerializer), and a parser that
 * reads it back tolerating unknown fields (text-format-parse.ts).
 *
 * Words:
 *  - a *proto message* (`ProtoMessage`) is a plain object keyed by proto field
 *    name. Values: int32/uint32/float/double → number; 64-bit kinds → bigint (a
 *    safe-integer number is accepted when printing); bool; string; bytes →
 *    Uint8Array; enum → value name (a number is accepted when printing);
 *    message → ProtoMessage; repeated → array. Absent key = field not set
 *    (proto2 presence); declared defaults are never filled in.
 *  - the key `unknown` (no MidoNet field has that name; the schema enforces it)
 *    holds *unknown entries*: fields the parser did not know, as normalized
 *    text (`name: value`, or `name {` / indented lines / `}`), never interpreted.
 *    An entry may start with the line `# after N`: it followed the known field
 *    numbered N (0 = first) and is printed back in that place, so text printed
 *    by a newer MidoNet survives a read/print cycle byte for byte. The anchor
 *    line is a text-format comment, so entries stay valid text.
 *
 * Printing rules of protobuf-java 2.6.1 reproduced here: fields in field-number
 * order (GeneratedMessage.getAllFields is a TreeMap on number), `name: value`
 * one per line, sub-messages `name {` … `}` indented by two spaces, repeated
 * fields one line (or block) per element, enums by name, uint32/uint64 unsigned,
 * bool `true`/`false`, float/double as Java's toString, strings and bytes quoted
 * with escapeBytes over the UTF-8 bytes, lines ended by `\n`. The output is pure
 * ASCII.
 *
 * Contract: pure; printMessage throws ProtoValueError (MM_ERR_PROTO_VALUE) for a
 * value of the wrong JS type, parseMessage throws ProtoTextError
 * (MM_ERR_PROTO_TEXT, with line and column) for text that is not text format.
 */
import { ProtoValueError } from './proto-errors.js';
import { enumType, messageType, resolveMessage, type FieldDesc, type MessageDesc } from './proto/index.js';
import { escapeBytes, escapeText, javaDoubleToString, javaFloatToString } from './text-format-scalars.js';

export type ProtoScalar = number | bigint | boolean | string | Uint8Array;
export type ProtoValue = ProtoScalar | ProtoMessage;
export type ProtoFieldValue = ProtoValue | readonly ProtoValue[];
export interface ProtoMessage {
  readonly [field: string]: ProtoFieldValue | undefined;
}

export { parseMessage } from './text-format-parse.js';

// ---- unknown entries -------------------------------------------------------

export interface UnknownEntry {
  /** Number of the known field this one followed; undefined = print at the end. */
  readonly after: number | undefined;
  /** Normalized text, lines joined by `\n`, no trailing newline, indentation 0. */
  readonly text: string;
}

const ANCHOR = /^# after (\d+)\n/;

export function makeUnknownEntry(text: string, after?: number): string {
  return after === undefined ? text : `# after ${after}\n${text}`;
}

export function readUnknownEntry(entry: string): UnknownEntry {
  const m = ANCHOR.exec(entry);
  if (m === null) return { after: undefined, text: entry };
  return { after: Number(m[1]), text: entry.slice(m[0].length) };
}

/** The kept unknown entries of a message (empty array when none). */
export function unknownEntries(msg: ProtoMessage): readonly string[] {
  const u = msg['unknown'];
  if (u === undefined) return [];
  if (!Array.isArray(u) || !u.every((e) => typeof e === 'string')) {
    throw new ProtoValueError('unknown', 'expected an array of strings');
  }
  return u as readonly string[];
}

// ---- printer ---------------------------------------------------------------

/** protobuf-java 2.6.1 `TextFormat.print(msg)` of `msg` as message `type`. */
export function printMessage(type: MessageDesc | string, msg: ProtoMessage): string {
  const out: string[] = [];
  printFields(resolveMessage(type), msg, '', out, '');
  return out.join('');
}

function printFields(desc: MessageDesc, msg: ProtoMessage, indent: string, out: string[], path: string): void {
  const pending = unknownEntries(msg).map(readUnknownEntry);
  const printed = new Array<boolean>(pending.length).fill(false);
  const flushBefore = (limit: number): void => {
    pending.forEach((e, i) => {
      if (!printed[i] && (e.after === undefined ? limit === Infinity : e.after < limit)) {
        printed[i] = true;
        for (const line of e.text.split('\n')) out.push(indent, line, '\n');
      }
    });
  };
  for (const f of desc.fields) {
    const v = msg[f.name];
    if (v === undefined) continue;
    flushBefore(f.number);
    const fpath = path === '' ? f.name : `${path}.${f.name}`;
    if (f.label === 'repeated') {
      if (!Array.isArray(v)) throw new ProtoValueError(fpath, 'repeated field needs an array');
      (v as readonly ProtoValue[]).forEach((e, i) => printField(f, e, indent, out, `${fpath}[${i}]`));
    } else {
      if (Array.isArray(v)) throw new ProtoValueError(fpath, 'singular field given an array');
      printField(f, v as ProtoValue, indent, out, fpath);
    }
  }
  flushBefore(Infinity);
}

function printField(f: FieldDesc, v: ProtoValue, indent: string, out: string[], path: string): void {
  if (f.kind === 'message') {
    if (typeof v !== 'object' || v instanceof Uint8Array) {
      throw new ProtoValueError(path, `expected a ${f.type} message`);
    }
    out.push(indent, f.name, ' {\n');
    printFields(messageType(f.type), v, indent + '  ', out, path);
    out.push(indent, '}\n');
    return;
  }
  out.push(indent, f.name, ': ', formatValue(f, v, path), '\n');
}

/** Text of one non-message value of field `f`, as protobuf-java prints it. */
export function formatValue(f: FieldDesc, v: ProtoValue, path: string): string {
  if (f.kind === 'enum') {
    const e = enumType(f.type);
    if (typeof v === 'string' && e.byName.has(v)) return v;
    if (typeof v === 'number' && e.byNumber.has(v)) return e.byNumber.get(v)!;
    throw new ProtoValueError(path, `${String(v)} is not a value of enum ${f.type}`);
  }
  switch (f.type) {
    case 'bool':
      if (typeof v !== 'boolean') throw new ProtoValueError(path, 'expected a boolean');
      return v ? 'true' : 'false';
    case 'string':
      if (typeof v !== 'string') throw new ProtoValueError(path, 'expected a string');
      return `"${escapeText(v)}"`;
    case 'bytes':
      if (!(v instanceof Uint8Array)) throw new ProtoValueError(path, 'expected a Uint8Array');
      return `"${escapeBytes(v)}"`;
    case 'float':
    case 'double':
      if (typeof v !== 'number') throw new ProtoValueError(path, 'expected a number');
      return f.type === 'float' ? javaFloatToString(v) : javaDoubleToString(v);
    case 'int32': case 'sint32': case 'sfixed32':
      return String(integer(v, -(2n ** 31n), 2n ** 31n - 1n, path));
    case 'uint32': case 'fixed32':
      // A Java int holding an unsigned value may arrive negative: print it unsigned.
      return String(BigInt.asUintN(32, integer(v, -(2n ** 31n), 2n ** 32n - 1n, path)));
    case 'int64': case 'sint64': case 'sfixed64':
      return String(integer(v, -(2n ** 63n), 2n ** 63n - 1n, path));
    case 'uint64': case 'fixed64':
      return String(BigInt.asUintN(64, integer(v, -(2n ** 63n), 2n ** 64n - 1n, path)));
    default:
      throw new ProtoValueError(path, `unsupported scalar type ${f.type}`);
  }
}

function integer(v: ProtoValue, lo: bigint, hi: bigint, path: string): bigint {
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
  else throw new ProtoValueError(path, `expected an integer, got ${describe(v)}`);
  if (b < lo || b > hi) throw new ProtoValueError(path, `${b} is out of range`);
  return b;
}

function describe(v: ProtoValue): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'object') return v instanceof Uint8Array ? 'bytes' : 'a message';
  return String(v);
}
