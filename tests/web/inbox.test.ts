// The approvals inbox in a real browser: an approval with a form is decided from its card (the
// fields drawn from its JSON Schema, the data sent with the decision) and its run completes; the
// description is markdown drawn as on the signed-link page (its HTML stays text); the deadline
// reads as time to come.
import type { EmbeddedBaton } from '@baton/cli/embedded';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, launchBrowser, openSignedIn, screenshotBoth, startBaton, workflow } from './browser.ts';

const HOSTILE = '<img src=x onerror=alert(1)>';

let baton: EmbeddedBaton;
let browser: Browser;

beforeAll(async () => {
  baton = await startBaton();
  browser = await launchBrowser();
  const purchase = workflow('purchase', [
    {
      review: {
        call: 'approval:1.0.0@default',
        with: {
          title: '${ "Buy " + .item }',
          description: `**Reason:** the team needs *more* ${HOSTILE}\n\n- price: \`1200 EUR\`\n- [quote](https://example.com/q/42)`,
          approvers: ['ada'],
          timeout: 'PT2H',
          form: {
            type: 'object',
            required: ['costCenter', 'amount'],
            properties: {
              costCenter: { type: 'string', title: 'Cost center', description: 'Four letters and digits' },
              amount: { type: 'integer', title: 'Amount (EUR)', minimum: 1 },
              region: { type: 'string', title: 'Region', enum: ['eu', 'us'] },
              urgent: { type: 'boolean', title: 'Urgent' },
            },
          },
        },
      },
    },
    { done: { set: { decision: '${ .decision }', data: '${ .data }' } } },
  ]);
  expect((await call(baton, 'POST', '/api/v1/workflows', purchase)).status).toBe(201);
});

afterAll(async () => {
  await browser?.close();
  await baton?.stop();
});

async function pendingApprovalOf(runId: string): Promise<any> {
  for (let i = 0; i < 200; i += 1) {
    const page = await call(baton, 'GET', `/api/v1/approvals?status=pending&runId=${runId}`);
    if (page.body.items[0]) return page.body.items[0];
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no approval opened for run ${runId}`);
}

describe('approvals inbox', () => {
  it('approves an approval with a form from its card, and the run completes with the data', async () => {
    const run = await call(baton, 'POST', '/api/v1/runs', { namespace: 'web', name: 'purchase', input: { item: 'a laptop' } });
    await pendingApprovalOf(run.body.id);
    const { page, errors } = await openSignedIn(browser, baton, `#/approvals?run=${run.body.id}`);
    const card = page.getByRole('article', { name: 'Buy a laptop' });
    await card.waitFor();

    // The description is markdown drawn as elements; its HTML is text.
    expect(await card.locator('.description strong').first().textContent()).toBe('Reason:');
    expect(await card.locator('.description em').textContent()).toBe('more');
    expect(await card.locator('.description li').count()).toBe(2);
    expect(await card.locator('.description code').textContent()).toBe('1200 EUR');
    expect(await card.locator('.description a').getAttribute('href')).toBe('https://example.com/q/42');
    expect(await card.locator('.description').textContent()).toContain(HOSTILE);
    expect(await card.locator('.description').textContent()).not.toContain('**');
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    // The deadline is two hours ahead, not "just now".
    expect(await card.locator('dd time').last().textContent()).toMatch(/^in (1 h|2 h|119 min|120 min)$/);

    // Approving without the required fields: the browser asks for them first.
    await card.getByRole('button', { name: 'Approve' }).click();
    expect(await card.getByLabel('Cost center').evaluate((el) => (el as unknown as { validity: { valueMissing: boolean } }).validity.valueMissing)).toBe(true);
    expect(await card.getByText('Four letters and digits').isVisible()).toBe(true);

    await card.getByLabel('Cost center').fill('CC42');
    await card.getByLabel('Amount (EUR)').fill('1200');
    await card.getByLabel('Region').selectOption('eu');
    await card.getByLabel('Urgent').check();
    await card.getByLabel('Comment').fill('ok for Q4');
    await screenshotBoth(page, 'inbox-form');
    await card.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('Nothing waits for a decision').waitFor();

    const finished = await call(baton, 'GET', `/api/v1/runs/${run.body.id}`);
    for (let i = 0; i < 200 && finished.body.status !== 'completed'; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      Object.assign(finished, await call(baton, 'GET', `/api/v1/runs/${run.body.id}`));
    }
    expect(finished.body.status).toBe('completed');
    expect(finished.body.output).toEqual({ decision: 'approved', data: { costCenter: 'CC42', amount: 1200, region: 'eu', urgent: true } });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows the API\'s refusal of the form data at the field it names', async () => {
    const run = await call(baton, 'POST', '/api/v1/runs', { namespace: 'web', name: 'purchase', input: { item: 'a chair' } });
    await pendingApprovalOf(run.body.id);
    const { page } = await openSignedIn(browser, baton, `#/approvals?run=${run.body.id}`);
    const card = page.getByRole('article', { name: 'Buy a chair' });
    await card.waitFor();
    await card.getByLabel('Cost center').fill('CC7');
    await card.getByLabel('Amount (EUR)').fill('0'); // the browser allows it (min is a hint here), the schema does not
    await card.getByLabel('Amount (EUR)').evaluate((el) => el.removeAttribute('min'));
    await card.getByRole('button', { name: 'Approve' }).click();
    await card.locator('.field-problem').waitFor();
    expect(await card.locator('[data-field="amount"] .field-problem').textContent()).toContain('must be >= 1');
    expect(await card.getByLabel('Amount (EUR)').getAttribute('aria-invalid')).toBe('true');
    expect(await card.locator('.field-error').textContent()).not.toContain('false');
    await screenshotBoth(page, 'inbox-form-refused');

    // Rejecting needs no form data.
    await card.getByRole('button', { name: 'Reject' }).click();
    await page.getByText('Nothing waits for a decision').waitFor();
    await page.close();
  });
});
