// Baton's own jq engine: parse → compile (cached) → run with a step/time budget.
import { parse } from './parser.ts';
import { compile } from './compile.ts';
import { getBuiltins } from './builtins/index.ts';
import { JqRuntimeError, UnsupportedError } from './errors.ts';
import { budget, checkSize, MEMBER_BYTES, newBudget, SLOT_BYTES, withBudget } from './budget.ts';
import type { Node } from './runtime.ts';
import { copyObject, setKey } from './values.ts';

/** The bounds of one evaluation. */
export interface Limits {
  timeoutMs: number;
  maxValueBytes: number;
}

export interface NativeProgram {
  all(input: unknown, vars: Record<string, unknown> | undefined, limits: Limits): unknown[];
  first(input: unknown, vars: Record<string, unknown> | undefined, limits: Limits): unknown;
}

const NO_VARS: Record<string, unknown> = {};

/**
 * Compiles with the TypeScript engine. Throws UnsupportedError (or a syntax error) when the
 * program uses something this engine does not implement; callers fall back to jq-wasm.
 */
export function compileNative(src: string): NativeProgram {
  const builtins = getBuiltins();
  const node: Node = compile(parse(src), builtins.scope);
  const env = builtins.env;
  return {
    all(input, vars, limits) {
      const one = node.one;
      if (one) return evaluate(limits, vars, () => [output(one(input === undefined ? null : input, env))]);
      return evaluate(limits, vars, () => {
        const out: unknown[] = [];
        const size = { bytes: 0, max: budget.maxValueBytes };
        node.run(input === undefined ? null : input, env, (v) => {
          out.push(output(v, size));
        });
        return out;
      });
    },
    first(input, vars, limits) {
      const one = node.one;
      if (one) return evaluate(limits, vars, () => output(one(input === undefined ? null : input, env)));
      return evaluate(limits, vars, () => {
        const stop = {};
        let result: unknown;
        try {
          node.run(input === undefined ? null : input, env, (v) => {
            result = output(v);
            throw stop;
          });
        } catch (e) {
          if (e !== stop) throw e;
        }
        return result;
      });
    },
  };
}

/**
 * An output, checked against the size limit as a whole — counting shared parts every time they
 * appear, as its JSON text would — together with the outputs before it (`size`). The walk stops
 * as soon as the limit is passed, so a value of exponentially many shared parts
 * (`reduce range(40) as $i (0; [., .])`) costs no more than the limit.
 */
function output(v: unknown, size?: Size): unknown {
  // Strings are checked as they are built; only containers can hide shared parts.
  if (typeof v === 'number') return safeNumber(v);
  if (v === null || typeof v !== 'object') return v;
  const counted = size ?? { bytes: 0, max: budget.maxValueBytes };
  const out = jsonSafe(v, counted);
  checkSize(counted.bytes, 'its outputs have a size');
  return out;
}

/** The running size of outputs, and the limit at which counting stops. */
interface Size {
  bytes: number;
  max: number;
}

/** jq prints nan as null and ±infinite as ±DBL_MAX. */
function safeNumber(n: number): number | null {
  if (Number.isFinite(n)) return n;
  return Number.isNaN(n) ? null : n > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE;
}

/**
 * Outputs are JSON values: jq prints nan as null and ±infinite as ±DBL_MAX, so that is what
 * callers get (JSON.stringify would otherwise turn infinities into null). Unchanged values are
 * returned as they are, without copying. `size` counts the value in the size model (budget.ts).
 */
export function jsonSafe(v: unknown, size: Size): unknown {
  if (typeof v === 'string') {
    size.bytes += v.length;
    return v;
  }
  size.bytes += SLOT_BYTES;
  if (typeof v === 'number') return safeNumber(v);
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      if (size.bytes > size.max) break;
      const x = jsonSafe(v[i], size);
      if (x !== v[i]) (copy ??= v.slice())[i] = x;
    }
    return copy ?? v;
  }
  let copy: Record<string, unknown> | undefined;
  for (const k of Object.keys(v)) {
    if (size.bytes > size.max) break;
    size.bytes += MEMBER_BYTES + k.length;
    const before = (v as Record<string, unknown>)[k];
    const x = jsonSafe(before, size);
    if (x !== before) {
      copy ??= copyObject(v as Record<string, unknown>);
      setKey(copy, k, x);
    }
  }
  return copy ?? v;
}

function evaluate<T>(limits: Limits, vars: Record<string, unknown> | undefined, fn: () => T): T {
  try {
    return withBudget(newBudget(limits.timeoutMs, vars ?? NO_VARS, limits.maxValueBytes), fn);
  } catch (e) {
    if (e instanceof RangeError) {
      // Deeper recursion than the JavaScript stack allows: jq keeps its stack on the heap, so
      // the real jq (jq-wasm) re-runs the program (evaluation is pure) instead of failing here.
      if (/call stack/.test(e.message)) throw new UnsupportedError('recursion deeper than the JavaScript stack');
      throw new JqRuntimeError(e.message); // e.g. a string longer than JavaScript allows
    }
    throw e;
  }
}
