// A reset run's replay is bounded like any decision (SECURITY.md "Limits"): the recorded outcomes a
// batch feeds back to a run are decided there only while the run's budget lasts (stepsPerDecision
// decisions, decisionMs); the rest go out as `feedback` runner messages, relayed through the
// outbox, so one reset of a long ledger cannot hold the runner for all of it. On real PostgreSQL,
// batches applied one by one (applyBatch) and each batch's runner messages fed to the next, as the
// runner's queue would: the test plays the http-worker, answering each dispatched task.
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunnerMessage, TaskMessage, WorkflowDocument } from '@baton/core';
import { resolveLimits } from '@baton/core/interpreter';
import { applyBatch, type ApplyDeps } from '../src/apply.ts';
import { DefinitionCache } from '../src/definitions.ts';
import { parseRunnerMessage } from '../src/validate.ts';
import { planReset } from '../src/reset.ts';
import { NAMESPACE, RUNTIME, startBench, type EngineBench } from './harness.ts';

const ITEMS = 40;
let b: EngineBench;

beforeAll(async () => {
  b = await startBench();
  // A call per item, then a step the reset starts from: the ledger holds ITEMS outcomes.
  await b.define('ledger', [
    { each: { for: { each: 'item', in: '${ .items }' }, do: [{ fetch: { call: 'http', with: { method: 'get', endpoint: 'http://127.0.0.1:9/items/{item}' } } }] } },
    { last: { set: { done: true } } },
  ]);
}, 60_000);
afterAll(async () => {
  await b?.close();
});

function deps(stepsPerDecision: number): ApplyDeps {
  const limits = resolveLimits({ stepsPerDecision });
  return { store: b.store, definitions: new DefinitionCache(b.store), runtime: RUNTIME, clock: Date.now, limits: () => limits };
}

interface Driven {
  batches: number;
  dispatched: TaskMessage[];
  /** The feedback messages each batch sent on. */
  feedback: number[];
}

/**
 * Applies `first`, then every runner message each batch relays (through the queue's validation, as
 * a runner reads them) with the results of the tasks it dispatched, until nothing is left.
 */
async function drive(apply: ApplyDeps, first: RunnerMessage[]): Promise<Driven> {
  const driven: Driven = { batches: 0, dispatched: [], feedback: [] };
  let pending = first;
  while (pending.length > 0) {
    const outcome = await applyBatch(apply, pending);
    driven.batches += 1;
    driven.dispatched.push(...outcome.relay.tasks);
    driven.feedback.push(outcome.relay.runner.filter((m) => m.type === 'feedback').length);
    const relayed = outcome.relay.runner.map((m) => parseRunnerMessage(JSON.parse(JSON.stringify(m))));
    expect(relayed.every((m) => m !== undefined)).toBe(true);
    const results = outcome.relay.tasks.map((t): RunnerMessage => ({ type: 'result', runId: t.runId, attemptId: t.attemptId, status: 'completed', output: { answered: (t.payload as { endpoint: string }).endpoint } }));
    pending = [...(relayed as RunnerMessage[]), ...results];
    if (driven.batches > 10 * ITEMS) throw new Error('the run did not settle');
  }
  return driven;
}

async function original(): Promise<string> {
  const items = Array.from({ length: ITEMS }, (_, i) => i);
  const id = await b.create('ledger', { items }, false);
  const driven = await drive(deps(500), [{ type: 'start', runId: id }]);
  expect(driven.dispatched).toHaveLength(ITEMS);
  expect((await b.run(id)).status).toBe('completed');
  return id;
}

async function reset(originalId: string): Promise<string> {
  const run = await b.run(originalId);
  const definition = await b.store.getDefinitionById(run.definitionId);
  const plan = await planReset(b.store, run, definition!.document as WorkflowDocument, '/do/1/last');
  expect(plan.ledger).toHaveLength(ITEMS);
  const resetOf = { runId: originalId, from: plan.from };
  const created = await b.store.createResetRun({ id: uuidv7(), definitionId: run.definitionId, namespace: NAMESPACE, name: run.name, version: run.version, input: run.input, trigger: { kind: 'reset', ...resetOf }, resetOf }, plan.ledger);
  return created.run.id;
}

