// Combinators for the value-producing constructs (indexing, iteration, literals of objects and
// strings, conditionals, `and`/`or`/`//`). They take compiled nodes; compile.ts resolves names.
import { MEMBER_BYTES, charge, checkSize } from './budget.ts';
import { JqRuntimeError } from './errors.ts';
import { indexValue, sliceValue } from './paths.ts';
import { checkIndexPath, checkIteratePath, oneNode, tick, valueNode, type Emit, type Env, type Node } from './runtime.ts';
import { formatValue } from './builtins/formats.ts';
import { describe, isTruthy, setKey, type JqObject } from './values.ts';

export function compileString(format: string | undefined, compiled: (string | Node)[]): Node {
  const fmt = format ?? 'text';
  // The last interpolation varies fastest… in jq it is the first: build right to left.
  const build = (i: number, input: unknown, env: Env | null, suffix: string, emit: Emit): void => {
    if (i < 0) return emit(suffix);
    const part = compiled[i]!;
    if (typeof part === 'string') return build(i - 1, input, env, part + suffix, emit);
    part.run(input, env, (v) => {
      const text = (typeof v === 'string' && fmt === 'text' ? v : formatValue(fmt, v)) + suffix;
      checkSize(text.length, 'a string');
      build(i - 1, input, env, text, emit);
    });
  };
  if (compiled.every((p) => typeof p === 'string' || p.one)) {
    return oneNode((input, env) => {
      let s = '';
      for (const part of compiled) {
        if (typeof part === 'string') s += part;
        else {
          const v = part.one!(input, env);
          s += typeof v === 'string' && fmt === 'text' ? v : formatValue(fmt, v);
        }
      }
      checkSize(s.length, 'a string');
      return s;
    });
  }
  return valueNode((input, env, emit) => build(compiled.length - 1, input, env, '', emit));
}

export function compileIndex(target: Node, index: Node, opt: boolean): Node {
  const get = opt ? optionalIndex : indexValue;
  const t = target.one;
  const k = index.one;
  const one = !opt && t && k ? (input: unknown, env: Env | null): unknown => {
    const key = k(input, env);
    return indexValue(t(input, env), key);
  } : undefined;
  return {
    one,
    run: one ? (input, env, emit) => emit(one(input, env)) : (input, env, emit) => index.run(input, env, (k) => target.run(input, env, (v) => {
      const r = get(v, k);
      if (r !== SKIP) emit(r);
    })),
    paths: (input, path, env, emit) =>
      index.run(input, env, (k) => target.paths(input, path, env, (v, p) => {
        checkIndexPath(p, v, k);
        const r = get(v, k);
        if (r !== SKIP) emit(r, [...p, k]);
      })),
  };
}

const SKIP = Symbol('skip');

function optionalIndex(v: unknown, k: unknown): unknown {
  try {
    return indexValue(v, k);
  } catch (e) {
    if (e instanceof JqRuntimeError) return SKIP;
    throw e;
  }
}

export function compileSlice(target: Node, from: Node | undefined, to: Node | undefined, opt: boolean): Node {
  const each = (input: unknown, env: Env | null, fn: (f: unknown, t: unknown) => void): void => {
    const withTo = (f: unknown): void => (to ? to.run(input, env, (t) => fn(f, t)) : fn(f, null));
    if (from) from.run(input, env, withTo);
    else withTo(null);
  };
  const get = (v: unknown, f: unknown, t: unknown): unknown => (opt ? optionalIndex(v, { start: f, end: t }) : sliceValue(v, f, t));
  return {
    run: (input, env, emit) => each(input, env, (f, t) => target.run(input, env, (v) => {
      const r = get(v, f, t);
      if (r !== SKIP) emit(r);
    })),
    paths: (input, path, env, emit) =>
      each(input, env, (f, t) => target.paths(input, path, env, (v, p) => {
        checkIndexPath(p, v, { start: f, end: t });
        const r = get(v, f, t);
        if (r !== SKIP) emit(r, [...p, { start: f, end: t }]);
      })),
  };
}

export function iterateValue(v: unknown, emit: (child: unknown, key: unknown) => void): void {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      tick();
      emit(v[i], i);
    }
  } else if (v !== null && typeof v === 'object') {
    // Listing the keys is bulk work before the first member: charged, or a loop that stops at its
    // first member (an error caught by `?`) would repeat it unbounded by the clock.
    const keys = Object.keys(v);
    charge(keys.length * MEMBER_BYTES);
    for (const k of keys) {
      tick();
      emit((v as JqObject)[k], k);
    }
  } else {
    throw new JqRuntimeError(`Cannot iterate over ${describe(v)}`);
  }
}

