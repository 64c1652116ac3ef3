// Reading an OpenAPI document through the worker's Agent (so the outbound address policy
// applies to it, and to every redirect hop), with the document endpoint's credentials, from the
// cache when it is fresh and revalidated (If-None-Match / If-Modified-Since) when it is not.
import { createHash } from 'node:crypto';
import type { WorkflowError } from '@baton/core';
import { type Credentials, preemptiveAuthorization } from '../auth.ts';
import type { HttpWorkerOptions } from '../options.ts';
import { agentFor, rejectedResponse } from '../perform.ts';
import type { Redactor } from '../redact.ts';
import { type OutgoingRequest, performRequest } from '../request.ts';
import { flattenHeaders, readBodyBounded } from '../response.ts';
import { cacheHeadersOf, DocumentCache } from './cache.ts';
import { loadDocument, type OpenApiDocument } from './document.ts';

// One cache per options object, like the Agent: every call of a worker shares it.
const caches = new WeakMap<HttpWorkerOptions, DocumentCache>();

export function documentCacheFor(options: HttpWorkerOptions): DocumentCache {
  let cache = caches.get(options);
  if (!cache) {
    cache = new DocumentCache();
    caches.set(options, cache);
  }
  return cache;
}

export type DocumentResult = { ok: true; document: OpenApiDocument } | { ok: false; error: WorkflowError };

const ACCEPT = 'application/json, application/yaml;q=0.9, application/x-yaml;q=0.9, text/yaml;q=0.9, */*;q=0.5';

/** Who read the document counts: the same URL read with other credentials is another entry. */
function cacheKey(uri: URL, credentials: Credentials | undefined): string {
  const who = credentials === undefined ? '' : createHash('sha256').update(JSON.stringify(credentials)).digest('hex');
  return `${uri.href} ${who}`;
}

export async function fetchDocument(uri: URL, credentials: Credentials | undefined, options: HttpWorkerOptions, signal: AbortSignal, redact: Redactor): Promise<DocumentResult> {
  const cache = documentCacheFor(options);
  const key = cacheKey(uri, credentials);
  const cached = cache.get(key);
  if (cached && cache.isFresh(cached)) return { ok: true, document: cached.document };

  const headers: Record<string, string> = { accept: ACCEPT };
  if (cached?.headers.etag !== undefined) headers['if-none-match'] = cached.headers.etag;
  if (cached?.headers['last-modified'] !== undefined) headers['if-modified-since'] = cached.headers['last-modified'];
  const authorization = preemptiveAuthorization(credentials);
  if (authorization !== undefined) headers.authorization = authorization;
  const request: OutgoingRequest = { method: 'GET', url: uri, headers, body: undefined };
  // A document may have moved: redirects are followed (credentials stay on the origin named).
  const exchange = await performRequest(agentFor(options), request, { credentials, followRedirects: true, maxRedirects: options.maxRedirects, signal });
  const responseHeaders = flattenHeaders(exchange.response.headers);
  const status = exchange.response.statusCode;
  if (status === 304 && cached) {
    await exchange.response.body.dump({ limit: 64 * 1024 });
    cache.revalidated(key, cached, cacheHeadersOf(responseHeaders));
    return { ok: true, document: cached.document };
  }
  if (status < 200 || status >= 300) {
    const error = await rejectedResponse(exchange, responseHeaders, options.maxResponseBytes, redact);
    return { ok: false, error: { ...error, title: `OpenAPI document: ${error.title ?? `HTTP ${status}`}`, detail: `reading the OpenAPI document: ${error.detail ?? ''}` } };
  }
  const body = await readBodyBounded(exchange.response, options.maxResponseBytes);
  const document = await loadDocument(body.toString('utf8'), responseHeaders['content-type'], exchange.request.url);
  cache.store(key, document, cacheHeadersOf(responseHeaders), body.length);
  return { ok: true, document };
}
