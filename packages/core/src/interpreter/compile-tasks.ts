// The per-type part of compiling a task (see compile.ts): what each task handler needs, with
// expressions compiled and `use.*` references resolved. Unsupported features fail here, naming
// the JSON path, so a definition Baton cannot run is never started.
import type { CompiledList, CompiledTask, Compiler } from './compile.ts';
import { CompileError } from './compile.ts';
import type { Expr, Template } from './expressions.ts';
import { compileField, compileTemplate, compileTransform, isExpression } from './expressions.ts';
import type { AuthenticationPolicy, CatchDefinition, EventConsumptionStrategy, EventFilterDefinition, RetryPolicy } from './document-types.ts';
import { compileAgent, type CompiledAgent } from './tasks/agent-compile.ts';

export type CallTarget = 'http' | 'openapi' | 'agent' | 'approval';
export const CATALOG_CALLS: Record<string, CallTarget> = { http: 'http', openapi: 'openapi', 'agent:1.0.0@default': 'agent', 'approval:1.0.0@default': 'approval' };
const UNSUPPORTED_CALLS = new Set(['grpc', 'asyncapi', 'a2a', 'mcp']);

export interface CompiledRetry {
  when?: Expr;
  exceptWhen?: Expr;
  delayMs: number;
  backoff: 'constant' | 'linear' | 'exponential';
  maxAttempts?: number;
  attemptDurationMs?: number;
  durationMs?: number;
  jitter?: { fromMs: number; toMs: number };
}

export interface CompiledCatch {
  filter?: Record<string, unknown>;
  as: string;
  when?: Expr;
  exceptWhen?: Expr;
  retry?: CompiledRetry;
  body?: CompiledList;
}

export interface CompiledFilter {
  /** Attributes to match, except `data`; evaluated when the listen starts. */
  attributes: Template;
  /** `data` as written: a value to match or a `${ }` condition on the event data. */
  data?: unknown;
  correlate?: Array<{ key: string; from: Expr; expect?: Template }>;
}

export interface CompiledConsumption {
  mode: 'one' | 'any' | 'all';
  filters: CompiledFilter[];
  untilExpr?: Expr;
  until?: CompiledConsumption;
}

export type TaskSpecifics =
  | { type: 'none' }
  | { type: 'set'; value: Template }
  | { type: 'switch'; cases: Array<{ name: string; when?: Expr; then?: string }> }
  | { type: 'raise'; error: Template; named?: string }
  | { type: 'wait'; ms?: number; expr?: Expr }
  | { type: 'emit'; event: Template }
  | { type: 'do'; body: CompiledList }
  | { type: 'for'; each: string; at: string; in: Expr; while?: Expr; body: CompiledList }
  | { type: 'fork'; branches: CompiledTask[]; compete: boolean }
  | { type: 'try'; body: CompiledList; catch: CompiledCatch }
  | { type: 'listen'; to: CompiledConsumption; read: 'data' | 'envelope' | 'raw'; foreach?: { item: string; at: string; body?: CompiledList; outputAs?: Template; exportAs?: Template } }
  | { type: 'call'; target: CallTarget; with: Template }
  | { type: 'agent'; agent: CompiledAgent }
  | { type: 'function'; fn: CompiledTask; with: Template }
  | { type: 'workflow'; namespace: string; name: string; version: string; input: Template; await: boolean; returnNone: boolean };

export function compileTaskSpecifics(task: CompiledTask, c: Compiler): TaskSpecifics {
  const { def, ref } = task;
  switch (task.type) {
    case 'set':
      return { type: 'set', value: typeof def.set === 'string' ? compileTransform(def.set) : compileTemplate(def.set) };
    case 'switch':
      return {
        type: 'switch',
        cases: (def.switch ?? []).map((entry) => {
          const [name, value] = Object.entries(entry)[0]!;
          return { name, ...(value.when !== undefined ? { when: compileField(value.when) } : {}), ...(value.then !== undefined ? { then: value.then } : {}) };
        }),
      };
    case 'raise':
      return compileRaise(def.raise!.error, c, ref);
    case 'wait':
      return isExpression(def.wait) ? { type: 'wait', expr: compileField(def.wait) } : { type: 'wait', ms: c.duration(def.wait, `${ref}/wait`) };
    case 'emit':
      return { type: 'emit', event: compileTemplate(def.emit!.event.with) };
    case 'do':
      return { type: 'do', body: c.list(def.do, `${ref}/do`) };
    case 'for':
      return {
        type: 'for',
        each: def.for!.each ?? 'item',
        at: def.for!.at ?? 'index',
        in: compileField(def.for!.in),
        ...(def.while !== undefined ? { while: compileField(def.while) } : {}),
        body: c.list(def.do, `${ref}/do`),
      };
    case 'fork':
      return {
        type: 'fork',
        compete: def.fork!.compete === true,
        branches: (def.fork!.branches ?? []).map((entry, i) => {
          const [name, branch] = Object.entries(entry)[0]!;
          return c.task(name, branch, `${ref}/fork/branches/${i}/${name}`);
        }),
      };
    case 'try':
      return { type: 'try', body: c.list(def.try, `${ref}/try`), catch: compileCatch(def.catch ?? {}, c, ref) };
    case 'listen':
      return compileListen(task, c);
    case 'call':
      return compileCall(task, c);
    case 'run':
      return compileRun(task);
  }
}

