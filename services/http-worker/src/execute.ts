// executeHttpCall: one `call: http` task attempt → its output or a WorkflowError. Never throws.
// The outcome is masked before it is returned: no secret this worker holds (nor the call's
// credentials) leaves it in an output, an error detail or an echoed `error.response`.
import { ErrorTypes, Fault, type SecretMasker, type WorkflowError } from '@baton/core';
import { evaluateDeferred } from '@baton/core/interpreter';
import type { Agent } from 'undici';
import { AddressPolicy } from './address-policy.ts';
import { credentialStrings, resolveCredentials } from './auth.ts';
import { createCheckedAgent } from './connector.ts';
import { cancelledError, configurationError, expressionError, type HttpResponseSummary, responseTooLargeError, statusError, timeoutError, transportError } from './errors.ts';
import type { HttpWorkerOptions } from './options.ts';
import { type HttpCall, parseHttpCall, withQuery } from './payload.ts';
import { type Redactor, redactHeaders, secretMasker } from './redact.ts';
import { type Exchange, initialRequest, performRequest, RedirectTargetError, TooManyRedirectsError } from './request.ts';
import { decodeContent, flattenHeaders, readBodyBounded, ResponseTooLargeError } from './response.ts';

export type HttpCallOutcome = { ok: true; output: unknown } | { ok: false; error: WorkflowError };

export interface HttpCallContext {
  /** The task attempt id; sent as Idempotency-Key. */
  attemptId: string;
  /** The worker's secrets with their grants (loadSecrets); a deferred expression reads only those granted to its namespace. */
  secrets: Record<string, unknown>;
  options: HttpWorkerOptions;
  /** Aborting cancels the call (worker shutdown); the outcome is then a `cancelled` error. */
  signal?: AbortSignal;
  /** The task's own timeout; the smaller of it and options.timeoutMs applies. */
  timeoutMs?: number;
}

// One pooled Agent per options object, so every call of a worker shares keep-alive sockets.
const agents = new WeakMap<HttpWorkerOptions, Agent>();

export function agentFor(options: HttpWorkerOptions): Agent {
  let agent = agents.get(options);
  if (!agent) {
    const policy = new AddressPolicy({ allowCidrs: options.allowCidrs, denyCidrs: options.denyCidrs, allowPrivate: options.allowPrivate });
    agent = createCheckedAgent({ policy, connectTimeoutMs: options.connectTimeoutMs, timeoutMs: options.timeoutMs });
    agents.set(options, agent);
  }
  return agent;
}

/** Closes the pooled connections made with these options (worker shutdown). */
export async function closeAgent(options: HttpWorkerOptions): Promise<void> {
  const agent = agents.get(options);
  agents.delete(options);
  await agent?.close();
}

class CallTimeout extends Error {}

/** A $secrets expression that could not be resolved: the authorization error (403) as is, anything else an expression error. */
function deferredError(error: unknown, redact: Redactor): WorkflowError {
  if (error instanceof Fault && error.error.type === ErrorTypes.authorization) {
    const { instance: _none, ...rest } = error.error;
    return { ...rest, detail: redact(rest.detail ?? '') };
  }
  return expressionError(`could not resolve a $secrets expression: ${(error as Error).message ?? String(error)}`, redact);
}

export async function executeHttpCall(payload: unknown, ctx: HttpCallContext): Promise<HttpCallOutcome> {
  const masking = { masker: secretMasker(ctx.secrets) };
  const outcome = await attempt(payload, ctx, masking);
  return masking.masker.value(outcome);
}

