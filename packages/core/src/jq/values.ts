// jq values are plain JSON values (null, boolean, number, string, array, object). This module
// holds jq's view of them: type names, the total order used by sort/comparisons, and the exact
// text jq 1.8 prints for them (tojson, error messages).
import { budget, build, charge, checkSize, MEMBER_BYTES, tick } from './budget.ts';
import { JqLimitError, JqRuntimeError } from './errors.ts';

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

export function sortedKeys(o: JqObject): string[] {
  return Object.keys(o).sort(compareStrings);
}

/** jq's total order: null < false < true < numbers < strings < arrays < objects. */
export function compare(a: unknown, b: unknown): number {
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
    case 5: return compareArrays(a as unknown[], b as unknown[]);
    case 6: return compareObjects(a as JqObject, b as JqObject);
    default: return 0;
  }
}

function compareArrays(a: unknown[], b: unknown[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    tick(); // values of shared parts can be exponentially larger than their memory
    const c = compare(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

function compareObjects(a: JqObject, b: JqObject): number {
  tick();
  const ka = sortedKeys(a);
  const kb = sortedKeys(b);
  const c = compareArrays(ka, kb);
  if (c !== 0) return c;
  for (const k of ka) {
    const d = compare(a[k], b[k]);
    if (d !== 0) return d;
  }
  return 0;
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

/**
 * Writes compact JSON; returns false when the text passed `max` characters (the rest unwritten).
 * Shared parts are written every time they appear, so the text of a value can be exponentially
 * longer than its memory: the length is checked, and the steps counted, as the text grows.
 */
function writeJson(v: unknown, t: JsonText): boolean {
  if (v === null || v === undefined) t.put('null');
  else if (typeof v === 'boolean') t.put(v ? 'true' : 'false');
  else if (typeof v === 'number') t.put(formatNumber(v));
  else if (typeof v === 'string') t.put(quoteString(v));
  else if (Array.isArray(v)) {
    t.put('[');
    for (let i = 0; i < v.length; i++) {
      tick();
      if (i) t.put(',');
      if (!writeJson(v[i], t)) return false;
    }
    t.put(']');
  } else {
    t.put('{');
    let first = true;
    for (const k of Object.keys(v as JqObject)) {
      tick();
      t.put(first ? quoteString(k) : `,${quoteString(k)}`);
      t.put(':');
      first = false;
      if (!writeJson((v as JqObject)[k], t)) return false;
    }
    t.put('}');
  }
  return t.length <= t.max;
}

/** Compact JSON of a value already built, for callers outside an evaluation (no size limit). */
export function jsonText(v: unknown): string {
  const t = new JsonText(Infinity);
  writeJson(v, t);
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

/** Indented JSON (jq's default output, 2 spaces). */
export function toJsonPretty(v: unknown, indent = ''): string {
  if (v === null || typeof v !== 'object') return toJson(v);
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[\n${v.map((x) => inner + toJsonPretty(x, inner)).join(',\n')}\n${indent}]`;
  }
  const keys = Object.keys(v);
  if (keys.length === 0) return '{}';
  return `{\n${keys.map((k) => `${inner}${quoteString(k)}: ${toJsonPretty((v as JqObject)[k], inner)}`).join(',\n')}\n${indent}}`;
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
