// Every effect of a committed transition is in the outbox (issue "Durable effects", point 1): a
// runner that dies between its commit and the hand-over to the transport, or an API whose relay
// fails after it answered, loses nothing — the sweeper sends it. Each scenario first shows the
// effect is still owed after the commit, then that it arrives.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InProcessBus } from '@baton/bus';
import type { RunnerMessage } from '@baton/core';
import { decideApproval, publishDecision } from '../src/approval-decisions.ts';
import { enqueueDurably } from '../src/outbox.ts';
import { routeCloudEvent } from '../src/route-event.ts';
import { NAMESPACE, startBench, type EngineBench } from './harness.ts';

let b: EngineBench;
beforeAll(async () => {
  b = await startBench();
  await b.define('listener', [{ wait: { listen: { to: { one: { with: { type: 'com.example.ready' } } } } } }, { done: { set: { got: '${ .[0].n }' } } }]);
  await b.define('emitter', [{ say: { emit: { event: { with: { source: 'https://example.com', type: 'com.example.ready', data: { n: 7 } } } } } }]);
  await b.define('child', [{ hold: { listen: { to: { one: { with: { type: 'com.example.never' } } } } } }]);
  await b.define('parent', [{ sub: { run: { workflow: { namespace: NAMESPACE, name: 'child', version: '1.0.0' } } } }]);
  await b.define('approve', [{ ask: { call: 'approval:1.0.0@default', with: { title: 'Ship it?', approvers: ['alice'] } } }]);
}, 60_000);
afterEach(async () => {
  await b?.stopRunners();
});
afterAll(async () => {
  await b?.close();
});

/**
 * Owed rows become due after RUNNER_ROW_RESEND_MS (5 s) or RELAY_ROW_RESEND_MS (3 s). The first
 * scenario waits for that delay as it is; the others make every owed row due at once, as a new
 * transport epoch does (store.makeOutboxDue), so that the sweeper (every 200 ms here) sends them
 * without the 5 s wait — the effect still arrives only through the sweeper.
 */
const dueNow = () => b.store.makeOutboxDue();

/** Runner rows still owed to the runner for a run (not applied yet). */
const owed = (runId: string) => b.sql<{ body: string }>(`SELECT body::text AS body FROM outbox WHERE kind = 'runner' AND run_id = $1`, [runId]).then((rows) => rows.map((r) => JSON.parse(r.body) as RunnerMessage));

describe('a runner dies between its commit and the relay', () => {
  it('an emitted CloudEvent still reaches the run listening for it', async () => {
    const runner = await b.runner();
    const listener = await b.create('listener');
    await b.status(listener, 'waiting');
    await runner.stop();
    const emitter = await b.create('emitter', {}, false);
    await b.commitOnly([{ type: 'start', runId: emitter }]);
    expect((await b.run(emitter)).status).toBe('completed');
    expect(await owed(listener)).toMatchObject([{ type: 'event', runId: listener, event: { type: 'com.example.ready', data: { n: 7 } } }]);
    await b.runner();
    expect((await b.status(listener, 'completed')).output).toEqual({ got: 7 });
    expect(await owed(listener)).toEqual([]);
  });

  it('a cancelled parent still cancels its child run', async () => {
    const runner = await b.runner();
    const parent = await b.create('parent');
    await b.until('the child to wait', async () => (await b.sql(`SELECT 1 FROM runs WHERE parent_run_id = $1 AND status = 'waiting'`, [parent])).length === 1);
    const [child] = await b.sql<{ id: string }>('SELECT id FROM runs WHERE parent_run_id = $1', [parent]);
    await runner.stop();
    await b.commitOnly([{ type: 'cancel', runId: parent, reason: 'changed my mind' }]);
    expect((await b.run(parent)).status).toBe('cancelled');
    expect(await owed(child!.id)).toMatchObject([{ type: 'cancel', runId: child!.id }]);
    await dueNow();
    await b.runner();
    await b.status(child!.id, 'cancelled');
    expect(await b.sql('SELECT 1 FROM listens WHERE run_id = $1', [child!.id])).toEqual([]);
  });

  it('a finished child still hands its result to its parent, and fired timers still arrive', async () => {
    await b.define('nap', [{ nap: { wait: { milliseconds: 50 } } }, { done: { set: { slept: true } } }]);
    await b.define('napper', [{ sub: { run: { workflow: { namespace: NAMESPACE, name: 'nap', version: '1.0.0' } } } }]);
    const parent = await b.create('napper', {}, false);
    await b.commitOnly([{ type: 'start', runId: parent }]);
    const [child] = await b.sql<{ id: string }>('SELECT id FROM runs WHERE parent_run_id = $1', [parent]);
    expect(await owed(child!.id)).toMatchObject([{ type: 'start', runId: child!.id }]);
    await dueNow();
    await b.runner();
    expect((await b.status(parent, 'completed')).output).toEqual({ slept: true });
  });
});

