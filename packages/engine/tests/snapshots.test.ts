// A runner decides a batch of task results on the runs as its own last batch left them
// (snapshots.ts): one round trip, checked by the server. These tests apply batches as a runner does
// (applyBatch with a RunSnapshots) beside another runner's batches (bench.commitOnly, no
// snapshots), and check that a batch decided on what had changed meanwhile is applied again on a
// read — never on the stale run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '@baton/core';
import { Registry } from 'prom-client';
import { applyBatch, type ApplyDeps, type BatchOutcome } from '../src/apply.ts';
import { DefinitionCache } from '../src/definitions.ts';
import { createRunStarter } from '../src/inline-start.ts';
import { attemptOf, completedResult as result, NAMESPACE, rememberingDeps, RUNTIME, silent, startBench, TWO_CALLS, type EngineBench } from './harness.ts';

let b: EngineBench;

beforeAll(async () => {
  b = await startBench();
  await b.define('two-calls', TWO_CALLS);
}, 60_000);
afterAll(async () => {
  await b?.close();
});

/** A runner's batches: its own definition cache and snapshots, and what the snapshots said of each batch. */
const runnerDeps = () => rememberingDeps(b);

/** A run the runner started (so it knows it), with its first call scheduled. */
async function started(deps: ApplyDeps): Promise<{ runId: string; attempt: (reference: string) => Promise<string> }> {
  const runId = await b.create('two-calls', { n: 1 }, false);
  await applyBatch(deps, [{ type: 'start', runId }]);
  return { runId, attempt: (reference) => attemptOf(b, runId, reference) };
}

async function eventTypes(runId: string): Promise<string[]> {
  return (await b.events(runId)).map((e) => e.type.replace('io.serverlessworkflow.', ''));
}

