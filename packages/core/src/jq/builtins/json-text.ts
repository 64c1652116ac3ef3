// Parsing JSON text as jq 1.8.2 does (a port of jv_parse.c's scanner): `fromjson`, and the
// stream of values the CLI reads. Same acceptance (nan, NaN, Infinity, leading zeros…), same
// error messages and positions (line and byte column), same depth limit (10,000 open arrays
// and objects). A loop over the characters with an explicit stack: no recursion.
import { JqRuntimeError } from '../errors.ts';
import { charge, checkSize, SLOT_BYTES, tick } from '../budget.ts';
import { setKey, type JqObject } from '../values.ts';

const MAX_PARSING_DEPTH = 10_000;

/** decNumber's syntax, which jq 1.8 reads numbers with (see tonumber). */
const NUMBER_TEXT = /^[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf(?:inity)?|s?nan)$/i;

export function numberFromText(text: string): number | undefined {
  if (!NUMBER_TEXT.test(text)) return undefined;
  const unsigned = text.replace(/^[+-]/, '').toLowerCase();
  if (unsigned.endsWith('nan')) return NaN;
  if (unsigned.startsWith('inf')) return text.startsWith('-') ? -Infinity : Infinity;
  return Number(text);
}

const NONE = Symbol('none');
type Slot = unknown;

class ParseError extends Error {}

/** One pass over a text, producing its values one by one (jq's jv_parser). */
class Parser {
  private pos = 0;
  private line = 1;
  private column = 0;
  private stack: Slot[] = [];
  private next: unknown = NONE;
  private token = '';
  private inString = false;
  private escaped = false;

  /** `budgeted`: inside an evaluation (fromjson), whose time limit the scan honours every 256 characters. */
  constructor(
    private readonly text: string,
    private readonly budgeted = false,
  ) {}

  /** The next value, or NONE at the end; throws ParseError with jq's message. */
  value(): unknown {
    if (this.pos === 0 && this.text.charCodeAt(0) === 0xfeff) this.pos = 1; // a byte order mark
    while (this.pos < this.text.length) {
      if (this.budgeted && (this.pos & 255) === 0) tick();
      const c = this.text[this.pos++]!;
      const code = c.charCodeAt(0);
      this.column += code < 0x80 ? 1 : code < 0x800 ? 2 : code >= 0xd800 && code <= 0xdbff ? 4 : code >= 0xdc00 && code <= 0xdfff ? 0 : 3;
      if (c === '\n') {
        this.line++;
        this.column = 0;
      }
      const out = this.inString ? this.stringChar(c) : this.normalChar(c);
      if (out !== NONE) return out;
    }
    if (this.inString) throw new ParseError(`Unfinished string at EOF at line ${this.line}, column ${this.column}`);
    this.literal(true);
    if (this.stack.length) throw new ParseError(`Unfinished JSON term at EOF at line ${this.line}, column ${this.column}`);
    return this.take();
  }

  private take(): unknown {
    const v = this.next;
    this.next = NONE;
    return v;
  }

  private fail(msg: string, atEof = false): never {
    throw new ParseError(`${msg}${atEof ? ' at EOF' : ''} at line ${this.line}, column ${this.column}`);
  }

  /** A complete value at the top level, taken; else NONE. */
  private done(): unknown {
    return this.stack.length === 0 && this.next !== NONE ? this.take() : NONE;
  }

  private stringChar(c: string): unknown {
    if (c === '"' && !this.escaped) {
      this.inString = false;
      const s = this.unescape(this.token);
      this.token = '';
      if (this.next !== NONE) this.fail('Expected separator between values');
      this.next = s;
      return this.done();
    }
    this.token += c;
    this.escaped = c === '\\' && !this.escaped;
    return NONE;
  }

