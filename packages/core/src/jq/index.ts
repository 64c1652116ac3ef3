// jq for runtime expressions. CONTRACT (others code against it; keep it stable):
//
//   compileJq(src)            -> JqProgram (cached by source); throws JqCompileError on syntax errors
//   checkJq(src)              -> undefined if the filter compiles, else the error message
//   JqProgram.all(input, vars, opts?) -> every output value (vars are jq $variables, names without '$')
//   JqProgram.first(input, vars, opts?) -> the first output value, or undefined when there is none
//   JqRuntimeError            -> raised by error/1, type errors, etc. (message is jq's message)
//   JqTimeoutError            -> the evaluation exceeded opts.timeoutMs (default 1000 ms)
//   JqLimitError              -> the evaluation built a value larger than opts.maxValueBytes (default 16 MiB)
//
// Everything is synchronous: the interpreter is a pure, synchronous function.
import { JqCompileError, JqTimeoutError, UnsupportedError } from './errors.ts';
import { DEFAULT_MAX_VALUE_BYTES } from './budget.ts';
import { compileNative, type Limits, type NativeProgram } from './engine.ts';
import { checkWasm, runWasm } from './wasm-fallback.ts';

export { JqCompileError, JqLimitError, JqRuntimeError, JqTimeoutError } from './errors.ts';
export { DEFAULT_MAX_VALUE_BYTES } from './budget.ts';
/** jq's text forms, for tools that print like jq (the `baton jq` command). */
export { jsonText as jqToJson } from './values.ts';
export { parseJsonStream } from './builtins/json-text.ts';
/** Linear-time (RE2) patterns for JSON Schema validation with Ajv (approval forms). */
export { re2RegExp, schemaPatternProblems, UnsafePatternError } from './schema-regexp.ts';

export interface JqRunOptions {
  /** Wall-clock budget of one evaluation; default 1000 ms. */
  timeoutMs?: number;
  /**
   * The largest value the evaluation may build or output, in the size model of budget.ts
   * (about its bytes: 1 per string character, 8 per array element…); default 16 MiB.
   */
  maxValueBytes?: number;
  /**
   * The further inputs that `input` and `inputs` read (the `baton jq` command's stdin). A
   * workflow expression has none: `input` fails with "No more inputs".
   */
  inputs?: Iterator<unknown>;
}

export interface JqProgram {
  readonly source: string;
  /** Which engine runs it: Baton's TypeScript engine, or the real jq compiled to WebAssembly. */
  readonly engine: 'native' | 'jq-wasm';
  all(input: unknown, vars?: Record<string, unknown>, opts?: JqRunOptions): unknown[];
  first(input: unknown, vars?: Record<string, unknown>, opts?: JqRunOptions): unknown;
}

export const DEFAULT_TIMEOUT_MS = 1000;
const CACHE_LIMIT = 2000;
const cache = new Map<string, JqProgram>();

export function compileJq(src: string): JqProgram {
  const cached = cache.get(src);
  if (cached) return cached;
  const native = tryNative(src);
  const program = native ? nativeProgram(src, native) : wasmProgram(src);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(src, program);
  return program;
}

/** The TypeScript engine's compilation, or undefined when jq-wasm must run (or judge) the program. */
function tryNative(src: string): NativeProgram | undefined {
  try {
    return compileNative(src);
  } catch {
    // A syntax error here may be a construct this parser lacks: jq-wasm decides (see README).
    return undefined;
  }
}

function limitsOf(opts: JqRunOptions | undefined): Limits {
  return { timeoutMs: opts?.timeoutMs ?? DEFAULT_TIMEOUT_MS, maxValueBytes: opts?.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES, inputs: opts?.inputs };
}

function nativeProgram(src: string, native: NativeProgram, fallback = true): JqProgram {
  /** Evaluation is pure, so a program that meets an unsupported feature mid-way can re-run on jq-wasm. */
  const guard = <T>(opts: JqRunOptions | undefined, run: (limits: Limits) => T, onWasm: (limits: Limits) => T): T => {
    const limits = limitsOf(opts);
    const started = Date.now();
    try {
      return run(limits);
    } catch (error) {
      if (!(error instanceof UnsupportedError) || !fallback) throw error;
      try {
        return onWasm({ ...limits, timeoutMs: Math.max(1, limits.timeoutMs - (Date.now() - started)) });
      } catch (wasmError) {
        // The time limit is the caller's, not what was left of it for the second engine.
        if (wasmError instanceof JqTimeoutError) throw new JqTimeoutError(limits.timeoutMs);
        throw wasmError;
      }
    }
  };
  return {
    source: src,
    engine: 'native',
    all: (input, vars, opts) => guard(opts, (l) => native.all(input, vars, l), (l) => runWasm(src, input, vars, l)),
    first: (input, vars, opts) => guard(opts, (l) => native.first(input, vars, l), (l) => runWasm(src, input, vars, l)[0]),
  };
}

function wasmProgram(src: string): JqProgram {
  const problem = checkWasm(src);
  if (problem !== undefined) throw new JqCompileError(problem);
  return {
    source: src,
    engine: 'jq-wasm',
    all: (input, vars, opts) => runWasm(src, input, vars, limitsOf(opts)),
    first: (input, vars, opts) => runWasm(src, input, vars, limitsOf(opts))[0],
  };
}

/** Compiles with the TypeScript engine only (tests, bench): throws instead of falling back. */
export function compileJqNative(src: string): JqProgram {
  return nativeProgram(src, compileNative(src), false);
}

export function checkJq(src: string): string | undefined {
  try {
    compileJq(src);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
