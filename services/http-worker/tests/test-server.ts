// Local HTTP servers for the tests (127.0.0.1, random port), with a real Digest verifier.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface TestServer {
  url: string;
  port: number;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export type Handler = (request: RecordedRequest, response: ServerResponse) => void | Promise<void>;

export async function startServer(handler: Handler): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(recorded);
      Promise.resolve(handler(recorded, res)).catch((error: unknown) => {
        res.statusCode = 599;
        res.end(String(error));
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A TCP server that accepts and never speaks: a TLS handshake against it never completes. */
export async function startSilentTcpServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(response: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(value));
}

/** RFC 7616 verifier: challenges with a fresh nonce, accepts a correct qop=auth response once per nonce. */
export function digestVerifier(options: { realm: string; username: string; password: string; algorithm: 'MD5' | 'SHA-256' }) {
  const nonces = new Set<string>();
  const hashName = options.algorithm === 'MD5' ? 'md5' : 'sha256';
  const h = (text: string) => createHash(hashName).update(text).digest('hex');
  return {
    challenge(): string {
      const nonce = randomBytes(12).toString('hex');
      nonces.add(nonce);
      return `Digest realm="${options.realm}", qop="auth, auth-int", algorithm=${options.algorithm}, nonce="${nonce}", opaque="op4que"`;
    },
    verify(method: string, authorization: string | undefined): boolean {
      if (!authorization?.startsWith('Digest ')) return false;
      const params = Object.fromEntries([...authorization.slice(7).matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)].map((m) => [m[1], m[2] ?? m[3]]));
      if (!params.nonce || !nonces.has(params.nonce) || params.username !== options.username || params.realm !== options.realm) return false;
      if (params.qop !== 'auth' || params.opaque !== 'op4que' || params.algorithm !== options.algorithm) return false;
      const ha1 = h(`${options.username}:${options.realm}:${options.password}`);
      const ha2 = h(`${method}:${params.uri}`);
      const expected = h(`${ha1}:${params.nonce}:${params.nc}:${params.cnonce}:auth:${ha2}`);
      if (expected !== params.response) return false;
      nonces.delete(params.nonce);
      return true;
    },
  };
}
