// A test client of the fanout's WebSocket protocol (docs/STREAMING.md): records every message,
// waits for conditions, and reports a refused handshake with its HTTP status and problem body.
import { WebSocket } from 'ws';

export interface RefusedHandshake {
  refused: true;
  status: number;
  body: any;
}

export interface StreamEvent {
  specversion: string;
  id: string;
  type: string;
  runid: string;
  seq: number;
  time: string;
  data: any;
}

export class TestStream {
  readonly messages: any[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString()));
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    socket.on('close', () => {
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** Opens a connection; a refused handshake resolves to its status and body instead. */
  static open(fanoutUrl: string, credentials: { key?: string; token?: string; authorization?: string } = {}): Promise<TestStream | RefusedHandshake> {
    const url = new URL('/v1/stream', fanoutUrl.replace(/^http/, 'ws'));
    if (credentials.token) url.searchParams.set('token', credentials.token);
    const authorization = credentials.authorization ?? (credentials.key ? `Bearer ${credentials.key}` : undefined);
    const socket = new WebSocket(url, authorization ? { headers: { authorization } } : {});
    return new Promise((resolve, reject) => {
      // Created before 'open' so that no early message is missed.
      const stream = new TestStream(socket);
      socket.once('open', () => resolve(stream));
      socket.once('unexpected-response', (_request, response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ refused: true, status: response.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
      });
      socket.once('error', (error) => reject(error));
    });
  }

  /** Opens a connection that must be accepted. */
  static async connect(fanoutUrl: string, credentials: { key?: string; token?: string } = {}): Promise<TestStream> {
    const result = await TestStream.open(fanoutUrl, credentials);
    if ('refused' in result) throw new Error(`handshake refused: ${result.status} ${JSON.stringify(result.body)}`);
    return result;
  }

  send(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  /** Events (CloudEvents) received, optionally of one run. */
  events(runId?: string): StreamEvent[] {
    return this.messages.filter((m) => m.specversion !== undefined && (runId === undefined || m.runid === runId));
  }

  control(name: string): any[] {
    return this.messages.filter((m) => m[name] !== undefined).map((m) => m[name]);
  }

  /** Resolves with the first message (from the start) matching `predicate`. */
  async waitFor(predicate: (message: any) => boolean, timeoutMs = 10_000, what = 'a message'): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const found = this.messages.find(predicate);
      if (found !== undefined) return found;
      if (this.socket.readyState === WebSocket.CLOSED) throw new Error(`connection closed while waiting for ${what}; got ${this.summary()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${this.summary()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Subscribes and waits for the acknowledgement (or an error). */
  async subscribe(selector: object, id: string | number = Math.random().toString(36).slice(2)): Promise<any> {
    this.send({ subscribe: selector, id });
    return this.waitFor((m) => m.id === id && (m.subscribed !== undefined || m.error !== undefined), 10_000, `the answer to subscribe ${id}`);
  }

  /** Waits until the run's terminal event has arrived. */
  waitForEnd(runId: string, timeoutMs = 20_000): Promise<any> {
    return this.waitFor((m) => m.runid === runId && /workflow\.(completed|faulted|cancelled)\.v1$/.test(m.type), timeoutMs, `the end of run ${runId}`);
  }

  close(): void {
    this.socket.close();
  }

  private summary(): string {
    return `${this.messages.length} messages, last: ${JSON.stringify(this.messages.at(-1))?.slice(0, 300)}`;
  }
}

/** The seqs of a list of events. */
export const seqs = (events: { seq: number }[]) => events.map((event) => event.seq);

/** [from, …, to] */
export const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
