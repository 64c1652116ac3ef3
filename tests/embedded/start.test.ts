// `npm start` as a newcomer runs it: one process, embedded PostgreSQL persisted in the data
// folder, an admin key printed once and kept for the CLI, state that survives a restart.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { freePort, startBatonProcess, type BatonProcess } from '@baton/testkit';
import { baton } from '../../apps/cli/tests/baton-process.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'baton-start-'));

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

function startEnv(port: number, fanoutPort: number, folder = dataDir): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, BATON_DATA_DIR: folder, ORCHESTRATOR_PORT: String(port), FANOUT_PORT: String(fanoutPort), LOG_LEVEL: 'warn' };
  delete env.BATON_API_KEY;
  delete env.DB_HOST;
  delete env.REDIS_URL;
  return env;
}

async function start(port: number): Promise<BatonProcess> {
  return startBatonProcess({ env: startEnv(port, await freePort()), readyTimeoutMs: 60_000 });
}

async function stop(baton: BatonProcess): Promise<void> {
  expect(await baton.stop()).toBe(0);
}

// The two tests use folders and ports of their own: they run side by side (each mostly waits for its process).
it.concurrent('starts with one command, prints the admin key once, keeps state across a restart', async ({ expect }) => {
  const port = await freePort();
  const first = await start(port);
  // What it does while it prepares, before the banner (a first start takes a while).
  expect(first.output()).toMatch(/^baton: loading the modules…\nbaton: creating embedded PostgreSQL in .*\(first start only; this can take a minute\)…\nbaton: applying database migrations…\nbaton: starting the services…\n/);
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
  expect(second.output()).toContain(`baton: opening embedded PostgreSQL in ${join(dataDir, 'pg')}…`);
  const again = (await (await api('GET', `/api/v1/runs/${run.id}`)).json()) as { output: unknown };
  expect(again.output).toEqual({ kept: true });
  await stop(second);
}, 180_000);

it.concurrent('refuses a second start on the same data folder, and a start on a port in use, with one line each', async ({ expect }) => {
  const folder = mkdtempSync(join(tmpdir(), 'baton-twice-'));
  const [port, fanoutPort] = [await freePort(), await freePort()];
  const first = await startBatonProcess({ env: startEnv(port, fanoutPort, folder), readyTimeoutMs: 60_000 });
  try {
    // Other ports, so that only the folder is in the way: refused before the database is opened
    // (the progress lines stop at the first one).
    const again = await baton(['start'], { env: startEnv(await freePort(), await freePort(), folder) });
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toBe(
      `baton: loading the modules…\nbaton: cannot start: the data folder ${folder} is in use by another Baton (pid ${first.child.pid}, since ${lockSince(folder)}): stop it first, or set BATON_DATA_DIR to another folder (delete ${join(folder, 'baton.lock')} only if that process is gone)\n`,
    );

    // Another folder, the same API port; then a free API port and the same fanout port.
    const other = mkdtempSync(join(tmpdir(), 'baton-other-'));
    const apiTaken = await baton(['start'], { env: startEnv(port, await freePort(), other) });
    expect(apiTaken.code).toBe(1);
    expect(apiTaken.stderr).toBe(`baton: loading the modules…\nbaton: cannot start: port ${port} (ORCHESTRATOR_PORT) is already in use — is Baton already running? Stop it, or set ORCHESTRATOR_PORT to a free port\n`);
    const fanoutTaken = await baton(['start'], { env: startEnv(await freePort(), fanoutPort, other) });
    expect(fanoutTaken.stderr).toContain(`baton: cannot start: port ${fanoutPort} (FANOUT_PORT) is already in use`);
    // Nothing of the refused starts stayed behind: no lock, no database.
    expect(readdirSync(other)).toEqual([]);
    rmSync(other, { recursive: true, force: true });

    // A clean stop leaves the folder free.
    await stop(first);
    expect(existsSync(join(folder, 'baton.lock'))).toBe(false);
  } finally {
    await first.stop();
    rmSync(folder, { recursive: true, force: true });
  }
}, 180_000);

function lockSince(folder: string): string {
  return (JSON.parse(readFileSync(join(folder, 'baton.lock'), 'utf8')) as { since: string }).since;
}
