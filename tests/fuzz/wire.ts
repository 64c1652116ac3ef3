// How the fuzzer talks HTTP: node:http with keep-alive for what node lets through, and a raw
// socket for what it refuses to send (a method or header with odd bytes, a target with spaces
// or `//`, invalid UTF-8). Inputs are plain data, so a counterexample can be saved as JSON and
// sent again.
import { AsyncLocalStorage } from 'node:async_hooks';
import { request as httpRequest, Agent, type AgentOptions, type ClientRequestArgs } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * What the fuzzer is doing in an async context: the lane's target and input (lane.ts), and which
 * kind of socket is being written. An error that escapes every handler is reported with it
 * (suite.ts): the context of a socket's failed write is the one the write was made in.
 */
export interface InFlight {
  target?: string;
  input?: unknown;
  socket?: string;
}

export const inFlight = new AsyncLocalStorage<InFlight>();

/** Runs `fn` (which creates or writes a socket) tagged with the kind of socket. */
export function onSocket<T>(socket: string, fn: () => T): T {
  return inFlight.run({ ...inFlight.getStore(), socket }, fn);
}

/** The current context in words, for an error report: `rest input {…} on node:http keep-alive`. */
export function describeInFlight(): string {
  const where = inFlight.getStore();
  if (!where?.target && !where?.socket) return 'outside any target input (fixtures, heartbeat, final checks)';
  const input = where.input === undefined ? '' : ` input ${JSON.stringify(where.input)?.slice(0, 300)}`;
  return `${where.target ?? '?'}${input} on ${where.socket ?? 'an untagged socket'}`;
}

/** Bytes that are not a JavaScript string (invalid UTF-8): base64. */
export interface Bytes {
  base64: string;
}

export interface HttpInput {
  method: string;
  /** The request target as sent: path and query, already percent-encoded (or not). */
  target: string;
  headers: Array<[string, string]>;
  body?: string | Bytes;
  /** Send over a raw socket even when node:http would accept the request. */
  raw?: boolean;
}

export interface HttpAnswer {
  /** 0 when no response came (the connection closed or broke first). */
  status: number;
  contentType: string;
  body: string;
  ms: number;
  /** Why there was no response (socket error, timeout). */
  error?: string;
  timedOut?: boolean;
}

/**
 * Errors of the agents' sockets that neither a request nor the agent's pool listened to (see
 * GuardedAgent), by socket and `syscall code`: counted in the summary, not a failure — the answer
 * of the request had come and been judged before.
 */
export const straySocketErrors: Record<string, number> = {};

/**
 * node's http client leaves a socket without any 'error' listener when the server answered
 * (keep-alive) before the request's body was all written and then closed the connection: the
 * failed write still ends in the request's 'finish', which hands the socket back to the agent
 * (responseKeepAlive removes the request's socket listener) and the agent destroys it on 'free'
 * without a listener of its own, so the write's ECONNRESET / EPIPE was an uncaught exception
 * (node 20's own TODOs in _http_client.js responseKeepAlive and _http_agent.js 'free'). Each
 * socket of these agents has an 'error' listener of its own from its creation to its end.
 */
class GuardedAgent extends Agent {
  readonly kind: string;

  constructor(kind: string, options: AgentOptions) {
    super(options);
    this.kind = kind;
  }

  override createConnection(options: ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const socket = super.createConnection(options, callback);
    socket?.on('error', (error: NodeJS.ErrnoException) => {
      // Alone: nobody else heard it (while a request or the pool holds the socket, they do).
      if (socket.listenerCount('error') > 1) return;
      const key = `${this.kind}: ${error.syscall ?? ''} ${error.code ?? error.message}`.replace(/ +/g, ' ');
      straySocketErrors[key] = (straySocketErrors[key] ?? 0) + 1;
    });
    return socket;
  }
}

const agent = new GuardedAgent('node:http keep-alive', { keepAlive: true, maxSockets: 8 });
/** For the retry of a request whose kept-alive socket was stale: a connection of its own, closed after it. */
const closingAgent = new GuardedAgent('node:http Connection: close', { keepAlive: false });

export function bodyBytes(body: HttpInput['body']): Buffer | undefined {
  if (body === undefined) return undefined;
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.base64, 'base64');
}

const MAX_BODY_KEPT = 64 * 1024;

/** Sends one request to base (http://127.0.0.1:port); never throws. */
export async function send(base: string, input: HttpInput, timeoutMs: number): Promise<HttpAnswer> {
  if (!input.raw) {
    const answer = await viaNode(base, input, timeoutMs);
    // A kept-alive socket the server had just closed: the request never reached it; send again.
    if (answer === 'stale') return viaNode(base, input, timeoutMs, false) as Promise<HttpAnswer>;
    if (answer !== 'refused') return answer;
  }
  return viaSocket(base, input, timeoutMs);
}

