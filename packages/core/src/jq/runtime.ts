// The evaluation model. A compiled filter is a function that calls `emit` once per output
// (continuation-passing style): backtracking is simply returning to the caller's loop, and
// stopping early (first/limit/label-break) throws a signal object caught by its owner.
import { JqRuntimeError } from './errors.ts';
import { truncatedJson } from './values.ts';
import { budget, checkCollection, elementSize } from './budget.ts';

export { budget, enter, leave, newBudget, tick, withBudget, type Budget } from './budget.ts';

export type Emit = (value: unknown) => void;
export type PathEmit = (value: unknown, path: unknown[]) => void;

/** One runtime frame per binding (variable, function parameter, definition marker, label). */
export interface Env {
  readonly v: unknown;
  readonly up: Env | null;
}

export type Run = (input: unknown, env: Env | null, emit: Emit) => void;
export type RunPaths = (input: unknown, path: unknown[], env: Env | null, emit: PathEmit) => void;

export type One = (input: unknown, env: Env | null) => unknown;

/**
 * A compiled filter in its two modes: values, and (value, path) pairs for path expressions.
 * `one` is present when the filter always yields exactly one value (or raises): it is then
 * evaluated directly, without continuations — faster, and the JavaScript stack stays shallow.
 */
export interface Node {
  run: Run;
  paths: RunPaths;
  one?: One;
}

/** A filter argument of a jq-defined function: the argument's code and the caller's frames. */
export interface Closure {
  node: Node;
  env: Env | null;
}

export function frameAt(env: Env | null, depth: number): Env {
  let e = env;
  for (let i = 0; i < depth; i++) e = e!.up;
  return e!;
}

/** Thrown to stop a generator early; each owner catches only its own instance. */
export class StopSignal {
  constructor(readonly label = 'stop') {}
}

export function fail(message: string, value: unknown = message): never {
  throw new JqRuntimeError(message, value);
}

/** Collects every output of a filter. */
export function collect(node: Node, input: unknown, env: Env | null): unknown[] {
  const out: unknown[] = [];
  const max = budget.maxValueBytes;
  let bytes = 0;
  node.run(input, env, (v) => {
    if ((bytes += elementSize(v)) > max) checkCollection(bytes);
    out.push(v);
  });
  return out;
}

/** The first output, or `none` when there is none; stops the generator after it. */
export function firstOf<T>(node: Node, input: unknown, env: Env | null, none: T): unknown {
  const stop = new StopSignal();
  let result: unknown = none;
  try {
    node.run(input, env, (v) => {
      result = v;
      throw stop;
    });
  } catch (e) {
    if (e !== stop) throw e;
  }
  return result;
}

const AT = Symbol('valueAtPath');
type Detached = unknown[] & { [AT]?: { value: unknown } };

/**
 * The "path" of a value that a non-path expression produced in path mode (`path(map(.) | …)`):
 * its elements are the last real path, and it remembers the value found there. Like jq, the
 * evaluation goes on with such a value and fails only when it is used as a path — indexed,
 * iterated, or returned by path() — unless it is that very value (jq compares identity, so
 * `path(.a | null)` on null is ["a"]).
 */
export function detach(path: unknown[], valueAtPath: unknown): unknown[] {
  if ((path as Detached)[AT]) return path;
  const detached: Detached = path.slice();
  detached[AT] = { value: valueAtPath };
  return detached;
}

/** jq's path_intact: whether `v`, reached by `path`, may be used as a path. */
export function intact(path: unknown[], v: unknown): boolean {
  const at = (path as Detached)[AT];
  return at === undefined || Object.is(at.value, v);
}

/** Indexing `v` with `key` in path mode: raises jq's error when `v` is not at a path. */
export function checkIndexPath(path: unknown[], v: unknown, key: unknown): void {
  if (!intact(path, v)) throw new JqRuntimeError(`Invalid path expression near attempt to access element ${truncatedJson(key)} of ${truncatedJson(v)}`);
}

/** Iterating `v` in path mode: raises jq's error when `v` is not at a path. */
export function checkIteratePath(path: unknown[], v: unknown): void {
  if (!intact(path, v)) throw new JqRuntimeError(`Invalid path expression near attempt to iterate through ${truncatedJson(v)}`);
}

/** What path(f) outputs for a value `v` reached by `path`: the path, or jq's error. */
export function finalPath(path: unknown[], v: unknown): unknown[] {
  if (!intact(path, v)) throw invalidPath(v);
  return (path as Detached)[AT] ? path.slice() : path;
}

/** A filter that has no path form: its outputs carry a detached path (see `detach`). */
export function notAPath(run: Run): RunPaths {
  return (input, path, env, emit) => {
    const detached = detach(path, input);
    run(input, env, (v) => emit(v, detached));
  };
}

export function invalidPath(v: unknown): JqRuntimeError {
  return new JqRuntimeError(`Invalid path expression with result ${truncatedJson(v)}`);
}

/** A node built from a value-mode function only. */
export function valueNode(run: Run): Node {
  return { run, paths: notAPath(run) };
}

/** A node that yields exactly one value. */
export function oneNode(one: One, paths?: RunPaths): Node {
  const run: Run = (input, env, emit) => emit(one(input, env));
  return { run, paths: paths ?? notAPath(run), one };
}
