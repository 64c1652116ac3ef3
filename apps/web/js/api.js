// The REST API from the browser: the key the user pasted (localStorage), JSON in and out, RFC 9457
// problems as ApiError. A 401 asks the app for a key (the 'baton:key-needed' event).
/* global localStorage, fetch, window, CustomEvent */

const KEY_ITEM = 'baton.apiKey';
const STREAM_URL_ITEM = 'baton.streamUrl';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem ?? { status, title: `HTTP ${status}` };
  }
}

export const settings = {
  get apiKey() {
    return localStorage.getItem(KEY_ITEM) ?? '';
  },
  set apiKey(value) {
    if (value) localStorage.setItem(KEY_ITEM, value);
    else localStorage.removeItem(KEY_ITEM);
  },
  /** Where the fanout listens, when not ws(s)://<this host>:8085/v1/stream (a proxy, another port). */
  get streamUrl() {
    return localStorage.getItem(STREAM_URL_ITEM) ?? '';
  },
  set streamUrl(value) {
    if (value) localStorage.setItem(STREAM_URL_ITEM, value);
    else localStorage.removeItem(STREAM_URL_ITEM);
  },
};

/**
 * api('GET', '/api/v1/runs', { query: { status: 'running' } })
 * Options: query (undefined/'' values dropped), body (JSON), accept, key (to test a key before keeping it).
 */
export async function api(method, path, options = {}) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined && value !== '') url.searchParams.set(name, String(value));
  }
  const headers = { accept: options.accept ?? 'application/json' };
  const key = options.key ?? settings.apiKey;
  if (key) headers.authorization = `Bearer ${key}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(url, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  } catch (error) {
    throw new ApiError(0, { title: 'Network error', detail: `the Baton API did not answer (${error instanceof Error ? error.message : error})` });
  }
  const text = await response.text();
  const json = parseJson(text, response.headers.get('content-type'));
  if (!response.ok) {
    if (response.status === 401 && options.key === undefined) window.dispatchEvent(new CustomEvent('baton:key-needed'));
    throw new ApiError(response.status, typeof json === 'object' ? json : { status: response.status, title: response.statusText, detail: text.slice(0, 300) });
  }
  return json ?? text;
}

function parseJson(text, contentType) {
  if (!text || !/json/.test(contentType ?? '')) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const runPath = (id) => `/api/v1/runs/${encodeURIComponent(id)}`;
export const workflowPath = (namespace, name, version) =>
  `/api/v1/workflows/${[namespace, name, version].filter((p) => p !== undefined).map(encodeURIComponent).join('/')}`;