function isIterable(v: unknown): boolean {
  return v !== null && typeof v === 'object';
}

export function compileIterate(target: Node, opt: boolean): Node {
  return {
    run: (input, env, emit) => target.run(input, env, (v) => {
      if (opt && !isIterable(v)) return;
      iterateValue(v, (child) => emit(child));
    }),
    paths: (input, path, env, emit) =>
      target.paths(input, path, env, (v, p) => {
        checkIteratePath(p, v);
        if (opt && !isIterable(v)) return;
        iterateValue(v, (child, key) => emit(child, [...p, key]));
      }),
  };
}

export function compileLogic(kind: 'and' | 'or', left: Node, right: Node): Node {
  const l = left.one;
  const r = right.one;
  if (l && r) {
    return oneNode(kind === 'and'
      ? (input, env) => isTruthy(l(input, env)) && isTruthy(r(input, env))
      : (input, env) => isTruthy(l(input, env)) || isTruthy(r(input, env)));
  }
  return valueNode((input, env, emit) =>
    left.run(input, env, (a) => {
      const t = isTruthy(a);
      if (kind === 'and' ? !t : t) return emit(kind === 'or');
      right.run(input, env, (b) => emit(isTruthy(b)));
    }));
}

export function compileAlternative(left: Node, right: Node): Node {
  const l = left.one;
  const r = right.one;
  const one = l && r ? (input: unknown, env: Env | null): unknown => {
    const v = l(input, env);
    return isTruthy(v) ? v : r(input, env);
  } : undefined;
  return {
    one,
    run: (input, env, emit) => {
      // jq 1.8.2: errors raised by the left side are not swallowed by `//`.
      let any = false;
      left.run(input, env, (v) => {
        if (isTruthy(v)) {
          any = true;
          emit(v);
        }
      });
      if (!any) right.run(input, env, emit);
    },
    paths: (input, path, env, emit) => {
      let any = false;
      left.paths(input, path, env, (v, p) => {
        if (isTruthy(v)) {
          any = true;
          emit(v, p);
        }
      });
      if (!any) right.paths(input, path, env, emit);
    },
  };
}

export function compileObject(entries: { key: Node; value: Node }[]): Node {
  const build = (i: number, input: unknown, env: Env | null, acc: JqObject, emit: Emit): void => {
    if (i === entries.length) return emit(acc);
    const { key, value } = entries[i]!;
    key.run(input, env, (k) => {
      if (typeof k !== 'string') throw new JqRuntimeError(`Cannot use ${describe(k)} as object key`);
      value.run(input, env, (v) => {
        const obj = i === 0 ? {} : { ...acc };
        setKey(obj, k, v);
        build(i + 1, input, env, obj, emit);
      });
    });
  };
  if (entries.every((e) => e.key.one && e.value.one)) {
    return oneNode((input, env) => {
      const obj: JqObject = {};
      for (const { key, value } of entries) {
        const k = key.one!(input, env);
        if (typeof k !== 'string') throw new JqRuntimeError(`Cannot use ${describe(k)} as object key`);
        setKey(obj, k, value.one!(input, env));
      }
      return obj;
    });
  }
  return valueNode((input, env, emit) => build(0, input, env, {}, emit));
}

export function compileIf(cond: Node, then: Node, otherwise: Node | undefined): Node {
  const c = cond.one;
  const t = then.one;
  const o = otherwise ? otherwise.one : (input: unknown) => input;
  const one = c && t && o ? (input: unknown, env: Env | null): unknown => (isTruthy(c(input, env)) ? t(input, env) : o(input, env)) : undefined;
  return {
    one,
    run: (input, env, emit) =>
      cond.run(input, env, (c) => {
        if (isTruthy(c)) then.run(input, env, emit);
        else if (otherwise) otherwise.run(input, env, emit);
        else emit(input);
      }),
    paths: (input, path, env, emit) =>
      cond.run(input, env, (c) => {
        if (isTruthy(c)) then.paths(input, path, env, emit);
        else if (otherwise) otherwise.paths(input, path, env, emit);
        else emit(input, path);
      }),
  };
}

