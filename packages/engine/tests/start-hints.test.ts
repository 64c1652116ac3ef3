// The API's inline start in one process, the runner in another (services): the start publishes
// each run as it left it (topic `runs.started`, start-hints.ts), and the runner decides the batch of
// its first results on that hint instead of reading the run — checked by the server, so a hint
// that is stale, late or forged in shape costs a read, never a wrong run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_STARTED_HINT_MAX_BYTES, Topics, uuidv7, type LockedRun, type RunStartedHint } from '@baton/core';
import { Registry } from 'prom-client';
import { applyBatch, type ApplyDeps } from '../src/apply.ts';
import { createRunStarter, type RunStarter } from '../src/inline-start.ts';
import { createWorkflowRunner, defaultRunnerOptions } from '../src/runner.ts';
import { RunSnapshots } from '../src/snapshots.ts';
import { followStartHints, parseStartHint, startHintsOf } from '../src/start-hints.ts';
import { attemptOf, completedResult as result, NAMESPACE, rememberingDeps, RUNTIME, silent, startBench, TWO_CALLS, type EngineBench } from './harness.ts';

let b: EngineBench;
/** The API's inline start, in a process without a runner: it publishes hints. */
let starter: RunStarter;

beforeAll(async () => {
  b = await startBench();
  await b.define('two-calls', TWO_CALLS);
  starter = createRunStarter({ store: b.store, bus: b.bus, logger: silent, metrics: new Registry(), runtime: RUNTIME });
  await b.until('the starter to record the epoch', async () => starter.ready());
}, 60_000);
afterAll(async () => {
  await starter?.stop();
  await b?.close();
});

/** A run started by the API (in the transaction that creates it), as `POST /api/v1/runs` starts it. */
async function startedByApi(input: unknown = { n: 1 }): Promise<{ runId: string; attempt: (reference: string) => Promise<string> }> {
  const pick = (await b.store.findDefinition(NAMESPACE, 'two-calls'))!;
  await starter.prepare(pick.id);
  const made = await b.store.createAndStartPickedRun({ id: uuidv7(), definitionId: pick.id, namespace: NAMESPACE, name: 'two-calls', version: '1.0.0', input }, pick, starter);
  expect(made?.started).toBe(true);
  const runId = made!.run.id;
  return { runId, attempt: (reference) => attemptOf(b, runId, reference) };
}

/** A runner's batches in this process, with the hints it heard. */
async function hearingRunner(): Promise<{ deps: ApplyDeps; outcomes: string[]; snapshots: RunSnapshots; stop: () => Promise<void> }> {
  const runner = rememberingDeps(b);
  return { ...runner, stop: await followStartHints(b.bus, runner.snapshots) };
}

