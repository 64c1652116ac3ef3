// The run page's Graph and Timeline tabs in a real browser: a workflow with a switch, a fork and a
// try/catch that retries is drawn as a graph with the path the run took (done, failed, not reached;
// the edges it went along), a click on a task shows its input, output, error and attempts; a
// subflow opens into its definition with the child run's path; the timeline's bars start and end
// at the times of the task events, fork branches overlap, retries show their waits.
import type { EmbeddedBaton } from '@baton/cli/embedded';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, launchBrowser, openSignedIn, screenshotBoth, startBaton, workflow } from './browser.ts';

let baton: EmbeddedBaton;
let browser: Browser;
let shapes: { id: string };
let events: any[];

const SHAPES = workflow('shapes', [
  { pick: { switch: [{ big: { when: '.n > 10', then: 'large' } }, { fallback: { then: 'small' } }] } },
  { small: { set: { size: 'small', n: '${ .n }' }, then: 'par' } },
  { large: { set: { size: 'large' } } },
  { par: { fork: { branches: [{ slow: { wait: { milliseconds: 400 } } }, { steps: { do: [{ first: { set: { x: 1 } } }, { nap: { wait: { milliseconds: 150 } } }] } }] } } },
  {
    guard: {
      try: [{ risky: { raise: { error: { type: 'https://example.com/errors/boom', status: 500, title: 'Boom', detail: 'the service broke' } } } }],
      catch: { errors: { with: { status: 500 } }, retry: { delay: { milliseconds: 150 }, limit: { attempt: { count: 2 } } }, do: [{ recover: { set: { recovered: true } } }] },
    },
  },
]);
const LOOP = workflow('loop-then-wait', [{ each: { for: { each: 'item', in: '.items' }, do: [{ one: { set: { v: '${ $item }' } } }] } }, { hold: { wait: { minutes: 5 } } }, { after: { set: { done: true } } }]);
const CHILD = workflow('child-steps', [{ greet: { set: { hello: '${ .who }' } } }, { shout: { set: { loud: true } } }]);
const PARENT = workflow('parent', [{ prepare: { set: { who: 'ada' } } }, { sub: { run: { workflow: { namespace: 'web', name: 'child-steps', version: '1.0.0', input: { who: '${ .who }' } } } } }]);

beforeAll(async () => {
  baton = await startBaton();
  browser = await launchBrowser();
  for (const doc of [SHAPES, LOOP, CHILD, PARENT]) expect((await call(baton, 'POST', '/api/v1/workflows', doc)).status).toBe(201);
  const run = await call(baton, 'POST', '/api/v1/runs', { namespace: 'web', name: 'shapes', input: { n: 3 }, wait: 'PT30S' });
  expect(run.body.status).toBe('completed');
  shapes = run.body;
  events = (await call(baton, 'GET', `/api/v1/runs/${shapes.id}/events?limit=1000`)).body.items;
});

afterAll(async () => {
  await browser?.close();
  await baton?.stop();
});

const node = (page: Page, ref: string): Locator => page.locator(`svg.graph .gnode[data-ref="${ref}"]`);
const edge = (page: Page, from: string, to: string): Locator => page.locator(`svg.graph .edge[data-from="${from}"][data-to="${to}"]`);

