// Tasks whose work happens outside: `call` (http, openapi, agent, approval → a worker task effect) and
// `run: workflow` (a child run). Their outcome comes back as task.completed / task.failed.
import { compileTemplate, isExpression } from '../expressions.ts';
import { deferSecretPolicies, scopeDeferred } from '../secret-scope.ts';
import { expressionFault } from '../fault.ts';
import type { CompiledTask } from '../compile.ts';
import type { Run, TaskHandler, Outcome } from '../run.ts';
import type { Wait } from '../state.ts';

export const callTask: TaskHandler = {
  start(run, f, task) {
    if (task.spec.type !== 'call') return;
    const input = run.frame(f).in;
    // Expressions that use $secrets stay unevaluated (DeferredExpression): the worker resolves them.
    let payload = run.evaluate(f, task.spec.with, input, undefined, true) as Record<string, unknown>;
    if (task.spec.target === 'http' || task.spec.target === 'openapi') {
      payload = task.spec.target === 'http' ? httpPayload(run, f, task, payload, input) : openApiPayload(run, f, task, payload, input);
      // $authorization: the credentials of the request the task makes (for openapi, with.authentication).
      const au = authorizationOf(task.spec.target === 'http' ? payload.endpoint : payload);
      if (au) run.update(f, { au });
    }
    // Deferred expressions carry the run's namespace: the worker reads only secrets granted to it.
    payload = scopeDeferred(payload, run.env.namespace, task.ref) as Record<string, unknown>;
    run.checkValue(payload, 'the arguments of this call (with)', task.ref);
    const id = run.nextId('e');
    run.wait(f, task.spec.target === 'approval' ? 'approval' : 'task', {
      kind: 'task',
      id,
      // An OpenAPI call is an HTTP request to the http worker, which reads the document.
      taskKind: task.spec.target === 'openapi' ? 'http' : task.spec.target,
      reference: task.ref,
      name: task.name,
      payload,
      ...(task.timeoutMs !== undefined ? { timeoutMs: task.timeoutMs } : {}),
    });
    run.update(f, { e: id });
  },
  outcome: effectOutcome,
};

/**
 * `run: workflow`: a child run; the raw output is the child's output (`return: stdout`, the
 * default), null with `return: none`; with `await: false` the task completes at once with its input.
 */
export const runWorkflowTask: TaskHandler = {
  start(run, f, task) {
    if (task.spec.type !== 'workflow') return;
    const spec = task.spec;
    const input = run.frame(f).in;
    const childInput = task.def.run?.workflow?.input === undefined ? input : run.evaluate(f, spec.input, input);
    const id = run.nextId('e');
    const effect = { kind: 'workflow' as const, id, reference: task.ref, name: task.name, namespace: spec.namespace, workflowName: spec.name, version: spec.version, input: childInput, await: spec.await };
    run.startChild(f, effect); // subflowDepth, childRunsPerRun, valueBytes
    if (!spec.await) return run.complete(f, input);
    run.update(f, { e: id });
  },
  outcome(run, f, task, wait, outcome) {
    const discard = task.spec.type === 'workflow' && task.spec.returnNone && outcome.type === 'task.completed';
    effectOutcome(run, f, task, wait, discard ? { ...outcome, output: null } : outcome);
  },
};

function effectOutcome(run: Run, f: string, task: CompiledTask, _wait: Wait, outcome: Outcome): void {
  if (outcome.type === 'task.completed') run.complete(f, outcome.output);
  else if (outcome.type === 'task.failed') run.fail(f, { ...outcome.error, instance: outcome.error.instance ?? task.ref });
}

/** Resolves the endpoint's URI template and a referenced authentication policy. */
function httpPayload(run: Run, f: string, task: CompiledTask, payload: Record<string, unknown>, input: unknown): Record<string, unknown> {
  return { ...payload, endpoint: resolveEndpoint(run, f, task, payload.endpoint, task.def.with?.endpoint, input) };
}

/**
 * `call: openapi` for the http worker (marked `call: 'openapi'`): the document endpoint resolved
 * as an http endpoint is, and `with.authentication` (the operation's credentials) inlined.
 */
function openApiPayload(run: Run, f: string, task: CompiledTask, payload: Record<string, unknown>, input: unknown): Record<string, unknown> {
  const result: Record<string, unknown> = { ...payload, call: 'openapi' };
  const document = payload.document;
  if (document !== null && typeof document === 'object') {
    const raw = (task.def.with?.document as { endpoint?: unknown } | undefined)?.endpoint;
    result.document = { ...document, endpoint: resolveEndpoint(run, f, task, (document as Record<string, unknown>).endpoint, raw, input) };
  }
  if (payload.authentication !== undefined) result.authentication = resolvePolicy(run, f, payload.authentication, input);
  return result;
}

function resolveEndpoint(run: Run, f: string, task: CompiledTask, endpoint: unknown, raw: unknown, input: unknown): unknown {
  if (typeof endpoint === 'string') return isExpression(raw) ? endpoint : expandUri(endpoint, input, task.ref);
  if (endpoint === null || typeof endpoint !== 'object') return endpoint;
  const rawUri = (raw as { uri?: unknown } | undefined)?.uri;
  const object = { ...(endpoint as Record<string, unknown>) };
  if (typeof object.uri === 'string' && !isExpression(rawUri)) object.uri = expandUri(object.uri, input, task.ref);
  if (object.authentication !== undefined) object.authentication = resolvePolicy(run, f, object.authentication, input);
  return object;
}

/** A policy of `use.authentications` named by `use` inlined; secret-based schemes deferred. */
function resolvePolicy(run: Run, f: string, authentication: unknown, input: unknown): unknown {
  let policy = authentication;
  const use = (policy as { use?: unknown } | null)?.use;
  if (typeof use === 'string') {
    const named = run.wf.document.use?.authentications?.[use];
    policy = run.evaluate(f, compileTemplate(named), input, undefined, true);
  }
  return deferSecretPolicies(policy);
}

/**
 * RFC 6570 simple string expansion with top-level properties of the task input
 * (dsl-reference.md, "URI Template"): missing values expand to "", non-scalars are an error.
 */
export function expandUri(template: string, input: unknown, instance: string): string {
  return template.replace(/\{([^{}]+)\}/g, (_match, name: string) => {
    const value = input !== null && typeof input === 'object' ? (input as Record<string, unknown>)[name] : undefined;
    if (value === undefined || value === null) return '';
    if (typeof value === 'object') throw expressionFault(`URI template variable {${name}} must be a string, number or boolean`, instance);
    return encodeURIComponent(String(value));
  });
}

/**
 * `$authorization` (dsl.md, "Authorization Descriptor") for bearer and basic policies whose values
 * are known here; null when they come from secrets (deferred) — those never enter the state.
 */
function authorizationOf(endpoint: unknown): { scheme: string; parameter: string } | undefined {
  const auth = (endpoint as { authentication?: Record<string, Record<string, unknown> | undefined> } | null)?.authentication;
  const bearer = auth?.bearer?.token;
  if (typeof bearer === 'string') return { scheme: 'Bearer', parameter: bearer };
  const basic = auth?.basic;
  if (typeof basic?.username === 'string' && typeof basic.password === 'string') {
    return { scheme: 'Basic', parameter: Buffer.from(`${basic.username}:${basic.password}`).toString('base64') };
  }
  return undefined;
}
