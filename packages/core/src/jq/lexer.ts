// Splits jq source into tokens. A string literal becomes one token whose parts are text and the
// tokens of each `\( … )` interpolation, lexed recursively, so the parser never sees quotes.
import { JqCompileError } from './errors.ts';

export type TokenKind = 'num' | 'str' | 'ident' | 'field' | 'var' | 'format' | 'op' | 'kw' | 'eof';

export interface Token {
  kind: TokenKind;
  /** ident/kw/op text, field or variable name (without '.'/'$'), format name (without '@'). */
  text: string;
  num?: number;
  /** For 'str' tokens: literal text, or the token list of an interpolation (ending in 'eof'). */
  parts?: (string | Token[])[];
  pos: number;
}

const KEYWORDS = new Set([
  'def', 'if', 'then', 'elif', 'else', 'end', 'as', 'reduce', 'foreach', 'try', 'catch',
  'label', 'import', 'include', 'and', 'or', '__loc__',
]);

// Longest first, so that '?//' wins over '?' and '//=' over '//'.
const OPERATORS = [
  '?//', '//=', '|=', '+=', '-=', '*=', '/=', '%=', '==', '!=', '<=', '>=', '//', '..',
  '|', ',', '+', '-', '*', '/', '%', '=', '<', '>', '.', '[', ']', '(', ')', '{', '}', ':', ';', '?',
];

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_]/;

export function lineColumn(src: string, pos: number): { line: number; column: number } {
  const before = src.slice(0, pos).split('\n');
  return { line: before.length, column: (before[before.length - 1]?.length ?? 0) + 1 };
}

export function syntaxError(src: string, pos: number, what: string): JqCompileError {
  const { line, column } = lineColumn(src, pos);
  return new JqCompileError(`syntax error, ${what} at <top-level>, line ${line}, column ${column}`);
}

export class Lexer {
  private pos = 0;
  constructor(private readonly src: string) {}

  /** Lexes until end of input, or (inside an interpolation) until the ')' closing it. */
  tokenize(insideInterpolation = false): Token[] {
    const tokens: Token[] = [];
    let depth = 0;
    for (;;) {
      this.skipSpaceAndComments();
      const start = this.pos;
      if (this.pos >= this.src.length) {
        if (insideInterpolation) throw syntaxError(this.src, start, 'unexpected end of file');
        tokens.push({ kind: 'eof', text: '', pos: start });
        return tokens;
      }
      const token = this.next();
      if (insideInterpolation && token.kind === 'op') {
        if (token.text === '(') depth++;
        if (token.text === ')' && depth-- === 0) {
          tokens.push({ kind: 'eof', text: ')', pos: start });
          return tokens;
        }
      }
      tokens.push(token);
    }
  }

  private skipSpaceAndComments(): void {
    const src = this.src;
    while (this.pos < src.length) {
      const c = src[this.pos]!;
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') this.pos++;
      else if (c === '#') this.skipComment();
      else break;
    }
  }

  /** A comment runs to the end of the line; an odd number of backslashes before it continues it. */
  private skipComment(): void {
    const src = this.src;
    while (this.pos < src.length && src[this.pos] !== '\n') {
      if (src[this.pos] === '\\' && src[this.pos + 1] === '\n') this.pos++;
      else if (src[this.pos] === '\\' && src[this.pos + 1] === '\r' && src[this.pos + 2] === '\n') this.pos += 2;
      this.pos++;
    }
  }

  private next(): Token {
    const src = this.src;
    const start = this.pos;
    const c = src[start]!;
    if (c === '"') return this.string();
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[start + 1] ?? ''))) return this.number();
    if (c === '.' && IDENT_START.test(src[start + 1] ?? '')) {
      this.pos++;
      return { kind: 'field', text: this.identifier(), pos: start };
    }
    if (c === '$' && src.startsWith('$__loc__', start) && !IDENT_PART.test(src[start + 8] ?? '')) {
      this.pos += 8;
      return { kind: 'kw', text: '$__loc__', pos: start };
    }
    if (c === '$' && IDENT_START.test(src[start + 1] ?? '')) {
      this.pos++;
      return { kind: 'var', text: this.identifier(), pos: start };
    }
    if (c === '@' && IDENT_START.test(src[start + 1] ?? '')) {
      this.pos++;
      return { kind: 'format', text: this.identifier(), pos: start };
    }
    if (IDENT_START.test(c)) {
      const name = this.identifier();
      return { kind: KEYWORDS.has(name) ? 'kw' : 'ident', text: name, pos: start };
    }
    for (const op of OPERATORS) {
      if (src.startsWith(op, start)) {
        this.pos += op.length;
        return { kind: 'op', text: op, pos: start };
      }
    }
    throw syntaxError(src, start, 'unexpected INVALID_CHARACTER');
  }

  /** Names may contain '::' (module paths); those are rejected later by the parser. */
  private identifier(): string {
    const src = this.src;
    const start = this.pos;
    while (this.pos < src.length) {
      if (IDENT_PART.test(src[this.pos]!)) this.pos++;
      else if (src.startsWith('::', this.pos) && IDENT_START.test(src[this.pos + 2] ?? '')) this.pos += 2;
      else break;
    }
    return src.slice(start, this.pos);
  }

  private number(): Token {
    const match = /^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(this.src.slice(this.pos));
    const text = match![0];
    const start = this.pos;
    this.pos += text.length;
    return { kind: 'num', text, num: Number(text), pos: start };
  }

  private string(): Token {
    const src = this.src;
    const start = this.pos++;
    const parts: (string | Token[])[] = [];
    let text = '';
    for (;;) {
      if (this.pos >= src.length) throw syntaxError(src, start, 'unexpected end of file, unterminated string');
      const c = src[this.pos++]!;
      if (c === '"') break;
      if (c !== '\\') {
        text += c;
        continue;
      }
      const e = src[this.pos++];
      if (e === '(') {
        parts.push(text);
        text = '';
        parts.push(this.tokenize(true));
        continue;
      }
      text += this.escape(e, start);
    }
    parts.push(text);
    return { kind: 'str', text: '', parts, pos: start };
  }

  private escape(e: string | undefined, start: number): string {
    switch (e) {
      case '"': case '\\': case '/': return e;
      case 'b': return '\b';
      case 'f': return '\f';
      case 'n': return '\n';
      case 'r': return '\r';
      case 't': return '\t';
      case 'u': {
        const hex = this.src.slice(this.pos, this.pos + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw syntaxError(this.src, start, 'invalid \\u escape');
        this.pos += 4;
        return String.fromCharCode(parseInt(hex, 16));
      }
      default:
        throw syntaxError(this.src, this.pos - 2, `invalid escape`);
    }
  }
}

export function tokenize(src: string): Token[] {
  return new Lexer(src).tokenize();
}
