// Sending one http call: body encoding, pre-emptive auth, the digest round trip and bounded
// redirects. Address checks happen in the Agent's connector (connector.ts) on every hop.
import type { Agent, Dispatcher } from 'undici';
import { type Credentials, preemptiveAuthorization } from './auth.ts';
import { digestAuthorization, parseDigestChallenges, pickChallenge } from './digest.ts';

export interface OutgoingRequest {
  method: string;
  url: URL;
  headers: Record<string, string | string[]>;
  body: string | undefined;
}

export interface Exchange {
  request: OutgoingRequest;
  response: Dispatcher.ResponseData;
}

export class TooManyRedirectsError extends Error {
  override readonly name = 'TooManyRedirectsError';
  constructor(readonly limit: number, readonly lastLocation: string) {
    super(`more than ${limit} redirects (HTTP_WORKER_MAX_REDIRECTS); last Location: ${lastLocation}`);
  }
}

export class RedirectTargetError extends Error {
  override readonly name = 'RedirectTargetError';
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie'];

/** Objects become JSON (or a form when the content-type says so); strings go as they are. */
export function encodeBody(body: unknown, headers: Record<string, string | string[]>): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  const contentType = String(headers['content-type'] ?? '').toLowerCase();
  if (contentType.startsWith('application/x-www-form-urlencoded') && typeof body === 'object' && !Array.isArray(body)) {
    const form = new URLSearchParams();
    for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
      if (value !== undefined && value !== null) form.append(name, typeof value === 'object' ? JSON.stringify(value) : String(value));
    }
    return form.toString();
  }
  if (!contentType) headers['content-type'] = 'application/json';
  return JSON.stringify(body);
}

export function initialRequest(method: string, url: URL, headers: Record<string, string | string[]>, body: unknown, attemptId: string, credentials: Credentials | undefined): OutgoingRequest {
  const outgoing = { ...headers };
  const encoded = encodeBody(body, outgoing);
  outgoing['idempotency-key'] ??= attemptId;
  const authorization = preemptiveAuthorization(credentials);
  if (authorization !== undefined && outgoing.authorization === undefined) outgoing.authorization = authorization;
  return { method, url, headers: outgoing, body: encoded };
}

function send(agent: Agent, request: OutgoingRequest, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
  return agent.request({
    origin: request.url.origin,
    path: `${request.url.pathname}${request.url.search}`,
    method: request.method as Dispatcher.HttpMethod,
    headers: request.headers,
    body: request.body,
    signal,
  });
}

/** Sends once; on a digest challenge (and digest credentials) answers it and sends once more. */
async function sendWithDigest(agent: Agent, request: OutgoingRequest, credentials: Credentials | undefined, signal: AbortSignal): Promise<Exchange> {
  const response = await send(agent, request, signal);
  if (response.statusCode !== 401 || credentials?.scheme !== 'digest') return { request, response };
  const challenge = pickChallenge(parseDigestChallenges(response.headers['www-authenticate']));
  if (!challenge) return { request, response };
  await response.body.dump({ limit: 64 * 1024 });
  const authorization = digestAuthorization({
    challenge,
    username: credentials.username,
    password: credentials.password,
    method: request.method,
    uri: `${request.url.pathname}${request.url.search}`,
  });
  const answered = { ...request, headers: { ...request.headers, authorization } };
  return { request: answered, response: await send(agent, answered, signal) };
}

/** The request that follows a redirect response (RFC 9110 §15.4), or undefined to stop here. */
function nextHop(previous: OutgoingRequest, response: Dispatcher.ResponseData): OutgoingRequest | undefined {
  const location = response.headers.location;
  if (!REDIRECT_STATUSES.has(response.statusCode) || typeof location !== 'string') return undefined;
  let url: URL;
  try {
    url = new URL(location, previous.url);
  } catch {
    throw new RedirectTargetError(`redirect to an invalid Location "${location}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RedirectTargetError(`redirect to unsupported scheme ${url.protocol}`);
  const headers = { ...previous.headers };
  let { method, body } = previous;
  const becomesGet = response.statusCode === 303 ? method !== 'HEAD' : (response.statusCode === 301 || response.statusCode === 302) && method === 'POST';
  if (becomesGet) {
    method = 'GET';
    body = undefined;
    delete headers['content-type'];
    delete headers['content-length'];
  }
  if (url.origin !== previous.url.origin) for (const name of CREDENTIAL_HEADERS) delete headers[name];
  return { method, url, headers, body };
}

export interface SendOptions {
  credentials: Credentials | undefined;
  followRedirects: boolean;
  maxRedirects: number;
  signal: AbortSignal;
}

/** Performs the exchange; the final response's body is left unread for the caller. */
export async function performRequest(agent: Agent, first: OutgoingRequest, options: SendOptions): Promise<Exchange> {
  let request = first;
  let credentials = options.credentials;
  for (let redirects = 0; ; redirects++) {
    const exchange = await sendWithDigest(agent, request, credentials, options.signal);
    const next = options.followRedirects ? nextHop(exchange.request, exchange.response) : undefined;
    if (!next) return exchange;
    await exchange.response.body.dump({ limit: 64 * 1024 });
    if (redirects >= options.maxRedirects) throw new TooManyRedirectsError(options.maxRedirects, next.url.href);
    // Credentials are for the origin the workflow named, never for where it redirects to.
    if (next.url.origin !== request.url.origin) credentials = undefined;
    request = next;
  }
}
