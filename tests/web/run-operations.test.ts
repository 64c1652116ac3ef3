// The operator actions on the run page, clicked as a person does (docs/OPERATIONS.md): rerun with a
// new input and the link between the two runs, suspend and resume with the status and the buttons
// following, and reset offered on a faulted run.
import type { EmbeddedBaton } from '@baton/cli/embedded';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, launchBrowser, openSignedIn, screenshotBoth, startBaton, workflow } from './browser.ts';

let baton: EmbeddedBaton;
let browser: Browser;

beforeAll(async () => {
  [baton, browser] = await Promise.all([startBaton(), launchBrowser()]);
  const greet = workflow('greet', [{ prepare: { set: { message: '${ "Hello, " + .name }' } } }]);
  const slow = workflow('slow', [{ nap: { wait: { seconds: 60 } } }, { done: { set: { woke: true } } }]);
  const charge = workflow('charge', [{ fetch: { set: { amount: 42 } } }, { pay: { raise: { error: { type: 'https://example.com/payment-down', status: 503, title: 'Payment API down' } } } }]);
  for (const doc of [greet, slow, charge]) expect((await call(baton, 'POST', '/api/v1/workflows', doc)).status).toBe(201);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await baton?.stop();
});

const badge = (page: Page) => page.locator('.run-header .run-actions .badge');
/** The header's action buttons, by their data-action. */
const actionsShown = (page: Page) => page.locator('.run-header button[data-action]').evaluateAll((buttons) => buttons.map((b) => b.getAttribute('data-action')));
const hashRun = (page: Page) => page.evaluate(() => decodeURIComponent((globalThis as unknown as { location: { hash: string } }).location.hash.split('/')[2] ?? ''));

async function startAndWait(name: string, input: object): Promise<{ id: string; status: string }> {
  const run = await call(baton, 'POST', '/api/v1/runs', { namespace: 'web', name, input, wait: 'PT20S' });
  expect(run.status).toBe(200);
  return run.body;
}

