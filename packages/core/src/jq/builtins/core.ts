// Core builtins: identity-like filters, paths, generators and stream control.
import { JqRuntimeError } from '../errors.ts';
import { envObject, iterateValue } from '../compile.ts';
import { delPaths, getPath, indexValue, setPath } from '../paths.ts';
import { checkIteratePath, finalPath, intact, StopSignal, tick, valueNode, type Emit, type Env, type Node } from '../runtime.ts';
import { budget, charge, checkCollection, elementSize, MEMBER_BYTES } from '../budget.ts';
import { compare, describe, getKey, isTruthy, setKey, sortedKeys, toJson, typeOf, type JqObject } from '../values.ts';
import { defineFunction, defineSingle, type Table } from './define.ts';
import { add } from '../operators.ts';

/** An object's keys, listing them charged as bulk work (a loop may ask for them again and again). */
function chargedKeys(o: JqObject): string[] {
  const keys = Object.keys(o);
  charge(keys.length * MEMBER_BYTES);
  return keys;
}

function keysOf(v: unknown, sorted: boolean): unknown[] {
  if (Array.isArray(v)) return v.map((_x, i) => i);
  if (v !== null && typeof v === 'object') return sorted ? sortedKeys(v as JqObject) : chargedKeys(v as JqObject);
  throw new JqRuntimeError(`${describe(v)} has no keys`);
}

export function hasKey(v: unknown, k: unknown): boolean {
  if (v === null) return false;
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && typeof k === 'string') return Object.hasOwn(v, k);
  if (Array.isArray(v) && typeof k === 'number') return k >= 0 && k < v.length;
  throw new JqRuntimeError(`Cannot check whether ${typeOf(v)} has a ${typeOf(k)} key`);
}

export function lengthOf(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'boolean') throw new JqRuntimeError(`${describe(v)} has no length`);
  if (typeof v === 'number') return Math.abs(v);
  if (typeof v === 'string') {
    charge(v.length);
    let n = 0;
    for (let i = 0; i < v.length; i++) {
      const c = v.charCodeAt(i);
      if (c < 0xd800 || c > 0xdbff) n++;
    }
    return n;
  }
  if (Array.isArray(v)) return v.length;
  return chargedKeys(v as JqObject).length;
}

/** Pre-order walk of every value under `v` (`..`): a loop with a stack, for any depth. */
function recurseValues(v: unknown, emit: Emit): void {
  const stack = [v];
  while (stack.length) {
    tick();
    const x = stack.pop();
    emit(x);
    if (Array.isArray(x)) for (let i = x.length - 1; i >= 0; i--) stack.push(x[i]);
    else if (x !== null && typeof x === 'object') {
      const keys = Object.keys(x);
      for (let i = keys.length - 1; i >= 0; i--) stack.push((x as JqObject)[keys[i]!]);
    }
  }
}

/** The same walk with each value's path (path mode, `paths`). */
function recurseDefault(v: unknown, path: unknown[], emit: (x: unknown, p: unknown[]) => void): void {
  const stack: [unknown, unknown[]][] = [[v, path]];
  while (stack.length) {
    tick();
    const [x, p] = stack.pop()!;
    emit(x, p);
    checkIteratePath(p, x);
    if (Array.isArray(x)) for (let i = x.length - 1; i >= 0; i--) stack.push([x[i], [...p, i]]);
    else if (x !== null && typeof x === 'object') {
      const keys = Object.keys(x);
      for (let i = keys.length - 1; i >= 0; i--) stack.push([(x as JqObject)[keys[i]!], [...p, keys[i]]]);
    }
  }
}

type Step = { emit: boolean; value: unknown };

/**
 * Depth-first expansion with an explicit stack, so that long loops (until/while/recurse over
 * thousands of iterations) cannot overflow the JavaScript stack. `expand` lists, in order,
 * the values to output and the values to expand next.
 */
