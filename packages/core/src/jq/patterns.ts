// Destructuring: `. as [$a, {b: $c}] | …` and the alternatives `?//`.
import type { Ast, Pattern } from './ast.ts';
import { JqRuntimeError } from './errors.ts';
import { indexValue } from './paths.ts';
import type { Env, Node } from './runtime.ts';
import type { CompileTools, Scope } from './compile.ts';

/** Every variable the patterns bind, in order of first appearance (the frame order). */
export function patternVariables(patterns: Pattern[]): string[] {
  const names: string[] = [];
  const visit = (p: Pattern): void => {
    if (p.type === 'var') {
      if (!names.includes(p.name)) names.push(p.name);
    } else if (p.type === 'array') {
      p.elements.forEach(visit);
    } else {
      for (const e of p.entries) {
        if (e.keyVar !== undefined && !names.includes(e.keyVar)) names.push(e.keyVar);
        if (e.value) visit(e.value);
      }
    }
  };
  patterns.forEach(visit);
  return names;
}

type Bindings = Record<string, unknown>;
type Matcher = (value: unknown, env: Env | null, bound: Bindings, next: (bound: Bindings) => void) => void;

function compileMatcher(p: Pattern, scope: Scope | null, tools: CompileTools): Matcher {
  if (p.type === 'var') {
    const name = p.name;
    return (value, _env, bound, next) => next({ ...bound, [name]: value });
  }
  if (p.type === 'array') {
    const elements = p.elements.map((e) => compileMatcher(e, scope, tools));
    return (value, env, bound, next) => {
      // jq destructures array patterns from the last element to the first.
      const step = (i: number, b: Bindings): void => {
        if (i < 0) return next(b);
        elements[i]!(indexValue(value, i), env, b, (b2) => step(i - 1, b2));
      };
      step(elements.length - 1, bound);
    };
  }
  const entries = p.entries.map((e) => ({
    key: tools.compile(e.key as Ast, scope) as Node,
    keyVar: e.keyVar,
    value: e.value ? compileMatcher(e.value, scope, tools) : undefined,
  }));
  return (value, env, bound, next) => {
    const step = (i: number, b: Bindings): void => {
      if (i === entries.length) return next(b);
      const entry = entries[i]!;
      entry.key.run(value, env, (k) => {
        if (typeof k !== 'string') throw new JqRuntimeError(`Cannot index ${typeName(value)} with ${typeName(k)}`);
        const field = indexValue(value, k);
        const withVar = entry.keyVar !== undefined ? { ...b, [entry.keyVar]: field } : b;
        if (entry.value) entry.value(field, env, withVar, (b2) => step(i + 1, b2));
        else step(i + 1, withVar);
      });
    };
    step(0, bound);
  };
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Binds the value to the patterns and calls `body` with the frames of every variable. */
export function compilePatterns(patterns: Pattern[], names: string[], scope: Scope | null, tools: CompileTools) {
  const only = patterns[0]!;
  if (patterns.length === 1 && only.type === 'var') {
    return (value: unknown, env: Env | null, body: (bodyEnv: Env) => void): void => body({ v: value, up: env });
  }
  const matchers = patterns.map((p) => compileMatcher(p, scope, tools));
  const framesFor = (env: Env | null, bound: Bindings): Env => {
    let e = env;
    for (const n of names) e = { v: Object.hasOwn(bound, n) ? bound[n] : null, up: e };
    return e!;
  };
  return (value: unknown, env: Env | null, body: (bodyEnv: Env) => void): void => {
    for (let i = 0; i < matchers.length; i++) {
      const last = i === matchers.length - 1;
      if (last) return matchers[i]!(value, env, {}, (b) => body(framesFor(env, b)));
      try {
        return matchers[i]!(value, env, {}, (b) => body(framesFor(env, b)));
      } catch (e) {
        if (!(e instanceof JqRuntimeError)) throw e;
      }
    }
  };
}