describe('a request that triggers work is recorded before it answers', () => {
  const down = new InProcessBus();
  beforeAll(async () => {
    await down.close(); // the transport is down: every enqueue fails
  });

  it('a cancel (the API answers 202) survives a transport that fails the relay', async () => {
    await b.runner();
    const run = await b.create('child');
    await b.status(run, 'waiting');
    await enqueueDurably(b.store, down, [{ type: 'cancel', runId: run, reason: 'api' }]);
    expect(await owed(run)).toMatchObject([{ type: 'cancel', runId: run, reason: 'api' }]);
    await dueNow();
    await b.status(run, 'cancelled');
  });

  it('an event posted to the API reaches the runs it matched', async () => {
    await b.runner();
    const listener = await b.create('listener');
    await b.status(listener, 'waiting');
    const matched = await routeCloudEvent(b.store, down, { specversion: '1.0', id: 'ev-1', source: 'https://example.com', type: 'com.example.ready', data: { n: 3 } }, NAMESPACE);
    expect(matched.listens.map((l) => l.runId)).toEqual([listener]);
    await dueNow();
    expect((await b.status(listener, 'completed')).output).toEqual({ got: 3 });
  });

  it('an event posted with a key restricted to another namespace reaches none of these runs', async () => {
    await b.runner();
    const listener = await b.create('listener');
    await b.status(listener, 'waiting');
    expect(await routeCloudEvent(b.store, down, { specversion: '1.0', id: 'ev-2', source: 'https://example.com', type: 'com.example.ready' }, 'elsewhere')).toEqual({ listens: [], runs: [] });
    expect(await owed(listener)).toEqual([]);
    await routeCloudEvent(b.store, b.bus, { specversion: '1.0', id: 'ev-3', source: 'https://example.com', type: 'com.example.ready', data: { n: 4 } }, NAMESPACE);
    await b.status(listener, 'completed');
  });

  it('an approval decision reaches its run', async () => {
    await b.runner();
    const run = await b.create('approve');
    await b.status(run, 'waiting');
    const [approval] = await b.sql<{ id: string }>('SELECT id FROM approvals WHERE run_id = $1', [run]);
    const decided = await decideApproval(b.store, { approvalId: approval!.id, decision: 'approve', via: 'api', comment: 'go' });
    expect(decided.ok).toBe(true);
    if (decided.ok) await publishDecision(down, decided.messages);
    await dueNow();
    const done = await b.status(run, 'completed');
    expect(done.output).toMatchObject({ decision: 'approved', by: ['alice'] });
    const types = (await b.events(run)).map((e) => e.type);
    // The audit entry was written before the result, and is logged before what the result caused.
    expect(types.filter((t) => t === 'dev.baton.approval.decided.v1')).toHaveLength(1);
    expect(types.indexOf('dev.baton.approval.decided.v1')).toBeLessThan(types.indexOf('io.serverlessworkflow.workflow.completed.v1'));
  });
});
