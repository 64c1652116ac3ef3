// The fanout's HTTP server (port 8085):
//   GET /v1/stream                        WebSocket (upgrade); the protocol is docs/STREAMING.md
//   GET /v1/runs/{id}/events/stream       Server-Sent Events of one run (Last-Event-ID resumes)
//   GET /asyncapi.json                    the protocol as an AsyncAPI 3.0 document
//   GET /health, /ready, /metrics         as every service
// Authentication happens before the upgrade (or before the SSE response starts): a refused
// client gets a plain HTTP problem response and never a byte of an event.
//
// No request can end the process: every handler (HTTP, upgrade, WebSocket message and close,
// SSE) ends in a catch that answers — a problem response, an `error` message, or close 1011 —
// and logs what was unexpected. The request target is read by parseTarget, which never throws.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Registry } from 'prom-client';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { asyncApiDocument } from './asyncapi.ts';
import type { Authenticator, Principal } from './auth.ts';
import { StreamClient, type ClientDeps } from './client.ts';
import { CloseCodes, ClientMessage, PROTOCOL, StreamProblemError, describeIssues, fail, problem, type StreamProblem } from './protocol.ts';
import { decodeSegment, parseTarget, type RequestTarget } from './request-target.ts';
import { SseSink, WebSocketSink } from './sinks.ts';

export interface ServerDeps extends ClientDeps {
  auth: Authenticator;
  registry: Registry;
  ready: () => Promise<boolean>;
}

const SSE_PATH = /^\/v1\/runs\/([^/]+)\/events\/stream$/;

export function createFanoutServer(deps: ServerDeps): { server: Server; sockets: WebSocketServer } {
  const sockets = new WebSocketServer({
    noServer: true,
    maxPayload: deps.config.maxMessageBytes,
    perMessageDeflate: false,
    clientTracking: false,
    handleProtocols: (offered) => (offered.has(PROTOCOL) ? PROTOCOL : false),
  });
  const server = createServer((request, response) => {
    handleHttp(deps, request, response).catch((error: unknown) => {
      deps.logger.error({ err: error, method: request.method, url: request.url }, 'http request failed');
      guarded(deps, 'answering a failed request', () => {
        if (!response.headersSent) sendProblem(response, problem(500, 'internal error; the fanout log has the details'));
        else response.destroy();
      });
    });
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    upgrade(deps, sockets, request, socket, head).catch((error: unknown) => {
      deps.logger.error({ err: error, url: request.url }, 'upgrade failed');
      guarded(deps, 'refusing an upgrade', () => refuseUpgrade(socket, problem(500, 'internal error; the fanout log has the details')));
    });
  });
  return { server, sockets };
}

/** Runs an event listener's body; what it throws is logged, never left to the emitter (an uncaught exception). */
function guarded(deps: Pick<ServerDeps, 'logger'>, what: string, body: () => void): void {
  try {
    body();
  } catch (error) {
    deps.logger.error({ err: error }, `failed while ${what}`);
  }
}

async function upgrade(deps: ServerDeps, sockets: WebSocketServer, request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  try {
    const target = parseTarget(request.url);
    if (!target) throw fail(400, 'the request target is not a path; connect to /v1/stream');
    if (target.path !== '/v1/stream') throw fail(404, `no WebSocket endpoint ${JSON.stringify(target.path)}; connect to /v1/stream`);
    if (deps.hub.clients.size >= deps.config.maxConnections) throw fail(503, 'this fanout replica is at FANOUT_MAX_CONNECTIONS; retry shortly (another replica may take you)');
    const principal = await deps.auth.authenticate({ authorization: request.headers.authorization, queryToken: target.query.get('token') ?? undefined });
    // ws answers a malformed handshake (no Sec-WebSocket-Key, wrong version) with 400 itself.
    sockets.handleUpgrade(request, socket, head, (ws) => accept(deps, ws, principal));
  } catch (error) {
    const details = error instanceof StreamProblemError ? error.problem : problem(500, 'internal error while authenticating; the fanout log has the details');
    if (!(error instanceof StreamProblemError)) deps.logger.error({ err: error }, 'upgrade failed');
    deps.metrics.rejected.inc({ status: String(details.status) });
    refuseUpgrade(socket, details);
  }
}

function refuseUpgrade(socket: Duplex, details: StreamProblem): void {
  if (socket.destroyed || !socket.writable) return;
  const body = JSON.stringify(details);
  const auth = details.status === 401 ? 'WWW-Authenticate: Bearer realm="baton"\r\n' : '';
  socket.end(
    `HTTP/1.1 ${details.status} ${details.title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${auth}Connection: close\r\n\r\n${body}`,
  );
}

function accept(deps: ServerDeps, ws: WebSocket, principal: Principal): void {
  try {
    attach(deps, ws, principal);
  } catch (error) {
    deps.logger.error({ err: error, key: principal.keyName }, 'could not set up a stream connection');
    ws.close(CloseCodes.internalError, 'internal error; reconnect');
  }
}

