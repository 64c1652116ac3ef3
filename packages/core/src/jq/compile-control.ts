// Control constructs with non-trivial semantics: try/catch, reduce/foreach, and the
// assignment operators (which are defined on paths).
import type { Ast, UpdateOp } from './ast.ts';
import { JqRuntimeError } from './errors.ts';
import { binary } from './operators.ts';
import { delPaths, getPath, setPath } from './paths.ts';
import { compilePatterns, patternVariables } from './patterns.ts';
import { detach, finalPath, notAPath, oneNode, StopSignal, tick, valueNode, type Emit, type Env, type Node } from './runtime.ts';
import { isTruthy } from './values.ts';
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
        if (handler) handler.paths(e.value, detach(path, input), env, emit);
      }),
  };
}

function isHaltSignal(e: JqRuntimeError): boolean {
  return (e as { halt?: boolean }).halt === true;
}

export function compileFold(ast: Extract<Ast, { type: 'reduce' | 'foreach' }>, scope: Scope | null, tools: CompileTools): Node {
  const source = tools.compile(ast.source, scope);
  const init = tools.compile(ast.init, scope);
  const names = patternVariables(ast.patterns);
  let inner = scope;
  for (const n of names) inner = push(inner, { kind: 'var', name: n });
  const update = tools.compile(ast.update, inner);
  const bind = compilePatterns(ast.patterns, names, scope, tools);
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

/**
 * `lhs |= f`, as jq 1.8 defines it (`reduce path(lhs) as $p (…)`): the paths of lhs are those of
 * the original input, taken one at a time as the value is updated; each gets the first output of
 * f, and the paths where f is empty are deleted at the end.
 */
export function modify(input: unknown, target: Node, env: Env | null, f: (current: unknown, env: Env | null) => { has: boolean; value: unknown }): unknown {
  let root = input;
  const deletions: unknown[][] = [];
  target.paths(input, [], env, (v, path) => {
    tick();
    const p = finalPath(path, v);
    const result = f(getPath(root, p), env);
    if (result.has) root = setPath(root, p, result.value);
    else deletions.push(p);
  });
  return deletions.length ? delPaths(root, deletions) : root;
}

/** `lhs = $v` and `lhs op= $v`: each path of lhs (in the original input) is set in turn. */
function assign(input: unknown, target: Node, env: Env | null, next: (current: unknown) => unknown): unknown {
  let root = input;
  target.paths(input, [], env, (v, path) => {
    tick();
    const p = finalPath(path, v);
    root = setPath(root, p, next(getPath(root, p)));
  });
  return root;
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
    run = (input, env, emit) => emit(modify(input, target, env, (cur, e) => firstOutput(value, cur, e)));
  } else if (op === '=') {
    run = (input, env, emit) => value.run(input, env, ($v) => emit(assign(input, target, env, () => $v)));
  } else {
    const arith = op.slice(0, -1);
    run = (input, env, emit) =>
      value.run(input, env, ($v) =>
        emit(assign(input, target, env, (cur) => (arith === '//' ? (isTruthy(cur) ? cur : $v) : binary(arith as '+', cur, $v)))));
  }
  const paths = notAPath(run);
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
