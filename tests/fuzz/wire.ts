// How the fuzzer talks HTTP: node:http with keep-alive for what node lets through, and a raw
// socket for what it refuses to send (a method or header with odd bytes, a target with spaces
// or `//`, invalid UTF-8). Inputs are plain data, so a counterexample can be saved as JSON and
// sent again.
import { request as httpRequest, Agent } from 'node:http';
import { connect } from 'node:net';

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

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

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
  return new Promise((resolve) => {
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
      req = httpRequest({ host: hostname, port: Number(port), method: input.method, path: input.target, headers, agent: keepAlive ? agent : false, setHost: true });
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
  });
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
  return new Promise((resolve) => {
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
    socket.on('error', (error) => finish(chunks.length ? {} : { error: `${(error as NodeJS.ErrnoException).code ?? ''} ${error.message}` }));
    socket.on('close', () => finish());
  });
}
