// Compiles the syntax tree into closures (see runtime.ts). Names are resolved at compile time
// into frame depths, so evaluation never looks a name up by string.
import type { Ast, FuncDef } from './ast.ts';
import { JqCompileError, JqRuntimeError, UnsupportedError } from './errors.ts';
import { binary } from './operators.ts';
import { compilePatterns, patternVariables } from './patterns.ts';
import {
  collect, enter, fail, frameAt, invalidPath, leave, notAPath, oneNode, StopSignal, valueNode, budget,
  type Closure, type Emit, type Env, type Node, type PathEmit,
} from './runtime.ts';
import { compileFold, compileUpdate, compileTry } from './compile-control.ts';
import {
  compileAlternative, compileIf, compileIndex, compileIterate, compileLogic, compileObject, compileSlice, compileString,
} from './compile-values.ts';
import { formatValue } from './builtins/formats.ts';
import { describe, typeOf, type JqObject, toJson } from './values.ts';

export { UnsupportedError };

interface FuncInfo {
  params: string[];
  body: Node | undefined;
  /** The body yields exactly one value (assumed while compiling it, then verified). */
  one: boolean;
}

export type ScopeEntry =
  | { kind: 'var'; name: string }
  | { kind: 'param'; name: string }
  | { kind: 'func'; name: string; arity: number; info: FuncInfo }
  | { kind: 'label'; name: string };

export interface Scope {
  entry: ScopeEntry;
  up: Scope | null;
  /** Frames of the prelude are created once; references to them skip the frame walk. */
  frame?: Env;
}

export type NativeFactory = (args: Node[], tools: CompileTools) => Node;

export interface CompileTools {
  compile(ast: Ast, scope: Scope | null): Node;
}

let natives: Map<string, NativeFactory> = new Map();
export function registerNatives(table: Map<string, NativeFactory>): void {
  natives = table;
}

export function push(scope: Scope | null, entry: ScopeEntry): Scope {
  return { entry, up: scope };
}

function lookup(scope: Scope | null, match: (e: ScopeEntry) => boolean): { scope: Scope; depth: number } | undefined {
  let depth = 0;
  for (let s = scope; s; s = s.up, depth++) if (match(s.entry)) return { scope: s, depth };
  return undefined;
}

const tools: CompileTools = { compile };

export function compile(ast: Ast, scope: Scope | null): Node {
  switch (ast.type) {
    case 'identity':
      return oneNode((input) => input, (input, path, _env, emit) => emit(input, path));
    case 'recurseDefault':
      return compileCall({ type: 'call', name: 'recurse', args: [] }, scope);
    case 'literal': {
      const value = ast.value;
      return oneNode(() => value);
    }
    case 'string':
      return compileString(ast.format, ast.parts.map((p) => (typeof p === 'string' ? p : compile(p, scope))));
    case 'format': {
      const name = ast.name;
      return oneNode((input) => formatValue(name, input));
    }
    case 'index':
      return compileIndex(compile(ast.target, scope), compile(ast.index, scope), ast.opt === true);
    case 'slice':
      return compileSlice(compile(ast.target, scope), ast.from && compile(ast.from, scope), ast.to && compile(ast.to, scope), ast.opt === true);
    case 'iterate':
      return compileIterate(compile(ast.target, scope), ast.opt === true);
    case 'try':
      return compileTry(compile(ast.body, scope), ast.handler && compile(ast.handler, scope));
    case 'pipe': {
      const left = compile(ast.left, scope);
      const right = compile(ast.right, scope);
      const l = left.one;
      const r = right.one;
      if (l && r) return { ...oneNode((input, env) => r(l(input, env), env)), paths: (input, path, env, emit) => left.paths(input, path, env, (v, p) => right.paths(v, p, env, emit)) };
      return {
        run: (input, env, emit) => left.run(input, env, (v) => right.run(v, env, emit)),
        paths: (input, path, env, emit) => left.paths(input, path, env, (v, p) => right.paths(v, p, env, emit)),
      };
    }
    case 'comma': {
      const left = compile(ast.left, scope);
      const right = compile(ast.right, scope);
      return {
        run: (input, env, emit) => {
          left.run(input, env, emit);
          right.run(input, env, emit);
        },
        paths: (input, path, env, emit) => {
          left.paths(input, path, env, emit);
          right.paths(input, path, env, emit);
        },
      };
    }
    case 'neg': {
      const operand = compile(ast.operand, scope);
      const negate = (v: unknown): number => {
        if (typeof v !== 'number') throw new JqRuntimeError(`${describe(v)} cannot be negated`);
        return -v;
      };
      const o = operand.one;
      if (o) return oneNode((input, env) => negate(o(input, env)));
      return valueNode((input, env, emit) => operand.run(input, env, (v) => emit(negate(v))));
    }
    case 'binary': {
      const left = compile(ast.left, scope);
      const right = compile(ast.right, scope);
      const op = ast.op;
      const l = left.one;
      const r = right.one;
      if (l && r) return oneNode((input, env) => {
        const b = r(input, env);
        return binary(op, l(input, env), b);
      });
      // jq evaluates the right operand in the outer loop.
      return valueNode((input, env, emit) => right.run(input, env, (b) => left.run(input, env, (a) => emit(binary(op, a, b)))));
    }
    case 'and':
    case 'or':
      return compileLogic(ast.type, compile(ast.left, scope), compile(ast.right, scope));
    case 'alternative':
      return compileAlternative(compile(ast.left, scope), compile(ast.right, scope));
    case 'update':
      return compileUpdate(ast.op, compile(ast.target, scope), compile(ast.value, scope));
    case 'array': {
      const body = ast.body && compile(ast.body, scope);
      return oneNode((input, env) => (body ? collect(body, input, env) : []));
    }
    case 'object':
      return compileObject(ast.entries.map((e) => ({ key: compile(e.key, scope), value: compile(e.value, scope) })));
    case 'if':
      return compileIf(compile(ast.cond, scope), compile(ast.then, scope), ast.else ? compile(ast.else, scope) : undefined);
    case 'bind':
      return compileBind(ast, scope);
    case 'reduce':
    case 'foreach':
      return compileFold(ast, scope, tools);
    case 'label':
      return compileLabel(ast.name, ast.body, scope);
    case 'break': {
      const found = lookup(scope, (e) => e.kind === 'label' && e.name === ast.name);
      if (!found) throw new JqCompileError(`$*label-${ast.name} is not defined`);
      const depth = found.depth;
      const run = (_input: unknown, env: Env | null): void => {
        throw frameAt(env, depth).v as StopSignal;
      };
      return { run, paths: (input, _path, env) => run(input, env) };
    }
    case 'funcDef':
      return compileFuncDef(ast.def, ast.rest, scope);
    case 'call':
      return compileCall(ast, scope);
    case 'var':
      return compileVar(ast.name, scope);
    case 'loc': {
      const value = { file: '<top-level>', line: ast.line };
      return oneNode(() => value);
    }
  }
}