function attach(deps: ServerDeps, ws: WebSocket, principal: Principal): void {
  const sink = new WebSocketSink(ws);
  const client = new StreamClient(deps, principal, sink);
  deps.hub.add(client);
  ws.on('message', (data: RawData, isBinary: boolean) => {
    try {
      sink.touch();
      onMessage(client, data, isBinary);
    } catch (error) {
      // A message handler that throws would reach ws's receiver as an uncaught exception.
      deps.logger.error({ err: error, key: principal.keyName }, 'stream message failed');
      guarded(deps, 'closing a failed connection', () => client.close(CloseCodes.internalError, 'internal error; reconnect and resume with after', 'error'));
    }
  });
  ws.on('close', () => guarded(deps, 'closing a connection', () => client.dispose()));
  ws.on('error', (error) => deps.logger.debug({ err: error }, 'websocket error'));
  client.control('hello', {
    protocol: PROTOCOL,
    key: principal.keyName,
    ...(principal.namespace !== undefined && { namespace: principal.namespace }),
    limits: { bufferBytes: deps.config.bufferLimitBytes, subscriptions: deps.config.maxSubscriptionsPerConnection, messageBytes: deps.config.maxMessageBytes },
    pingIntervalMs: deps.config.pingIntervalMs,
  });
}

function onMessage(client: StreamClient, data: RawData, isBinary: boolean): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(isBinary ? Buffer.from(data as Buffer).toString('utf8') : data.toString());
  } catch (error) {
    return client.report(fail(400, `the message is not JSON: ${(error as Error).message}`), undefined);
  }
  const message = ClientMessage.safeParse(parsed);
  const id = typeof parsed === 'object' && parsed !== null ? (parsed as { id?: unknown }).id : undefined;
  const echo = typeof id === 'string' || typeof id === 'number' ? id : undefined;
  if (!message.success) {
    return client.report(fail(400, `not a subscribe or unsubscribe message (${describeIssues(message.error)}); see docs/STREAMING.md`), echo);
  }
  const value = message.data;
  client.enqueue(async () => {
    try {
      if ('subscribe' in value) await client.subscribe(value.subscribe, value.id);
      else await client.unsubscribe(value.unsubscribe, value.id);
    } catch (error) {
      client.report(error, value.id);
    }
  });
}

async function handleHttp(deps: ServerDeps, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const target = parseTarget(request.url);
  if (!target) return sendProblem(response, problem(400, 'the request target is not a path'));
  const path = target.path;
  if (request.method !== 'GET' && request.method !== 'HEAD') return sendProblem(response, problem(405, `${request.method} is not allowed; every fanout route is GET`), { allow: 'GET' });
  if (path === '/health') return sendJson(response, 200, { status: 'ok' });
  if (path === '/ready') {
    const ok = await deps.ready().catch(() => false);
    return sendJson(response, ok ? 200 : 503, { status: ok ? 'ready' : 'not ready' });
  }
  if (path === '/metrics') {
    response.writeHead(200, { 'content-type': deps.registry.contentType });
    return void response.end(await deps.registry.metrics());
  }
  if (path === '/asyncapi.json') {
    response.writeHead(200, { 'content-type': 'application/json' });
    return void response.end(asyncApiDocument());
  }
  if (path === '/v1/stream') return sendProblem(response, problem(426, 'this endpoint speaks WebSocket: send an Upgrade request (see docs/STREAMING.md)'), { upgrade: 'websocket' });
  const sse = SSE_PATH.exec(path);
  if (sse) {
    const runId = decodeSegment(sse[1]!);
    if (runId === undefined) return sendProblem(response, problem(400, `the run id in the path is not valid percent-encoding: ${JSON.stringify(sse[1])}`));
    return serveSse(deps, request, response, runId, target);
  }
  sendProblem(response, problem(404, `no route GET ${JSON.stringify(path)}; the stream is GET /v1/stream (WebSocket) or GET /v1/runs/{id}/events/stream (SSE)`));
}

async function serveSse(deps: ServerDeps, request: IncomingMessage, response: ServerResponse, runId: string, target: RequestTarget): Promise<void> {
  const lastEventId = header(request, 'last-event-id') ?? target.query.get('after') ?? '0';
  if (!/^\d{1,15}$/.test(lastEventId)) return sendProblem(response, problem(400, `Last-Event-ID (or after) must be the seq of the last event received, got ${JSON.stringify(lastEventId)}`));
  let client: StreamClient | undefined;
  try {
    const principal = await deps.auth.authenticate({ authorization: header(request, 'authorization'), queryToken: target.query.get('token') ?? undefined });
    client = new StreamClient(deps, principal, new SseSink(response));
    // Every check (run, namespace, position) happens before the 200: an EventSource does not
    // retry a refused stream, and does retry (with Last-Event-ID) a dropped one.
    const after = Number(lastEventId);
    const run = await client.checkRun(runId, after);
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
    // HEAD has no body, so a stream's writes never flush its headers: a HEAD that streamed was
    // never answered and held a feed open until the client gave up (found by tests/fuzz).
    if (request.method === 'HEAD') {
      client.dispose();
      return void response.end();
    }
    response.write('retry: 2000\n\n');
    deps.hub.add(client);
    const subscribed = client;
    response.on('close', () => guarded(deps, 'closing an SSE stream', () => subscribed.dispose()));
    client.startFeed(run, after);
  } catch (error) {
    client?.dispose();
    const details = error instanceof StreamProblemError ? error.problem : problem(500, 'internal error; the fanout log has the details');
    if (!(error instanceof StreamProblemError)) deps.logger.error({ err: error }, 'sse request failed');
    if (response.headersSent) {
      response.end(`event: error\ndata: ${JSON.stringify(details)}\n\n`);
      return;
    }
    deps.metrics.rejected.inc({ status: String(details.status) });
    sendProblem(response, details, details.status === 401 ? { 'www-authenticate': 'Bearer realm="baton"' } : {});
  }
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

function sendProblem(response: ServerResponse, details: StreamProblem, headers: Record<string, string> = {}): void {
  response.writeHead(details.status, { 'content-type': 'application/problem+json', ...headers });
  response.end(JSON.stringify(details));
}
