// Baton's own jq engine: parse → compile (cached) → run with a step/time budget.
import { parse } from './parser.ts';
import { compile } from './compile.ts';
import { getBuiltins } from './builtins/index.ts';
import { JqRuntimeError } from './errors.ts';
import { newBudget, withBudget, type Node } from './runtime.ts';

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
      return evaluate(timeoutMs, vars, () => {
        const out: unknown[] = [];
        node.run(input === undefined ? null : input, env, (v) => {
          out.push(v);
        });
        return out;
      });
    },
    first(input, vars, timeoutMs) {
      return evaluate(timeoutMs, vars, () => {
        const stop = {};
        let result: unknown;
        try {
          node.run(input === undefined ? null : input, env, (v) => {
            result = v;
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

function evaluate<T>(timeoutMs: number, vars: Record<string, unknown> | undefined, fn: () => T): T {
  try {
    return withBudget(newBudget(timeoutMs, vars ?? NO_VARS), fn);
  } catch (e) {
    if (e instanceof RangeError) {
      // Deep recursion or a huge string: report it as a jq error rather than crash the caller.
      throw new JqRuntimeError(/call stack/.test(e.message) ? 'jq: stack overflow (recursion too deep)' : e.message);
    }
    throw e;
  }
}