function compileBind(ast: Extract<Ast, { type: 'bind' }>, scope: Scope | null): Node {
  const source = compile(ast.source, scope);
  const names = patternVariables(ast.patterns);
  let bodyScope = scope;
  for (const name of names) bodyScope = push(bodyScope, { kind: 'var', name });
  const body = compile(ast.body, bodyScope);
  const bindAll = compilePatterns(ast.patterns, names, scope, tools);
  const s = source.one;
  const b = body.one;
  const simple = ast.patterns.length === 1 && ast.patterns[0]!.type === 'var';
  return {
    one: s && b && simple ? (input, env) => b(input, { v: s(input, env), up: env }) : undefined,
    run: (input, env, emit) => source.run(input, env, (v) => bindAll(v, env, (bodyEnv) => body.run(input, bodyEnv, emit))),
    paths: (input, path, env, emit) => source.run(input, env, (v) => bindAll(v, env, (bodyEnv) => body.paths(input, path, bodyEnv, emit))),
  };
}

function compileLabel(name: string, bodyAst: Ast, scope: Scope | null): Node {
  const body = compile(bodyAst, push(scope, { kind: 'label', name }));
  const guard = <T extends unknown[]>(fn: (env: Env, ...rest: T) => void) => (env: Env | null, ...rest: T): void => {
    const signal = new StopSignal(name);
    try {
      fn({ v: signal, up: env }, ...rest);
    } catch (e) {
      if (e !== signal) throw e;
    }
  };
  const runGuarded = guard((env: Env, input: unknown, emit: Emit) => body.run(input, env, emit));
  const pathsGuarded = guard((env: Env, input: unknown, path: unknown[], emit: PathEmit) => body.paths(input, path, env, emit));
  return { run: (input, env, emit) => runGuarded(env, input, emit), paths: (input, path, env, emit) => pathsGuarded(env, input, path, emit) };
}

function compileVar(name: string, scope: Scope | null): Node {
  const found = lookup(scope, (e) => e.kind === 'var' && e.name === name);
  if (found) {
    const { depth, scope: s } = found;
    const frame = s.frame;
    if (frame) return oneNode(() => frame.v);
    if (depth === 0) return oneNode((_input, env) => env!.v);
    return oneNode((_input, env) => frameAt(env, depth).v);
  }
  if (name === 'ENV') return oneNode(() => envObject());
  if (name === '__prog_args') throw new JqCompileError(`$${name} is not defined`);
  return oneNode(() => {
    const vars = budget.vars;
    if (!Object.hasOwn(vars, name) || vars[name] === undefined) throw new JqCompileError(`$${name} is not defined`);
    return vars[name];
  });
}

/**
 * `$ENV` and `env`. Workflow expressions must not read the orchestrator's environment (it holds
 * credentials), so they see only what the caller binds as the variable `ENV` — by default an
 * empty object. The `baton jq` command binds the process environment, as jq does.
 */
