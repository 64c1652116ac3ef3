// String builtins, JSON text conversion and the regular-expression functions.
import { build, checkSize, SLOT_BYTES } from '../budget.ts';
import { JqRuntimeError } from '../errors.ts';
import { add, splitString } from '../operators.ts';
import { iterateValue } from '../compile-values.ts';
import { captureObject, findMatches, matchAll, testRegex, type MatchObject } from '../regex.ts';
import { valueNode, type Emit, type Node as NodeLike } from '../runtime.ts';
import { describe, formatNumber, toJson, typeOf } from '../values.ts';
import { defineFunction, defineValueGenerator, type Table } from './define.ts';
import { formatValue, toText } from './formats.ts';
import { parseJsonText } from './json-text.ts';

function needString(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new JqRuntimeError(`${describe(v)} ${what}`);
  return v;
}

/** jq 1.8 defines the ASCII case functions with explode, hence its message. */
function explodable(v: unknown): string {
  if (typeof v !== 'string') throw new JqRuntimeError('explode input must be a string');
  return v;
}

/** jq 1.8's whitespace for trim: Unicode White_Space. A loop, not `\s+$`, which is quadratic. */
function isSpace(c: number): boolean {
  if (c < 0x80) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  return c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029
    || c === 0x202f || c === 0x205f || c === 0x3000;
}

function trimWith(v: unknown, left: boolean, right: boolean): string {
  if (typeof v !== 'string') throw new JqRuntimeError('trim input must be a string');
  let a = 0;
  let b = v.length;
  if (left) while (a < b && isSpace(v.charCodeAt(a))) a++;
  if (right) while (b > a && isSpace(v.charCodeAt(b - 1))) b--;
  return v.slice(a, b);
}

export function registerStrings(t: Table): void {
  defineFunction(t, 'tostring', 0, (v) => toText(v));
  defineFunction(t, 'tojson', 0, (v) => toJson(v));
  defineFunction(t, 'fromjson', 0, (v) => parseJsonText(needString(v, 'only strings can be parsed')));
  defineFunction(t, 'tonumber', 0, toNumber);
  defineFunction(t, 'toboolean', 0, (v) => {
    if (typeof v === 'boolean') return v;
    if (v === 'true') return true;
    if (v === 'false') return false;
    throw new JqRuntimeError(`${describe(v)} cannot be parsed as a boolean`);
  });
  defineFunction(t, 'ascii_downcase', 0, (v) => explodable(v).replace(/[A-Z]/g, (c) => c.toLowerCase()));
  defineFunction(t, 'ascii_upcase', 0, (v) => explodable(v).replace(/[a-z]/g, (c) => c.toUpperCase()));
  defineFunction(t, 'explode', 0, (v) => {
    const s = explodable(v);
    build(s.length * SLOT_BYTES, 'an array');
    return Array.from(s, (c) => c.codePointAt(0));
  });
  defineFunction(t, 'implode', 0, implode);
  defineFunction(t, 'utf8bytelength', 0, (v) => Buffer.byteLength(needString(v, 'only strings have UTF-8 byte length'), 'utf8'));
  // jq 1.8.2 defines these with startswith/endswith, so non-strings raise their errors.
  const ltrimstr = (v: unknown, s: unknown): unknown => (startsWith(v, s) ? (v as string).slice((s as string).length) : v);
  const rtrimstr = (v: unknown, s: unknown): unknown =>
    endsWith(v, s) && s !== '' ? (v as string).slice(0, (v as string).length - (s as string).length) : v;
  defineFunction(t, 'ltrimstr', 1, ltrimstr);
  defineFunction(t, 'rtrimstr', 1, rtrimstr);
  defineFunction(t, 'trimstr', 1, (v, s) => rtrimstr(ltrimstr(v, s), s));
  defineFunction(t, 'trim', 0, (v) => trimWith(v, true, true));
  defineFunction(t, 'ltrim', 0, (v) => trimWith(v, true, false));
  defineFunction(t, 'rtrim', 0, (v) => trimWith(v, false, true));
  defineFunction(t, 'startswith', 1, startsWith);
  defineFunction(t, 'endswith', 1, endsWith);
  defineFunction(t, 'split', 1, (v, sep) => {
    if (typeof v !== 'string' || typeof sep !== 'string') throw new JqRuntimeError('split input and separator must be strings');
    if (sep === '') build(v.length * SLOT_BYTES, 'an array');
    const parts = splitString(v, sep);
    build(parts.length * SLOT_BYTES, 'an array');
    return parts;
  });
  defineFunction(t, 'join', 1, join);
  defineFunction(t, 'format', 1, (v, name) => formatValue(needString(name, 'is not a valid format'), v));
  registerRegex(t);
}

