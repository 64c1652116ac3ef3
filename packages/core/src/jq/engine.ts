// Baton's own jq engine: parse → compile (cached) → run with a step/time budget.
import { parse } from './parser.ts';
import { compile } from './compile.ts';
import { getBuiltins } from './builtins/index.ts';
import { JqRuntimeError, UnsupportedError } from './errors.ts';
import { newBudget, withBudget, type Node } from './runtime.ts';
import { copyObject, setKey } from './values.ts';

export interface NativeProgram {
  all(input: unknown, vars: Record<string, unknown> | undefined, timeoutMs: number): unknown[];
  first(input: unknown, vars: Record<string, unknown> | undefined, timeoutMs: number): unknown;
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
    all(input, vars, timeoutMs) {
      const one = node.one;
      if (one) return evaluate(timeoutMs, vars, () => [jsonSafe(one(input === undefined ? null : input, env))]);
      return evaluate(timeoutMs, vars, () => {
        const out: unknown[] = [];
        node.run(input === undefined ? null : input, env, (v) => {
          out.push(jsonSafe(v));
        });
        return out;
      });
    },
    first(input, vars, timeoutMs) {
      const one = node.one;
      if (one) return evaluate(timeoutMs, vars, () => jsonSafe(one(input === undefined ? null : input, env)));
      return evaluate(timeoutMs, vars, () => {
        const stop = {};
        let result: unknown;
        try {
          node.run(input === undefined ? null : input, env, (v) => {
            result = jsonSafe(v);
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
 * Outputs are JSON values: jq prints nan as null and ±infinite as ±DBL_MAX, so that is what
 * callers get (JSON.stringify would otherwise turn infinities into null). Unchanged values are
 * returned as they are, without copying.
 */
export function jsonSafe(v: unknown): unknown {
  if (typeof v === 'number') {
    if (Number.isFinite(v)) return v;
    return Number.isNaN(v) ? null : v > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE;
  }
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const x = jsonSafe(v[i]);
      if (x !== v[i]) (copy ??= v.slice())[i] = x;
    }
    return copy ?? v;
  }
  let copy: Record<string, unknown> | undefined;
  for (const k of Object.keys(v)) {
    const before = (v as Record<string, unknown>)[k];
    const x = jsonSafe(before);
    if (x !== before) {
      copy ??= copyObject(v as Record<string, unknown>);
      setKey(copy, k, x);
    }
  }
  return copy ?? v;
}

function evaluate<T>(timeoutMs: number, vars: Record<string, unknown> | undefined, fn: () => T): T {
  try {
    return withBudget(newBudget(timeoutMs, vars ?? NO_VARS), fn);
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
