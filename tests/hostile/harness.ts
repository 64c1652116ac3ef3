// Hostile requests against Baton in one process (tests/fanout's harness: every service embedded
// in this test process, PGlite + the in-process bus), watched for what would end a real
// process: an unhandled rejection or an uncaught exception anywhere (issue 12: one WebSocket
// upgrade to `//` ended `npm start`).
import { connect } from 'node:net';

export interface ProcessWatch {
  /** Every unhandled rejection and uncaught exception since the watch began. */
  readonly failures: unknown[];
  stop(): void;
}

/**
 * Listens for what Node would end the process for. Vitest reports these too, but after the
 * fact and for the whole file; the watch lets a test assert that its own requests caused none.
 */
export function watchProcess(): ProcessWatch {
  const failures: unknown[] = [];
  const onRejection = (reason: unknown) => failures.push(reason);
  const onException = (error: unknown) => failures.push(error);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    failures,
    stop() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}

export interface RawResponse {
  status: number;
  headers: string;
  body: string;
  /** The body as JSON when it is JSON. */
  json: any;
}

/**
 * Sends bytes as they are (a request target `//` or `%ZZ`, an upgrade without a key: what
 * fetch and ws clients refuse to send) and reads the answer until the server closes.
 */
export function rawRequest(url: string, request: string, timeoutMs = 10_000): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(request));
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${timeoutMs} ms to ${JSON.stringify(request.split('\r\n')[0])}: ${Buffer.concat(chunks).toString().slice(0, 200)}`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const headers = split === -1 ? text : text.slice(0, split);
      const body = split === -1 ? '' : dechunk(headers, text.slice(split + 4));
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1] ?? 0), headers, body, json });
    });
  });
}

function dechunk(headers: string, body: string): string {
  if (!/transfer-encoding: chunked/i.test(headers)) return body;
  let out = '';
  for (let rest = body; ; ) {
    const line = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, line), 16);
    if (!(size > 0)) return out;
    out += rest.slice(line + 2, line + 2 + size);
    rest = rest.slice(line + 2 + size + 2);
  }
}

/** The headers of a WebSocket upgrade, without the key unless given (issue 12, row 1 sent none). */
export function upgradeHeaders(extra = ''): string {
  return `Host: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`;
}
