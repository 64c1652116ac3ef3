// A task result is bounded by its run's valueBytes limit (BATON_LIMITS) also when the runner that
// takes it never saw the run before (its start was decided by the API's inline start or by another
// runner): results within the smallest limit of any namespace (valueBytesFloor) go through without
// the run's namespace, and a larger one waits for the run's lock to learn it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { DEFAULT_LIMITS } from '@baton/core/interpreter';
import { createWorkflowRunner, defaultRunnerOptions, type WorkflowRunner } from '../src/runner.ts';
import { NAMESPACE, RUNTIME, silent, startBench, type EngineBench } from './harness.ts';

let b: EngineBench;
const runners: WorkflowRunner[] = [];
const LIMIT = 1_000;

beforeAll(async () => {
  b = await startBench();
  await b.define('fetch', [{ get: { call: 'http', with: { method: 'get', endpoint: 'http://127.0.0.1:9/x' } } }]);
}, 60_000);
afterAll(async () => {
  await Promise.allSettled(runners.map((r) => r.stop()));
  await b?.close();
});

/** A run started elsewhere (applied without any runner), with its http attempt scheduled. */
async function startedElsewhere(): Promise<{ runId: string; attemptId: string }> {
  const runId = await b.create('fetch', {}, false);
  await b.commitOnly([{ type: 'start', runId }]);
  const [attempt] = await b.store.listAttempts(runId);
  return { runId, attemptId: attempt!.id };
}

describe.each([
  ['with the floor of every namespace', { valueBytesFloor: LIMIT }],
  ['without it (the run is locked first)', {}],
])('a result for a run this runner never locked, %s', (_name, floor) => {
  it('within the limit completes the task; over it faults the task with the limit error', async () => {
    const runner = createWorkflowRunner({
      store: b.store,
      bus: b.bus,
      logger: silent,
      metrics: new Registry(),
      runtime: RUNTIME,
      options: { ...defaultRunnerOptions, consumer: `result-bounds-${process.pid}-${runners.length}` },
      limits: (namespace) => (namespace === NAMESPACE ? { ...DEFAULT_LIMITS, valueBytes: LIMIT } : DEFAULT_LIMITS),
      ...floor,
    });
    runners.push(runner);
    await runner.start();
    // A run this runner starts itself: the workflow's definition is in its cache from then on (a
    // batch that misses it is applied again once it is loaded, with the runs' namespaces known).
    const warm = await b.create('fetch');
    await b.status(warm, 'running');
    const small = await startedElsewhere();
    const large = await startedElsewhere();
    await b.bus.enqueue('runner', [
      { type: 'result', runId: small.runId, attemptId: small.attemptId, status: 'completed', output: { text: 'x'.repeat(LIMIT / 2) } },
      { type: 'result', runId: large.runId, attemptId: large.attemptId, status: 'completed', output: { text: 'x'.repeat(LIMIT * 2) } },
    ]);
    expect(await b.status(small.runId, 'completed', 'faulted')).toMatchObject({ status: 'completed', output: { text: 'x'.repeat(LIMIT / 2) } });
    const faulted = await b.status(large.runId, 'completed', 'faulted');
    expect(faulted.status).toBe('faulted');
    expect(faulted.error).toMatchObject({ detail: expect.stringContaining('larger than a value may be') });
    expect((await b.store.listAttempts(large.runId))[0]).toMatchObject({ status: 'failed' });
    await runner.stop();
  });
});
