/**
 * A HOCON subset, enough for mn-conf documents that are not plain JSON and for
 * hand-written overrides: objects (`a { b = 1 }`), dotted keys (`a.b.c = 1`),
 * `=` or `:` separators, quoted and unquoted strings, numbers, booleans, null,
 * arrays, `#` and `//` comments, newline or comma separated members. Later
 * duplicate keys merge objects and override values, as HOCON does.
 * Not supported: substitutions (`${x}`), includes, `+=`, multi-line strings.
 *
 * Contract: pure; throws `Error` with the offset on anything else.
 */

type HoconValue = string | number | boolean | null | HoconValue[] | HoconObject;
export interface HoconObject {
  [key: string]: HoconValue;
}

export function parseHocon(text: string): HoconObject {
  const p = new Parser(text);
  p.ws();
  const root = p.peek() === '{' ? p.object() : p.members('');
  p.ws();
  if (!p.done()) p.fail('trailing text');
  return root;
}

class Parser {
  i = 0;
  constructor(private readonly s: string) {}

  done(): boolean { return this.i >= this.s.length; }
  peek(): string { return this.s[this.i] ?? ''; }
  fail(msg: string): never { throw new Error(`HOCON: ${msg} at offset ${this.i}`); }

  /** Whitespace, newlines, commas-as-separators are handled by callers; comments here. */
  ws(newlines = true): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\r' || (newlines && c === '\n')) this.i++;
      else if (c === '#' || (c === '/' && this.s[this.i + 1] === '/')) {
        while (!this.done() && this.peek() !== '\n') this.i++;
      } else return;
    }
  }

  object(): HoconObject {
    this.i++; // {
    const o = this.members('}');
    if (this.peek() !== '}') this.fail('expected }');
    this.i++;
    return o;
  }

  members(end: string): HoconObject {
    const o: HoconObject = {};
    for (;;) {
      this.ws();
      while (this.peek() === ',') { this.i++; this.ws(); }
      if (this.done() || this.peek() === end) return o;
      const path = this.key();
      this.ws(false);
      let v: HoconValue;
      if (this.peek() === '{') v = this.object();
      else {
        if (this.peek() !== '=' && this.peek() !== ':') this.fail('expected = or :');
        this.i++;
        this.ws(false);
        v = this.value();
      }
      set(o, path, v);
    }
  }

  key(): string[] {
    const parts: string[] = [];
    for (;;) {
      if (this.peek() === '"') parts.push(this.quoted());
      else {
        const m = /^[A-Za-z0-9_\-]+/.exec(this.s.slice(this.i));
        if (m === null) this.fail('expected a key');
        parts.push(m[0]);
        this.i += m[0].length;
      }
      if (this.peek() !== '.') return parts;
      this.i++;
    }
  }

  quoted(): string {
    const m = /^"(?:[^"\\]|\\.)*"/.exec(this.s.slice(this.i));
    if (m === null) this.fail('unterminated string');
    this.i += m[0].length;
    return JSON.parse(m[0]) as string;
  }

  value(): HoconValue {
    const c = this.peek();
    if (c === '{') return this.object();
    if (c === '"') return this.quoted();
    if (c === '[') {
      this.i++;
      const arr: HoconValue[] = [];
      for (;;) {
        this.ws();
        while (this.peek() === ',') { this.i++; this.ws(); }
        if (this.peek() === ']') { this.i++; return arr; }
        if (this.done()) this.fail('unterminated array');
        arr.push(this.value());
      }
    }
    const m = /^[^\n,}\]#]*/.exec(this.s.slice(this.i));
    const raw = (m?.[0] ?? '').replace(/\/\/.*$/, '').trim();
    this.i += m?.[0].length ?? 0;
    if (raw === '') this.fail('expected a value');
    if (raw === 'true' || raw === 'yes' || raw === 'on') return true;
    if (raw === 'false' || raw === 'no' || raw === 'off') return false;
    if (raw === 'null') return null;
    if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
    return raw;
  }
}

function set(o: HoconObject, path: readonly string[], v: HoconValue): void {
  let cur = o;
  for (let k = 0; k < path.length - 1; k++) {
    const name = path[k] ?? '';
    const next = cur[name];
    if (next === undefined || next === null || typeof next !== 'object' || Array.isArray(next)) cur[name] = {};
    cur = cur[name] as HoconObject;
  }
  const last = path[path.length - 1] ?? '';
  const prev = cur[last];
  if (isObj(prev) && isObj(v)) {
    for (const [k, x] of Object.entries(v)) set(prev, [k], x);
  } else cur[last] = v;
}

function isObj(v: HoconValue | undefined): v is HoconObject {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v);
}