async function replayed(runId: string) {
  const events = await b.events(runId);
  const completed = events.flatMap((e) => {
    const data = e.data as { task?: string; replayedFrom?: { runId: string } };
    return e.type === 'io.serverlessworkflow.task.completed.v1' && data.task?.endsWith('/fetch') ? [data] : [];
  });
  const open = await b.sql<{ n: number }>('SELECT count(*)::int AS n FROM run_replays WHERE run_id = $1 AND consumed_by IS NULL', [runId]);
  const attempts = await b.sql<{ status: string; replayed: boolean; applied: boolean }>('SELECT status, replayed_from IS NOT NULL AS replayed, applied_seq IS NOT NULL AS applied FROM task_attempts WHERE run_id = $1', [runId]);
  return { completed, open: open[0]!.n, attempts };
}

describe('a reset run replays within its decision budget', () => {
  it('a ledger longer than the budget is replayed over several batches, each within stepsPerDecision decisions, with the same result as in one', async () => {
    const first = await original();
    const id = await reset(first);
    const driven = await drive(deps(5), [{ type: 'start', runId: id }]);

    expect(driven.dispatched).toEqual([]); // every call replayed, none made
    const run = await b.run(id);
    expect(run.status).toBe('completed');
    expect(run.output).toEqual((await b.run(first)).output);
    // Each batch decides at most 5 inputs of the run: the start, then 40 outcomes fed back.
    expect(driven.batches).toBeGreaterThanOrEqual(Math.ceil((ITEMS + 1) / 5));
    expect(Math.max(...driven.feedback)).toBeGreaterThan(0);
    const { completed, open, attempts } = await replayed(id);
    expect(open).toBe(0);
    expect(completed).toHaveLength(ITEMS);
    expect(completed.every((data) => data.replayedFrom?.runId === first)).toBe(true);
    expect(attempts).toHaveLength(ITEMS);
    expect(attempts.every((a) => a.status === 'completed' && a.replayed && a.applied)).toBe(true);
  });

  it('with the default budget the same ledger replays in the batch that starts the run', async () => {
    const first = await original();
    const id = await reset(first);
    const driven = await drive(deps(500), [{ type: 'start', runId: id }]);
    expect(driven.batches).toBe(1);
    expect(driven.feedback).toEqual([0]);
    expect((await b.run(id)).status).toBe('completed');
    expect((await replayed(id)).completed).toHaveLength(ITEMS);
  });

  it('a feedback message is applied once, however often it is delivered', async () => {
    const first = await original();
    const id = await reset(first);
    const apply = deps(2);
    const outcome = await applyBatch(apply, [{ type: 'start', runId: id }]);
    const feedback = outcome.relay.runner.filter((m) => m.type === 'feedback');
    expect(feedback.length).toBeGreaterThan(0);
    const seqBefore = (await b.events(id)).length;
    // The same messages twice in one batch, then again in the next: only the first copy is decided.
    await applyBatch(apply, [...feedback, ...feedback]);
    const seqAfter = (await b.events(id)).length;
    expect(seqAfter).toBeGreaterThan(seqBefore);
    await applyBatch(apply, feedback);
    expect((await b.events(id)).length).toBe(seqAfter);
  });

  it('refuses a feedback message without the outbox row that makes it applied once', () => {
    const body = { type: 'feedback', runId: 'r', input: { type: 'timer.fired', timerId: '3' } };
    expect(parseRunnerMessage(body)).toBeUndefined();
    expect(parseRunnerMessage({ ...body, outboxId: 'o' })).toMatchObject(body);
    expect(parseRunnerMessage({ ...body, outboxId: 'o', input: { type: 'start', input: {} } })).toBeUndefined();
  });
});
