// The two transports under a StreamClient: a WebSocket (ws) and a Server-Sent Events response.
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import type { Sink } from './client.ts';
import type { Frame } from './frame.ts';

/** A close that the peer does not complete (it is not reading) is forced after this long. */
const CLOSE_GRACE_MS = 10_000;

/** The parts of ws's internals the sink writes through (ws has no API for a pre-made frame). */
interface WsInternals {
  _socket?: Socket;
  /** ws's Sender: `_state` 0 means it holds no queued frame (no compression, no Blob read). */
  _sender?: { _state?: number };
}

export class WebSocketSink implements Sink {
  readonly transport = 'websocket' as const;
  private answered = true;
  private readonly internals: WsInternals;
  /** cork() depth: the hub's topic batch and a replay page may overlap. */
  private corks = 0;
  /** While corked: the frames written, in order, sent as ONE buffer at the last uncork. */
  private held: Buffer[] = [];
  private heldBytes = 0;

  constructor(private readonly socket: WebSocket) {
    this.internals = socket as unknown as WsInternals;
    socket.on('pong', () => {
      this.answered = true;
    });
  }

  /** Any message from the client also proves it alive. */
  touch(): void {
    this.answered = true;
  }

  write(frame: Frame): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    // The frame every subscriber shares goes straight to the TCP socket (no per-subscriber
    // header or encoding). ws writes its own frames (pings, closes) to the same socket
    // synchronously; every path here that lets ws write flushes the held frames first, so
    // frames cannot interleave — unless ws's sender is holding a frame back, which it never does
    // without compression (off); then ws frames it, in order, after what is held.
    const { _socket: raw, _sender: sender } = this.internals;
    if (!raw || sender?._state !== 0) {
      this.flush();
      this.socket.send(frame.text);
      return;
    }
    const data = frame.webSocketFrame;
    if (this.corks === 0) {
      raw.write(data);
      return;
    }
    this.held.push(data);
    this.heldBytes += data.length;
  }

  /** Bytes not yet written to the socket: ws's and the socket's queues, and the held frames. */
  buffered(): number {
    return this.socket.bufferedAmount + this.heldBytes;
  }

  // A topic batch (or a replay page) leaves in one write of one buffer: the held frames joined
  // (a copy of a few kB) cost less than the socket's cork, whose writev keeps a request object
  // per frame. Several WebSocket frames in one TCP write is ordinary framing (RFC 6455 §5).
  cork(): void {
    this.corks += 1;
  }

  uncork(): void {
    if (this.corks === 0) return;
    this.corks -= 1;
    if (this.corks === 0) this.flush();
  }

  /** Writes the held frames, in order, as one buffer (dropped if the socket is no longer open). */
  private flush(): void {
    const count = this.held.length;
    if (count === 0) return;
    const data = count === 1 ? this.held[0]! : Buffer.concat(this.held, this.heldBytes);
    this.held = [];
    this.heldBytes = 0;
    const raw = this.internals._socket;
    if (raw && this.socket.readyState === WebSocket.OPEN) raw.write(data);
  }

  close(code: number, reason: string): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    this.flush(); // the close frame follows the events already written
    this.socket.close(code, truncateReason(reason));
    // The close frame waits behind whatever the client has not read yet; a client that never
    // reads would keep that memory forever.
    setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS).unref();
  }

  probe(): boolean {
    if (!this.answered) return false;
    this.answered = false;
    if (this.socket.readyState === WebSocket.OPEN) {
      this.flush();
      this.socket.ping();
    }
    return true;
  }

  terminate(): void {
    this.held = [];
    this.heldBytes = 0;
    this.socket.terminate();
  }
}

/** A close reason is at most 123 bytes (RFC 6455 §5.5: control frame payload ≤ 125). */
function truncateReason(reason: string): string {
  const bytes = Buffer.from(reason);
  return bytes.length <= 123 ? reason : bytes.subarray(0, 120).toString('utf8').replace(/\uFFFD$/, '') + '...';
}

/**
 * SSE: each event is `id: <seq>` + `data: <the same JSON text as on the WebSocket>`, so a
 * browser's EventSource resumes by itself with Last-Event-ID. Control messages are named
 * events (`event: caughtUp`, `event: error`); keep-alives are comments.
 */
export class SseSink implements Sink {
  readonly transport = 'sse' as const;
  private ended = false;

  constructor(private readonly response: ServerResponse) {
    response.on('close', () => {
      this.ended = true;
    });
  }

  write(frame: Frame, seq?: number): void {
    if (this.ended) return;
    const { text } = frame;
    if (seq !== undefined) {
      this.response.write(`id: ${seq}\ndata: ${text}\n\n`);
      return;
    }
    // Control messages are {"<name>": body, "id"?: …}: the name becomes the SSE event name.
    const name = /^\{"([A-Za-z]+)"/.exec(text)?.[1] ?? 'message';
    this.response.write(`event: ${name}\ndata: ${text}\n\n`);
  }

  buffered(): number {
    return this.response.writableLength;
  }

  cork(): void {
    this.response.cork();
  }

  uncork(): void {
    this.response.uncork();
  }

  close(code: number, reason: string): void {
    if (this.ended) return;
    this.response.write(`event: close\ndata: ${JSON.stringify({ code, reason })}\n\n`);
    this.ended = true;
    this.response.end();
    setTimeout(() => this.response.destroy(), CLOSE_GRACE_MS).unref();
  }

  probe(): boolean {
    if (this.ended || this.response.destroyed) return false;
    this.response.write(': keep-alive\n\n');
    return true;
  }

  terminate(): void {
    this.ended = true;
    this.response.destroy();
  }
}
