// Performing one prepared HTTP call (call: http, or the request an OpenAPI operation resolves
// to): the pooled Agent with the address policy, the call's deadline, and how the response — or
// what was thrown — becomes the task's output or a WorkflowError.
import type { WorkflowError } from '@baton/core';
import type { Agent } from 'undici';
import { AddressPolicy } from './address-policy.ts';
import type { Credentials } from './auth.ts';
import { createCheckedAgent } from './connector.ts';
import { cancelledError, configurationError, type HttpResponseSummary, responseTooLargeError, statusError, timeoutError, transportError } from './errors.ts';
import type { HttpWorkerOptions } from './options.ts';
import type { HttpCall } from './payload.ts';
import { withQuery } from './payload.ts';
import { type Redactor, redactHeaders } from './redact.ts';
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
  /** The attempt's span (W3C trace context), sent as `traceparent` unless the call sets its own. */
  traceparent?: string;
  /**
   * Asked with the request's URL just before it is sent: false when a rate limit makes the
   * attempt wait (the worker hands it back; the outcome returned then is not used).
   */
  admit?: (uri: URL) => Promise<boolean>;
}

/** The outcome of a call a rate limit kept from being sent (the worker hands the attempt back instead). */
export const NOT_ADMITTED: HttpCallOutcome = { ok: false, error: { type: 'https://baton.dev/errors/rate-limited', status: 429, title: 'Rate limited', detail: 'handed back to wait for a rate limit' } };

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

/** What the call is doing now, for an error that interrupts it (method and URI, no userinfo). */
export type CurrentRequest = () => { method: string; uri: string };

/**
 * Runs `work` under the call's deadline (the smaller of HTTP_WORKER_TIMEOUT_MS and the task's
 * timeout) and the worker's cancel signal; whatever it throws becomes a WorkflowError.
 */
export async function withDeadline(ctx: HttpCallContext, current: CurrentRequest, redact: Redactor, work: (signal: AbortSignal) => Promise<HttpCallOutcome>): Promise<HttpCallOutcome> {
  const timeoutMs = Math.min(ctx.options.timeoutMs, ctx.timeoutMs ?? Infinity);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new CallTimeout()), timeoutMs);
  const onCancel = () => controller.abort(ctx.signal?.reason);
  ctx.signal?.addEventListener('abort', onCancel, { once: true });
  if (ctx.signal?.aborted) onCancel();
  try {
    return await work(controller.signal);
  } catch (error) {
    const { method, uri } = current();
    if (controller.signal.aborted) {
      if (controller.signal.reason instanceof CallTimeout) {
        return { ok: false, error: timeoutError(`${method} ${uri}: no complete response within ${timeoutMs} ms`, timeoutMs, redact) };
      }
      return { ok: false, error: cancelledError() };
    }
    return { ok: false, error: mapThrown(error, method, uri, ctx.options, redact) };
  } finally {
    clearTimeout(timer);
    ctx.signal?.removeEventListener('abort', onCancel);
  }
}

/** The method and URI of a call as shown in errors. */
export function describeCall(call: HttpCall): { method: string; uri: string } {
  return { method: call.method, uri: displayUri(withQuery(call.uri, call.query)) };
}

/** Sends the call (redirects, digest) and turns the response into the output of `call.output`. */
export async function performCall(call: HttpCall, credentials: Credentials | undefined, ctx: HttpCallContext, signal: AbortSignal, redact: Redactor): Promise<HttpCallOutcome> {
  if (ctx.admit && !(await ctx.admit(call.uri))) return NOT_ADMITTED;
  const first = initialRequest(call.method, withQuery(call.uri, call.query), call.headers, call.body, ctx.attemptId, credentials);
  if (ctx.traceparent && !Object.keys(first.headers).some((name) => name.toLowerCase() === 'traceparent')) first.headers.traceparent = ctx.traceparent;
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
export async function rejectedResponse(exchange: Exchange, headers: Record<string, string>, limit: number, redact: Redactor): Promise<WorkflowError> {
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
export function displayUri(url: URL): string {
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