async function attempt(payload: unknown, ctx: HttpCallContext, masking: { masker: SecretMasker }): Promise<HttpCallOutcome> {
  let redact: Redactor = masking.masker.text;
  let resolved: unknown;
  try {
    resolved = evaluateDeferred(payload, ctx.secrets);
  } catch (error) {
    return { ok: false, error: deferredError(error, redact) };
  }
  const parsed = parseHttpCall(resolved);
  if (!parsed.ok) return { ok: false, error: configurationError(parsed.problem, redact) };
  const resolvedCredentials = resolveCredentials(parsed.call.authentication, ctx.secrets);
  if (!resolvedCredentials.ok) {
    const error = resolvedCredentials.error ? { ...resolvedCredentials.error, detail: redact(resolvedCredentials.problem) } : configurationError(resolvedCredentials.problem, redact);
    return { ok: false, error };
  }
  masking.masker = secretMasker(ctx.secrets, credentialStrings(resolvedCredentials.credentials));
  redact = masking.masker.text;

  const timeoutMs = Math.min(ctx.options.timeoutMs, ctx.timeoutMs ?? Infinity);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new CallTimeout()), timeoutMs);
  const onCancel = () => controller.abort(ctx.signal?.reason);
  ctx.signal?.addEventListener('abort', onCancel, { once: true });
  if (ctx.signal?.aborted) onCancel();
  try {
    return await run(parsed.call, resolvedCredentials.credentials, ctx, controller.signal, redact);
  } catch (error) {
    const display = displayUri(withQuery(parsed.call.uri, parsed.call.query));
    if (controller.signal.aborted) {
      if (controller.signal.reason instanceof CallTimeout) {
        return { ok: false, error: timeoutError(`${parsed.call.method} ${display}: no complete response within ${timeoutMs} ms`, timeoutMs, redact) };
      }
      return { ok: false, error: cancelledError() };
    }
    return { ok: false, error: mapThrown(error, parsed.call.method, display, ctx.options, redact) };
  } finally {
    clearTimeout(timer);
    ctx.signal?.removeEventListener('abort', onCancel);
  }
}

async function run(call: HttpCall, credentials: Parameters<typeof initialRequest>[5], ctx: HttpCallContext, signal: AbortSignal, redact: Redactor): Promise<HttpCallOutcome> {
  const first = initialRequest(call.method, withQuery(call.uri, call.query), call.headers, call.body, ctx.attemptId, credentials);
  const exchange = await performRequest(agentFor(ctx.options), first, {
    credentials,
    followRedirects: call.redirect,
    maxRedirects: ctx.options.maxRedirects,
    signal,
  });
  const headers = flattenHeaders(exchange.response.headers);
  const status = exchange.response.statusCode;
  const accepted = status >= 200 && status < (call.redirect ? 400 : 300);
  if (!accepted) return { ok: false, error: await rejectedResponse(exchange, headers, ctx.options.maxResponseBytes, redact) };
  const body = await readBodyBounded(exchange.response, ctx.options.maxResponseBytes);
  const content = decodeContent(body, headers['content-type']);
  if (call.output === 'raw') return { ok: true, output: body.length === 0 ? null : body.toString('base64') };
  if (call.output === 'response') return { ok: true, output: { request: requestEcho(exchange, redact), statusCode: status, headers, content } };
  return { ok: true, output: content };
}

/** A status outside the accepted range; the status matters more than the body, so an oversized body is dropped, not fatal. */
async function rejectedResponse(exchange: Exchange, headers: Record<string, string>, limit: number, redact: Redactor): Promise<WorkflowError> {
  let content: unknown;
  try {
    content = decodeContent(await readBodyBounded(exchange.response, limit), headers['content-type']);
  } catch (error) {
    if (!(error instanceof ResponseTooLargeError)) throw error;
    content = null;
  }
  const summary: HttpResponseSummary = { statusCode: exchange.response.statusCode, statusText: exchange.response.statusText ?? '', headers, content };
  return statusError(exchange.request.method, displayUri(exchange.request.url), summary, redact);
}

function requestEcho(exchange: Exchange, redact: Redactor): { method: string; uri: string; headers: Record<string, string> } {
  const { request } = exchange;
  return { method: request.method.toLowerCase(), uri: redact(displayUri(request.url)), headers: redactHeaders(request.headers, redact) };
}

/** The URI as shown in errors: no userinfo (it may hold a password). */
function displayUri(url: URL): string {
  const copy = new URL(url);
  copy.username = '';
  copy.password = '';
  return copy.href;
}

function mapThrown(error: unknown, method: string, uri: string, options: HttpWorkerOptions, redact: Redactor): WorkflowError {
  if (error instanceof ResponseTooLargeError) return responseTooLargeError(method, uri, error.limit, redact);
  if (error instanceof TooManyRedirectsError) {
    return { ...transportError(error, method, uri, options.connectTimeoutMs, redact), status: 508, title: 'Too many redirects' };
  }
  if (error instanceof RedirectTargetError) return configurationError(`${method} ${uri}: ${error.message}`, redact);
  return transportError(error, method, uri, options.connectTimeoutMs, redact);
}
