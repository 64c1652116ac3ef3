// One run whose messages cannot be applied must not hold back the runs batched with it, and
// must end (faulted, with the reason) instead of staying stuck for ever.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SqlStore } from '@baton/store';
import { doc, startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('servers', { RUNNER_VISIBILITY_MS: '1000' });
});
afterAll(async () => {
  await h?.close();
});

it('isolates a run whose definition no longer compiles, faults it with the reason, and lets the others finish', async () => {
  await h.apply(doc('victim', [{ s: { set: { ok: true } } }]));
  await h.apply(doc('healthy', [{ s: { set: { ok: true } } }]));
  // A definition that no longer compiles (as after a bad upgrade): every decision on it throws.
  await (h.baton.store as SqlStore).db.query(`UPDATE workflow_definitions SET document = '{"document": {"dsl": "1.0.0"}, "do": "not a task list"}' WHERE name = 'victim'`);
  const starts = await Promise.all([
    h.api('POST', '/api/v1/runs', { namespace: 'test', name: 'victim', input: {} }),
    ...Array.from({ length: 5 }, () => h.api('POST', '/api/v1/runs', { namespace: 'test', name: 'healthy', input: {}, wait: 'PT10S' })),
  ]);
  for (const healthy of starts.slice(1)) expect(healthy.body.status).toBe('completed');
  const victimId = starts[0]!.body.id as string;
  const deadline = Date.now() + 30_000;
  let victim: any;
  while (Date.now() < deadline) {
    victim = (await h.api('GET', `/api/v1/runs/${victimId}`)).body;
    if (victim.status === 'faulted') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(victim.status).toBe('faulted');
  // Faulted at its first input with the reason, not after its messages failed again and again.
  expect(victim.error).toMatchObject({ type: 'https://serverlessworkflow.io/spec/1.0.0/errors/configuration', status: 500, title: 'Workflow definition does not compile' });
  expect(victim.error.detail).toMatch(/test\/victim@1\.0\.0 can no longer be compiled/);
  const events = await h.events(victimId);
  expect(events.at(-1)!.type).toBe('io.serverlessworkflow.workflow.faulted.v1');
}, 60_000);