function expandLoop(input: unknown, expand: (v: unknown, out: Step[]) => void, emit: Emit): void {
  const stack: Step[] = [{ emit: false, value: input }];
  while (stack.length > 0) {
    tick();
    const step = stack.pop()!;
    if (step.emit) {
      emit(step.value);
      continue;
    }
    const out: Step[] = [];
    expand(step.value, out);
    for (let i = out.length - 1; i >= 0; i--) stack.push(out[i]!);
  }
}

function recurseWith(f: Node, cond: Node | undefined): Node {
  const run = (input: unknown, env: Env | null, emit: Emit): void =>
    expandLoop(input, (v, out) => {
      out.push({ emit: true, value: v });
      f.run(v, env, (next) => {
        if (!cond) return out.push({ emit: false, value: next });
        cond.run(next, env, (c) => isTruthy(c) && out.push({ emit: false, value: next }));
      });
    }, emit);
  const paths = (input: unknown, path: unknown[], env: Env | null, emit: (v: unknown, p: unknown[]) => void): void => {
    tick();
    emit(input, path);
    f.paths(input, path, env, (next, p) => paths(next, p, env, emit));
  };
  return { run, paths: cond ? valueNode(run).paths : paths };
}

function stopAfter(node: Node, n: number): Node {
  const run = (input: unknown, env: Env | null, emit: Emit): void => {
    if (n <= 0) return;
    const stop = new StopSignal();
    let count = 0;
    try {
      node.run(input, env, (v) => {
        emit(v);
        if (++count >= n) throw stop;
      });
    } catch (e) {
      if (e !== stop) throw e;
    }
  };
  return { run, paths: (input, path, env, emit) => {
    if (n <= 0) return;
    const stop = new StopSignal();
    let count = 0;
    try {
      node.paths(input, path, env, (v, p) => {
        emit(v, p);
        if (++count >= n) throw stop;
      });
    } catch (e) {
      if (e !== stop) throw e;
    }
  } };
}

function forEachCount(countNode: Node, input: unknown, env: Env | null, fn: (n: number) => void): void {
  countNode.run(input, env, (n) => {
    if (typeof n !== 'number') throw new JqRuntimeError('Invalid count');
    fn(n);
  });
}

