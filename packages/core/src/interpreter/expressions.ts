// Runtime expressions (`${ … }`, jq) and value templates: objects/arrays whose strings may be
// expressions. Templates are compiled once per definition (compile.ts); evaluation builds only the
// `$variables` an expression mentions, so a big `$workflow.definition` costs nothing unless used.
import { ErrorTypes, workflowError } from '../errors.ts';
import { compileJq } from '../jq/index.ts';
import { lookupSecrets } from '../secrets/grants.ts';
import { secretUse } from '../secrets/references.ts';
import type { DeferredExpression } from './types.ts';
import { expressionFault, Fault } from './fault.ts';

const WRAPPED = /^\s*\$\{([\s\S]*)\}\s*$/;
const VARIABLE = /\$([A-Za-z_][A-Za-z0-9_]*)/g;
const JQ_BUILTIN_VARIABLES = new Set(['ENV', '__loc__', '__prog_args']);

export interface Expr {
  src: string;
  /** `$names` the source mentions (a superset: names inside string literals count too). */
  vars: readonly string[];
}

export type Template =
  | { k: 'const'; v: unknown }
  | { k: 'expr'; e: Expr }
  | { k: 'obj'; entries: ReadonlyArray<readonly [string, Template]> }
  | { k: 'arr'; items: readonly Template[] };

/** Looks a `$variable` up; undefined when the run does not define it. */
export type VarResolver = (name: string) => unknown;

export interface EvalOptions {
  /** Task reference: the `instance` of an expression error. */
  instance: string;
  timeoutMs?: number;
  /** Largest value a jq evaluation may build (JqLimitError past it; the jq engine's default when absent). */
  maxValueBytes?: number;
  /** Emit expressions that mention `$secrets` as DeferredExpression instead of evaluating them. */
  defer?: { input: unknown; context: unknown };
}

export function isExpression(value: unknown): value is string {
  return typeof value === 'string' && WRAPPED.test(value);
}

export function compileExpr(src: string): Expr {
  const vars = new Set<string>();
  for (const match of src.matchAll(VARIABLE)) if (!JQ_BUILTIN_VARIABLES.has(match[1]!)) vars.add(match[1]!);
  return { src, vars: [...vars] };
}

/** A field the DSL types as a runtime expression (`if`, `when`, `for.in` …): `${ }` is optional there. */
export function compileField(text: string): Expr {
  const match = WRAPPED.exec(text);
  return compileExpr(match ? match[1]!.trim() : text.trim());
}

/** Strings are expressions only when wrapped in `${ }` (strict evaluation mode). */
export function compileTemplate(value: unknown): Template {
  if (typeof value === 'string') {
    const match = WRAPPED.exec(value);
    return match ? { k: 'expr', e: compileExpr(match[1]!.trim()) } : { k: 'const', v: value };
  }
  if (Array.isArray(value)) {
    const items = value.map(compileTemplate);
    return items.every((t) => t.k === 'const') ? { k: 'const', v: value } : { k: 'arr', items };
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([key, v]) => [key, compileTemplate(v)] as const);
    return entries.every(([, t]) => t.k === 'const') ? { k: 'const', v: value } : { k: 'obj', entries };
  }
  return { k: 'const', v: value };
}

/** `input.from` / `output.as` / `export.as`: an expression string (bare or wrapped) or a template. */
export function compileTransform(value: unknown): Template {
  return typeof value === 'string' ? { k: 'expr', e: compileField(value) } : compileTemplate(value);
}

/**
 * Evaluates an expression in the runner. `$secrets` is refused here (403): everything the runner
 * computes is stored (state, events), and a transformed secret (`ascii_downcase`, `@base64`, one
 * character at a time) would escape masking — so the runner never holds secret values at all.
 * Only workers resolve `$secrets` (DeferredExpression, evaluateDeferred). docs/SECURITY.md.
 */
export function evalExpr(expr: Expr, data: unknown, resolve: VarResolver, options: EvalOptions): unknown {
  if (expr.vars.includes('secrets') && secretUse(expr.src) !== undefined) throw secretsInRunnerFault(expr.src, options.instance);
  return runJq(expr, data, resolve, options);
}

