// jq values are plain JSON values (null, boolean, number, string, array, object). This module
// holds jq's view of them: type names, the total order used by sort/comparisons, and the exact
// text jq 1.8 prints for them (tojson, error messages).
import { budget, build, charge, checkSize, MEMBER_BYTES, tick } from './budget.ts';
import { JqLimitError, JqRuntimeError } from './errors.ts';
import { trampoline } from './deep.ts';

export type JqObject = Record<string, unknown>;

export function typeOf(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'boolean': return 'boolean';
    case 'number': return 'number';
    case 'string': return 'string';
    default: return Array.isArray(v) ? 'array' : 'object';
  }
}

const TYPE_RANK: Record<string, number> = { null: 0, boolean: 1, number: 3, string: 4, array: 5, object: 6 };

function rank(v: unknown): number {
  if (v === false) return 1;
  if (v === true) return 2;
  return TYPE_RANK[typeOf(v)]!;
}

export function isTruthy(v: unknown): boolean {
  return v !== null && v !== false && v !== undefined;
}

/** Compares strings by Unicode code point, as jq does on UTF-8 bytes. */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1; // a surrogate encodes a code point above every BMP unit
    return x - y;
  }
  return a.length - b.length;
}

/** Charges sorting n items (each `bytes` in the size model): n·log2(n) of them, as bulk work. */
export function chargeSort(n: number, bytes: number): void {
  if (n > 1) charge(n * bytes * Math.ceil(Math.log2(n)));
}

export function sortedKeys(o: JqObject): string[] {
  const keys = Object.keys(o);
  chargeSort(keys.length, MEMBER_BYTES);
  return keys.sort(compareStrings);
}

/** jq's total order: null < false < true < numbers < strings < arrays < objects. */
export function compare(a: unknown, b: unknown): number {
  return compareAt(a, b, 0);
}

function compareAt(a: unknown, b: unknown, depth: number): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 3: {
      const x = a as number;
      const y = b as number;
      if (x < y) return -1;
      if (x === y) return 0;
      if (Number.isNaN(x)) return -1; // jq sorts nan below every number
      return 1;
    }
    case 4: return compareStrings(a as string, b as string);
    case 5:
    case 6: return depth < SHALLOW ? compareContainers(a, b, ra, depth) : trampoline(compareStep, a, b);
    default: return 0;
  }
}

/** Nesting up to which compare recurses on the JavaScript stack (deeper: see deep.ts). */
const SHALLOW = 200;

function compareContainers(a: unknown, b: unknown, kind: number, depth: number): number {
  if (kind === 5) {
    const x = a as unknown[];
    const y = b as unknown[];
    const n = Math.min(x.length, y.length);
    for (let i = 0; i < n; i++) {
      tick(); // values of shared parts can be exponentially larger than their memory
      const c = compareAt(x[i], y[i], depth + 1);
      if (c !== 0) return c;
    }
    return x.length - y.length;
  }
  tick();
  const keys = sortedKeys(a as JqObject);
  const c = compareKeys(keys, sortedKeys(b as JqObject));
  if (c !== 0) return c;
  for (const k of keys) {
    const d = compareAt((a as JqObject)[k], (b as JqObject)[k], depth + 1);
    if (d !== 0) return d;
  }
  return 0;
}

/** compare written for the trampoline: the same order, for values of any depth. */
function* compareStep(a: unknown, b: unknown): Generator<[unknown, unknown], number, number> {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 5) {
    const x = a as unknown[];
    const y = b as unknown[];
    const n = Math.min(x.length, y.length);
    for (let i = 0; i < n; i++) {
      tick();
      const c = yield [x[i], y[i]];
      if (c !== 0) return c;
    }
    return x.length - y.length;
  }
  if (ra === 6) {
    tick();
    const keys = sortedKeys(a as JqObject);
    const c = compareKeys(keys, sortedKeys(b as JqObject));
    if (c !== 0) return c;
    for (const k of keys) {
      const d = yield [(a as JqObject)[k], (b as JqObject)[k]];
      if (d !== 0) return d;
    }
    return 0;
  }
  return compareAt(a, b, 0);
}