export function registerCore(t: Table): void {
  t.set('empty/0', () => ({ run: () => {}, paths: () => {} }));
  t.set('not/0', () => valueNode((input, _env, emit) => emit(!isTruthy(input))));
  defineFunction(t, 'length', 0, lengthOf);
  defineFunction(t, 'keys', 0, (v) => keysOf(v, true));
  defineFunction(t, 'keys_unsorted', 0, (v) => keysOf(v, false));
  defineFunction(t, 'has', 1, hasKey);
  defineFunction(t, 'type', 0, typeOf);
  const raise = (v: unknown): never => {
    throw new JqRuntimeError(typeof v === 'string' ? v : `${toJson(v)} (not a string)`, v);
  };
  defineFunction(t, 'error', 0, raise);
  defineFunction(t, 'error', 1, (_v, msg) => raise(msg));
  t.set('select/1', ([cond]) => ({
    run: (input, env, emit) => cond!.run(input, env, (c) => isTruthy(c) && emit(input)),
    paths: (input, path, env, emit) => cond!.run(input, env, (c) => isTruthy(c) && emit(input, path)),
  }));
  t.set('recurse/0', () => ({
    run: (input, _env, emit) => recurseValues(input, emit),
    paths: (input, path, _env, emit) => recurseDefault(input, path, emit),
  }));
  t.set('recurse/1', ([f]) => recurseWith(f!, undefined));
  t.set('recurse/2', ([f, cond]) => recurseWith(f!, cond));
  t.set('path/1', ([f]) => valueNode((input, env, emit) => f!.paths(input, [], env, (v, p) => emit(finalPath(p, v)))));
  t.set('getpath/1', ([p]) => ({
    run: (input, env, emit) => p!.run(input, env, (path) => emit(getPath(input, checkPath(path)))),
    // Off a path (`path(tostring | getpath(…))`), jq looks the value up and leaves the path as it is.
    paths: (input, path, env, emit) => p!.run(input, env, (q) => {
      const v = getPath(input, checkPath(q));
      emit(v, intact(path, input) ? [...path, ...(q as unknown[])] : path);
    }),
  }));
  defineFunction(t, 'setpath', 2, (input, p, v) => setPath(input, checkPath(p), v));
  defineFunction(t, 'delpaths', 1, delPaths);
  t.set('del/1', ([f]) => valueNode((input, env, emit) => {
    const paths: unknown[][] = [];
    f!.paths(input, [], env, (v, p) => paths.push(finalPath(p, v)));
    emit(delPaths(input, paths));
  }));
  t.set('paths/0', () => valueNode((input, _env, emit) => recurseDefault(input, [], (_v, p) => p.length > 0 && emit(p))));
  defineFunction(t, 'to_entries', 0, (v) => keysOf(v, false).map((k) => ({ key: k, value: indexValue(v, k) })));
  defineFunction(t, 'from_entries', 0, fromEntries);
  defineSingle(t, 'map', 1, (input, env, [f]) => {
    const out: unknown[] = [];
    const max = budget.maxValueBytes;
    let bytes = 0;
    const one = f!.one;
    if (one) {
      iterateValue(input, (x) => {
        const y = one(x, env);
        if ((bytes += elementSize(y)) > max) checkCollection(bytes);
        out.push(y);
      });
    } else {
      iterateValue(input, (x) => f!.run(x, env, (y) => {
        if ((bytes += elementSize(y)) > max) checkCollection(bytes);
        out.push(y);
      }));
    }
    return out;
  });
  t.set('limit/2', ([n, f]) => {
    const limited = (count: number): Node => {
      if (count < 0) throw new JqRuntimeError("limit doesn't support negative count");
      return stopAfter(f!, count);
    };
    return {
      run: (input, env, emit) => forEachCount(n!, input, env, (count) => limited(count).run(input, env, emit)),
      paths: (input, path, env, emit) => forEachCount(n!, input, env, (count) => limited(count).paths(input, path, env, emit)),
    };
  });
  t.set('skip/2', ([n, f]) => {
    const skipping = <A extends unknown[]>(count: number, emit: (...a: A) => void): ((...a: A) => void) => {
      if (count < 0) throw new JqRuntimeError("skip doesn't support negative count");
      let seen = 0;
      return (...a: A) => {
        if (seen++ >= count) emit(...a);
      };
    };
    return {
      run: (input, env, emit) => forEachCount(n!, input, env, (count) => f!.run(input, env, skipping(count, emit))),
      paths: (input, path, env, emit) => forEachCount(n!, input, env, (count) => f!.paths(input, path, env, skipping(count, emit))),
    };
  });
  t.set('first/1', ([f]) => stopAfter(f!, 1));
  t.set('last/1', ([f]) => valueNode((input, env, emit) => {
    let last: unknown;
    let has = false;
    f!.run(input, env, (v) => {
      has = true;
      last = v;
    });
    if (has) emit(last);
  }));
  t.set('isempty/1', ([f]) => valueNode((input, env, emit) => {
    const stop = new StopSignal();
    let empty = true;
    try {
      f!.run(input, env, () => {
        empty = false;
        throw stop;
      });
    } catch (e) {
      if (e !== stop) throw e;
    }
    emit(empty);
  }));
  registerLoops(t);
  registerMisc(t);
}

function registerLoops(t: Table): void {
  t.set('range/1', ([n]) => valueNode((input, env, emit) => n!.run(input, env, (upto) => range(0, upto, 1, emit))));
  t.set('range/2', ([a, b]) => valueNode((input, env, emit) => a!.run(input, env, (from) => b!.run(input, env, (upto) => range(from, upto, 1, emit)))));
  t.set('range/3', ([a, b, c]) => valueNode((input, env, emit) =>
    a!.run(input, env, (from) => b!.run(input, env, (upto) => c!.run(input, env, (by) => rangeBy(from, upto, by, emit))))));
  t.set('until/2', ([cond, update]) => valueNode((input, env, emit) =>
    expandLoop(input, (v, out) => cond!.run(v, env, (c) => {
      if (isTruthy(c)) out.push({ emit: true, value: v });
      else update!.run(v, env, (u) => out.push({ emit: false, value: u }));
    }), emit)));
  t.set('while/2', ([cond, update]) => valueNode((input, env, emit) =>
    expandLoop(input, (v, out) => cond!.run(v, env, (c) => {
      if (!isTruthy(c)) return;
      out.push({ emit: true, value: v });
      update!.run(v, env, (u) => out.push({ emit: false, value: u }));
    }), emit)));
  // jq 1.8.2 re-applies f to the original input forever (its tail call keeps `.`); match it.
  t.set('repeat/1', ([f]) => valueNode((input, env, emit) => {
    for (;;) {
      tick();
      f!.run(input, env, emit);
    }
  }));
}