  /** jq's scan outside strings: a character ends the literal before it, then takes effect. */
  private normalChar(c: string): unknown {
    if (!' \t\r\n"[,]{:}'.includes(c)) {
      this.token += c;
      return NONE;
    }
    this.literal(false);
    const before = this.done();
    if (c === '"') {
      this.inString = true;
      this.escaped = false;
    } else if (c !== ' ' && c !== '\t' && c !== '\r' && c !== '\n') {
      this.structure(c);
    }
    return before !== NONE ? before : this.done();
  }

  /** A finished literal token: true, false, null, or a number. */
  private literal(atEof: boolean): void {
    const t = this.token;
    if (t === '') return;
    let v: unknown;
    const pattern = t[0] === 't' ? 'true' : t[0] === 'f' ? 'false' : t[0] === 'n' && t[1] === 'u' ? 'null' : undefined;
    if (t[0] === "'") this.fail('Invalid string literal; expected ", but got \'', atEof);
    if (pattern) {
      if (t !== pattern) this.fail('Invalid literal', atEof);
      v = pattern === 'true' ? true : pattern === 'false' ? false : null;
    } else {
      v = numberFromText(t);
      if (v === undefined) this.fail('Invalid numeric literal', atEof);
    }
    this.token = '';
    if (this.next !== NONE) this.fail('Expected separator between values', atEof);
    this.next = v;
  }

  private top(): Slot {
    return this.stack[this.stack.length - 1];
  }

  private structure(c: string): void {
    const s = this.stack;
    switch (c) {
      case '[':
      case '{':
        if (s.length >= MAX_PARSING_DEPTH) this.fail('Exceeds depth limit for parsing');
        if (this.next !== NONE) this.fail('Expected separator between values');
        s.push(c === '[' ? [] : {});
        return;
      case ':':
        if (this.next === NONE) this.fail("Expected string key before ':'");
        if (!isObject(this.top())) this.fail("':' not as part of an object");
        if (typeof this.next !== 'string') this.fail('Object keys must be strings');
        s.push(new Key(this.next));
        this.next = NONE;
        return;
      case ',':
        if (this.next === NONE) this.fail("Expected value before ','");
        if (s.length === 0) this.fail("',' not as part of an object or array");
        this.store(() => this.fail('Objects must consist of key:value pairs'));
        return;
      case ']':
        if (!Array.isArray(this.top())) this.fail("Unmatched ']'");
        if (this.next !== NONE) this.store(() => this.fail("Unmatched ']'"));
        else if ((this.top() as unknown[]).length) this.fail('Expected another array element');
        this.next = s.pop();
        return;
      case '}':
        if (s.length === 0) this.fail("Unmatched '}'");
        if (this.next !== NONE) this.store(() => this.fail('Objects must consist of key:value pairs'));
        else if (!isObject(this.top())) this.fail("Unmatched '}'");
        else if (Object.keys(this.top() as JqObject).length) this.fail('Expected another key-value pair');
        this.next = s.pop();
        return;
    }
  }

  /** Puts `next` into the array on top, or under the key on top; `otherwise` when neither. */
  private store(otherwise: () => void): void {
    const s = this.stack;
    const top = this.top();
    if (Array.isArray(top)) {
      top.push(this.next);
    } else if (top instanceof Key) {
      setKey(s[s.length - 2] as JqObject, top.name, this.next);
      s.pop();
    } else {
      otherwise();
    }
    this.next = NONE;
  }

