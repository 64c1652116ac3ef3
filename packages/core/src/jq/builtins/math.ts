// Math builtins (libm names). Functions JavaScript has no faithful equivalent for (gamma,
// Bessel, erf, nextafter) are left out, so programs using them run on jq-wasm.
import { JqRuntimeError } from '../errors.ts';
import { compare, describe } from '../values.ts';
import { defineFunction, type Table } from './define.ts';

function num(v: unknown): number {
  if (typeof v !== 'number') throw new JqRuntimeError(`${describe(v)} number required`);
  return v;
}

/** Round half to even (rint, nearbyint). */
function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function frexp(x: number): [number, number] {
  if (x === 0 || !Number.isFinite(x)) return [x, 0];
  const e = Math.floor(Math.log2(Math.abs(x))) + 1;
  let m = x / 2 ** e;
  let exp = e;
  if (Math.abs(m) >= 1) { m /= 2; exp++; }
  if (Math.abs(m) < 0.5) { m *= 2; exp--; }
  return [m, exp];
}

const UNARY: Record<string, (x: number) => number> = {
  floor: Math.floor, ceil: Math.ceil, sqrt: Math.sqrt, fabs: Math.abs, exp: Math.exp, exp2: (x) => 2 ** x,
  exp10: (x) => 10 ** x, expm1: Math.expm1, log: Math.log, log2: Math.log2, log10: Math.log10, log1p: Math.log1p,
  sin: Math.sin, cos: Math.cos, tan: Math.tan, asin: Math.asin, acos: Math.acos, atan: Math.atan,
  sinh: Math.sinh, cosh: Math.cosh, tanh: Math.tanh, asinh: Math.asinh, acosh: Math.acosh, atanh: Math.atanh,
  cbrt: Math.cbrt, trunc: Math.trunc, rint, nearbyint: rint,
  round: (x) => (x < 0 ? -Math.round(-x) : Math.round(x)),
  significand: (x) => (x === 0 || !Number.isFinite(x) ? x : x / 2 ** Math.floor(Math.log2(Math.abs(x)))),
  logb: (x) => (x === 0 ? -Infinity : !Number.isFinite(x) ? Math.abs(x) : Math.floor(Math.log2(Math.abs(x)))),
};

const BINARY: Record<string, (x: number, y: number) => number> = {
  pow: Math.pow, atan2: Math.atan2, fmin: Math.min, fmax: Math.max, fmod: (x, y) => x % y, hypot: Math.hypot,
  ldexp: (x, e) => x * 2 ** Math.trunc(e), scalb: (x, e) => x * 2 ** e, scalbln: (x, e) => x * 2 ** Math.trunc(e),
  copysign: (x, y) => Math.sign(y) * Math.abs(x) || (Object.is(y, -0) || y < 0 ? -Math.abs(x) : Math.abs(x)),
  drem: (x, y) => x - y * rint(x / y), remainder: (x, y) => x - y * rint(x / y), fdim: (x, y) => (x > y ? x - y : 0),
};

export function registerMath(t: Table): void {
  for (const [name, fn] of Object.entries(UNARY)) defineFunction(t, name, 0, (v) => fn(num(v)));
  for (const [name, fn] of Object.entries(BINARY)) defineFunction(t, name, 2, (_v, a, b) => fn(num(a), num(b)));
  defineFunction(t, 'fma', 3, (_v, a, b, c) => num(a) * num(b) + num(c));
  defineFunction(t, 'frexp', 0, (v) => frexp(num(v)));
  defineFunction(t, 'modf', 0, (v) => {
    const x = num(v);
    if (!Number.isFinite(x)) return [Number.isNaN(x) ? x : 0, x];
    return [x - Math.trunc(x), Math.trunc(x)];
  });
  defineFunction(t, 'infinite', 0, () => Infinity);
  defineFunction(t, 'nan', 0, () => NaN);
  // jq 1.8.2 answers false for values that are not numbers.
  defineFunction(t, 'isinfinite', 0, (v) => v === Infinity || v === -Infinity);
  defineFunction(t, 'isnan', 0, (v) => typeof v === 'number' && Number.isNaN(v));
  defineFunction(t, 'isnormal', 0, (v) => typeof v === 'number' && Number.isFinite(v) && v !== 0 && Math.abs(v) >= 2.2250738585072014e-308);
  // jq 1.8.2: def abs: if . < 0 then - . else . end;  (so null and false raise, strings pass)
  defineFunction(t, 'abs', 0, (v) => {
    if (compare(v, 0) >= 0) return v;
    if (typeof v !== 'number') throw new JqRuntimeError(`${describe(v)} cannot be negated`);
    return -v;
  });
  defineFunction(t, 'have_decnum', 0, () => false);
  defineFunction(t, 'have_literal_numbers', 0, () => true);
  defineFunction(t, 'now', 0, () => Date.now() / 1000);
}
