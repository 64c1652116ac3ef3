// Schedules in a real browser, clicked through as a person would: a workflow registered with
// `schedule: { every: PT1S }` is on the Schedules page with its next tick; its page shows runs
// appearing, Pause stops them, Trigger now starts one marked manual, Resume restarts them; a run
// page says what started the run — a schedule tick, an event, a parent run, the API — with links.
// Screenshots (light, dark, desktop, phone) land in tmp/web-screenshots/.
import type { EmbeddedBaton } from '@baton/cli/embedded';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, launchBrowser, openSignedIn, screenshotBoth, startBaton, workflow } from './browser.ts';

let baton: EmbeddedBaton;
let browser: Browser;
const ids = { ticker: '', greeter: '', slow: '', backup: '' };

const scheduled = (name: string, tasks: object[], schedule: object, options?: object, namespace = 'web') => {
  const doc = workflow(name, tasks) as { document: Record<string, unknown> };
  return { ...doc, document: { ...doc.document, namespace, ...(options && { metadata: { baton: { schedule: options } } }) }, schedule };
};

beforeAll(async () => {
  baton = await startBaton();
  browser = await launchBrowser();
  const docs = {
    ticker: scheduled('ticker', [{ note: { set: { ticked: true } } }], { every: 'PT1S' }),
    greeter: scheduled('greeter', [{ greet: { set: { hello: '${ .[0].data.who }' } } }], { on: { one: { with: { type: 'web.test.greet' } } } }),
    slow: scheduled('slow', [{ hold: { wait: { minutes: 5 } } }], { cron: '0 3 1 1 *' }, { overlap: 'skip', timezone: 'Europe/Paris' }),
    backup: scheduled('backup', [{ run: { set: { ok: true } } }], { cron: '0 3 * * *' }, { timezone: 'Europe/Paris' }, 'ops'),
  };
  for (const [name, doc] of Object.entries(docs)) {
    const registered = await call(baton, 'POST', '/api/v1/workflows', doc);
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    ids[name as keyof typeof ids] = registered.body.schedule.id;
  }
  for (const doc of [workflow('child', [{ hi: { set: { hi: true } } }]), workflow('parent', [{ sub: { run: { workflow: { namespace: 'web', name: 'child', version: '1.0.0' } } } }])]) {
    expect((await call(baton, 'POST', '/api/v1/workflows', doc)).status).toBe(201);
  }
});

afterAll(async () => {
  await browser?.close();
  await baton?.stop();
});