export function envObject(): JqObject {
  const vars = budget.vars;
  const env = Object.hasOwn(vars, 'ENV') ? vars.ENV : undefined;
  return env !== null && typeof env === 'object' && !Array.isArray(env) ? (env as JqObject) : {};
}

function compileFuncDef(def: FuncDef, restAst: Ast, scope: Scope | null): Node {
  const defScope = defineFunction(def, scope);
  const rest = compile(restAst, defScope);
  const r = rest.one;
  return {
    one: r ? (input, env) => r(input, { v: null, up: env }) : undefined,
    run: (input, env, emit) => rest.run(input, { v: null, up: env }, emit),
    paths: (input, path, env, emit) => rest.paths(input, path, { v: null, up: env }, emit),
  };
}

/** Adds a definition to the scope and compiles its body (which may call itself). */
export function defineFunction(def: FuncDef, scope: Scope | null, frame?: Env): Scope {
  const info: FuncInfo = { params: def.params, body: undefined, one: true };
  const defScope: Scope = { entry: { kind: 'func', name: def.name, arity: def.params.length, info }, up: scope, frame };
  let bodyScope: Scope = defScope;
  for (const p of def.params) bodyScope = push(bodyScope, { kind: 'param', name: p.replace(/^\$/, '') });
  for (const p of def.params) if (p.startsWith('$')) bodyScope = push(bodyScope, { kind: 'var', name: p.slice(1) });
  // Optimistically compile recursive calls as single-valued; if the body is not, recompile.
  info.body = compile(def.body, bodyScope);
  if (!info.body.one) {
    info.one = false;
    info.body = compile(def.body, bodyScope);
  }
  return defScope;
}

function compileCall(ast: Extract<Ast, { type: 'call' }>, scope: Scope | null): Node {
  const { name, args } = ast;
  const found = lookup(scope, (e) => (e.kind === 'func' && e.name === name && e.arity === args.length) || (e.kind === 'param' && e.name === name && args.length === 0));
  if (!found) {
    const native = natives.get(`${name}/${args.length}`);
    if (!native) throw new UnsupportedError(`${name}/${args.length} is not defined`);
    return native(args.map((a) => compile(a, scope)), tools);
  }
  const { depth, scope: s } = found;
  if (s.entry.kind === 'param') {
    const frame = s.frame;
    const closureOf = (env: Env | null): Closure => ((frame ?? frameAt(env, depth)).v as Closure);
    return {
      run: (input, env, emit) => {
        const c = closureOf(env);
        c.node.run(input, c.env, emit);
      },
      paths: (input, path, env, emit) => {
        const c = closureOf(env);
        c.node.paths(input, path, c.env, emit);
      },
    };
  }
  const info = (s.entry as { info: FuncInfo }).info;
  return compileUserCall(info, args.map((a) => compile(a, scope)), depth, s.frame);
}

function compileUserCall(info: FuncInfo, args: Node[], depth: number, staticFrame: Env | undefined): Node {
  const valueParams = info.params.map((p, i) => (p.startsWith('$') ? i : -1)).filter((i) => i >= 0);
  // A call holds one level of depth (budget.ts) until it returns, its continuations included.
  const call = (env: Env | null, input: unknown, go: (bodyEnv: Env) => void): void => {
    enter();
    try {
      let bodyEnv: Env = staticFrame ?? frameAt(env, depth);
      for (const node of args) bodyEnv = { v: { node, env } satisfies Closure, up: bodyEnv };
      if (valueParams.length === 0) return go(bodyEnv);
      const bindFrom = (j: number, e: Env): void => {
        if (j === valueParams.length) return go(e);
        args[valueParams[j]!]!.run(input, env, (v) => bindFrom(j + 1, { v, up: e }));
      };
      bindFrom(0, bodyEnv);
    } finally {
      leave();
    }
  };
  const singleArgs = valueParams.every((i) => args[i]!.one);
  const one = info.one && singleArgs ? (input: unknown, env: Env | null): unknown => {
    enter();
    try {
      let bodyEnv: Env = staticFrame ?? frameAt(env, depth);
      for (const node of args) bodyEnv = { v: { node, env } satisfies Closure, up: bodyEnv };
      for (const i of valueParams) bodyEnv = { v: args[i]!.one!(input, env), up: bodyEnv };
      return info.body!.one!(input, bodyEnv);
    } finally {
      leave();
    }
  } : undefined;
  return {
    one,
    run: one ? (input, env, emit) => emit(one(input, env)) : (input, env, emit) => call(env, input, (bodyEnv) => info.body!.run(input, bodyEnv, emit)),
    paths: (input, path, env, emit) => call(env, input, (bodyEnv) => info.body!.paths(input, path, bodyEnv, emit)),
  };
}

export { notAPath, invalidPath, fail, typeOf, toJson };
export { iterateValue } from './compile-values.ts';
