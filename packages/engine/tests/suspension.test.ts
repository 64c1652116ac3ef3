// Suspend and resume on real PostgreSQL and Redis (issue 14): a suspended run dispatches nothing
// new — the attempts, child runs and approvals it decides are held in PostgreSQL, where no sweep
// re-sends them — and its resume dispatches them once, in the order it decided them, in the
// transaction that writes `workflow.resumed`; a runner that dies after either commit loses nothing.
// No http-worker runs here: the test reads `tasks.http` itself and answers as a worker does.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InProcessBus } from '@baton/bus';
import { Queues, type RunnerMessage, type TaskMessage } from '@baton/core';
import { decideApproval, publishDecision } from '../src/approval-decisions.ts';
import { enqueueDurably, relayClaimed } from '../src/outbox.ts';
import { routeCloudEvent } from '../src/route-event.ts';
import { NAMESPACE, startBench, type EngineBench } from './harness.ts';

let b: EngineBench;
const http = (path: string) => ({ call: 'http', with: { method: 'get', endpoint: `http://127.0.0.1:9/${path}` } });
const sub = (name: string) => ({ run: { workflow: { namespace: NAMESPACE, name, version: '1.0.0' } } });

beforeAll(async () => {
  b = await startBench();
  // A wait, then three calls at once (a fork): what a suspended run decides when its timer fires.
  await b.define('fan', [{ nap: { wait: { milliseconds: 300 } } }, { calls: { fork: { branches: [{ x: http('x') }, { y: http('y') }, { z: http('z') }] } } }]);
  // The same for 20 runs at once: their naps must outlast reading 20 runs' statuses one by one on a
  // loaded machine (with 300 ms, a run polled late was already running its fork, not waiting).
  await b.define('fan-slow', [{ nap: { wait: { seconds: 3 } } }, { calls: { fork: { branches: [{ x: http('x') }, { y: http('y') }, { z: http('z') }] } } }]);
  await b.define('leaf', [{ done: { set: { leaf: true } } }]);
  await b.define('mixed', [{ nap: { wait: { milliseconds: 300 } } }, { both: { fork: { branches: [{ child: sub('leaf') }, { ask: { call: 'approval:1.0.0@default', with: { title: 'Go?', approvers: ['alice'] } } }] } } }]);
  await b.define('holder', [{ hold: { listen: { to: { one: { with: { type: 'com.example.release' } } } } } }]);
  await b.define('parent', [{ sub: sub('holder') }]);
  await b.define('quick', [{ one: { set: { ok: true } } }]);
}, 60_000);
afterEach(async () => {
  await b?.stopRunners();
});
afterAll(async () => {
  await b?.close();
});

const control = (type: 'suspend' | 'resume' | 'cancel', runId: string, bus = b.bus) => enqueueDurably(b.store, bus, [{ type, runId }]);
const attempts = (runId: string) => b.sql<{ id: string; effect_id: string; status: string; kind: string }>('SELECT id, effect_id, status, kind FROM task_attempts WHERE run_id = $1 ORDER BY length(effect_id), effect_id', [runId]);
const eventTypes = async (runId: string) => (await b.events(runId)).map((e) => e.type);
const count = (types: string[], type: string) => types.filter((t) => t === type).length;
const SUSPENDED = 'io.serverlessworkflow.workflow.suspended.v1';
const RESUMED = 'io.serverlessworkflow.workflow.resumed.v1';

/** Takes every http task message on the queue (as a worker would), acknowledged. */
async function takeHttpTasks(): Promise<TaskMessage[]> {
  const taken: TaskMessage[] = [];
  for (;;) {
    const batch = await b.bus.consume<TaskMessage>(Queues.tasks('http'), 'suspension-test-worker', { max: 100, blockMs: 0, visibilityMs: 60_000 });
    if (batch.length === 0) return taken;
    taken.push(...batch.map((m) => m.body));
    await b.bus.ack(Queues.tasks('http'), batch.map((m) => m.id));
  }
}

/** Waits until `n` http task messages were taken in all (more than `n` fails the caller's check). */
async function untilHttpTasks(n: number, taken: TaskMessage[] = []): Promise<TaskMessage[]> {
  await b.until(`${n} http tasks on the queue`, async () => {
    taken.push(...(await takeHttpTasks()));
    return taken.length >= n;
  });
  return taken;
}

/** What an http-worker sends back. */
const answer = (tasks: readonly TaskMessage[]) =>
  b.bus.enqueue(Queues.runner, tasks.map((t): RunnerMessage => ({ type: 'result', runId: t.runId, attemptId: t.attemptId, status: 'completed', output: { path: t.reference } })));

/** A run suspended while its timer runs, whose timer then fired: what it decided is held. */
async function suspendedWithHeldWork(name: string, held: number): Promise<string> {
  const run = await b.create(name);
  await b.status(run, 'waiting');
  await control('suspend', run);
  await b.status(run, 'suspended');
  await b.until(`${held} held attempts`, async () => (await attempts(run)).filter((a) => a.status === 'held').length === held);
  return run;
}

