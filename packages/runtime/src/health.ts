// The small HTTP server every non-API service exposes on its port:
//   GET /health  liveness (the process answers)
//   GET /ready   dependencies reachable (503 otherwise)
//   GET /metrics Prometheus text
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface HealthServerOptions {
  port: number;
  host?: string;
  ready: () => Promise<boolean>;
  metrics: Registry;
}

export async function startHealthServer(options: HealthServerOptions): Promise<Server> {
  const server = createServer((req, res) => {
    void answer(req.url ?? '/', options).then(({ status, type, body }) => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  return server;
}

async function answer(url: string, options: HealthServerOptions): Promise<{ status: number; type: string; body: string }> {
  const path = url.split('?')[0];
  const json = 'application/json';
  if (path === '/health') return { status: 200, type: json, body: '{"status":"ok"}' };
  if (path === '/ready') {
    const ok = await options.ready().catch(() => false);
    return { status: ok ? 200 : 503, type: json, body: JSON.stringify({ status: ok ? 'ready' : 'not ready' }) };
  }
  if (path === '/metrics') {
    return { status: 200, type: options.metrics.contentType, body: await options.metrics.metrics() };
  }
  return { status: 404, type: 'application/problem+json', body: JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404, detail: `no route ${path}` }) };
}