function startsWith(v: unknown, s: unknown): boolean {
  if (typeof v !== 'string' || typeof s !== 'string') throw new JqRuntimeError('startswith() requires string inputs');
  return v.startsWith(s);
}

function endsWith(v: unknown, s: unknown): boolean {
  if (typeof v !== 'string' || typeof s !== 'string') throw new JqRuntimeError('endswith() requires string inputs');
  return v.endsWith(s);
}

/**
 * jq 1.8 reads numbers as decNumber does: an optional sign, then digits with an optional
 * fraction and exponent, or inf/infinity/nan/snan in any case. Unambiguous, so linear even on
 * long strings of digits.
 */
const NUMBER_TEXT = /^[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf(?:inity)?|s?nan)$/i;

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string' || !NUMBER_TEXT.test(v)) throw new JqRuntimeError(`${describe(v)} cannot be parsed as a number`);
  const unsigned = v.replace(/^[+-]/, '').toLowerCase();
  if (unsigned.endsWith('nan')) return NaN;
  if (unsigned.startsWith('inf')) return v.startsWith('-') ? -Infinity : Infinity;
  return Number(v);
}

/** jq 1.8: codepoints are truncated to integers; invalid ones become U+FFFD. */
function implode(v: unknown): string {
  if (!Array.isArray(v)) throw new JqRuntimeError('implode input must be an array');
  let out = '';
  for (const c of v) {
    if (typeof c !== 'number' || Number.isNaN(c)) throw new JqRuntimeError(`${describe(c)} can't be imploded, unicode codepoint needs to be numeric`);
    const cp = Math.trunc(c);
    out += cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? '\ufffd' : String.fromCodePoint(cp);
  }
  build(out.length, 'a string');
  return out;
}

/**
 * jq 1.8.2: `reduce .[] as $i (null; (if . == null then "" else . + $x end) + ($i | if . == null
 * then "" elif type == "string" then . elif type is number or boolean then tojson else . end))
 * // ""` — so a non-string separator or an array element fails as jq's `+` does.
 */
function join(v: unknown, sep: unknown): unknown {
  let acc: unknown = null;
  iterateValue(v, (x) => {
    const head = acc === null ? '' : add(acc, sep);
    const piece = x === null ? '' : typeof x === 'number' || typeof x === 'boolean' ? formatNumberOrBoolean(x) : x;
    acc = add(head, piece);
  });
  return acc ?? '';
}

function formatNumberOrBoolean(x: number | boolean): string {
  return typeof x === 'number' ? formatNumber(x) : String(x);
}

/** `match($val)`, `test($val)` … accept a regex string or a [regex, flags] array. */
function regexArgs(val: unknown): [unknown, unknown] {
  if (typeof val === 'string') return [val, null];
  if (Array.isArray(val) && val.length > 1) return [val[0], val[1]];
  if (Array.isArray(val) && val.length > 0) return [val[0], null];
  throw new JqRuntimeError(`${typeOf(val)} not a string or array`);
}

function scanOutput(m: MatchObject): unknown {
  return m.captures.length > 0 ? m.captures.map((c) => c.string) : m.string;
}