describe('a suspended run', () => {
  it('holds the attempts it decides — no sweep sends them — and its resume dispatches each once, in order', async () => {
    await b.runner();
    const run = await suspendedWithHeldWork('fan', 3);
    expect((await b.run(run)).status).toBe('suspended');
    // Every repair a runner does would send a scheduled attempt; none takes a held one.
    await b.store.makeOutboxDue();
    await relayClaimed(b.bus, b.store, await b.store.claimOutbox(500));
    expect(await b.store.claimStaleAttempts('http', { olderThanMs: 0 }, 500)).toEqual([]);
    expect(await takeHttpTasks()).toEqual([]);
    // The timer reached it: the log says the wait ended and the calls were created.
    const types = await eventTypes(run);
    expect(count(types, SUSPENDED)).toBe(1);
    expect(types.indexOf(SUSPENDED)).toBeLessThan(types.lastIndexOf('io.serverlessworkflow.task.completed.v1'));

    await control('resume', run);
    const tasks = await untilHttpTasks(3);
    expect(tasks.map((t) => t.effectId)).toEqual((await attempts(run)).map((a) => a.effect_id));
    expect(tasks.map((t) => t.reference)).toEqual(['/do/1/calls/fork/branches/0/x', '/do/1/calls/fork/branches/1/y', '/do/1/calls/fork/branches/2/z']);
    await answer(tasks);
    await b.status(run, 'completed');
    expect((await attempts(run)).map((a) => a.status)).toEqual(['completed', 'completed', 'completed']);
    expect(await takeHttpTasks()).toEqual([]);
    const after = await eventTypes(run);
    expect([count(after, SUSPENDED), count(after, RESUMED)]).toEqual([1, 1]);
    expect(after.indexOf(RESUMED)).toBeLessThan(after.indexOf('io.serverlessworkflow.workflow.completed.v1'));
  });

  it('lets a task in flight finish and records it; the next one waits for the resume', async () => {
    await b.define('two', [{ first: http('first') }, { second: http('second') }]);
    await b.runner();
    const run = await b.create('two');
    const [first] = await untilHttpTasks(1);
    await control('suspend', run);
    await b.status(run, 'suspended');
    await answer([first!]);
    await b.until('the first result to be recorded', async () => (await attempts(run)).some((a) => a.status === 'completed'));
    await b.until('the second attempt to be held', async () => (await attempts(run)).some((a) => a.status === 'held'));
    expect((await b.run(run)).status).toBe('suspended');
    expect(await takeHttpTasks()).toEqual([]);
    await control('resume', run);
    const [, second] = await untilHttpTasks(2, [first!]);
    expect(second!.reference).toBe('/do/1/second');
    await answer([second!]);
    expect((await b.status(run, 'completed')).output).toEqual({ path: '/do/1/second' });
  });

  it('holds child runs and approvals: none exists until the resume, then both run', async () => {
    await b.runner();
    const run = await suspendedWithHeldWork('mixed', 2);
    expect(await b.sql('SELECT id FROM runs WHERE parent_run_id = $1', [run])).toEqual([]);
    expect(await b.sql('SELECT id FROM approvals WHERE run_id = $1', [run])).toEqual([]);
    await control('resume', run);
    await b.until('the approval to open', async () => (await b.sql('SELECT 1 FROM approvals WHERE run_id = $1', [run])).length === 1);
    const [child] = await b.sql<{ id: string }>('SELECT id FROM runs WHERE parent_run_id = $1', [run]);
    await b.status(child!.id, 'completed');
    const [approval] = await b.sql<{ id: string }>('SELECT id FROM approvals WHERE run_id = $1', [run]);
    const decided = await decideApproval(b.store, { approvalId: approval!.id, decision: 'approve', via: 'api' });
    if (decided.ok) await publishDecision(b.bus, decided.messages);
    const done = await b.status(run, 'completed');
    expect(done.output).toMatchObject([{ leaf: true }, { decision: 'approved' }]);
  });

  it('suspends and resumes its live child runs with it', async () => {
    await b.runner();
    const parent = await b.create('parent');
    await b.until('the child to wait', async () => (await b.sql(`SELECT 1 FROM runs WHERE parent_run_id = $1 AND status = 'waiting'`, [parent])).length === 1);
    const [child] = await b.sql<{ id: string }>('SELECT id FROM runs WHERE parent_run_id = $1', [parent]);
    await control('suspend', parent);
    await b.status(child!.id, 'suspended');
    expect((await b.run(parent)).status).toBe('suspended');
    // Events still reach a suspended run: the child completes, and its parent records it.
    await routeCloudEvent(b.store, b.bus, { specversion: '1.0', id: 'release-1', source: 'https://example.com', type: 'com.example.release' }, NAMESPACE);
    await b.status(child!.id, 'completed');
    await b.status(parent, 'completed');
    expect(count(await eventTypes(child!.id), SUSPENDED)).toBe(1);
  });

  it('does not start before its resume when it was suspended while pending', async () => {
    const run = await b.create('quick', {}, false);
    await b.commitOnly([{ type: 'suspend', runId: run }]);
    await b.commitOnly([{ type: 'start', runId: run }]);
    expect(await b.run(run)).toMatchObject({ status: 'suspended' });
    expect((await b.run(run)).startedAt).toBeUndefined();
    expect(await eventTypes(run)).toEqual([SUSPENDED]);
    await b.runner();
    await control('resume', run);
    expect((await b.status(run, 'completed')).output).toEqual({ ok: true });
    expect(await eventTypes(run)).toEqual([SUSPENDED, RESUMED, 'io.serverlessworkflow.workflow.started.v1', 'io.serverlessworkflow.task.created.v1', 'io.serverlessworkflow.task.started.v1', 'io.serverlessworkflow.task.completed.v1', 'io.serverlessworkflow.workflow.completed.v1']);
  });

  it('is cancelled as any run: what it held is cancelled, no child run is ever created', async () => {
    await b.runner();
    const run = await suspendedWithHeldWork('mixed', 2);
    await control('cancel', run);
    await b.status(run, 'cancelled');
    expect((await attempts(run)).map((a) => a.status)).toEqual(['cancelled', 'cancelled']);
    expect(await b.sql('SELECT id FROM runs WHERE parent_run_id = $1', [run])).toEqual([]);
    expect(await b.sql(`SELECT 1 FROM outbox WHERE run_id LIKE $1 || '.%'`, [run])).toEqual([]);
  });
});

