// PostgreSQL going away mid-request (a restart, a failover, maintenance) is "not now", not a bug:
// the API answers 503 with Retry-After — never a 500 — and serves again once it is back.
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SqlStore } from '@baton/store';
import { MAINTENANCE_URL } from '@baton/testkit';
import { openHarness, registerWorkflow, uniqueNamespace, type Harness } from './harness.ts';

let h: Harness;
let admin: pg.Client;
let database: string;

beforeAll(async () => {
  h = await openHarness('distributed');
  admin = new pg.Client({ connectionString: MAINTENANCE_URL });
  await admin.connect();
  const [row] = await (h.store as SqlStore).db.query<{ name: string }>('SELECT current_database() AS name');
  database = row!.name;
});
afterAll(async () => {
  await admin?.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`).catch(() => undefined);
  await admin?.end();
  await h?.close();
});

it('answers 503 with Retry-After while the database refuses connections, and serves again after', async () => {
  const ns = uniqueNamespace();
  await registerWorkflow(h, ns);
  await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
  await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [database]);
  await new Promise((resolve) => setTimeout(resolve, 300)); // the auth cache (200 ms) expires too
  for (const request of [{ method: 'GET' as const, url: '/api/v1/runs' }, { method: 'POST' as const, url: '/api/v1/runs', payload: { namespace: ns, name: 'hello' } }]) {
    const res = await h.request(request);
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 503, type: 'https://baton.dev/problems/not-ready' });
  }
  await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
  const started = await h.request({ method: 'POST', url: '/api/v1/runs', payload: { namespace: ns, name: 'hello' } });
  expect(started.statusCode).toBe(201);
});
