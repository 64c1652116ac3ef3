// A run's events over the fanout's WebSocket (docs/STREAMING.md), as an async iterator with
// automatic resume. Same contract as followRunEvents (stream.ts):
//   - events come in seq order, each once, starting after `after`;
//   - a dropped connection, a server going away (1001), a slow-consumer close (4008) or a
//     replica that cannot be reached is retried from the last seq yielded — on whichever replica
//     the load balancer picks — with backoff while no progress is made;
//   - the iteration ends after the run's terminal event.
// Refusals that retrying cannot fix (401, 403, 404, 400, a revoked key: 4001) throw BatonApiError.
// A consumer slower than the stream pauses the socket (backpressure) instead of buffering
// without bound; if the server then gives up on it (4008), the stream resumes where it was.
import { WebSocket } from 'ws';
import { BatonApiError, BatonConnectionError, problemFromResponse } from './errors.ts';
import { RunEventSchema, TERMINAL_EVENT_TYPES, type Problem, type RunEvent } from './schemas.ts';

export interface WebSocketStreamOptions {
  /** The fanout's base URL: http://localhost:8085 (ws:// and wss:// work too). */
  fanoutUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string | undefined;
  /** A stream token (POST /api/v1/stream-tokens) sent as ?token=; a function is asked again on each reconnect. */
  token?: string | (() => Promise<string>) | undefined;
  /** Start after this seq (default 0: from the first event). */
  after?: number | undefined;
  /** Consecutive connection failures without a new event before the error is thrown (default 5). */
  maxRetries?: number | undefined;
  /** Events buffered before the socket is paused (default 1000). */
  highWaterMark?: number | undefined;
  signal?: AbortSignal | undefined;
}

type Item = { kind: 'event'; event: RunEvent } | { kind: 'problem'; problem: Problem } | { kind: 'closed'; code: number; reason: string };

const DEFAULT_RETRIES = 5;
/** Close codes after which reconnecting cannot help. */
const FATAL_CLOSES = new Set([1008, 1009, 4001]);

export async function* streamRunEventsOverWebSocket(runId: string, options: WebSocketStreamOptions): AsyncGenerator<RunEvent> {
  const { signal } = options;
  const maxRetries = options.maxRetries ?? DEFAULT_RETRIES;
  let after = options.after ?? 0;
  let failures = 0;
  while (true) {
    signal?.throwIfAborted();
    let connection: Connection;
    try {
      connection = await Connection.open(options, runId, after);
    } catch (error) {
      if (!isTransient(error) || ++failures > maxRetries) throw error;
      await backoff(failures, signal);
      continue;
    }
    let closed: { code: number; reason: string } | undefined;
    try {
      for await (const item of connection.items()) {
        if (item.kind === 'closed') {
          closed = item;
          break;
        }
        if (item.kind === 'problem') {
          if (item.problem.status < 500) throw new BatonApiError(item.problem);
          break; // a server-side failure of the replay: reconnect and resume
        }
        if (item.event.seq <= after) continue; // never twice, whatever a transport replays
        after = item.event.seq;
        failures = 0;
        yield item.event;
        if (TERMINAL_EVENT_TYPES.has(item.event.type)) return;
      }
    } finally {
      connection.close();
    }
    if (closed && FATAL_CLOSES.has(closed.code)) {
      throw new BatonApiError({ type: 'https://baton.dev/problems/stream-closed', title: 'Stream closed', status: closed.code === 4001 ? 401 : 400, detail: `${closed.reason} (close code ${closed.code})` });
    }
    // 1001 (going away) and 4008 (slow consumer) resume at once; anything else backs off.
    if (!closed || (closed.code !== 1001 && closed.code !== 4008)) {
      if (++failures > maxRetries) throw new BatonConnectionError(options.fanoutUrl, new Error(`the stream kept closing (last: ${closed ? `${closed.code} ${closed.reason}` : 'server error'})`));
      await backoff(failures, signal);
    }
  }
}

/** One WebSocket connection subscribed to one run, read as a queue of items. */
class Connection {
  private readonly queue: Item[] = [];
  private wake: (() => void) | undefined;
  private paused = false;

  private constructor(
    private readonly socket: WebSocket,
    private readonly highWaterMark: number,
  ) {
    socket.on('message', (data) => this.onMessage(data.toString()));
    socket.on('close', (code, reason) => this.push({ kind: 'closed', code, reason: reason.toString() }));
  }

  static async open(options: WebSocketStreamOptions, runId: string, after: number): Promise<Connection> {
    const url = new URL('/v1/stream', options.fanoutUrl.replace(/^http/, 'ws'));
    const token = typeof options.token === 'function' ? await options.token() : options.token;
    if (token) url.searchParams.set('token', token);
    const headers: Record<string, string> = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
    const socket = new WebSocket(url, ['baton.stream.v1'], { headers });
    const connection = new Connection(socket, options.highWaterMark ?? 1000);
    const onAbort = () => socket.terminate();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('close', () => options.signal?.removeEventListener('abort', onAbort));
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (_request, response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => {
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          reject(new BatonApiError(problemFromResponse(response.statusCode ?? 0, response.statusMessage ?? '', body, text)));
          socket.terminate();
        });
      });
      socket.once('error', (error) => reject(options.signal?.aborted ? options.signal.reason : new BatonConnectionError(options.fanoutUrl, error)));
    });
    socket.send(JSON.stringify({ subscribe: { run: runId, after } }));
    return connection;
  }

  async *items(): AsyncGenerator<Item> {
    while (true) {
      const item = this.queue.shift();
      if (item === undefined) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      if (this.paused && this.queue.length < this.highWaterMark / 2) {
        this.paused = false;
        this.socket.resume();
      }
      yield item;
      if (item.kind === 'closed') return;
    }
  }

  close(): void {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close(1000);
    setTimeout(() => this.socket.terminate(), 1000).unref();
  }

  private onMessage(text: string): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    if (message.specversion !== undefined) {
      const event = RunEventSchema.safeParse(message);
      if (event.success) this.push({ kind: 'event', event: event.data });
    } else if (message.error !== undefined) {
      this.push({ kind: 'problem', problem: message.error as Problem });
    }
    if (!this.paused && this.queue.length >= this.highWaterMark) {
      this.paused = true;
      this.socket.pause();
    }
  }

  private push(item: Item): void {
    this.queue.push(item);
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

function isTransient(error: unknown): boolean {
  if (error instanceof BatonConnectionError) return true;
  return error instanceof BatonApiError && (error.status >= 500 || error.status === 429);
}

function backoff(failures: number, signal: AbortSignal | undefined): Promise<void> {
  const ms = Math.min(200 * 2 ** (failures - 1), 5_000);
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