describe('suspend and resume are exactly once and crash-safe', () => {
  it('a runner that dies after committing the suspend, then after committing the resume, loses nothing', async () => {
    await b.runner();
    const run = await b.create('fan');
    await b.status(run, 'waiting');
    await b.stopRunners();
    await b.commitOnly([{ type: 'suspend', runId: run }]);
    expect((await b.run(run)).status).toBe('suspended');
    // The timer fires while no runner runs: its runner row is applied by the next runner.
    await new Promise((resolve) => setTimeout(resolve, 350));
    await b.runner();
    await b.until('3 held attempts', async () => (await attempts(run)).filter((a) => a.status === 'held').length === 3);
    await b.stopRunners();
    await b.commitOnly([{ type: 'resume', runId: run }]);
    // Committed, not relayed: the attempts are scheduled and their relay row waits in the outbox.
    expect((await attempts(run)).map((a) => a.status)).toEqual(['scheduled', 'scheduled', 'scheduled']);
    expect(await b.sql(`SELECT 1 FROM outbox WHERE kind = 'relay' AND body::text LIKE '%' || $1 || ':%'`, [run])).toHaveLength(1);
    expect(await takeHttpTasks()).toEqual([]);
    await b.runner();
    const tasks = await untilHttpTasks(3);
    expect(new Set(tasks.map((t) => t.attemptId)).size).toBe(3);
    await answer(tasks);
    await b.status(run, 'completed');
    expect(await takeHttpTasks()).toEqual([]);
  });

  it('of a suspend and a resume waiting together, the later request wins whichever runner applies first', async () => {
    const down = new InProcessBus();
    await down.close(); // not relayed: both stay in the outbox, in request order
    const run = await b.create('holder', {}, false);
    await b.commitOnly([{ type: 'start', runId: run }]);
    await control('suspend', run, down);
    await control('resume', run, down);
    const rows = (await b.sql<{ id: string; body: string }>(`SELECT id, body::text AS body FROM outbox WHERE run_id = $1 ORDER BY created_at, id`, [run])).map((r) => ({ id: r.id, body: JSON.parse(r.body) as RunnerMessage }));
    expect(rows.map((r) => r.body.type)).toEqual(['suspend', 'resume']);
    // The resume reaches a runner first: the run is not suspended, and the suspend is dropped.
    await b.commitOnly([{ ...rows[1]!.body, outboxId: rows[1]!.id }]);
    await b.commitOnly([{ ...rows[0]!.body, outboxId: rows[0]!.id }]);
    expect((await b.run(run)).status).toBe('waiting');
    expect(await eventTypes(run)).not.toContain(SUSPENDED);
    expect(await b.sql('SELECT 1 FROM outbox WHERE run_id = $1', [run])).toEqual([]);
  });

  it('twice is once: one event each, and two runners dispatch every held attempt of 20 runs once', async () => {
    await b.runner();
    await b.runner();
    const runs = await Promise.all(Array.from({ length: 20 }, () => b.create('fan-slow')));
    for (const run of runs) await b.status(run, 'waiting');
    await Promise.all(runs.flatMap((run) => [control('suspend', run), control('suspend', run)]));
    for (const run of runs) await b.until(`3 held attempts of ${run}`, async () => (await attempts(run)).filter((a) => a.status === 'held').length === 3);
    await Promise.all(runs.flatMap((run) => [control('resume', run), control('resume', run)]));
    const tasks = await untilHttpTasks(60);
    await answer(tasks);
    for (const run of runs) await b.status(run, 'completed');
    tasks.push(...(await takeHttpTasks()));
    expect(tasks).toHaveLength(60);
    expect(new Set(tasks.map((t) => t.attemptId)).size).toBe(60);
    for (const run of runs) {
      const types = await eventTypes(run);
      expect([count(types, SUSPENDED), count(types, RESUMED)]).toEqual([1, 1]);
    }
  }, 60_000);
});
