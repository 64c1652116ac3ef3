// jq's arithmetic and comparison operators on JSON values.
import type { BinaryOp } from './ast.ts';
import { build, charge, checkSize, SLOT_BYTES, tick } from './budget.ts';
import { JqRuntimeError } from './errors.ts';
import { MAX_DEPTH, trampoline } from './deep.ts';
import { compare, copyObject, describe, equals, getKey, setKey, type JqObject } from './values.ts';

function isObject(v: unknown): v is JqObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function cannot(a: unknown, b: unknown, what: string): JqRuntimeError {
  return new JqRuntimeError(`${describe(a)} and ${describe(b)} ${what}`);
}

export function add(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (a === null || a === undefined) return b;
  if (b === null || b === undefined) return a;
  if (typeof a === 'string' && typeof b === 'string') {
    // V8 joins strings without copying them: only the added part is work.
    checkSize(a.length + b.length, 'a string');
    charge(b.length);
    return a + b;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    build((a.length + b.length) * SLOT_BYTES, 'an array');
    return a.concat(b);
  }
  if (isObject(a) && isObject(b)) {
    const out = copyObject(a);
    for (const k of Object.keys(b)) setKey(out, k, b[k]);
    return out;
  }
  throw cannot(a, b, 'cannot be added');
}

function subtract(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  // |a| × |b| comparisons: each one ticks, or two 50,000-element arrays held the runner for seconds.
  if (Array.isArray(a) && Array.isArray(b)) return a.filter((x) => !b.some((y) => (tick(), equals(x, y))));
  throw cannot(a, b, 'cannot be subtracted');
}

function repeatString(s: string, n: number): unknown {
  if (Number.isNaN(n) || n < 0) return null;
  const times = Math.trunc(Math.min(n, 2 ** 31 - 1));
  // jq's own limit (a C int of bytes), before Baton's value size limit.
  if (times > 0 && s !== '' && Buffer.byteLength(s) * times > 2 ** 31 - 1) throw new JqRuntimeError('Repeat string result too long');
  build(s.length * times, 'a string');
  return s.repeat(times);
}

export function deepMerge(a: JqObject, b: JqObject): JqObject {
  return trampoline(mergeStep, a, b, 0);
}

/** `*` on objects, written for the trampoline; deeper than jq's limit: "Object merge too deep". */
function* mergeStep(a: JqObject, b: JqObject, depth: number): Generator<[JqObject, JqObject, number], JqObject, JqObject> {
  if (depth > MAX_DEPTH) throw new JqRuntimeError('Object merge too deep');
  const out = copyObject(a);
  for (const k of Object.keys(b)) {
    const x = getKey(out, k);
    const y = b[k];
    setKey(out, k, isObject(x) && isObject(y) ? yield [x, y, depth + 1] : y);
  }
  return out;
}

function multiply(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') return a * b;
  if (typeof a === 'string' && typeof b === 'number') return repeatString(a, b);
  if (typeof a === 'number' && typeof b === 'string') return repeatString(b, a);
  if (isObject(a) && isObject(b)) return deepMerge(a, b);
  throw cannot(a, b, 'cannot be multiplied');
}

function divide(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') {
    if (b === 0) throw cannot(a, b, 'cannot be divided because the divisor is zero');
    return a / b;
  }
  if (typeof a === 'string' && typeof b === 'string') return splitString(a, b);
  throw cannot(a, b, 'cannot be divided');
}

export function splitString(s: string, sep: string): string[] {
  if (s === '') return [];
  if (sep === '') return Array.from(s);
  return s.split(sep);
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
const TWO_63 = 2 ** 63;
const SAFE = 2 ** 53;

/** C's conversion of a double to intmax_t as jq does it, clamped at the int64 range. */
function toInt64(n: number): bigint {
  if (n >= TWO_63) return INT64_MAX;
  if (n <= -TWO_63) return INT64_MIN;
  return BigInt(Math.trunc(n));
}

/** jq 1.8: both operands truncated to int64 (±infinite clamp to its bounds); nan gives nan. */
function modulo(a: unknown, b: unknown): unknown {
  if (typeof a !== 'number' || typeof b !== 'number') throw cannot(a, b, 'cannot be divided (remainder)');
  if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
  if (Math.abs(a) < SAFE && Math.abs(b) < SAFE) {
    const y = Math.trunc(b);
    if (y === 0) throw cannot(a, b, 'cannot be divided (remainder) because the divisor is zero');
    const r = Math.trunc(a) % y;
    return r === 0 ? 0 : r;
  }
  const y = toInt64(b);
  if (y === 0n) throw cannot(a, b, 'cannot be divided (remainder) because the divisor is zero');
  return y === -1n ? 0 : Number(toInt64(a) % y);
}

export function binary(op: BinaryOp, a: unknown, b: unknown): unknown {
  switch (op) {
    case '+': return add(a, b);
    case '-': return subtract(a, b);
    case '*': return multiply(a, b);
    case '/': return divide(a, b);
    case '%': return modulo(a, b);
    case '==': return equals(a, b);
    case '!=': return !equals(a, b);
    case '<': return compare(a, b) < 0;
    case '<=': return compare(a, b) <= 0;
    case '>': return compare(a, b) > 0;
    case '>=': return compare(a, b) >= 0;
  }
}
