/**
 * Tokens of protobuf text format, split the way protobuf-java 2.6.1's
 * TextFormat.Tokenizer splits them, with 1-based line/column for errors.
 *
 * Token classes (Java's TOKEN pattern):
 *  - ident  `[a-zA-Z_][0-9a-zA-Z_+-]*`
 *  - number `[.]?[0-9+-][0-9a-zA-Z_.+-]*` (so `-inf`, `0x1F`, `1.5e3f` are one token)
 *  - string `"…"` or `'…'` with backslash escapes, on one line
 *  - symbol any other single character (`{ } < > : ; , [ ]`)
 * Whitespace and `#` comments to end of line separate tokens.
 */
import { ProtoTextError } from './proto-errors.js';

export type TokenKind = 'ident' | 'number' | 'string' | 'symbol' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly line: number;
  readonly column: number;
}

const IDENT = /[a-zA-Z_][0-9a-zA-Z_+-]*/y;
const NUMBER = /[.]?[0-9+-][0-9a-zA-Z_.+-]*/y;
const DQ_STRING = /"(?:[^"\n\\]|\\.)*"/y;
const SQ_STRING = /'(?:[^'\n\\]|\\.)*'/y;

export class Tokenizer {
  private pos = 0;
  private line = 1;
  private lineStart = 0;
  private current: Token;

  constructor(private readonly text: string) {
    this.current = this.scan();
  }

  peek(): Token {
    return this.current;
  }

  next(): Token {
    const t = this.current;
    this.current = this.scan();
    return t;
  }

  atEnd(): boolean {
    return this.current.kind === 'eof';
  }

  lookingAt(symbol: string): boolean {
    return this.current.kind !== 'string' && this.current.kind !== 'eof' && this.current.text === symbol;
  }

  tryConsume(symbol: string): boolean {
    if (!this.lookingAt(symbol)) return false;
    this.next();
    return true;
  }

  consume(symbol: string): void {
    if (!this.tryConsume(symbol)) throw this.error(`Expected "${symbol}".`);
  }

  /** An error located at the current token. */
  error(reason: string, at: Token = this.current): ProtoTextError {
    return new ProtoTextError(at.line, at.column, reason);
  }

  private scan(): Token {
    this.skipSpace();
    const line = this.line;
    const column = this.pos - this.lineStart + 1;
    if (this.pos >= this.text.length) return { kind: 'eof', text: '', line, column };
    const c = this.text[this.pos]!;
    let kind: TokenKind = 'symbol';
    let re: RegExp | null = null;
    if (/[a-zA-Z_]/.test(c)) { kind = 'ident'; re = IDENT; }
    else if (/[0-9+-]/.test(c) || (c === '.' && /[0-9+-]/.test(this.text[this.pos + 1] ?? ''))) {
      kind = 'number';
      re = NUMBER;
    } else if (c === '"' || c === "'") {
      kind = 'string';
      re = c === '"' ? DQ_STRING : SQ_STRING;
    }
    let text = c;
    if (re !== null) {
      re.lastIndex = this.pos;
      const m = re.exec(this.text);
      if (m === null) {
        throw new ProtoTextError(line, column, 'String missing ending quote.');
      }
      text = m[0];
    }
    this.pos += text.length;
    return { kind, text, line, column };
  }

  private skipSpace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t[this.pos]!;
      if (c === '\n') {
        this.pos++;
        this.line++;
        this.lineStart = this.pos;
      } else if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
        this.pos++;
      } else if (c === '#') {
        while (this.pos < t.length && t[this.pos] !== '\n') this.pos++;
      } else {
        return;
      }
    }
  }
}