function registerRegex(t: Table): void {
  const emitAll = (list: unknown[], emit: Emit): void => list.forEach((x) => emit(x));
  defineValueGenerator(t, 'match', 1, (v, [re], emit) => emitAll(matchAll(v, ...regexArgs(re)), emit));
  defineValueGenerator(t, 'match', 2, (v, [re, flags], emit) => emitAll(matchAll(v, re, flags), emit));
  defineFunction(t, 'test', 1, (v, re) => testRegex(v, ...regexArgs(re)));
  defineFunction(t, 'test', 2, (v, re, flags) => testRegex(v, re, flags));
  defineValueGenerator(t, 'capture', 1, (v, [re], emit) => emitAll(matchAll(v, ...regexArgs(re)).map(captureObject), emit));
  defineValueGenerator(t, 'capture', 2, (v, [re, flags], emit) => emitAll(matchAll(v, re, flags).map(captureObject), emit));
  defineValueGenerator(t, 'scan', 1, (v, [re], emit) => emitAll(matchAll(v, re, null, true).map(scanOutput), emit));
  defineValueGenerator(t, 'scan', 2, (v, [re, flags], emit) => emitAll(matchAll(v, re, flags, true).map(scanOutput), emit));
  defineFunction(t, 'split', 2, (v, re, flags) => splitRegex(v, re, flags));
  defineValueGenerator(t, 'splits', 1, (v, [re], emit) => emitAll(splitRegex(v, re, null), emit));
  defineValueGenerator(t, 'splits', 2, (v, [re, flags], emit) => emitAll(splitRegex(v, re, flags), emit));
  t.set('sub/2', ([re, str]) => subNode(re!, str!, undefined, false));
  t.set('sub/3', ([re, str, flags]) => subNode(re!, str!, flags, false));
  t.set('gsub/2', ([re, str]) => subNode(re!, str!, undefined, true));
  t.set('gsub/3', ([re, str, flags]) => subNode(re!, str!, flags, true));
}

function splitRegex(v: unknown, re: unknown, flags: unknown): string[] {
  const s = needString(v, 'cannot be matched, as it is not a string');
  const out: string[] = [];
  let prev = 0;
  for (const { start, end } of findMatches(s, re, flags, true)) {
    out.push(s.slice(prev, start));
    prev = end;
  }
  out.push(s.slice(prev));
  return out;
}

/** The text before a match plus its replacement, checked against the size limit. */
function replaced(acc: string, s: string, prev: number, start: number, rep: unknown): string {
  if (typeof rep !== 'string') throw new JqRuntimeError(`${describe(acc + s.slice(prev, start))} and ${describe(rep)} cannot be added`);
  checkSize(acc.length + (start - prev) + rep.length, 'a string');
  return acc + s.slice(prev, start) + rep;
}

function subNode(re: NodeLike, str: NodeLike, flags: NodeLike | undefined, global: boolean): NodeLike {
  const one = str.one;
  return valueNode((input, env, emit) => {
    const withFlags = (f: unknown): void =>
      re.run(input, env, (pattern) => {
        const s = needString(input, 'cannot be matched, as it is not a string');
        const fl = global ? `g${typeof f === 'string' ? f : ''}` : f;
        const matches = findMatches(s, pattern, fl);
        if (one) {
          // One replacement per match (the usual case): a loop, however many matches there are.
          let acc = '';
          let prev = 0;
          for (const { match, start, end } of matches) {
            acc = replaced(acc, s, prev, start, one(captureObject(match), env));
            prev = end;
          }
          return emit(acc + s.slice(prev));
        }
        // A replacement that yields several strings: every combination, as jq does.
        const next = (i: number, prev: number, acc: string): void => {
          if (i === matches.length) return emit(acc + s.slice(prev));
          const { match: m, start: a, end: b } = matches[i]!;
          str.run(captureObject(m), env, (rep) => next(i + 1, b, replaced(acc, s, prev, a, rep)));
        };
        next(0, 0, '');
      });
    if (flags) flags.run(input, env, withFlags);
    else withFlags(null);
  });
}