function compileRaise(error: unknown, c: Compiler, ref: string): TaskSpecifics {
  if (typeof error === 'string') {
    const named = c.doc.use?.errors?.[error];
    if (named === undefined) throw new CompileError(`error "${error}" is not defined in use.errors`, `${ref}/raise/error`);
    return { type: 'raise', error: compileTemplate(named), named: error };
  }
  return { type: 'raise', error: compileTemplate(error) };
}

function compileCatch(def: CatchDefinition, c: Compiler, ref: string): CompiledCatch {
  return {
    ...(def.errors?.with !== undefined ? { filter: def.errors.with } : {}),
    as: def.as ?? 'error',
    ...(def.when !== undefined ? { when: compileField(def.when) } : {}),
    ...(def.exceptWhen !== undefined ? { exceptWhen: compileField(def.exceptWhen) } : {}),
    ...(def.retry !== undefined ? { retry: compileRetry(def.retry, c, `${ref}/catch/retry`) } : {}),
    ...(def.do !== undefined ? { body: c.list(def.do, `${ref}/catch/do`) } : {}),
  };
}

function compileRetry(value: string | RetryPolicy, c: Compiler, path: string): CompiledRetry {
  let policy = value;
  if (typeof value === 'string') {
    const named = c.doc.use?.retries?.[value];
    if (named === undefined) throw new CompileError(`retry policy "${value}" is not defined in use.retries`, path);
    policy = named;
    path = `/use/retries/${value}`;
  }
  const p = policy as RetryPolicy;
  const backoff = p.backoff?.exponential ? 'exponential' : p.backoff?.linear ? 'linear' : 'constant';
  return {
    ...(p.when !== undefined ? { when: compileField(p.when) } : {}),
    ...(p.exceptWhen !== undefined ? { exceptWhen: compileField(p.exceptWhen) } : {}),
    delayMs: p.delay !== undefined ? c.duration(p.delay, `${path}/delay`) : 0,
    backoff,
    ...(p.limit?.attempt?.count !== undefined ? { maxAttempts: p.limit.attempt.count } : {}),
    ...(p.limit?.attempt?.duration !== undefined ? { attemptDurationMs: c.duration(p.limit.attempt.duration, `${path}/limit/attempt/duration`) } : {}),
    ...(p.limit?.duration !== undefined ? { durationMs: c.duration(p.limit.duration, `${path}/limit/duration`) } : {}),
    ...(p.jitter !== undefined ? { jitter: { fromMs: c.duration(p.jitter.from, `${path}/jitter/from`), toMs: c.duration(p.jitter.to, `${path}/jitter/to`) } } : {}),
  };
}

function compileListen(task: CompiledTask, c: Compiler): TaskSpecifics {
  const { def, ref } = task;
  const foreach = def.foreach;
  return {
    type: 'listen',
    to: compileConsumption(def.listen!.to, `${ref}/listen/to`),
    read: def.listen!.read ?? 'data',
    ...(foreach !== undefined
      ? {
          foreach: {
            item: foreach.item ?? 'item',
            at: foreach.at ?? 'index',
            ...(foreach.do !== undefined ? { body: c.list(foreach.do, `${ref}/foreach/do`) } : {}),
            ...(foreach.output?.as !== undefined ? { outputAs: compileTransform(foreach.output.as) } : {}),
            ...(foreach.export?.as !== undefined ? { exportAs: compileTransform(foreach.export.as) } : {}),
          },
        }
      : {}),
  };
}