/** jq 1.8.2: range/3 is `$from | while(. < $upto; . + $by)` (or `>` for a negative step). */
function rangeBy(from: unknown, upto: unknown, by: unknown, emit: Emit): void {
  if (typeof from === 'number' && typeof upto === 'number' && typeof by === 'number') return range(from, upto, by, emit);
  const up = compare(by, 0) > 0;
  if (!up && compare(by, 0) === 0) return;
  for (let v = from; up ? compare(v, upto) < 0 : compare(v, upto) > 0; v = add(v, by)) {
    tick();
    emit(v);
  }
}

function range(from: unknown, upto: unknown, by: unknown, emit: Emit): void {
  if (typeof from !== 'number' || typeof upto !== 'number' || typeof by !== 'number') throw new JqRuntimeError('Range bounds must be numeric');
  if (by > 0) for (let i = from; i < upto; i += by) { tick(); emit(i); }
  else if (by < 0) for (let i = from; i > upto; i += by) { tick(); emit(i); }

}

function checkPath(p: unknown): unknown[] {
  if (!Array.isArray(p)) throw new JqRuntimeError('Path must be specified as an array');
  return p;
}

/** jq 1.8.2: the key is `.key // .Key // .name // .Name`, the value `.value` if present, else `.Value`. */
function fromEntries(v: unknown): unknown {
  const out: JqObject = {};
  iterateValue(v, (entry) => {
    const field = (name: string): unknown => indexValue(entry, name);
    let k = field('key');
    if (!isTruthy(k)) k = field('Key');
    if (!isTruthy(k)) k = field('name');
    if (!isTruthy(k)) k = field('Name');
    if (typeof k !== 'string') throw new JqRuntimeError(`Cannot use ${describe(k)} as object key`);
    const value = entry !== null && typeof entry === 'object' && Object.hasOwn(entry, 'value') ? getKey(entry as JqObject, 'value') : field('Value');
    setKey(out, k, value);
  });
  return out;
}

function registerMisc(t: Table): void {
  defineFunction(t, 'env', 0, () => envObject());
  defineFunction(t, 'builtins', 0, () => [...t.keys()]);
  defineFunction(t, 'input', 0, () => {
    const next = budget.inputs?.next();
    if (!next || next.done) throw new JqRuntimeError('No more inputs');
    return next.value;
  });
  t.set('inputs/0', () => valueNode((_input, _env, emit) => {
    for (let next = budget.inputs?.next(); next && !next.done; next = budget.inputs?.next()) {
      tick();
      emit(next.value);
    }
  }));
  t.set('debug/0', () => valueNode((input, _env, emit) => emit(input)));
  t.set('debug/1', () => valueNode((input, _env, emit) => emit(input)));
  t.set('stderr/0', () => valueNode((input, _env, emit) => emit(input)));
  defineFunction(t, 'input_filename', 0, () => null);
  defineFunction(t, 'halt_error', 1, (v, code) => {
    const e = new JqRuntimeError(typeof v === 'string' ? v : v === null ? '' : toJson(v), v);
    Object.assign(e, { halt: true, exitCode: code });
    throw e;
  });
  t.set('add/1', ([f]) => valueNode((input, env, emit) => {
    let acc: unknown = null;
    let first = true;
    f!.run(input, env, (v) => {
      acc = first ? v : add(acc, v);
      first = false;
    });
    emit(acc);
  }));
}