const scheduleRow = (page: Page, id: string) => page.locator(`tr[data-schedule="${id}"]`);
const apiRuns = async (scheduleId: string) => (await call(baton, 'GET', `/api/v1/runs?scheduleId=${scheduleId}&limit=500`)).body.items as any[];
const apiSchedule = async (id: string) => (await call(baton, 'GET', `/api/v1/schedules/${id}`)).body;
const shownCount = async (page: Page, counter: string) => Number(await page.locator(`[data-count="${counter}"]`).textContent());
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('schedules', () => {
  it('lists schedules with what they do and their next tick, filtered by namespace', async () => {
    const { page, errors } = await openSignedIn(browser, baton, '#/runs');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Schedules' }).click();
    await expect.poll(() => page.url()).toContain('#/schedules');
    const ticker = scheduleRow(page, ids.ticker);
    await ticker.waitFor();
    expect(await ticker.locator('td').first().textContent()).toBe('web/ticker@1.0.0');
    expect(await ticker.textContent()).toContain('every PT1S');
    expect(await ticker.locator('[data-state]').textContent()).toBe('active');
    // The next tick: relative (in the future) and absolute, at most a second or so away.
    const next = await ticker.locator('[data-next]').getAttribute('data-next');
    expect(Math.abs(Date.parse(next!) - Date.now())).toBeLessThan(5000);
    expect(await ticker.locator('[data-next]').textContent()).toMatch(/^(in a few seconds|due now)\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    // Runs it started go up on their own (live refresh).
    await expect.poll(async () => Number(await ticker.locator('td[data-label="Runs"]').textContent()), { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    await expect.poll(() => ticker.locator('td[data-label="Last run"] a').count()).toBe(1);

    const backup = scheduleRow(page, ids.backup);
    expect(await backup.textContent()).toContain('cron 0 3 * * * (Europe/Paris)');
    expect(await backup.locator('[data-next]').textContent()).toMatch(/in \d+ (h|min).* 03:00:00 Europe\/Paris/);
    expect(await scheduleRow(page, ids.greeter).textContent()).toContain('on one event');
    expect(await scheduleRow(page, ids.greeter).textContent()).toContain('web.test.greet');
    expect(await scheduleRow(page, ids.greeter).locator('[data-next]').textContent()).toBe('when a matching event arrives');
    await screenshotBoth(page, 'schedules-list');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshotBoth(page, 'schedules-list-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    await page.getByLabel('Namespace').fill('ops');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.url()).toContain('namespace=ops');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await backup.waitFor();
    await page.getByRole('link', { name: 'Clear' }).click();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(4);

    // Trigger now where overlap skip keeps a run from starting: the page says why.
    const slow = scheduleRow(page, ids.slow);
    await slow.getByRole('button', { name: 'Trigger web/slow now' }).click();
    await page.locator('.sched-result', { hasText: 'web/slow: started run' }).waitFor();
    const started = await page.locator('.sched-result a').getAttribute('href');
    await expect.poll(() => slow.locator('td[data-label="Runs"]').textContent()).toBe('1');
    await slow.getByRole('button', { name: 'Trigger web/slow now' }).click();
    await page.locator('.sched-result', { hasText: 'web/slow: no run started — a run of this schedule is still going and its overlap policy is skip.' }).waitFor();
    expect((await apiRuns(ids.slow)).map((r) => `#/runs/${r.id}`)).toEqual([started]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows one schedule: settings, next ticks, runs appearing; pause, trigger now, resume', async () => {
    const { page, errors } = await openSignedIn(browser, baton, '#/schedules');
    await scheduleRow(page, ids.ticker).getByRole('link', { name: 'web/ticker' }).click();
    await expect.poll(() => page.url()).toContain(`#/schedules/${ids.ticker}`);
    await page.getByRole('heading', { level: 1, name: /web\/ticker/ }).waitFor();
    const facts = await page.locator('.facts').textContent();
    expect(await page.locator('.run-title').textContent()).toContain('every PT1S');
    for (const text of ['Overlapallow', 'Catch-upskip', 'Catch-up windowPT60S', 'Catch-up limit100', 'web/ticker@1.0.0']) expect(facts).toContain(text);
    await expect.poll(() => page.locator('.sched-ticks li').count()).toBe(5);
    // Runs appear as the schedule starts them, each with its tick.
    const rows = page.locator('.sched-runs-table tbody tr');
    const before = await rows.count();
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBeGreaterThan(before);
    expect(await rows.first().locator('td[data-label="Tick"]').textContent()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    await expect.poll(() => rows.first().locator('.badge').textContent(), { timeout: 10_000 }).toBe('completed');
    await screenshotBoth(page, 'schedule-detail');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshotBoth(page, 'schedule-detail-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    // Pause: the state says so, no tick is to come, and no run starts any more.
    await page.getByRole('button', { name: 'Pause web/ticker' }).click();
    await page.locator('.sched-result', { hasText: 'web/ticker: paused' }).waitFor();
    await expect.poll(() => page.locator('.run-title [data-state]').textContent()).toBe('paused');
    await page.getByText('No tick to come: paused.').waitFor();
    await sleep(1000); // a tick being started as the pause arrived
    const pausedAt = (await apiRuns(ids.ticker)).length;
    await expect.poll(() => shownCount(page, 'ticks')).toBe((await apiSchedule(ids.ticker)).ticks);
    const shownPaused = await rows.count();
    await sleep(3500);
    expect((await apiRuns(ids.ticker)).length).toBe(pausedAt);
    expect(await rows.count()).toBe(shownPaused);

    // Trigger now, paused: one run, marked manual, linked from the result.
    await page.getByRole('button', { name: 'Trigger web/ticker now' }).click();
    const result = page.locator('.sched-result', { hasText: 'web/ticker: started run' });
    await result.waitFor();
    const manualId = (await result.locator('a').getAttribute('title'))!;
    await expect.poll(() => page.locator(`tr[data-run="${manualId}"][data-manual="true"]`).count()).toBe(1);
    expect(await page.locator(`tr[data-run="${manualId}"] td[data-label="Tick"]`).textContent()).toContain('manual');
    expect((await apiRuns(ids.ticker)).length).toBe(pausedAt + 1);

    // Resume: active again, ticks to come, runs start again.
    await page.getByRole('button', { name: 'Resume web/ticker' }).click();
    await page.locator('.sched-result', { hasText: 'web/ticker: resumed, next tick' }).waitFor();
    await expect.poll(() => page.locator('.run-title [data-state]').textContent()).toBe('active');
    await expect.poll(() => page.locator('.sched-ticks li').count()).toBe(5);
    await expect.poll(() => shownCount(page, 'ticks'), { timeout: 15_000 }).toBeGreaterThan(pausedAt + 1);

    // A tick's run says what started it, with a link back to the schedule.
    const tickRow = page.locator('.sched-runs-table tbody tr:not([data-manual])').first();
    const tickRunId = (await tickRow.getAttribute('data-run'))!;
    await tickRow.locator('td[data-label="Run"] a').click();
    await expect.poll(() => page.url()).toContain(`#/runs/${tickRunId}`);
    const trigger = page.locator('.run-trigger');
    await trigger.waitFor();
    const tick = (await call(baton, 'GET', `/api/v1/runs/${tickRunId}`)).body.trigger.tick;
    expect(await trigger.textContent()).toBe(`schedule web/ticker at ${tick.slice(0, 19).replace('T', ' ')} UTC`);
    await screenshotBoth(page, 'run-started-by-schedule');
    await trigger.getByRole('link', { name: 'schedule web/ticker' }).click();
    await expect.poll(() => page.url()).toContain(`#/schedules/${ids.ticker}`);
    await page.getByRole('heading', { level: 1, name: /web\/ticker/ }).waitFor();

    // The manual run is marked on its page.
    await page.goto(`${baton.url}/#/runs/${manualId}`);
    expect(await page.locator('.run-trigger').textContent()).toMatch(/^schedule web\/ticker at .* UTCmanual trigger$/);
    await call(baton, 'POST', `/api/v1/schedules/${ids.ticker}/pause`);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("says on a run's page which event, parent run or API call started it", async () => {
    const posted = await call(baton, 'POST', '/api/v1/events', { specversion: '1.0', id: 'evt-1', source: 'https://example.com/tests', type: 'web.test.greet', data: { who: 'ada' } });
    expect(posted.status).toBe(202);
    const eventRun = posted.body.runs[0];
    const { page, errors } = await openSignedIn(browser, baton, `#/runs/${eventRun}`);
    const trigger = page.locator('.run-trigger');
    await trigger.waitFor();
    expect(await trigger.textContent()).toBe('event evt-1 from https://example.com/tests, by schedule web/greeter');
    await trigger.getByRole('link', { name: 'schedule web/greeter' }).click();
    await expect.poll(() => page.url()).toContain(`#/schedules/${ids.greeter}`);
    await page.locator(`tr[data-run="${eventRun}"]`).waitFor();
    expect(await page.locator(`tr[data-run="${eventRun}"] td[data-label="Tick"]`).textContent()).toBe('event evt-1');
    expect(await page.locator('.run-title').textContent()).toContain('on one eventweb.test.greet');
    await page.getByText('No tick to come: when a matching event arrives.').waitFor();

    const parent = (await call(baton, 'POST', '/api/v1/runs', { namespace: 'web', name: 'parent', input: {}, wait: 'PT20S' })).body;
    const child = (await call(baton, 'GET', `/api/v1/runs?parentRunId=${parent.id}`)).body.items[0];
    await page.goto(`${baton.url}/#/runs/${child.id}`);
    await page.locator('.run-trigger').waitFor();
    expect(await page.locator('.run-trigger').textContent()).toBe(`run: workflow of ${parent.id}`);
    await page.locator('.run-trigger').getByRole('link', { name: parent.id }).click();
    await expect.poll(() => page.url()).toContain(`#/runs/${parent.id}`);
    await expect.poll(() => page.locator('.run-trigger').textContent()).toBe('API');
    expect(errors).toEqual([]);
    await page.close();
  });
});