function viaNode(base: string, input: HttpInput, timeoutMs: number, keepAlive = true): Promise<HttpAnswer | 'refused' | 'stale'> {
  const started = Date.now();
  const { hostname, port } = new URL(base);
  const body = bodyBytes(input.body);
  const via = keepAlive ? agent : closingAgent;
  return onSocket(via.kind, () => new Promise((resolve) => {
    let settled = false;
    const finish = (answer: HttpAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    let req: ReturnType<typeof httpRequest>;
    try {
      const headers: Record<string, string | string[]> = {};
      for (const [name, value] of input.headers) {
        const existing = headers[name];
        headers[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
      }
      if (body !== undefined && !input.headers.some(([name]) => name.toLowerCase() === 'content-length')) headers['content-length'] = String(body.length);
      req = httpRequest({ host: hostname, port: Number(port), method: input.method, path: input.target, headers, agent: via, setHost: true });
    } catch {
      return resolve('refused'); // node's own validation (method token, header bytes, path characters)
    }
    const timer = setTimeout(() => {
      req.destroy();
      finish({ status: 0, contentType: '', body: '', ms: Date.now() - started, error: `no answer within ${timeoutMs} ms`, timedOut: true });
    }, timeoutMs);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      res.on('data', (chunk: Buffer) => {
        if (kept < MAX_BODY_KEPT) chunks.push(chunk);
        kept += chunk.length;
      });
      const done = () => finish({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8').slice(0, MAX_BODY_KEPT), ms: Date.now() - started });
      res.on('end', done);
      res.on('error', done);
      res.on('close', done);
    });
    req.on('error', (error) => {
      const code = (error as NodeJS.ErrnoException).code;
      if (req.reusedSocket && code === 'ECONNRESET' && !settled) {
        settled = true;
        clearTimeout(timer);
        return resolve('stale');
      }
      finish({ status: 0, contentType: '', body: '', ms: Date.now() - started, error: `${code ?? ''} ${error.message}` });
    });
    if (body !== undefined) req.end(body);
    else req.end();
  }));
}

/** The request's bytes as given: no validation, `Connection: close`; a chunked body is framed as chunks. */
export function rawRequestBytes(input: HttpInput, host: string): Buffer {
  let body = bodyBytes(input.body);
  const has = (header: string) => input.headers.some(([name]) => name.toLowerCase() === header);
  const chunked = input.headers.some(([name, value]) => name.toLowerCase() === 'transfer-encoding' && /chunked/i.test(value));
  const lines = [`${input.method} ${input.target} HTTP/1.1`];
  if (!has('host')) lines.push(`Host: ${host}`);
  for (const [name, value] of input.headers) lines.push(`${name}: ${value}`);
  if (chunked) body = Buffer.concat([...(body?.length ? [Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n')] : []), Buffer.from('0\r\n\r\n')]);
  else if (body !== undefined && !has('content-length')) lines.push(`Content-Length: ${body.length}`);
  if (!has('connection')) lines.push('Connection: close');
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8'), body ?? Buffer.alloc(0)]);
}

export interface RawOptions {
  timeoutMs: number;
  /** Stop reading (and close) once this holds of what was received — for streams that never end. */
  until?: (text: string) => boolean;
}

export function viaSocket(base: string, input: HttpInput, timeoutMs: number, until?: RawOptions['until']): Promise<HttpAnswer> {
  const { hostname, port } = new URL(base);
  return exchange(hostname, Number(port), rawRequestBytes(input, `${hostname}:${port}`), { timeoutMs, ...(until && { until }) });
}

/** Writes bytes on a fresh connection and reads the answer until the server closes (or `until`). */
export function exchange(host: string, port: number, bytes: Buffer, options: RawOptions): Promise<HttpAnswer> {
  const started = Date.now();
  return onSocket('raw net socket', () => new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const socket = connect(port, host);
    const finish = (extra: Partial<HttpAnswer> = {}) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      // An interim answer (100 Continue) comes before the real one; 101 is an answer.
      const text = Buffer.concat(chunks).toString('utf8').replace(/^(HTTP\/1\.[01] 10[023][^\r]*\r\n(?:[^\r]+\r\n)*\r\n)+/, '');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      const split = text.indexOf('\r\n\r\n');
      const head = split === -1 ? text : text.slice(0, split);
      resolve({ status, contentType: /\r\ncontent-type: *([^\r\n]*)/i.exec(head)?.[1] ?? '', body: split === -1 ? '' : text.slice(split + 4, split + 4 + MAX_BODY_KEPT), ms: Date.now() - started, ...extra });
    };
    const timer = setTimeout(() => {
      const text = Buffer.concat(chunks).toString('utf8');
      // A streaming answer that began is an answer; silence is a hang.
      finish(text.startsWith('HTTP/1.') ? {} : { error: `no answer within ${options.timeoutMs} ms`, timedOut: true });
    }, options.timeoutMs);
    socket.on('connect', () => socket.write(bytes, () => undefined));
    socket.on('data', (chunk: Buffer) => {
      if (size < 4 * MAX_BODY_KEPT) chunks.push(chunk);
      size += chunk.length;
      if (options.until?.(Buffer.concat(chunks).toString('utf8'))) finish();
    });
    // Attached at creation and never removed: a reset after the answer (or after finish) is heard here.
    socket.on('error', (error) => finish(chunks.length ? {} : { error: `${(error as NodeJS.ErrnoException).code ?? ''} ${error.message}` }));
    socket.on('close', () => finish());
  }));
}
