// The runs list in a real browser: find a run by its id and by a value in its input (GET
// /api/v1/runs?q=), read a faulted run's error in its row, and cancel selected runs at once.
import type { EmbeddedBaton } from '@baton/cli/embedded';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, launchBrowser, openSignedIn, screenshotBoth, startBaton, workflow } from './browser.ts';

let baton: EmbeddedBaton;
let browser: Browser;

beforeAll(async () => {
  baton = await startBaton();
  browser = await launchBrowser();
  const order = workflow('order', [{ total: { set: { customer: '${ .customer }', amount: '${ .amount }' } } }]);
  const nap = workflow('nap', [{ sleep: { wait: { minutes: 5 } } }]);
  const broken = workflow('broken-call', [{ fail: { raise: { error: { type: 'https://example.com/errors/upstream', status: 502, title: 'Upstream refused', detail: 'the payment service answered 502 Bad Gateway' } } } }]);
  for (const doc of [order, nap, broken]) expect((await call(baton, 'POST', '/api/v1/workflows', doc)).status).toBe(201);
});

afterAll(async () => {
  await browser?.close();
  await baton?.stop();
});

const rowIds = (page: Page) => page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => (r as unknown as { dataset: { run: string } }).dataset.run));

async function search(page: Page, text: string): Promise<void> {
  await page.getByLabel('Search').fill(text);
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForFunction((q) => (globalThis as unknown as { location: { hash: string } }).location.hash.includes(`q=${encodeURIComponent(q)}`), text);
}

describe('runs list', () => {
  it('finds a run by its id and by a value in its input', async () => {
    const start = (input: object) => call(baton, 'POST', '/api/v1/runs', { namespace: 'web', name: 'order', input, wait: 'PT20S' });
    const zebra1 = (await start({ customer: 'Zebra Industries', amount: 120 })).body;
    const acme = (await start({ customer: 'ACME', amount: 4711 })).body;
    const zebra2 = (await start({ customer: { name: 'zebra ltd', country: 'NL' }, amount: 9 })).body;
    const { page, errors } = await openSignedIn(browser, baton, '#/runs');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(3);

    await search(page, 'zebra');
    await expect.poll(() => rowIds(page)).toEqual([zebra2.id, zebra1.id]);
    expect(await page.locator('.table-footer').textContent()).toContain('2 runs found');
    await screenshotBoth(page, 'runs-search');

    await search(page, '4711');
    await expect.poll(() => rowIds(page)).toEqual([acme.id]);

    await search(page, acme.id);
    await expect.poll(() => rowIds(page)).toEqual([acme.id]);
    await page.getByRole('link', { name: 'web/order' }).click();
    await expect.poll(() => page.url()).toContain(`#/runs/${acme.id}`);

    await page.goto(`${baton.url}/#/runs?q=${encodeURIComponent('no such value anywhere')}`);
    await page.getByText('No runs match these filters').waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('refuses a search the API cannot take with a problem naming q', async () => {
    const bad = await call(baton, 'GET', `/api/v1/runs?q=${encodeURIComponent('a\u0007b')}`);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('q');
    expect((await call(baton, 'GET', `/api/v1/runs?q=${'x'.repeat(201)}`)).status).toBe(400);
    expect((await call(baton, 'GET', '/api/v1/runs?q=%20')).status).toBe(400);
  });

  it('shows a faulted run\'s error in its row', async () => {
    const run = (await call(baton, 'POST', '/api/v1/runs', { namespace: 'web', name: 'broken-call', input: {}, wait: 'PT20S' })).body;
    expect(run.status).toBe('faulted');
    const { page } = await openSignedIn(browser, baton, '#/runs?status=faulted');
    const row = page.locator(`tr[data-run="${run.id}"]`);
    await row.waitFor();
    expect(await row.locator('.error-summary').textContent()).toBe('Upstream refused · 502 · the payment service answered 502 Bad Gateway');
    await page.close();
  });

  it('cancels the selected runs at once, and only those', async () => {
    const runs: any[] = [];
    for (let i = 0; i < 3; i += 1) runs.push((await call(baton, 'POST', '/api/v1/runs', { namespace: 'web', name: 'nap', input: { i } })).body);
    const { page, errors } = await openSignedIn(browser, baton, '#/runs?name=nap');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(3);
    await page.getByLabel(`Select run ${runs[0].id}`).check();
    await page.getByLabel(`Select run ${runs[2].id}`).check();
    const bar = page.getByRole('region', { name: 'Selected runs' });
    expect(await bar.textContent()).toContain('2 selected');
    await screenshotBoth(page, 'runs-selected');
    await bar.getByRole('button', { name: 'Cancel selected (2)' }).click(); // the confirm dialog is accepted
    const status = async (id: string) => (await call(baton, 'GET', `/api/v1/runs/${id}`)).body.status;
    await expect.poll(() => status(runs[0].id), { timeout: 10_000 }).toBe('cancelled');
    await expect.poll(() => status(runs[2].id), { timeout: 10_000 }).toBe('cancelled');
    expect(await status(runs[1].id)).not.toBe('cancelled');
    // Both rows, not only the first: one refresh of the list may have read the second before its cancel.
    for (const run of [runs[0], runs[2]]) await expect.poll(() => page.locator(`tr[data-run="${run.id}"] .badge`).textContent(), { timeout: 10_000 }).toBe('cancelled');
    expect(await bar.isVisible()).toBe(false);

    // Select all: the finished runs are not offered for cancelling.
    await page.getByLabel('Select every run shown').check();
    await expect.poll(() => bar.getByRole('button', { name: 'Cancel selected (1)' }).isVisible(), { timeout: 10_000 }).toBe(true);
    await bar.getByRole('button', { name: 'Clear selection' }).click();
    expect(await bar.isVisible()).toBe(false);
    await call(baton, 'POST', `/api/v1/runs/${runs[1].id}/cancel`);
    expect(errors).toEqual([]);
    await page.close();
  });
});
