// The one place that speaks HTTP: base URL, bearer auth, JSON/YAML bodies, problem documents,
// and response validation. BatonClient's methods are thin declarations over `request`.
import type { z } from 'zod';
import { BatonApiError, BatonConnectionError, BatonResponseError, problemFromResponse } from './errors.ts';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface RequestOptions {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | number | undefined> | undefined;
  /** A JSON value, or raw text with its content type. */
  body?: { json: unknown } | { text: string; contentType: string } | undefined;
  signal?: AbortSignal | undefined;
  /** Default: JSON (and problem+json for errors). */
  accept?: string | undefined;
}

export interface HttpResult<T> {
  status: number;
  value: T;
}

export class HttpTransport {
  readonly baseUrl: string;
  private readonly apiKey: string | undefined;
  private readonly fetchImpl: FetchLike;

  constructor(options: { baseUrl: string; apiKey?: string | undefined; fetch?: FetchLike | undefined }) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** Sends the request; a 2xx body is parsed with `schema`, anything else throws a typed error. */
  async request<S extends z.ZodType>(options: RequestOptions, schema: S): Promise<HttpResult<z.output<S>>> {
    const response = await this.send(options);
    const text = await response.text();
    const body = parseJson(text, response.headers.get('content-type'));
    if (!response.ok) throw new BatonApiError(problemFromResponse(response.status, response.statusText, body, text));
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue ? `${issue.path.join('.') || '(body)'}: ${issue.message}` : 'unexpected body';
      throw new BatonResponseError(response.status, `unexpected response to ${options.method} ${options.path} (HTTP ${response.status}): ${where}`);
    }
    return { status: response.status, value: parsed.data };
  }

  /** Sends the request and returns a 2xx body as text (e.g. a definition's YAML source). */
  async requestText(options: RequestOptions): Promise<string> {
    const response = await this.send(options);
    const text = await response.text();
    if (!response.ok) throw new BatonApiError(problemFromResponse(response.status, response.statusText, parseJson(text, response.headers.get('content-type')), text));
    return text;
  }

  url(path: string, query?: RequestOptions['query']): string {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined) params.set(name, String(value));
    }
    const search = params.toString();
    return `${this.baseUrl}${path}${search ? `?${search}` : ''}`;
  }

  private async send(options: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { accept: options.accept ?? 'application/json, application/problem+json' };
    if (this.apiKey !== undefined) headers.authorization = `Bearer ${this.apiKey}`;
    let body: string | undefined;
    if (options.body && 'json' in options.body) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body.json);
    } else if (options.body) {
      headers['content-type'] = options.body.contentType;
      body = options.body.text;
    }
    const init: RequestInit = { method: options.method, headers };
    if (body !== undefined) init.body = body;
    if (options.signal) init.signal = options.signal;
    try {
      return await this.fetchImpl(this.url(options.path, options.query), init);
    } catch (error) {
      // An abort is the caller's decision, not a connection problem: let it through as is.
      if (options.signal?.aborted) throw error;
      throw new BatonConnectionError(this.baseUrl, error);
    }
  }
}

function parseJson(text: string, contentType: string | null): unknown {
  if (text === '') return undefined;
  if (contentType !== null && !/json/i.test(contentType)) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `/api/v1/<segments>`, each segment percent-encoded (names and ids come from users). */
export function apiPath(...segments: string[]): string {
  return `/api/v1/${segments.map(encodeURIComponent).join('/')}`;
}