  private unescape(raw: string): string {
    let out = '';
    for (let i = 0; i < raw.length; i++) {
      const c = raw[i]!;
      if (c !== '\\') {
        const code = c.charCodeAt(0);
        if (code > 0 && code < 0x1f) this.fail('Invalid string: control characters from U+0000 through U+001F must be escaped');
        out += c;
        continue;
      }
      const e = raw[++i];
      if (e === undefined) this.fail('Expected escape character at end of string');
      const simple = ({ '\\': '\\', '"': '"', '/': '/', b: '\b', f: '\f', t: '\t', n: '\n', r: '\r' } as Record<string, string>)[e!];
      if (simple !== undefined) {
        out += simple;
        continue;
      }
      if (e !== 'u') this.fail('Invalid escape');
      if (i + 5 > raw.length) this.fail('Invalid \\uXXXX escape');
      const hex = raw.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('Invalid characters in \\uXXXX escape');
      i += 4;
      let cp = parseInt(hex, 16);
      if (cp >= 0xd800 && cp <= 0xdbff) {
        const low = raw.slice(i + 1, i + 7);
        const lowCp = /^\\u[0-9a-fA-F]{4}$/.test(low) ? parseInt(low.slice(2), 16) : -1;
        if (lowCp < 0xdc00 || lowCp > 0xdfff) this.fail('Invalid \\uXXXX\\uXXXX surrogate pair escape');
        i += 6;
        cp = 0x10000 + (((cp - 0xd800) << 10) | (lowCp - 0xdc00));
      } else if (cp >= 0xdc00 && cp <= 0xdfff) {
        cp = 0xfffd;
      }
      out += String.fromCodePoint(cp);
    }
    return out;
  }
}

class Key {
  constructor(readonly name: string) {}
}

function isObject(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Key);
}

/** jq prints a C string: a message about text with a NUL shows the text up to it. */
function shown(text: string): string {
  const nul = text.indexOf('\u0000');
  return nul < 0 ? text : text.slice(0, nul);
}

/**
 * Standard JSON that JavaScript's parser reads the way jq does: not too deep for jq, and no
 * \\uD800-\\uDFFF escapes (jq pairs or replaces them). Everything else goes to the scanner.
 * The depth is measured before JSON.parse runs, not after: V8's parser takes seconds over
 * millions of nested brackets (10,000,000 `[`: 3 s in one call no time limit can interrupt, a
 * fuzzer's `"[" * 10000000 | fromjson`), where the scanner stops at jq's depth limit. Inside an
 * evaluation (`sized`), a text whose elements alone would outgrow the value size limit is refused
 * before it is parsed too (5,000,000 elements: 1.1 s of JSON.parse, then the same refusal).
 */
function fastParse(s: string, sized = false): { value: unknown } | undefined {
  if (/\\u[dD][89a-fA-F]/.test(s)) return undefined;
  const shape = shapeOf(s, MAX_PARSING_DEPTH);
  if (shape.tooDeep) return undefined;
  // Each separator outside strings parts two elements or members: at least a slot each.
  if (sized) checkSize(shape.separators * SLOT_BYTES, 'the value fromjson would build');
  try {
    return { value: JSON.parse(s) };
  } catch {
    return undefined;
  }
}

/** Whether arrays and objects nest deeper than `max` in `s`, and how many commas part their elements (what is inside strings does not count). */
function shapeOf(s: string, max: number): { tooDeep: boolean; separators: number } {
  let depth = 0;
  let separators = 0;
  let inString = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x2c) {
      if (depth > 0) separators++; // outside any array or object a comma parts nothing
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return { tooDeep: true, separators };
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return { tooDeep: false, separators };
}

/** `fromjson`: exactly one value. Parsing is charged to the evaluation as bulk work. */
export function parseJsonText(s: string): unknown {
  charge(s.length);
  const fast = fastParse(s, true);
  if (fast) return fast.value;
  const parser = new Parser(s, true);
  let message: string;
  try {
    const first = parser.value();
    if (first === NONE) message = 'Expected JSON value';
    else if (parser.value() !== NONE) message = 'Unexpected extra JSON values';
    else return first;
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    message = e.message;
  }
  throw new JqRuntimeError(`${message} (while parsing '${shown(s)}')`);
}

/** Every JSON value of a stream (`1 [2] {"a":3}`), as jq reads its input (outside any evaluation). */
export function parseJsonStream(text: string): unknown[] {
  const fast = fastParse(text);
  if (fast) return [fast.value];
  const parser = new Parser(text);
  const out: unknown[] = [];
  try {
    for (let v = parser.value(); v !== NONE; v = parser.value()) out.push(v);
  } catch (e) {
    if (e instanceof ParseError) throw new JqRuntimeError(e.message);
    throw e;
  }
  return out;
}