describe('a batch of task results decided on the runs as the runner left them', () => {
  it('is committed for a run this runner advanced last, and the run ends as it would on a read', async () => {
    const { deps, outcomes, snapshots } = runnerDeps();
    const { runId, attempt } = await started(deps);
    expect(snapshots.size).toBeGreaterThan(0);
    await applyBatch(deps, [result(runId, await attempt('first'), { a: 1 })]);
    const outcome: BatchOutcome = await applyBatch(deps, [result(runId, await attempt('second'), { b: 2 })]);
    expect(outcomes).toEqual(['committed', 'committed']);
    const run = await b.status(runId, 'completed');
    expect(run.output).toEqual({ second: { b: 2 } });
    const task = ['task.created.v1', 'task.started.v1', 'task.completed.v1'];
    expect(await eventTypes(runId)).toEqual(['workflow.started.v1', ...task, ...task, ...task, 'workflow.completed.v1']);
    expect((await b.events(runId)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    // Its end, as the runs.ended notice carries it: what a read gives (updated_at as the batch stamped it).
    const { status, output, startedAt, endedAt, updatedAt } = run;
    expect(outcome.relay.ends?.get(runId)).toEqual({ status, output, startedAt, endedAt, updatedAt });
    expect((await b.store.listAttempts(runId)).map((a) => a.status)).toEqual(['completed', 'completed']);
    // Each attempt completed with its applied seq (the seq before its task.completed), as a batch on a read writes it.
    const read = runnerDeps();
    read.deps.snapshots = undefined;
    const other = await started(read.deps);
    await applyBatch(read.deps, [result(other.runId, await other.attempt('first'), { a: 1 })]);
    await applyBatch(read.deps, [result(other.runId, await other.attempt('second'), { b: 2 })]);
    const appliedSeqs = async (id: string) => (await b.store.listAttempts(id)).map((a) => a.appliedSeq);
    expect(await appliedSeqs(runId)).toEqual([3, 6]);
    expect(await appliedSeqs(other.runId)).toEqual(await appliedSeqs(runId));
    // An ended run is not remembered.
    expect(snapshots.of([result(runId, 'x:1', null)])).toBeUndefined();
  });

  it('is applied again on a read when another runner advanced the run meanwhile (its row written since)', async () => {
    const { deps, outcomes } = runnerDeps();
    const { runId, attempt } = await started(deps);
    // Another runner appends an audit event: the run's row is written (its event seq), not by this runner.
    await b.commitOnly([{ type: 'events', runId, events: [{ type: 'com.example.audit', data: { by: 'other' }, key: 'audit-1' }] }]);
    await applyBatch(deps, [result(runId, await attempt('first'), { a: 1 })]);
    expect(outcomes).toEqual(['changed']);
    expect(await eventTypes(runId)).toEqual(['workflow.started.v1', 'task.created.v1', 'task.started.v1', 'com.example.audit', 'task.completed.v1', 'task.created.v1', 'task.started.v1']);
    expect((await b.events(runId)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // Read again, the run is known once more: the next batch is decided on it.
    await applyBatch(deps, [result(runId, await attempt('second'), { b: 2 })]);
    expect(outcomes).toEqual(['changed', 'committed']);
    expect((await b.status(runId, 'completed')).output).toEqual({ second: { b: 2 } });
  });

  it('a result delivered again is dropped (its attempt is not open): applied once', async () => {
    const { deps, outcomes } = runnerDeps();
    const { runId, attempt } = await started(deps);
    const first = await attempt('first');
    await applyBatch(deps, [result(runId, first, { a: 1 })]);
    const before = await b.events(runId);
    await applyBatch(deps, [result(runId, first, { a: 'again' })]);
    expect(outcomes).toEqual(['committed', 'changed']);
    expect(await b.events(runId)).toEqual(before);
    expect((await b.store.listAttempts(runId)).find((a) => a.id === first)).toMatchObject({ status: 'completed', result: { a: 1 } });
    // Two copies of one result in a batch are never decided on a snapshot: the read drops the second.
    const second = await attempt('second');
    await applyBatch(deps, [result(runId, second, { b: 2 }), result(runId, second, { b: 'copy' })]);
    expect(outcomes).toEqual(['committed', 'changed']);
    expect((await b.status(runId, 'completed')).output).toEqual({ second: { b: 2 } });
  });

  it('a result that another runner applied first is dropped, and the run stays as that runner left it', async () => {
    const { deps, outcomes } = runnerDeps();
    const { runId, attempt } = await started(deps);
    const first = await attempt('first');
    await b.commitOnly([result(runId, first, { a: 'other' })]);
    const after = await b.events(runId);
    await applyBatch(deps, [result(runId, first, { a: 'mine' })]);
    expect(outcomes).toEqual(['changed']);
    expect(await b.events(runId)).toEqual(after);
    expect((await b.store.listAttempts(runId)).find((a) => a.id === first)).toMatchObject({ result: { a: 'other' } });
  });

  it('a rate limit declared in the namespace meanwhile: applied again on a read, and the next call carries the limit', async () => {
    const { deps, outcomes } = runnerDeps();
    const { runId, attempt } = await started(deps);
    await b.store.putRateLimit({ namespace: NAMESPACE, name: 'slow', kind: 'requests', per: 'second', limit: 3, host: '127.0.0.1:9' });
    try {
      const outcome = await applyBatch(deps, [result(runId, await attempt('first'), { a: 1 })]);
      expect(outcomes).toEqual(['changed']);
      expect(outcome.relay.tasks).toHaveLength(1);
      expect(outcome.relay.tasks[0]).toMatchObject({ rateLimit: expect.anything() });
    } finally {
      await b.store.deleteRateLimit(NAMESPACE, 'slow');
    }
  });

  it("is committed for a run the API's inline start began, when the two share the memory (one process): its first result is not read", async () => {
    const { deps, outcomes, snapshots } = runnerDeps();
    const starter = createRunStarter({ store: b.store, bus: b.bus, logger: silent, metrics: new Registry(), runtime: RUNTIME, snapshots });
    try {
      await b.until('the starter to record the epoch', async () => starter.ready());
      const pick = (await b.store.findDefinition(NAMESPACE, 'two-calls'))!;
      await starter.prepare(pick.id);
      const made = await b.store.createAndStartPickedRun({ id: uuidv7(), definitionId: pick.id, namespace: NAMESPACE, name: 'two-calls', version: '1.0.0', input: { n: 1 } }, pick, starter);
      expect(made?.started).toBe(true);
      const runId = made!.run.id;
      const attempt = (reference: string) => attemptOf(b, runId, reference);
      await applyBatch(deps, [result(runId, await attempt('first'), { a: 1 })]);
      await applyBatch(deps, [result(runId, await attempt('second'), { b: 2 })]);
      expect(outcomes).toEqual(['committed', 'committed']);
      expect((await b.status(runId, 'completed')).output).toEqual({ second: { b: 2 } });
      expect((await b.events(runId)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      // Not shared: the runner reads the run the starter began.
      const other = createRunStarter({ store: b.store, bus: b.bus, logger: silent, metrics: new Registry(), runtime: RUNTIME });
      try {
        await b.until('the other starter to record the epoch', async () => other.ready());
        await other.prepare(pick.id);
        const alone = await b.store.createAndStartPickedRun({ id: uuidv7(), definitionId: pick.id, namespace: NAMESPACE, name: 'two-calls', version: '1.0.0', input: { n: 2 } }, pick, other);
        const first = (await b.store.listAttempts(alone!.run.id))[0]!.id;
        await applyBatch(deps, [result(alone!.run.id, first, { a: 2 })]);
        expect(outcomes).toEqual(['committed', 'committed']);
        expect((await b.store.listAttempts(alone!.run.id)).map((a) => a.status)).toEqual(['completed', 'scheduled']);
      } finally {
        await other.stop();
      }
    } finally {
      await starter.stop();
    }
  });

  it('a run decided on what the runner left is not updated before it ended (its decision reads the clock after the batch took its stamp)', async () => {
    const { deps, outcomes } = runnerDeps();
    let now = Date.now();
    deps.clock = () => (now += 5);
    const { runId, attempt } = await started(deps);
    await applyBatch(deps, [result(runId, await attempt('first'), { a: 1 })]);
    await applyBatch(deps, [result(runId, await attempt('second'), { b: 2 })]);
    expect(outcomes).toEqual(['committed', 'committed']);
    const run = await b.status(runId, 'completed');
    expect(Date.parse(run.updatedAt)).toBeGreaterThanOrEqual(Date.parse(run.endedAt!));
    expect(Date.parse(run.endedAt!)).toBeGreaterThan(Date.parse(run.startedAt!));
  });

  it('a runner that remembers no runs reads every batch', async () => {
    const deps: ApplyDeps = { store: b.store, definitions: new DefinitionCache(b.store), runtime: RUNTIME, clock: Date.now };
    const runId = await b.create('two-calls', {}, false);
    await applyBatch(deps, [{ type: 'start', runId }]);
    const [first] = await b.store.listAttempts(runId);
    await applyBatch(deps, [result(runId, first!.id, { a: 1 })]);
    expect((await b.store.listAttempts(runId)).map((a) => a.status)).toEqual(['completed', 'scheduled']);
  });
});
