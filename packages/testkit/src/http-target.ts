// A local HTTP service for workflows to call: answers JSON at once (or after ?delay=ms), and
// counts requests per Idempotency-Key so tests can tell a retry from a duplicate.
//   /status/<code>          answers with that status
//   /flaky/<id>?fail=<n>    answers 503 to the first n requests for <id>, then 200
// Every request is also logged (time, method, path, Idempotency-Key): the chaos harness tells a
// retry of one attempt (same key) from a task executed twice (another key for the same path).
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';

export interface HttpTarget {
  url: string;
  server: Server;
  /** Requests seen, by Idempotency-Key. */
  requests: Map<string, number>;
  /** Every request in arrival order. */
  log: TargetRequest[];
  total(): number;
  close(): Promise<void>;
}

export interface TargetRequest {
  /** Epoch ms when the request arrived. */
  at: number;
  method: string;
  path: string;
  /** The Idempotency-Key header, if any. */
  key?: string;
}

export async function startHttpTarget(): Promise<HttpTarget> {
  const requests = new Map<string, number>();
  const log: TargetRequest[] = [];
  const flakyCounts = new Map<string, number>();
  let total = 0;
  const server = createServer((req, res) => {
    total += 1;
    const key = req.headers['idempotency-key'];
    if (typeof key === 'string') requests.set(key, (requests.get(key) ?? 0) + 1);
    const url = new URL(req.url ?? '/', 'http://localhost');
    log.push({ at: Date.now(), method: req.method ?? 'GET', path: url.pathname, ...(typeof key === 'string' ? { key } : {}) });
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const answer = () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: true, path: url.pathname, query: Object.fromEntries(url.searchParams), body: body ? safeJson(body) : null }));
      };
      const status = /^\/status\/(\d{3})$/.exec(url.pathname);
      if (status) {
        res.writeHead(Number(status[1]), { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: Number(status[1]) }));
        return;
      }
      const flaky = /^\/flaky\/([^/]+)$/.exec(url.pathname);
      if (flaky) {
        const seen = (flakyCounts.get(flaky[1]!) ?? 0) + 1;
        flakyCounts.set(flaky[1]!, seen);
        if (seen <= Number(url.searchParams.get('fail') ?? 1)) {
          res.writeHead(503, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ attempt: seen }));
          return;
        }
      }
      const delay = Number(url.searchParams.get('delay') ?? 0);
      if (delay > 0) setTimeout(answer, delay);
      else answer();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    server,
    requests,
    log,
    total: () => total,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
