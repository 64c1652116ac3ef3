// The operator actions on the run page, clicked as a person does (docs/OPERATIONS.md): rerun with a
// new input and the link between the two runs, suspend and resume with the status and the buttons
// following, and reset offered on a faulted run.
import type { EmbeddedBaton } from '@baton/cli/embedded';
import { startHttpTarget, type HttpTarget } from '@baton/testkit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, launchBrowser, openSignedIn, screenshotBoth, startBaton, workflow } from './browser.ts';

let baton: EmbeddedBaton;
let browser: Browser;
let target: HttpTarget;

beforeAll(async () => {
  [baton, browser, target] = await Promise.all([startBaton(), launchBrowser(), startHttpTarget()]);
  const greet = workflow('greet', [{ prepare: { set: { message: '${ "Hello, " + .name }' } } }]);
  const slow = workflow('slow', [{ nap: { wait: { seconds: 60 } } }, { done: { set: { woke: true } } }]);
  const charge = workflow('charge', [
    { fetch: { call: 'http', with: { method: 'get', endpoint: `${target.url}/price` } } },
    { pay: { raise: { error: { type: 'https://example.com/payment-down', status: 503, title: 'Payment API down' } } } },
  ]);
  const single = workflow('single', [{ nap: { wait: { seconds: 60 } } }]) as { document: Record<string, unknown> };
  single.document.metadata = { baton: { concurrency: { limit: 1, key: '${ .customer }' } } };
  const late = { ...workflow('late', [{ prepare: { set: { ready: true } } }]), output: { as: '${ error("no output today") }' } };
  for (const doc of [greet, slow, charge, single, late]) expect((await call(baton, 'POST', '/api/v1/workflows', doc)).status).toBe(201);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await baton?.stop();
  await target?.close();
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

describe('run page: operator actions', { timeout: 60_000 }, () => {
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
    await screenshotBoth(page, 'run-reruns');
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
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshotBoth(page, 'run-suspended-dark');
    await page.emulateMedia({ colorScheme: 'light' });

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

  it('says which concurrency key a queued run waits on, and which key a running one holds', async () => {
    const first = await call(baton, 'POST', '/api/v1/runs', { namespace: 'web', name: 'single', input: { customer: 'acme' } });
    await expect.poll(async () => (await call(baton, 'GET', `/api/v1/runs/${first.body.id}`)).body.status, { timeout: 10_000 }).toBe('waiting');
    const second = await call(baton, 'POST', '/api/v1/runs', { namespace: 'web', name: 'single', input: { customer: 'acme' } });
    await expect.poll(async () => (await call(baton, 'GET', `/api/v1/runs/${second.body.id}`)).body.concurrency?.state, { timeout: 10_000 }).toBe('queued');
    const { page, errors } = await openSignedIn(browser, baton, `#/runs/${second.body.id}`);
    await expect.poll(() => page.locator('.run-header .chip.queued').textContent(), { timeout: 10_000 }).toBe('queued on key acme (next in line)');
    expect(await badge(page).textContent()).toBe('pending');
    await expect.poll(() => page.locator('li.entry[data-type="dev.baton.run.queued.v1"] .entry-note').textContent(), { timeout: 10_000 }).toBe('concurrency key acme: 1 of 1 running · number 1 in the queue');
    await page.goto(`${baton.url}/#/runs/${first.body.id}`);
    await expect.poll(() => page.locator('.facts').textContent(), { timeout: 10_000 }).toContain('holds a slot on key acme');
    expect(await page.locator('.run-header .chip.queued').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
    for (const run of [second.body, first.body]) expect((await call(baton, 'POST', `/api/v1/runs/${run.id}/cancel`, {})).status).toBe(202);
  });

  it('resets a faulted run from the failed task: the new run replays the call before it and links back', async () => {
    const faulted = await startAndWait('charge', {});
    expect(faulted.status).toBe('faulted');
    expect(target.total()).toBe(1);
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

    await expect.poll(() => hashRun(page), { timeout: 10_000 }).not.toBe(faulted.id);
    const resetId = await hashRun(page);
    await expect.poll(() => page.locator('.run-origin').textContent(), { timeout: 10_000 }).toBe(`Reset of ${faulted.id} from /do/1/pay`);
    await expect.poll(() => badge(page).textContent(), { timeout: 10_000 }).toBe('faulted');
    // The call before `from` was replayed, not made again: its event says so, the target saw one request.
    const fetched = page.locator('li.entry[data-type="io.serverlessworkflow.task.completed.v1"]').filter({ hasText: 'Task fetch completed' });
    await expect.poll(() => fetched.locator('.chip.replayed').count(), { timeout: 10_000 }).toBe(1);
    expect(await fetched.locator('.chip.replayed').getAttribute('title')).toContain(`run ${faulted.id}`);
    expect(target.total()).toBe(1);
    expect((await call(baton, 'GET', `/api/v1/runs/${resetId}`)).body).toMatchObject({ resetOf: { runId: faulted.id, from: '/do/1/pay' }, trigger: { kind: 'reset', runId: faulted.id } });
    await screenshotBoth(page, 'run-reset');
    // The Timeline marks the replayed execution too, and so do the task's details.
    await page.getByRole('link', { name: 'Timeline' }).click();
    const replayedBar = page.locator('.gantt-row[data-ref="/do/0/fetch"] .gantt-bar.kind-run');
    await expect.poll(() => replayedBar.getAttribute('class'), { timeout: 10_000 }).toContain('replayed');
    expect(await page.locator('.gantt-row[data-ref="/do/1/pay"] .gantt-bar.kind-run').getAttribute('class')).not.toContain('replayed');
    await replayedBar.click();
    expect(await page.getByRole('region', { name: 'Task fetch' }).locator('.attempt .chip.replayed').count()).toBe(1);
    await page.getByRole('link', { name: 'Events' }).click();

    await page.locator('.run-origin').getByRole('link', { name: faulted.id }).click();
    const related = page.getByRole('region', { name: 'Reruns and resets' });
    await expect.poll(() => related.locator(`li[data-run="${resetId}"]`).textContent(), { timeout: 10_000 }).toContain('reset');
    expect(await related.locator(`li[data-run="${resetId}"]`).textContent()).toContain('from /do/1/pay');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('says in the dialog why the server refuses a reset, and stays on the run', async () => {
    // The run faults while producing the workflow's output, outside any task: there is no failed task to start from.
    const faulted = await startAndWait('late', {});
    expect(faulted.status).toBe('faulted');
    const { page, errors } = await openSignedIn(browser, baton, `#/runs/${faulted.id}`);
    await expect.poll(() => badge(page).textContent(), { timeout: 10_000 }).toBe('faulted');
    await page.getByRole('button', { name: 'Reset…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Reset this run from a task' });
    expect(await dialog.getByLabel('Start again from').inputValue()).toBe('failed');
    await dialog.getByRole('button', { name: 'Reset', exact: true }).click();
    const refused = await call(baton, 'POST', `/api/v1/runs/${faulted.id}/reset`, { from: 'failed' });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    await expect.poll(() => dialog.getByRole('alert').last().textContent(), { timeout: 10_000 }).toContain(refused.body.detail);
    expect(await dialog.isVisible()).toBe(true);
    expect(await hashRun(page)).toBe(faulted.id);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => dialog.count()).toBe(0);
    // The refused request is a console error of the browser (a 4xx resource), nothing else.
    expect(errors.filter((e) => !/the server responded with a status of 4\d\d/.test(e))).toEqual([]);
    await page.close();
  });
});
