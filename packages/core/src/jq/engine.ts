// Baton's own jq engine: parse → compile (cached) → run with a step/time budget.
import { parse } from './parser.ts';
import { compile } from './compile.ts';
import { getBuiltins } from './builtins/index.ts';
import { JqRuntimeError } from './errors.ts';
import { budget, checkSize, MEMBER_BYTES, newBudget, SLOT_BYTES, tooDeep, withBudget } from './budget.ts';
import type { Node } from './runtime.ts';
import { setKey } from './values.ts';

/** The bounds of one evaluation (and the further inputs `input` reads, if any). */
export interface Limits {
  timeoutMs: number;
  maxValueBytes: number;
  inputs?: Iterator<unknown>;
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
 * callers get (JSON.stringify would otherwise turn infinities into null). Values without such
 * numbers are returned as they are, without copying. `size` counts the value in the size model
 * (budget.ts), stopping at its limit. Loops with stacks: outputs may be nested 10,000 deep.
 */
export function jsonSafe(v: unknown, size: Size): unknown {
  let unsafe = false;
  const stack = [v];
  while (stack.length && size.bytes <= size.max) {
    const x = stack.pop();
    if (typeof x === 'string') {
      size.bytes += x.length;
      continue;
    }
    size.bytes += SLOT_BYTES;
    if (typeof x === 'number') unsafe ||= !Number.isFinite(x);
    else if (Array.isArray(x)) for (let i = x.length - 1; i >= 0; i--) stack.push(x[i]);
    else if (x !== null && typeof x === 'object') {
      for (const k of Object.keys(x)) {
        size.bytes += MEMBER_BYTES + k.length;
        stack.push((x as Record<string, unknown>)[k]);
      }
    }
  }
  return unsafe && size.bytes <= size.max ? withSafeNumbers(v) : v;
}

/** A copy of `root` with nan and ±infinite replaced; shared parts stay shared. */
function withSafeNumbers(root: unknown): unknown {
  const copies = new Map<object, unknown>();
  const safe = (x: unknown): unknown =>
    (typeof x === 'number' ? safeNumber(x) : x !== null && typeof x === 'object' ? (copies.get(x) ?? x) : x);
  const stack: { node: object; ready: boolean }[] = [];
  if (root !== null && typeof root === 'object') stack.push({ node: root, ready: false });
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    const children = Object.values(top.node) as unknown[];
    if (!top.ready) {
      top.ready = true;
      for (const c of children) if (c !== null && typeof c === 'object' && !copies.has(c)) stack.push({ node: c, ready: false });
      continue;
    }
    stack.pop();
    if (copies.has(top.node)) continue;
    if (Array.isArray(top.node)) {
      copies.set(top.node, top.node.map(safe));
    } else {
      const copy: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(top.node)) setKey(copy, k, safe(x));
      copies.set(top.node, copy);
    }
  }
  return safe(root);
}

function evaluate<T>(limits: Limits, vars: Record<string, unknown> | undefined, fn: () => T): T {
  try {
    return withBudget(newBudget(limits.timeoutMs, vars ?? NO_VARS, limits.maxValueBytes, limits.inputs), fn);
  } catch (e) {
    if (e instanceof RangeError) {
      // Deeper recursion than the JavaScript stack allows: jq keeps its stack on the heap, so
      // the real jq (jq-wasm) re-runs the program (evaluation is pure) instead of failing here.
      if (/call stack/.test(e.message)) throw tooDeep();
      throw new JqRuntimeError(e.message); // e.g. a string longer than JavaScript allows
    }
    throw e;
  }
}
