// Control constructs with non-trivial semantics: try/catch, reduce/foreach, and the
// assignment operators (which are defined on paths).
import type { Ast, UpdateOp } from './ast.ts';
import { JqRuntimeError } from './errors.ts';
import { binary } from './operators.ts';
import { delPaths, getPath, setPath } from './paths.ts';
import { compilePatterns, patternVariables } from './patterns.ts';
import { invalidPath, oneNode, StopSignal, tick, valueNode, type Emit, type Env, type Node, type PathEmit } from './runtime.ts';
import { compare, isTruthy } from './values.ts';
import { push, type CompileTools, type Scope } from './compile.ts';

/**
 * An error raised downstream of a `try` body (by whoever consumes its outputs) must not be
 * caught by that `try`: it is wrapped on its way up through the body and unwrapped after.
 */
class Downstream {
  constructor(readonly owner: object, readonly error: unknown) {}
}

function guarded<A extends unknown[]>(
  body: (emit: (...a: A) => void) => void,
  emit: (...a: A) => void,
  onError: (e: JqRuntimeError) => void,
): void {
  const owner = {};
  try {
    body((...a: A) => {
      try {
        emit(...a);
      } catch (e) {
        throw e instanceof Downstream ? e : new Downstream(owner, e);
      }
    });
  } catch (e) {
    if (e instanceof Downstream) throw e.owner === owner ? e.error : e;
    // halt_error stops the whole program: no `try` catches it.
    if (e instanceof JqRuntimeError && !isHaltSignal(e)) return onError(e);
    throw e;
  }
}

export function compileTry(body: Node, handler: Node | undefined): Node {
  return {
    run: (input, env, emit) =>
      guarded<[unknown]>((out) => body.run(input, env, out), emit, (e) => {
        if (handler) handler.run(e.value, env, emit);
      }),
    paths: (input, path, env, emit) =>
      guarded<[unknown, unknown[]]>((out) => body.paths(input, path, env, out), emit, (e) => {
        if (handler) handler.run(e.value, env, () => {
          throw invalidPath(e.value);
        });
      }),
  };
}

function isHaltSignal(e: JqRuntimeError): boolean {
  return (e as { halt?: boolean }).halt === true;
}

export function compileFold(ast: Extract<Ast, { type: 'reduce' | 'foreach' }>, scope: Scope | null, tools: CompileTools): Node {
  const source = tools.compile(ast.source, scope);
  const init = tools.compile(ast.init, scope);
  const names = patternVariables([ast.pattern]);
  let inner = scope;
  for (const n of names) inner = push(inner, { kind: 'var', name: n });
  const update = tools.compile(ast.update, inner);
  const bind = compilePatterns([ast.pattern], names, scope, tools);
  if (ast.type === 'reduce') {
    const fold = (input: unknown, env: Env | null, start: unknown): unknown => {
      let acc: unknown = start;
      const u = update.one;
      source.run(input, env, (item) =>
        bind(item, env, (bodyEnv) => {
          tick();
          if (u) {
            acc = u(acc, bodyEnv);
            return;
          }
          let last: unknown = null;
          update.run(acc, bodyEnv, (v) => {
            last = v;
          });
          acc = last;
        }));
      return acc;
    };
    const i = init.one;
    if (i) return oneNode((input, env) => fold(input, env, i(input, env)));
    return valueNode((input, env, emit) => init.run(input, env, (start) => emit(fold(input, env, start))));
  }
  const extract = ast.extract ? tools.compile(ast.extract, inner) : undefined;
  return valueNode((input, env, emit) =>
    init.run(input, env, (start) => {
      let acc: unknown = start;
      source.run(input, env, (item) =>
        bind(item, env, (bodyEnv) => {
          tick();
          update.run(acc, bodyEnv, (v) => {
            acc = v;
            if (extract) extract.run(v, bodyEnv, emit);
            else emit(v);
          });
        }));
    }));
}

function collectPaths(target: Node, input: unknown, env: Env | null): unknown[][] {
  const paths: unknown[][] = [];
  target.paths(input, [], env, (_v, p) => {
    tick();
    paths.push(p);
  });
  return paths;
}

/** `lhs |= f`: each path gets the first output of f; paths where f is empty are deleted. */
export function modify(input: unknown, paths: unknown[][], env: Env | null, f: (current: unknown, env: Env | null) => { has: boolean; value: unknown }): unknown {
  let root = input;
  const deletions: unknown[][] = [];
  for (const p of paths) {
    const result = f(getPath(root, p), env);
    if (result.has) root = setPath(root, p, result.value);
    else deletions.push(p);
  }
  return deletions.length ? delPaths(root, deletions, compare) : root;
}

function firstOutput(node: Node, input: unknown, env: Env | null): { has: boolean; value: unknown } {
  const stop = new StopSignal();
  const out = { has: false, value: null as unknown };
  try {
    node.run(input, env, (v) => {
      out.has = true;
      out.value = v;
      throw stop;
    });
  } catch (e) {
    if (e !== stop) throw e;
  }
  return out;
}

export function compileUpdate(op: UpdateOp, target: Node, value: Node): Node {
  let run: (input: unknown, env: Env | null, emit: Emit) => void;
  if (op === '|=') {
    run = (input, env, emit) => emit(modify(input, collectPaths(target, input, env), env, (cur, e) => firstOutput(value, cur, e)));
  } else if (op === '=') {
    run = (input, env, emit) =>
      value.run(input, env, ($v) => {
        let root = input;
        for (const p of collectPaths(target, input, env)) root = setPath(root, p, $v);
        emit(root);
      });
  } else {
    const arith = op.slice(0, -1);
    run = (input, env, emit) =>
      value.run(input, env, ($v) => {
        let root = input;
        for (const p of collectPaths(target, input, env)) {
          const cur = getPath(root, p);
          const next = arith === '//' ? (isTruthy(cur) ? cur : $v) : binary(arith as '+', cur, $v);
          root = setPath(root, p, next);
        }
        emit(root);
      });
  }
  const paths = (input: unknown, _path: unknown[], env: Env | null, _emit: PathEmit): void =>
    run(input, env, (v) => {
      throw invalidPath(v);
    });
  let one: ((input: unknown, env: Env | null) => unknown) | undefined;
  if (op === '|=' || value.one) {
    one = (input, env) => {
      let out: unknown;
      run(input, env, (v) => {
        out = v;
      });
      return out;
    };
  }
  return { run, paths, one };
}
