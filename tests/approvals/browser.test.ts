// The approval page in a real browser (Debian's chromium, driven by playwright-core): open the
// link from the notification, fill the generated form, approve, and see the run complete.
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startApprovalHarness, type ApprovalHarness } from './harness.ts';
import { approvalDoc, finishedRun, startRun, until } from './helpers.ts';

let h: ApprovalHarness;
let browser: Browser;

beforeAll(async () => {
  h = await startApprovalHarness();
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

it('an approver opens the link, fills the form, approves, and the run completes', async () => {
  const form = {
    type: 'object',
    required: ['amount', 'region'],
    properties: {
      amount: { type: 'integer', minimum: 1, title: 'Budget (EUR)' },
      region: { type: 'string', enum: ['eu', 'us'], title: 'Region' },
      urgent: { type: 'boolean', title: 'Urgent' },
    },
  };
  await h.apply(approvalDoc('browser', { title: 'Approve the campaign', description: '# Campaign\n\nSpend for **Q4**:\n\n- ads\n- events', approvers: ['carol@example.com'], form, notify: [`${h.webhooks.url}/browser`] }));
  const runId = await startRun(h.api, 'browser');
  const notice = await until('the notification', async () => h.webhooks.received.find((r) => r.path === '/browser' && r.body.runId === runId));
  const link: string = notice.body.links[0].url;

  const page = await browser.newPage();
  const response = await page.goto(link);
  expect(response?.status()).toBe(200);
  expect(await page.title()).toBe('Approve the campaign');
  expect(await page.locator('.description strong').textContent()).toBe('Q4');
  expect(await page.locator('.description li').count()).toBe(2);

  await page.getByLabel('Budget (EUR)').fill('1200');
  await page.getByLabel('Region').selectOption('eu');
  await page.getByLabel('Urgent').check();
  await page.getByLabel('Comment').fill('Looks good');
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Approve' }).click()]);
  await page.waitForSelector('#message');
  expect(await page.locator('h1').textContent()).toBe('Thank you');
  expect(await page.locator('#message').textContent()).toContain('The approval is now approved');

  const run = await finishedRun(h.api, runId);
  expect(run.status).toBe('completed');
  expect(run.output).toEqual({ decision: 'approved', by: ['carol@example.com'], data: { amount: 1200, region: 'eu', urgent: true } });

  // The same link again: the page says it was already used.
  const again = await page.goto(link);
  expect(again?.status()).toBe(409);
  expect(await page.locator('#message').textContent()).toContain('already decided');
  await page.close();
}, 60_000);