function compareKeys(a: string[], b: string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareStrings(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

export function equals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return (a === undefined && b === null) || (a === null && b === undefined);
  }
  return compare(a, b) === 0;
}

/** Reads an own property (never the prototype: `.constructor` of {} is null in jq). */
export function getKey(o: JqObject, k: string): unknown {
  return Object.hasOwn(o, k) ? (o[k] ?? null) : null;
}

/** Sets an own property, even `__proto__`, on an object the caller owns. */
export function setKey(o: JqObject, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

export function copyObject(o: JqObject, adding = 0): JqObject {
  const out: JqObject = {};
  const keys = Object.keys(o);
  const bytes = (keys.length + adding) * MEMBER_BYTES;
  checkSize(bytes, 'an object');
  if (keys.length > 64) charge(bytes);
  for (const k of keys) setKey(out, k, o[k]);
  return out;
}

/**
 * The number as jq 1.8 prints it (jvp_dtoa_fmt): the shortest digits that read back as the same
 * double (at most 17), written out in full unless the exponent is below -4 or more than 15
 * places past the last digit (`1e+17`, `1234567890987654400`, `1e-05`, `0.0001`).
 */
export function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'null';
  if (!Number.isFinite(n)) return n > 0 ? '1.7976931348623157e+308' : '-1.7976931348623157e+308';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return String(n);
  const exp = Math.abs(n).toExponential(); // shortest digits, e.g. "1.5e-7"
  const e = exp.indexOf('e');
  const digits = exp.slice(0, e).replace('.', '');
  const point = Number(exp.slice(e + 1)) + 1; // digits × 10^(point - length)
  const sign = n < 0 ? '-' : '';
  if (point <= -4 || point > digits.length + 15) {
    const power = point - 1;
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${mantissa}e${power < 0 ? '-' : '+'}${String(Math.abs(power)).padStart(2, '0')}`;
  }
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

const ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\t': '\\t', '\r': '\\r', '\b': '\\b', '\f': '\\f' };

export function quoteString(s: string): string {
  // eslint-disable-next-line no-control-regex -- jq escapes control characters, so the pattern names them
  if (!/["\\\u0000-\u001f\u007f]/.test(s)) return `"${s}"`;
  // eslint-disable-next-line no-control-regex -- jq escapes control characters, so the pattern names them
  return `"${s.replace(/["\\\u0000-\u001f\u007f]/g, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

/**
 * A JSON text being written, stopped at `max` characters. Pieces are gathered in arrays and
 * joined in chunks: adding characters one by one to a string would build a rope of millions of
 * nodes, slow and far larger than the text.
 */
class JsonText {
  length = 0;
  private parts: string[] = [];
  private chunks: string[] = [];
  constructor(readonly max: number) {}

  put(s: string): void {
    this.parts.push(s);
    this.length += s.length;
    if (this.parts.length >= 4096) {
      this.chunks.push(this.parts.join(''));
      this.parts = [];
    }
  }

  text(): string {
    return this.chunks.join('') + this.parts.join('');
  }
}

/** Values nested deeper than this print as `<skipped: too deep>` (jq's MAX_PRINT_DEPTH). */
const MAX_PRINT_DEPTH = 10_000;

type Open = { array: unknown[]; i: number } | { object: JqObject; keys: string[]; i: number };

/**
 * Writes compact JSON; returns false when the text passed `max` characters (the rest unwritten).
 * Shared parts are written every time they appear, so the text of a value can be exponentially
 * longer than its memory: the length is checked, and the steps counted, as the text grows. A
 * loop with a stack of the open arrays and objects, so that any depth can be written.
 */
function writeJson(root: unknown, t: JsonText, count = true): boolean {
  const open: Open[] = [];
  let value: unknown = root;
  let pending = true;
  for (;;) {
    if (pending) {
      pending = false;
      const v = value;
      if (open.length > MAX_PRINT_DEPTH) t.put('<skipped: too deep>');
      else if (v === null || v === undefined) t.put('null');
      else if (typeof v === 'boolean') t.put(v ? 'true' : 'false');
      else if (typeof v === 'number') t.put(formatNumber(v));
      else if (typeof v === 'string') t.put(quoteString(v));
      else if (Array.isArray(v)) {
        t.put('[');
        open.push({ array: v, i: 0 });
      } else {
        t.put('{');
        open.push({ object: v as JqObject, keys: Object.keys(v), i: 0 });
      }
      if (t.length > t.max) return false;
    }
    const top = open[open.length - 1];
    if (!top) return t.length <= t.max;
    if (count) tick();
    if ('array' in top) {
      if (top.i < top.array.length) {
        if (top.i) t.put(',');
        value = top.array[top.i++];
        pending = true;
      } else {
        t.put(']');
        open.pop();
      }
    } else if (top.i < top.keys.length) {
      const k = top.keys[top.i++]!;
      t.put(top.i > 1 ? `,${quoteString(k)}:` : `${quoteString(k)}:`);
      value = top.object[k];
      pending = true;
    } else {
      t.put('}');
      open.pop();
    }
  }
}

/** Compact JSON of a value already built, for callers outside an evaluation (no size limit). */
export function jsonText(v: unknown): string {
  const t = new JsonText(Infinity);
  writeJson(v, t, false);
  return t.text();
}

/** Compact JSON exactly as jq 1.8 prints it (`jq -c`, `tojson`), within the value size limit. */
export function toJson(v: unknown): string {
  if (typeof v === 'string') {
    // A string's JSON is longer than the string (quotes, escapes): `tojson` repeated grows it
    // past any limit unless it is checked and charged like any other built value.
    const text = scalarJson(v);
    build(text.length, 'a JSON text');
    return text;
  }
  if (v === null || typeof v !== 'object') return scalarJson(v);
  const t = new JsonText(budget.maxValueBytes);
  if (!writeJson(v, t)) throw new JqLimitError(t.max, t.length, 'a JSON text (at least)');
  charge(t.length);
  return t.text();
}

/** A value inside an error message: `type (json)`, the JSON cut like jq does. */
export function describe(v: unknown): string {
  return `${typeOf(v)} (${truncatedJson(v)})`;
}

/**
 * A value as jq 1.8 shows it in messages: its JSON, cut when longer than 29 bytes of UTF-8 to its
 * first 25 bytes (26 for a number), on a character boundary, then '...' and the closing quote or
 * bracket.
 */
export function truncatedJson(v: unknown): string {
  let text: string;
  let whole = true;
  if (v === null || typeof v !== 'object') text = scalarJson(v);
  else {
    const t = new JsonText(64);
    whole = writeJson(v, t);
    text = t.text();
  }
  if (whole && utf8Length(text, 30) <= 29) return text;
  const close = typeof v === 'string' ? '"' : Array.isArray(v) ? ']' : v !== null && typeof v === 'object' ? '}' : '';
  return `${utf8Prefix(text, close ? 25 : 26)}...${close}`;
}

/** UTF-8 length of `s`, counted up to `stop`. */
function utf8Length(s: string, stop: number): number {
  let bytes = 0;
  for (let i = 0; i < s.length && bytes < stop; i++) bytes += utf8Width(s, i);
  return bytes;
}

function utf8Width(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c < 0x80) return 1;
  if (c < 0x800) return 2;
  if (c >= 0xd800 && c <= 0xdbff) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 4;
  }
  if (c >= 0xdc00 && c <= 0xdfff && i > 0) {
    const h = s.charCodeAt(i - 1);
    if (h >= 0xd800 && h <= 0xdbff) return 0; // counted with its high half
  }
  return 3;
}

/** The longest prefix of `s` of at most `max` UTF-8 bytes that does not split a character. */
function utf8Prefix(s: string, max: number): string {
  let bytes = 0;
  let i = 0;
  while (i < s.length) {
    const w = utf8Width(s, i);
    const units = w === 4 ? 2 : 1;
    if (bytes + w > max) break;
    bytes += w;
    i += units;
  }
  return s.slice(0, i);
}

function scalarJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return formatNumber(v);
  return quoteString(v as string);
}

export function typeError(v: unknown, what: string): JqRuntimeError {
  return new JqRuntimeError(`${describe(v)} ${what}`);
}

/** Turns JS `undefined` (absent input) into jq's null, leaving everything else as it is. */
export function orNull(v: unknown): unknown {
  return v === undefined ? null : v;
}