function secretsInRunnerFault(src: string, instance: string): Fault {
  const detail = `$secrets can only be read where a worker resolves it — the with of call: http, use.authentications, approval notify URLs and agent tool bindings; here its value would be stored in the run (in expression "${src}")`;
  return new Fault(workflowError(ErrorTypes.authorization, 403, detail, instance, 'Secret not available'));
}

function runJq(expr: Expr, data: unknown, resolve: VarResolver, options: EvalOptions): unknown {
  const vars: Record<string, unknown> = {};
  for (const name of expr.vars) {
    const value = resolve(name);
    if (value !== undefined) vars[name] = value;
  }
  try {
    const result = compileJq(expr.src).first(data ?? null, vars, { timeoutMs: options.timeoutMs ?? 1000, ...(options.maxValueBytes !== undefined && { maxValueBytes: options.maxValueBytes }) });
    return result === undefined ? null : result;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw expressionFault(`${message} (in expression "${expr.src}")`, options.instance);
  }
}

/** jq truthiness: everything but false and null. */
export function evalCondition(expr: Expr, data: unknown, resolve: VarResolver, options: EvalOptions): boolean {
  const value = evalExpr(expr, data, resolve, options);
  return value !== false && value !== null;
}

export function evalTemplate(template: Template, data: unknown, resolve: VarResolver, options: EvalOptions): unknown {
  switch (template.k) {
    case 'const':
      return template.v;
    case 'expr':
      if (options.defer && template.e.vars.includes('secrets')) return deferred(template.e.src, options.defer);
      return evalExpr(template.e, data, resolve, options);
    case 'arr':
      return template.items.map((item) => evalTemplate(item, data, resolve, options));
    case 'obj': {
      const out: Record<string, unknown> = {};
      for (const [key, value] of template.entries) out[key] = evalTemplate(value, data, resolve, options);
      return out;
    }
  }
}

/** DeferredExpressions this module made: any other object with a `$deferred` member is forged (see scopeDeferred). */
const made = new WeakSet<object>();

function deferred(src: string, scope: { input: unknown; context: unknown }): DeferredExpression {
  const expression: DeferredExpression = { $deferred: src, input: scope.input, context: scope.context };
  made.add(expression);
  return expression;
}

/** `$secrets["NAME"]`, deferred: a secret-based authentication policy ({ bearer: { use: NAME } }). */
export function deferredSecret(name: string): DeferredExpression {
  return deferred(`$secrets[${JSON.stringify(name)}]`, { input: null, context: null });
}

/** True for a DeferredExpression made by this interpreter (not one that came with data or the document). */
export function isMadeDeferred(value: unknown): value is DeferredExpression {
  return value !== null && typeof value === 'object' && made.has(value);
}

export function isDeferred(value: unknown): value is DeferredExpression {
  return value !== null && typeof value === 'object' && typeof (value as { $deferred?: unknown }).$deferred === 'string';
}

/**
 * Resolves every DeferredExpression inside a task payload with the worker's secrets. Called by
 * workers right before they use the payload; the result must not be persisted (nor published
 * unmasked). `$secrets` holds only the secrets the expression names literally, each granted to
 * the expression's namespace; anything else throws a Fault with the authorization error (403),
 * and a failing expression a Fault with the expression error (400).
 */
export function evaluateDeferred(value: unknown, secrets: Readonly<Record<string, unknown>>, timeoutMs = 1000): unknown {
  if (isDeferred(value)) {
    const use = secretUse(value.$deferred);
    if (use?.dynamic) {
      const detail = `name each secret an expression reads ($secrets.NAME or $secrets["NAME"]); other uses of $secrets are refused (in expression "${value.$deferred}")`;
      throw new Fault(workflowError(ErrorTypes.authorization, 403, detail, undefined, 'Secret not available'));
    }
    const namespace = typeof value.namespace === 'string' ? value.namespace : undefined;
    const lookup = lookupSecrets(secrets, use?.names ?? [], namespace);
    if (!lookup.ok) throw new Fault(lookup.error);
    const vars: Record<string, unknown> = { secrets: lookup.values, input: value.input, context: value.context };
    return runJq(compileExpr(value.$deferred), value.input, (name) => vars[name], { instance: '', timeoutMs });
  }
  if (Array.isArray(value)) return value.map((item) => evaluateDeferred(item, secrets, timeoutMs));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = evaluateDeferred(item, secrets, timeoutMs);
    return out;
  }
  return value;
}
