// The System page against the distributed deployment (each service its own process, PostgreSQL
// and Redis): the http-worker is stopped, runs keep coming, and the page shows the tasks.http
// queue growing with no worker alive; the worker comes back and the page shows the queue drained.
import type { EmbeddedBaton } from '@baton/cli/embedded';
import { createTestDatabase, createTestRedis, startCluster, startHttpTarget, type Cluster, type HttpTarget, type TestDatabase, type TestRedis } from '@baton/testkit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { API_KEY, launchBrowser, openSignedIn, screenshotBoth } from './browser.ts';

let db: TestDatabase;
let redis: TestRedis;
let target: HttpTarget;
let cluster: Cluster;
let browser: Browser;

beforeAll(async () => {
  [db, redis, target, browser] = await Promise.all([createTestDatabase(), createTestRedis(), startHttpTarget(), launchBrowser()]);
  cluster = await startCluster({
    env: { ...db.env, REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix, FANOUT_PORT: '9' },
    services: { orchestrator: 1, 'workflow-runner': 1, 'http-worker': 1 },
    apiKey: API_KEY,
  });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await cluster?.stop();
  await target?.close();
  await redis?.cleanup();
  await db?.drop();
});

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${cluster.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const startRuns = (count: number) => Promise.all(Array.from({ length: count }, (_, n) => api('POST', '/api/v1/runs', { namespace: 'ops', name: 'fetch', input: { n } })));
const cell = (page: Page, queue: string, field: string) => page.locator(`tr[data-queue="${queue}"] [data-field="${field}"]`);
const waitingOf = async (page: Page, queue: string) => Number((await cell(page, queue, 'waiting').textContent())?.replace(/,/g, ''));

it('shows tasks.http growing while its worker is stopped and draining when it returns', async () => {
  const registered = await api('POST', '/api/v1/workflows', {
    document: { dsl: '1.0.0', namespace: 'ops', name: 'fetch', version: '1.0.0' },
    do: [{ fetch: { call: 'http', with: { method: 'get', endpoint: `${target.url}/echo` } } }],
  });
  expect(registered.status).toBe(201);
  const { page, errors } = await openSignedIn(browser, { url: cluster.apiUrl } as EmbeddedBaton, '#/system');

  // Everything is running: the queue is empty and each queue has its worker.
  await expect.poll(() => cell(page, 'tasks.http', 'workers').textContent(), { timeout: 15_000 }).toBe('1 alive');
  expect(await cell(page, 'runner', 'workers').textContent()).toBe('1 alive');
  expect(await waitingOf(page, 'tasks.http')).toBe(0);
  expect(await page.getByRole('link', { name: 'System' }).getAttribute('aria-current')).toBe('page');

  await cluster.kill('http-worker-0', 'SIGTERM');
  await startRuns(4);
  await expect.poll(() => waitingOf(page, 'tasks.http'), { timeout: 15_000 }).toBe(4);
  await startRuns(4);
  await expect.poll(() => waitingOf(page, 'tasks.http'), { timeout: 15_000 }).toBe(8);
  expect(await cell(page, 'tasks.http', 'oldest-waiting').textContent()).toMatch(/\d/);
  // The backlog in PostgreSQL says the same: eight http attempts out, none finished.
  await expect.poll(() => page.locator('[data-kind="http"] dd').textContent()).toMatch(/^8 ·/);
  await screenshotBoth(page, 'system-stopped');

  await cluster.restart('http-worker-0');
  await expect.poll(() => waitingOf(page, 'tasks.http'), { timeout: 20_000 }).toBe(0);
  expect(await cell(page, 'tasks.http', 'workers').textContent()).toMatch(/^[12] alive/); // the stopped one counts until 30 s unseen
  await expect.poll(() => page.locator('[data-kind="http"]').count(), { timeout: 10_000 }).toBe(0);
  expect(target.total()).toBe(8);
  // The trend shows the rise and the fall: its readings went up to 8 and back to 0.
  const trend = (await page.locator('tr[data-queue="tasks.http"] svg').getAttribute('aria-label')) ?? '';
  const readings = trend.split(': ')[1]!.split(', ').map(Number);
  expect(Math.max(...readings)).toBe(8);
  expect(readings.at(-1)).toBe(0);
  await page.locator('.worker summary').first().click();
  await screenshotBoth(page, 'system-drained');
  expect(errors).toEqual([]);
  await page.close();
}, 60_000);
