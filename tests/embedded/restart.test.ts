// `npm start`, Ctrl-C while an HTTP call is in flight, `npm start` again: the run resumes at once
// (the call is made again with the same Idempotency-Key) instead of staying `running` until the
// stale-attempt window (10 minutes) sends it again. The in-process bus of the new process is a new
// transport epoch: the runner re-sends what was in flight from the embedded PostgreSQL.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { freePort, startBatonProcess, type BatonProcess } from '@baton/testkit';

const dataDir = mkdtempSync(join(tmpdir(), 'baton-restart-'));
const KEY = 'bt_restart_test_admin_key';
/** Idempotency-Key of each request the target received; the first one never gets an answer. */
const requests: string[] = [];
let target: Server;
const started: BatonProcess[] = [];

afterAll(async () => {
  for (const baton of started) await baton.stop().catch(() => undefined);
  target?.closeAllConnections();
  target?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(port: number): Promise<BatonProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, BATON_DATA_DIR: dataDir, BATON_API_KEY: KEY, ORCHESTRATOR_PORT: String(port), FANOUT_PORT: String(await freePort()), LOG_LEVEL: 'warn', HTTP_WORKER_SHUTDOWN_GRACE_MS: '100' };
  delete env.DB_HOST;
  delete env.REDIS_URL;
  const baton = await startBatonProcess({ env, readyTimeoutMs: 60_000 });
  started.push(baton);
  return baton;
}

it('resumes an HTTP call that was in flight when the embedded process stopped, at the next start', async () => {
  target = createServer((req, res) => {
    requests.push(String(req.headers['idempotency-key']));
    if (requests.length === 1) return; // the first call hangs until the process that made it stops
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ answered: requests.length }));
  });
  target.listen(0, '127.0.0.1');
  await once(target, 'listening');
  const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/slow`;

  const port = await freePort();
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return (await res.json()) as Record<string, any>;
  };
  const first = await start(port);
  await api('POST', '/api/v1/workflows', { document: { dsl: '1.0.0', namespace: 'demo', name: 'call-once', version: '1.0.0' }, do: [{ get: { call: 'http', with: { method: 'get', endpoint: url } } }] });
  const run = await api('POST', '/api/v1/runs', { namespace: 'demo', name: 'call-once', input: {} });
  for (const deadline = Date.now() + 20_000; requests.length === 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
  expect(requests).toHaveLength(1);

  expect(await first.stop()).toBe(0); // Ctrl-C
  expect((await api('GET', `/api/v1/runs/${run.id}`).catch(() => undefined))?.status).toBeUndefined(); // it is down

  await start(port);
  const restarted = Date.now();
  let current: Record<string, any> = {};
  for (const deadline = Date.now() + 30_000; current.status !== 'completed' && Date.now() < deadline; ) {
    current = await api('GET', `/api/v1/runs/${run.id}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(current.status).toBe('completed');
  expect(current.output).toMatchObject({ answered: 2 });
  expect(Date.now() - restarted).toBeLessThan(30_000);
  // The call was made again after the restart, with the attempt's Idempotency-Key.
  expect(requests).toHaveLength(2);
  expect(requests[1]).toBe(requests[0]);
}, 180_000);