describe('run page: operator actions', () => {
  it('reruns with an edited input and the latest version; the new run links to the original, which lists it', async () => {
    const original = await startAndWait('greet', { name: 'Ada' });
    const { page, errors } = await openSignedIn(browser, baton, `#/runs/${original.id}`);
    await expect.poll(() => badge(page).textContent(), { timeout: 10_000 }).toBe('completed');
    expect(await actionsShown(page)).toEqual(['rerun', 'reset']);

    await page.getByRole('button', { name: 'Rerun', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Rerun this run' });
    const editor = dialog.getByLabel('Input (JSON)');
    expect(JSON.parse(await editor.inputValue())).toEqual({ name: 'Ada' });
    const start = dialog.getByRole('button', { name: 'Start the rerun' });
    await editor.fill('{"name": ');
    await expect.poll(() => dialog.locator('.field-error').first().textContent()).toMatch(/^Not valid JSON: /);
    expect(await start.isDisabled()).toBe(true);
    await editor.fill('{"name": "Grace"}');
    expect(await start.isDisabled()).toBe(false);
    await dialog.getByLabel('The latest registered version').check();
    await screenshotBoth(page, 'run-rerun-dialog');
    await start.click();

    await expect.poll(() => hashRun(page), { timeout: 10_000 }).not.toBe(original.id);
    const rerunId = await hashRun(page);
    const origin = page.locator('.run-origin');
    await expect.poll(() => origin.textContent(), { timeout: 10_000 }).toBe(`Rerun of ${original.id}`);
    await expect.poll(() => badge(page).textContent(), { timeout: 10_000 }).toBe('completed');
    expect(await page.getByRole('region', { name: 'Run' }).getByLabel('Output').textContent()).toContain('Hello, Grace');
    const rerun = await call(baton, 'GET', `/api/v1/runs/${rerunId}`);
    expect(rerun.body).toMatchObject({ rerunOf: original.id, input: { name: 'Grace' }, trigger: { kind: 'rerun', runId: original.id } });

    await origin.getByRole('link', { name: original.id }).click();
    await expect.poll(() => hashRun(page)).toBe(original.id);
    const related = page.getByRole('region', { name: 'Reruns and resets' });
    await expect.poll(() => related.locator(`li[data-run="${rerunId}"]`).textContent(), { timeout: 10_000 }).toContain('rerun');
    expect(await related.locator('li').count()).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('suspends and resumes a waiting run: the status, the events and the buttons follow', async () => {
    const started = await call(baton, 'POST', '/api/v1/runs', { namespace: 'web', name: 'slow', input: {} });
    const id = started.body.id as string;
    await expect.poll(async () => (await call(baton, 'GET', `/api/v1/runs/${id}`)).body.status, { timeout: 10_000 }).toBe('waiting');
    const { page, errors } = await openSignedIn(browser, baton, `#/runs/${id}`);
    await expect.poll(() => badge(page).textContent(), { timeout: 10_000 }).toBe('waiting');
    expect(await actionsShown(page)).toEqual(['cancel', 'rerun', 'suspend']);

    await page.getByRole('button', { name: 'Suspend', exact: true }).click();
    const suspend = page.getByRole('dialog', { name: 'Suspend this run' });
    await suspend.getByLabel('Reason').fill('payment API maintenance');
    await suspend.getByRole('button', { name: 'Suspend', exact: true }).click();
    await expect.poll(() => badge(page).textContent(), { timeout: 10_000 }).toBe('suspended');
    await expect.poll(() => actionsShown(page)).toEqual(['cancel', 'rerun', 'resume']);
    const suspendedEntry = page.locator('li.entry[data-type="io.serverlessworkflow.workflow.suspended.v1"]');
    await expect.poll(() => suspendedEntry.textContent(), { timeout: 10_000 }).toContain('Run suspended');
    expect(await suspendedEntry.locator('.entry-note').textContent()).toBe('reason: payment API maintenance');
    expect((await call(baton, 'GET', `/api/v1/runs/${id}`)).body.status).toBe('suspended');
    await screenshotBoth(page, 'run-suspended');

    // The runs list filters on the new status.
    await page.goto(`${baton.url}/#/runs?status=suspended`);
    await expect.poll(() => page.locator(`tr[data-run="${id}"] .badge`).textContent(), { timeout: 10_000 }).toBe('suspended');
    expect(await page.getByLabel('Status').inputValue()).toBe('suspended');
    await page.goto(`${baton.url}/#/runs/${id}`);

    await page.getByRole('button', { name: 'Resume', exact: true }).click();
    const resume = page.getByRole('dialog', { name: 'Resume this run' });
    await resume.getByRole('button', { name: 'Resume', exact: true }).click();
    await expect.poll(() => badge(page).textContent(), { timeout: 10_000 }).toBe('waiting');
    await expect.poll(() => actionsShown(page)).toEqual(['cancel', 'rerun', 'suspend']);
    await expect.poll(() => page.locator('.entry-title').allTextContents(), { timeout: 10_000 }).toContain('Run resumed');
    expect(errors).toEqual([]);
    await page.close();
    expect((await call(baton, 'POST', `/api/v1/runs/${id}/cancel`, {})).status).toBe(202);
  });

  it('offers a reset of a faulted run from the failed task or a task it started, and says why the server refuses', async () => {
    const faulted = await startAndWait('charge', {});
    expect(faulted.status).toBe('faulted');
    const { page, errors } = await openSignedIn(browser, baton, `#/runs/${faulted.id}`, 390);
    await expect.poll(() => badge(page).textContent(), { timeout: 10_000 }).toBe('faulted');
    expect(await actionsShown(page)).toEqual(['rerun', 'reset']);

    await page.getByRole('button', { name: 'Reset…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Reset this run from a task' });
    const from = dialog.getByLabel('Start again from');
    expect(await from.inputValue()).toBe('failed');
    expect(await from.locator('option').allTextContents()).toEqual(['The failed task (/do/1/pay)', 'fetch — /do/0/fetch', 'pay — /do/1/pay']);
    await screenshotBoth(page, 'run-reset-dialog');
    await dialog.getByRole('button', { name: 'Reset', exact: true }).click();

    // POST /api/v1/runs/{id}/reset is not registered by this orchestrator yet: the dialog stays open
    // and says what the server answered.
    await expect.poll(() => dialog.getByRole('alert').last().textContent(), { timeout: 10_000 }).toMatch(/404/);
    expect(await dialog.isVisible()).toBe(true);
    expect(await hashRun(page)).toBe(faulted.id);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => dialog.count()).toBe(0);
    expect(errors.filter((e) => !/404/.test(e))).toEqual([]);
    await page.close();
  });
});