describe('run graph', () => {
  it('draws the definition with the path the run took, and shows a task\'s input, output, error and attempts', async () => {
    const { page, errors } = await openSignedIn(browser, baton, `#/runs/${shapes.id}`);
    await page.getByRole('link', { name: 'Graph' }).click();
    expect(page.url()).toContain(`#/runs/${shapes.id}/graph`);
    await node(page, '/do/4/guard').waitFor();

    const status = (ref: string) => node(page, ref).getAttribute('data-status');
    expect(await status('/do/0/pick')).toBe('done');
    expect(await status('/do/1/small')).toBe('done');
    expect(await status('/do/2/large')).toBe('not-reached');
    expect(await status('/do/3/par')).toBe('done');
    expect(await status('/do/3/par/fork/branches/0/slow')).toBe('done');
    expect(await status('/do/3/par/fork/branches/1/steps/do/1/nap')).toBe('done');
    expect(await status('/do/4/guard/try/0/risky')).toBe('failed');
    expect(await status('/do/4/guard/catch/do/0/recover')).toBe('done');
    expect(await status('@end')).toBe('done');
    // The fork's branches are lanes side by side.
    const slow = await node(page, '/do/3/par/fork/branches/0/slow').boundingBox();
    const steps = await node(page, '/do/3/par/fork/branches/1/steps').boundingBox();
    expect(Math.abs(slow!.x - steps!.x)).toBeGreaterThan(slow!.width / 2);
    // The edges taken: the switch's fallback case, not its other case; the try into its catch.
    expect(await edge(page, '/do/0/pick', '/do/1/small').getAttribute('class')).toContain('taken');
    expect(await edge(page, '/do/0/pick', '/do/1/small').textContent()).toBe('fallback');
    expect(await edge(page, '/do/0/pick', '/do/2/large').getAttribute('class')).not.toContain('taken');
    expect(await edge(page, '/do/2/large', '/do/3/par').getAttribute('class')).not.toContain('taken');
    expect(await edge(page, '/do/4/guard/try', '/do/4/guard/catch').getAttribute('class')).toContain('taken');
    expect(await edge(page, '@start', '/do/0/pick').getAttribute('class')).toContain('taken');
    expect(await edge(page, '/do/4/guard', '@end').getAttribute('class')).toContain('taken');
    expect(await node(page, '/do/4/guard/try/0/risky').textContent()).toContain('×3');

    // A click on the task that failed: its input, its error and its three attempts side by side.
    await page.getByRole('button', { name: 'risky: failed' }).click();
    const detail = page.getByRole('region', { name: 'Task risky' });
    await detail.waitFor();
    expect(JSON.parse((await detail.getByLabel('Task input').textContent())!)).toEqual([{ size: 'small', n: 3 }, { x: 1 }]);
    expect(await detail.getByRole('region', { name: 'Output' }).textContent()).toContain('No output.');
    expect(await detail.getByRole('region', { name: 'Error' }).locator('.error-line').textContent()).toBe('Boom · 500 · the service broke');
    const attempts = detail.locator('.attempt[data-attempt]');
    expect(await attempts.count()).toBe(3);
    expect(await attempts.allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('#1 failed'), expect.stringContaining('#3 failed')]));
    await screenshotBoth(page, 'run-graph');

    // Keyboard: the task after the switch, with Enter; its input is the switch's output.
    await node(page, '/do/1/small').focus();
    await page.keyboard.press('Enter');
    const small = page.getByRole('region', { name: 'Task small' });
    await small.waitFor();
    expect(JSON.parse((await small.getByLabel('Task input').textContent())!)).toEqual({ n: 3 });
    expect(await small.getByRole('region', { name: 'Input' }).textContent()).toContain('The output of pick');
    expect(JSON.parse((await small.getByLabel('Task output').textContent())!)).toEqual({ size: 'small', n: 3 });
    // A task the run did not reach.
    await page.getByRole('button', { name: 'large: not reached' }).click();
    await expect.poll(() => page.getByRole('region', { name: 'Task large' }).textContent()).toContain('Not reached in this run.');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('follows a live run: a loop done three times, a wait waiting, the rest not reached; cancelled from the page', async () => {
    const run = (await call(baton, 'POST', '/api/v1/runs', { namespace: 'web', name: 'loop-then-wait', input: { items: [1, 2, 3] } })).body;
    const { page, errors } = await openSignedIn(browser, baton, `#/runs/${run.id}/graph`);
    await expect.poll(() => node(page, '/do/1/hold').getAttribute('data-status'), { timeout: 10_000 }).toBe('waiting');
    expect(await node(page, '/do/0/each').getAttribute('data-status')).toBe('done');
    expect(await node(page, '/do/0/each').textContent()).toContain('for each item in .items');
    expect(await node(page, '/do/0/each/do/0/one').getAttribute('data-status')).toBe('done');
    expect(await node(page, '/do/0/each/do/0/one').textContent()).toContain('×3');
    expect(await node(page, '/do/2/after').getAttribute('data-status')).toBe('not-reached');
    await screenshotBoth(page, 'run-graph-live');
    await page.getByRole('button', { name: 'Cancel run' }).click(); // the confirm dialog is accepted
    await expect.poll(() => node(page, '/do/1/hold').getAttribute('data-status'), { timeout: 10_000 }).toBe('cancelled');
    await expect.poll(() => page.locator('.run-header .badge').textContent()).toBe('cancelled');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('opens a subflow into its definition with the child run\'s path', async () => {
    const run = await call(baton, 'POST', '/api/v1/runs', { namespace: 'web', name: 'parent', input: {}, wait: 'PT30S' });
    expect(run.body.status).toBe('completed');
    const { page, errors } = await openSignedIn(browser, baton, `#/runs/${run.body.id}/graph`);
    await node(page, '/do/1/sub').waitFor();
    expect(await node(page, '/do/1/sub').getAttribute('data-status')).toBe('done');
    await page.getByRole('button', { name: 'Expand subflow sub' }).click();
    const greet = page.locator('svg.graph .gnode[data-id="/do/1/sub>/do/0/greet"]');
    await greet.waitFor();
    expect(await greet.getAttribute('data-status')).toBe('done');
    expect(await page.locator('svg.graph .gnode[data-id="/do/1/sub>/do/1/shout"]').getAttribute('data-status')).toBe('done');
    await greet.click();
    const detail = page.getByRole('region', { name: 'Task greet' });
    expect(JSON.parse((await detail.getByLabel('Task output').textContent())!)).toEqual({ hello: 'ada' });
    await screenshotBoth(page, 'run-graph-subflow');
    await page.getByRole('button', { name: 'Collapse subflow sub' }).click();
    await greet.waitFor({ state: 'detached' });
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('run timeline', () => {
  it('draws one bar per execution from the task\'s start to its end, fork branches overlapping, retries waiting', async () => {
    const { page, errors } = await openSignedIn(browser, baton, `#/runs/${shapes.id}`);
    await page.getByRole('link', { name: 'Timeline' }).click();
    await page.locator('.gantt-row').first().waitFor();
    // The view is drawn again once the definition's graph has loaded (it tells which tasks wait):
    // measured before that, its elements can be replaced under the test (a CI run under load did).
    await page.locator('.gantt-row[data-ref="/do/3/par/fork/branches/0/slow"] .gantt-bar.is-wait').waitFor();

    // Expected bars from the events: each execution from task.started to its completed/faulted.
    const expected = new Map<string, Array<{ start: string; end: string }>>();
    const open = new Map<string, string>();
    for (const e of events) {
      if (!e.type.startsWith('io.serverlessworkflow.task.')) continue;
      const phase = e.type.split('.').at(-2);
      if (phase === 'started') open.set(e.data.task, e.time);
      if (phase === 'completed' || phase === 'faulted') {
        expected.set(e.data.task, [...(expected.get(e.data.task) ?? []), { start: open.get(e.data.task)!, end: e.time }]);
      }
    }
    const axis = page.locator('.gantt-axis .gantt-track');
    const t0 = Date.parse((await axis.getAttribute('data-t0'))!);
    const t1 = Date.parse((await axis.getAttribute('data-t1'))!);
    expect(t0).toBe(Date.parse(events.find((e) => e.type.endsWith('workflow.started.v1')).time));
    expect(t1).toBe(Date.parse(events.find((e) => e.type.endsWith('workflow.completed.v1')).time));
    const track = (await axis.boundingBox())!;
    for (const [ref, bars] of expected) {
      const drawn = page.locator(`.gantt-row[data-ref="${ref}"] .gantt-bar[data-kind="run"]`);
      expect(await drawn.count(), ref).toBe(bars.length);
      for (let i = 0; i < bars.length; i += 1) {
        const bar = drawn.nth(i);
        expect(await bar.getAttribute('data-start')).toBe(bars[i]!.start);
        expect(await bar.getAttribute('data-end')).toBe(bars[i]!.end);
        // …and it is drawn there on the axis.
        const box = (await bar.boundingBox())!;
        const x = track.x + ((Date.parse(bars[i]!.start) - t0) / (t1 - t0)) * track.width;
        expect(Math.abs(box.x - x), `${ref} #${i + 1} starts at its time`).toBeLessThan(1.5);
        const width = ((Date.parse(bars[i]!.end) - Date.parse(bars[i]!.start)) / (t1 - t0)) * track.width;
        expect(Math.abs(box.width - Math.max(width, 3)), `${ref} #${i + 1} lasts its time`).toBeLessThan(1.5);
      }
    }
    // Fork branches run at the same time: their bars overlap on the axis.
    const slow = (await page.locator('.gantt-row[data-ref="/do/3/par/fork/branches/0/slow"] .gantt-bar').boundingBox())!;
    const nap = (await page.locator('.gantt-row[data-ref="/do/3/par/fork/branches/1/steps/do/1/nap"] .gantt-bar').boundingBox())!;
    expect(nap.x).toBeLessThan(slow.x + slow.width);
    expect(nap.x + nap.width).toBeGreaterThan(slow.x);
    // The wait tasks draw as waits; the retries' delays are visible between the attempts.
    expect(await page.locator('.gantt-row[data-ref="/do/3/par/fork/branches/0/slow"] .gantt-bar').getAttribute('class')).toContain('is-wait');
    const retries = page.locator('.gantt-row[data-ref="/do/4/guard/try/0/risky"] .gantt-bar[data-kind="retry"]');
    expect(await retries.count()).toBe(2);
    expect((await retries.first().boundingBox())!.width).toBeGreaterThan(((150 / (t1 - t0)) * track.width) / 2);
    expect(await page.locator('.gantt-row[data-ref="/do/4/guard/try/0/risky"] .gantt-label').textContent()).toContain('×3');
    await screenshotBoth(page, 'run-timeline');

    // A bar opens the task's details.
    await page.locator('.gantt-row[data-ref="/do/4/guard/catch/do/0/recover"] .gantt-bar').click();
    expect(JSON.parse((await page.getByRole('region', { name: 'Task recover' }).getByLabel('Task output').textContent())!)).toEqual({ recovered: true });
    // The Events tab is still there, with the log.
    await page.getByRole('link', { name: 'Events' }).click();
    await expect.poll(() => page.locator('.entry-title').count()).toBe(events.length);
    expect(errors).toEqual([]);
    await page.close();
  });
});
