// How a failed call becomes a WorkflowError (the mapping is documented in README.md).
import { ErrorTypes, BatonErrorTypes, type WorkflowError } from '@baton/core';
import { AddressDeniedError } from './connector.ts';
import type { Redactor } from './redact.ts';

export interface HttpResponseSummary {
  statusCode: number;
  statusText: string;
  headers: Record<string, string>;
  content: unknown;
}

const EXCERPT_CHARS = 200;

/** A response outside the accepted status range (2xx, or 2xx–3xx when redirect is true). */
export function statusError(method: string, uri: string, response: HttpResponseSummary, redact: Redactor): WorkflowError {
  const status = `${response.statusCode}${response.statusText ? ` ${response.statusText}` : ''}`;
  const excerpt = bodyExcerpt(response.content);
  return {
    type: ErrorTypes.communication,
    status: response.statusCode,
    title: `HTTP ${status}`,
    detail: redact(`${method} ${uri} answered ${status}${excerpt ? `: ${excerpt}` : ''}`),
    response: { statusCode: response.statusCode, headers: response.headers, content: response.content },
  };
}

function bodyExcerpt(content: unknown): string {
  if (content === null || content === undefined) return '';
  const text = typeof content === 'string' ? content : JSON.stringify(content);
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS)}…` : flat;
}

export function configurationError(detail: string, redact: Redactor): WorkflowError {
  return { type: ErrorTypes.configuration, status: 400, title: 'Invalid HTTP call', detail: redact(detail) };
}

export function expressionError(detail: string, redact: Redactor): WorkflowError {
  return { type: ErrorTypes.expression, status: 400, title: 'Secret expression failed', detail: redact(detail) };
}

export function timeoutError(detail: string, timeoutMs: number | undefined, redact: Redactor): WorkflowError {
  return { type: ErrorTypes.timeout, status: 408, title: 'HTTP call timed out', detail: redact(detail), ...(timeoutMs === undefined ? {} : { timeoutMs }) };
}

export function cancelledError(): WorkflowError {
  return { type: BatonErrorTypes.cancelled, status: 499, title: 'HTTP call cancelled', detail: 'the worker stopped before the call finished' };
}

export function responseTooLargeError(method: string, uri: string, limit: number, redact: Redactor): WorkflowError {
  return {
    type: ErrorTypes.communication,
    status: 502,
    title: 'Response too large',
    detail: redact(`${method} ${uri}: the response body exceeds the ${limit}-byte limit (HTTP_WORKER_MAX_RESPONSE_BYTES); reading was aborted`),
    maxResponseBytes: limit,
  };
}

/** Errors thrown by undici/net/tls while connecting, sending or reading. */
export function transportError(error: unknown, method: string, uri: string, connectTimeoutMs: number, redact: Redactor): WorkflowError {
  const denied = findCause(error, (cause): cause is AddressDeniedError => cause instanceof AddressDeniedError);
  if (denied) {
    return {
      type: ErrorTypes.authorization,
      status: 403,
      title: 'Outbound address refused',
      detail: redact(`${method} ${uri}: ${denied.message}`),
      address: denied.denials[0]?.address,
      rule: denied.denials[0]?.rule,
    };
  }
  const code = errorCode(error);
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    return timeoutError(`${method} ${uri}: could not connect within ${connectTimeoutMs} ms (HTTP_WORKER_CONNECT_TIMEOUT_MS)`, connectTimeoutMs, redact);
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return timeoutError(`${method} ${uri}: the server stopped answering (${code})`, undefined, redact);
  }
  const message = error instanceof Error ? error.message : String(error);
  // undici refuses what it cannot send (a CONNECT method, a header value with a newline…).
  if (code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED') return configurationError(`${method} ${uri}: ${message}`, redact);
  return {
    type: ErrorTypes.communication,
    status: 503,
    title: 'HTTP call failed',
    detail: redact(`${method} ${uri}: ${code ? `${code} ` : ''}${message}`),
    ...(code ? { code } : {}),
  };
}

function findCause<T>(error: unknown, test: (value: unknown) => value is T): T | undefined {
  for (let current: unknown = error, depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    if (test(current)) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function errorCode(error: unknown): string | undefined {
  const found = findCause(error, (value): value is { code: string } => typeof (value as { code?: unknown }).code === 'string');
  return found?.code;
}