describe('hints of the runs the API started, for runners in other processes', () => {
  it('the batch of a run’s first result is decided on its hint (not read), and the run ends as it would on a read', async () => {
    const runner = await hearingRunner();
    try {
      const { runId, attempt } = await startedByApi();
      await b.until('the hint of the run', async () => runner.snapshots.of([result(runId, 'x', null)]) !== undefined);
      await applyBatch(runner.deps, [result(runId, await attempt('first'), { a: 1 })]);
      await applyBatch(runner.deps, [result(runId, await attempt('second'), { b: 2 })]);
      expect(runner.outcomes).toEqual(['committed', 'committed']);
      expect((await b.status(runId, 'completed')).output).toEqual({ second: { b: 2 } });
      expect((await b.events(runId)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      expect((await b.store.listAttempts(runId)).map((a) => [a.status, a.appliedSeq])).toEqual([['completed', 3], ['completed', 6]]);
      expect(runner.snapshots.size).toBe(0); // ended: forgotten
    } finally {
      await runner.stop();
    }
  });

  it('a hint of a run another runner advanced meanwhile costs a read, and the run is decided on what that runner left', async () => {
    const runner = await hearingRunner();
    try {
      const { runId, attempt } = await startedByApi();
      await b.until('the hint of the run', async () => runner.snapshots.of([result(runId, 'x', null)]) !== undefined);
      await b.commitOnly([result(runId, await attempt('first'), { a: 1 })]); // another runner, no snapshots
      await applyBatch(runner.deps, [result(runId, await attempt('second'), { b: 2 })]);
      expect(runner.outcomes).toEqual(['changed']);
      expect((await b.status(runId, 'completed')).output).toEqual({ second: { b: 2 } });
      expect((await b.events(runId)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    } finally {
      await runner.stop();
    }
  });

  it('a hint that comes after the runner’s own batch of the run is not taken: what the batch left is newer', async () => {
    const { deps, outcomes, snapshots } = rememberingDeps(b);
    const heard: RunStartedHint[] = [];
    const stop = await b.bus.subscribe<RunStartedHint>(Topics.started, (entries) => void heard.push(...entries.map((e) => e.body)));
    try {
      const { runId, attempt } = await startedByApi();
      await b.until('the hint, heard aside', async () => heard.some((h) => h.run.id === runId));
      await applyBatch(deps, [result(runId, await attempt('first'), { a: 1 })]); // read: not known yet
      snapshots.hint(heard.find((h) => h.run.id === runId)!); // late
      await applyBatch(deps, [result(runId, await attempt('second'), { b: 2 })]);
      expect(outcomes).toEqual(['committed']);
      expect((await b.status(runId, 'completed')).output).toEqual({ second: { b: 2 } });
    } finally {
      await stop();
    }
  });

  it('a run whose state is larger than RUN_STARTED_HINT_MAX_BYTES gets no hint: its runner reads it', async () => {
    const runner = await hearingRunner();
    try {
      const small = await startedByApi({ n: 'small' });
      const large = await startedByApi({ text: 'x'.repeat(RUN_STARTED_HINT_MAX_BYTES) });
      const after = await startedByApi({ n: 'after' });
      await b.until('the hint of the run after it', async () => runner.snapshots.of([result(after.runId, 'x', null)]) !== undefined);
      expect(runner.snapshots.of([result(small.runId, 'x', null)])).toBeDefined();
      expect(runner.snapshots.of([result(large.runId, 'x', null)])).toBeUndefined();
      await applyBatch(runner.deps, [result(large.runId, await large.attempt('first'), { a: 1 })]);
      expect(runner.outcomes).toEqual([]); // read, not decided on a hint
      expect((await b.store.listAttempts(large.runId)).map((a) => a.status)).toEqual(['completed', 'scheduled']);
    } finally {
      await runner.stop();
    }
  });

  it('malformed hints on the topic are dropped, and the hints after them are taken', async () => {
    const outcomes = new Map<string, number>();
    const snapshots = new RunSnapshots();
    const stop = await followStartHints(b.bus, snapshots, (outcome, count) => outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + count));
    try {
      await b.bus.publish(Topics.started, [null, 'text', { run: { id: 'r' }, savedBy: '12' }, { savedBy: 'x' }]);
      const { runId } = await startedByApi();
      await b.until('the hint of the run', async () => snapshots.of([result(runId, 'x', null)]) !== undefined);
      expect(snapshots.size).toBe(1);
      expect(Object.fromEntries(outcomes)).toEqual({ malformed: 4, kept: 1 });
    } finally {
      await stop();
    }
  });

  it('a workflow-runner of another process follows the hints: the batches of first results are decided on them', async () => {
    const metrics = new Registry();
    const runner = createWorkflowRunner({ store: b.store, bus: b.bus, logger: silent, metrics, runtime: RUNTIME, options: { ...defaultRunnerOptions, consumer: `hints-${process.pid}`, timerPollMs: 50, sweepIntervalMs: 200 } });
    await runner.start();
    const counted = async (name: string, outcome: string) => (await metrics.getSingleMetric(name)!.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
    try {
      // Ready once it has subscribed: a first run's hint may come before (not kept); from the second on they are.
      await b.until('the runner to hear hints', async () => (await startedByApi(), (await counted('baton_runner_start_hints_total', 'kept')) > 0));
      const runs = await Promise.all([1, 2, 3].map((n) => startedByApi({ n })));
      await b.until('their hints kept', async () => (await counted('baton_runner_start_hints_total', 'kept')) >= 4);
      for (const { runId, attempt } of runs) {
        // As an http-worker sends a result; one at a time, so that each is a batch of its own.
        await b.bus.enqueue('runner', [result(runId, await attempt('first'), { a: 1 })]);
        await b.until('the result applied', async () => (await b.store.listAttempts(runId)).length === 2);
      }
      expect(await counted('baton_runner_snapshot_batches_total', 'committed')).toBe(3);
      expect(await counted('baton_runner_snapshot_batches_total', 'changed')).toBe(0);
    } finally {
      await runner.stop();
    }
  });
});

describe('parseStartHint', () => {
  const run: LockedRun = { id: 'r1', definitionId: 'd1', namespace: 'ns', name: 'n', version: '1.0.0', status: 'running', state: { position: [] } as never, eventSeq: 3, rateLimits: [], startedAt: '2026-12-07T00:00:00.000Z' };

  it('takes a running run with a state and a transaction id', () => {
    expect(parseStartHint({ run, savedBy: '12345' })).toEqual({ run, savedBy: '12345' });
  });

  it.each([
    ['no transaction id', { run }],
    ['a transaction id that is not one', { run, savedBy: '12a' }],
    ['a run that is not running', { run: { ...run, status: 'pending' }, savedBy: '1' }],
    ['no state', { run: { ...run, state: undefined }, savedBy: '1' }],
    ['a state that is a list', { run: { ...run, state: [] }, savedBy: '1' }],
    ['rate limits', { run: { ...run, rateLimits: [{ name: 'x' }] }, savedBy: '1' }],
    ['usage counters', { run: { ...run, usage: { tokens: 1 } }, savedBy: '1' }],
    ['a reset run', { run: { ...run, resetOf: 'r0' }, savedBy: '1' }],
    ['a negative seq', { run: { ...run, eventSeq: -1 }, savedBy: '1' }],
    ['an empty id', { run: { ...run, id: '' }, savedBy: '1' }],
    ['a number for a name', { run: { ...run, name: 7 }, savedBy: '1' }],
    ['nothing', null],
  ])('drops a hint with %s', (_what, body) => {
    expect(parseStartHint(body)).toBeUndefined();
  });

  it('startHintsOf: none when a start left nothing to remember', async () => {
    expect(await startHintsOf(undefined)).toEqual([]);
    expect(await startHintsOf({ runs: [], savedBy: Promise.resolve(''), decidedOnSnapshots: false })).toEqual([]);
  });
});

describe('RunSnapshots past its bound', () => {
  const locked = (id: string): LockedRun => ({ id, definitionId: 'd', namespace: 'ns', name: 'n', version: '1', status: 'running', state: {} as never, eventSeq: 1, rateLimits: [] });
  const known = (s: RunSnapshots, id: string) => s.of([{ type: 'result', runId: id, attemptId: `a-${id}`, status: 'completed', output: null }]) !== undefined;

  it('forgets the runs remembered longest ago, not all of them', () => {
    const s = new RunSnapshots(3);
    s.keep([locked('a'), locked('b'), locked('c')], '1', ['a', 'b', 'c']);
    s.keep([locked('a')], '2', ['a']); // advanced again: remembered anew
    s.hint({ run: locked('d'), savedBy: '3' });
    expect(s.size).toBe(3);
    expect(['a', 'b', 'c', 'd'].filter((id) => known(s, id))).toEqual(['a', 'c', 'd']);
  });

  it('a hint does not replace a run it knows', () => {
    const s = new RunSnapshots(3);
    s.keep([{ ...locked('a'), eventSeq: 9 }], '7', ['a']);
    s.hint({ run: locked('a'), savedBy: '3' });
    expect(s.of([{ type: 'result', runId: 'a', attemptId: 'x', status: 'completed', output: null }])).toEqual([{ run: { ...locked('a'), eventSeq: 9 }, savedBy: '7' }]);
  });

  it('a memory of bound 0 keeps nothing', () => {
    const s = new RunSnapshots(0);
    s.keep([locked('a')], '1', ['a']);
    s.hint({ run: locked('b'), savedBy: '1' });
    expect(s.size).toBe(0);
  });
});