function compileConsumption(to: EventConsumptionStrategy, path: string): CompiledConsumption {
  const mode = to.one !== undefined ? 'one' : to.all !== undefined ? 'all' : to.any !== undefined ? 'any' : undefined;
  if (mode === undefined) throw new CompileError('listen.to needs one of one, any, all', path);
  const filters = mode === 'one' ? [to.one!] : (to[mode] as EventFilterDefinition[]);
  const until = mode === 'any' ? to.until : undefined;
  return {
    mode,
    filters: filters.map(compileFilter),
    ...(typeof until === 'string' ? { untilExpr: compileField(until) } : {}),
    ...(until !== undefined && typeof until === 'object' ? { until: compileConsumption(until, `${path}/until`) } : {}),
  };
}

function compileFilter(filter: EventFilterDefinition): CompiledFilter {
  const correlate = Object.entries(filter.correlate ?? {}).map(([key, value]) => ({
    key,
    from: compileField(value.from),
    ...(value.expect !== undefined ? { expect: compileTemplate(value.expect) } : {}),
  }));
  // `data` is matched against each event (a `${ }` condition runs on the event data), so it is
  // not evaluated when the listen starts.
  const { data, ...attributes } = filter.with ?? {};
  return { attributes: compileTemplate(attributes), ...(data !== undefined ? { data } : {}), ...(correlate.length > 0 ? { correlate } : {}) };
}

function compileCall(task: CompiledTask, c: Compiler): TaskSpecifics {
  const { def, ref } = task;
  const call = def.call!;
  const withTemplate = compileTemplate(def.with ?? {});
  const target = CATALOG_CALLS[call];
  if (target !== undefined) {
    if (target === 'agent') return { type: 'agent', agent: compileAgent(task, c) };
    if (target === 'http') checkAuthentication(def.with?.endpoint, c, `${ref}/with/endpoint`);
    if (target === 'openapi') {
      checkAuthentication((def.with?.document as { endpoint?: unknown } | undefined)?.endpoint, c, `${ref}/with/document/endpoint`);
      checkAuthentication(def.with, c, `${ref}/with`);
    }
    return { type: 'call', target, with: withTemplate };
  }
  if (UNSUPPORTED_CALLS.has(call)) throw new CompileError(`call: ${call} is not supported by Baton (supported: http, openapi, agent:1.0.0@default, approval:1.0.0@default, functions of use.functions)`, `${ref}/call`);
  const fnDef = c.doc.use?.functions?.[call];
  if (fnDef === undefined) throw new CompileError(`call: ${call} is neither a supported call nor a function defined in use.functions`, `${ref}/call`);
  const fnRef = `/use/functions/${call}`;
  const fn = c.tasks.get(fnRef) ?? c.task(call, fnDef, fnRef);
  return { type: 'function', fn, with: withTemplate };
}

function checkAuthentication(endpoint: unknown, c: Compiler, path: string): void {
  if (endpoint === null || typeof endpoint !== 'object') return;
  let auth = (endpoint as { authentication?: AuthenticationPolicy }).authentication;
  if (auth?.use !== undefined) {
    const named = c.doc.use?.authentications?.[auth.use];
    if (named === undefined) throw new CompileError(`authentication "${auth.use}" is not defined in use.authentications`, `${path}/authentication/use`);
    auth = named;
  }
  for (const scheme of ['oauth2', 'oidc', 'certificate'] as const) {
    if (auth?.[scheme] !== undefined) throw new CompileError(`${scheme} authentication is not supported by Baton (supported: basic, bearer, digest)`, `${path}/authentication`);
  }
}

function compileRun(task: CompiledTask): TaskSpecifics {
  const { def, ref } = task;
  const run = def.run!;
  const workflow = run.workflow;
  if (workflow === undefined) {
    const kind = ['container', 'script', 'shell'].find((k) => (run as Record<string, unknown>)[k] !== undefined) ?? 'unknown';
    throw new CompileError(`run: ${kind} is not supported by Baton (supported: run.workflow)`, `${ref}/run/${kind}`);
  }
  // `return` picks among a process's stdout, stderr and exit code; a workflow has its output only.
  const returns = run.return ?? 'stdout';
  if (returns !== 'stdout' && returns !== 'none') {
    throw new CompileError(`run.return: ${returns} applies to container, script and shell processes; a workflow has no ${returns === 'code' ? 'exit code' : returns === 'stderr' ? 'stderr' : 'exit code nor stderr'} (use stdout, the default: the child's output, or none)`, `${ref}/run/return`);
  }
  return {
    type: 'workflow',
    namespace: workflow.namespace,
    name: workflow.name,
    version: workflow.version ?? 'latest',
    input: compileTemplate(workflow.input ?? {}),
    await: run.await !== false,
    returnNone: returns === 'none',
  };
}
