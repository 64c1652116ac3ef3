// `npm start` as a newcomer runs it: one process, embedded PostgreSQL persisted in the data
// folder, an admin key printed once and kept for the CLI, state that survives a restart.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { freePort, startBatonProcess, type BatonProcess } from '@baton/testkit';

const dataDir = mkdtempSync(join(tmpdir(), 'baton-start-'));

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(port: number): Promise<BatonProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, BATON_DATA_DIR: dataDir, ORCHESTRATOR_PORT: String(port), FANOUT_PORT: String(await freePort()), LOG_LEVEL: 'warn' };
  delete env.BATON_API_KEY;
  delete env.DB_HOST;
  delete env.REDIS_URL;
  return startBatonProcess({ env, readyTimeoutMs: 60_000 });
}

async function stop(baton: BatonProcess): Promise<void> {
  expect(await baton.stop()).toBe(0);
}

it('starts with one command, prints the admin key once, keeps state across a restart', async () => {
  const port = await freePort();
  const first = await start(port);
  const key = /export BATON_API_KEY=(\S+)/.exec(first.output())?.[1];
  expect(key).toBeTruthy();
  const keyFile = join(dataDir, 'api-key');
  expect(readFileSync(keyFile, 'utf8').trim()).toBe(key);
  expect(statSync(keyFile).mode & 0o777).toBe(0o600);

  const api = (method: string, path: string, body?: unknown) =>
    fetch(`http://127.0.0.1:${port}${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
  expect((await api('GET', '/api/v1/runs')).status).toBe(200);
  const applied = await api('POST', '/api/v1/workflows', { document: { dsl: '1.0.0', namespace: 'demo', name: 'persist', version: '1.0.0' }, do: [{ s: { set: { kept: true } } }] });
  expect(applied.status).toBe(201);
  const run = (await (await api('POST', '/api/v1/runs', { namespace: 'demo', name: 'persist', input: {}, wait: 'PT10S' })).json()) as { id: string; status: string };
  expect(run.status).toBe('completed');
  await stop(first);

  const second = await start(port);
  expect(second.output()).not.toContain('export BATON_API_KEY');
  const again = (await (await api('GET', `/api/v1/runs/${run.id}`)).json()) as { output: unknown };
  expect(again.output).toEqual({ kept: true });
  await stop(second);
}, 180_000);
