// The run page links to the run's trace when the deployment names a trace UI (BATON_TRACE_URL),
// and shows no link when it does not.
import { startEmbedded, type EmbeddedBaton } from '@baton/cli/embedded';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { API_KEY, call, launchBrowser, openSignedIn, startBaton, workflow } from './browser.ts';

let traced: EmbeddedBaton;
let plain: EmbeddedBaton;
let browser: Browser;

beforeAll(async () => {
  [traced, plain, browser] = await Promise.all([
    startEmbedded({
      env: { ORCHESTRATOR_PORT: '0', ORCHESTRATOR_HOST: '127.0.0.1', BATON_API_KEY: API_KEY, LOG_LEVEL: 'silent', BATON_TRACE_URL: 'http://jaeger.invalid:16686/trace/{traceId}' },
      store: { kind: 'pglite' },
      bus: { kind: 'memory' },
    }),
    startBaton(),
    launchBrowser(),
  ]);
  for (const baton of [traced, plain]) expect((await call(baton, 'POST', '/api/v1/workflows', workflow('hello', [{ say: { set: { hi: true } } }]))).status).toBe(201);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all([traced?.stop(), plain?.stop()]);
});

it('links the run page to the trace UI with the run\'s trace id', async () => {
  const caller = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
  const res = await fetch(`${traced.url}/api/v1/runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', traceparent: caller },
    body: JSON.stringify({ namespace: 'web', name: 'hello', input: {}, wait: 'PT20S' }),
  });
  const run = (await res.json()) as { id: string };
  const { page, errors } = await openSignedIn(browser, traced, `#/runs/${run.id}`);
  const link = page.getByRole('link', { name: 'View trace' });
  await link.waitFor({ timeout: 10_000 });
  expect(await link.getAttribute('href')).toBe('http://jaeger.invalid:16686/trace/0af7651916cd43dd8448eb211c80319c');
  expect(await link.getAttribute('target')).toBe('_blank');
  expect(errors).toEqual([]);
  await page.close();
});

it('shows no trace link when no trace UI is configured', async () => {
  const run = await call(plain, 'POST', '/api/v1/runs', { namespace: 'web', name: 'hello', input: {}, wait: 'PT20S' });
  const { page, errors } = await openSignedIn(browser, plain, `#/runs/${run.body.id}`);
  await expect.poll(() => page.locator('.run-header .badge').textContent(), { timeout: 10_000 }).toBe('completed');
  const trace = await call(plain, 'GET', `/api/v1/runs/${run.body.id}/trace`);
  expect(trace.body.url).toBeUndefined();
  expect(await page.getByRole('link', { name: 'View trace' }).count()).toBe(0);
  expect(errors).toEqual([]);
  await page.close();
});
