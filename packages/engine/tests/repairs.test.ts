// The repairs of issue "Durable effects", points 2–5, each as the scenario that went wrong, then
// the behaviour now: finished attempts are not sent again, every runner message is applied once
// and a failure after the commit is not a poison delivery, one broken run stops nobody's timers,
// and a run the engine faults leaves nothing behind.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Queues, Topics, type Bus, type RunnerMessage } from '@baton/core';
import { decideApproval } from '../src/approval-decisions.ts';
import { approvalRepairs } from '../src/approvals.ts';
import { keyAppendedEvents } from '../src/loops/inbox.ts';
import { relayClaimed } from '../src/outbox.ts';
import { routeCloudEvent } from '../src/route-event.ts';
import { NAMESPACE, startBench, type EngineBench } from './harness.ts';

let b: EngineBench;
beforeAll(async () => {
  b = await startBench();
  await b.define('fetch', [{ get: { call: 'http', with: { method: 'get', endpoint: 'http://127.0.0.1:9/never' } } }]);
  await b.define('quick', [{ one: { set: { ok: true } } }]);
  await b.define('child', [{ hold: { listen: { to: { one: { with: { type: 'com.example.never' } } } } } }]);
  await b.define('approve', [{ ask: { call: 'approval:1.0.0@default', with: { title: 'Ship it?', approvers: ['alice'] } } }]);
}, 60_000);
afterEach(async () => {
  await b?.stopRunners();
});
afterAll(async () => {
  await b?.close();
});

const BROKEN = `'{"document": {"dsl": "1.0.0"}, "do": "not a task list"}'`;

describe('point 2: the outbox re-sends only attempts still scheduled', () => {
  it('a relay row sent by a sweeper skips the attempts whose result was applied meanwhile', async () => {
    const [done, open] = [await b.create('fetch', {}, false), await b.create('fetch', {}, false)];
    await b.commitOnly([{ type: 'start', runId: done }, { type: 'start', runId: open }]);
    const [finished] = await b.store.listAttempts(done);
    await b.store.transaction((tx) => tx.completeAttempts([{ id: finished!.id, status: 'completed', result: { body: 'ok' } }]));
    const queued = async () => (await b.bus.depth(Queues.tasks('http'))).waiting;
    const before = await queued();
    await b.store.makeOutboxDue();
    await relayClaimed(b.bus, b.store, await b.store.claimOutbox(100));
    expect(await queued()).toBe(before + 1);
    expect(await b.sql(`SELECT 1 FROM outbox WHERE kind = 'relay'`)).toEqual([]);
  });
});

describe('point 3: every runner message is applied once', () => {
  it('an appended-events message delivered again after its runner died before the ack is logged once', async () => {
    const run = await b.create('child', {}, false);
    await b.commitOnly([{ type: 'start', runId: run }]);
    await b.bus.enqueue(Queues.runner, [{ type: 'events', runId: run, events: [{ type: 'dev.baton.test.audit.v1', data: { note: 'once' } }] }]);
    // A runner takes the message, commits it, and dies before the ack.
    const [taken] = await b.bus.consume<RunnerMessage>(Queues.runner, 'doomed-runner', { max: 1, blockMs: 1_000, visibilityMs: 300 });
    await b.commitOnly([keyAppendedEvents(taken!.body, taken!.id)]);
    // Another runner reclaims it after the lease and applies it again.
    await b.runner({ visibilityMs: 300 });
    await b.until('the message to be acknowledged', async () => (await b.bus.depth(Queues.runner)).inFlight + (await b.bus.depth(Queues.runner)).waiting === 0);
    expect((await b.events(run)).filter((e) => e.type === 'dev.baton.test.audit.v1')).toHaveLength(1);
  });

  it("a closed approval's result re-sent by the sweeper logs the audit entry that closed it, once", async () => {
    await b.runner();
    const run = await b.create('approve');
    await b.status(run, 'waiting');
    const [approval] = await b.sql<{ id: string }>('SELECT id FROM approvals WHERE run_id = $1', [run]);
    expect((await decideApproval(b.store, { approvalId: approval!.id, decision: 'approve', via: 'api' })).ok).toBe(true);
    // The decision's own message never arrives (its row gone, as if applied elsewhere); the
    // sweeper finds the approval closed and its attempt still waiting, and sends what it stored.
    await b.sql(`DELETE FROM outbox WHERE run_id = $1 AND kind = 'runner'`, [run]);
    const repairs = await approvalRepairs(b.store, Date.now(), 0);
    const mine = repairs.filter((m) => m.runId === run);
    expect(mine).toHaveLength(1);
    await b.bus.enqueue(Queues.runner, [...mine, ...mine]);
    await b.status(run, 'completed');
    const types = (await b.events(run)).map((e) => e.type);
    expect(types.filter((t) => t === 'dev.baton.approval.decided.v1')).toHaveLength(1);
    expect(types.indexOf('dev.baton.approval.decided.v1')).toBeLessThan(types.indexOf('io.serverlessworkflow.workflow.completed.v1'));
  });

  it('an outbox message delivered twice is applied once', async () => {
    const run = await b.create('child', {}, false);
    await b.commitOnly([{ type: 'start', runId: run }]);
    const [row] = await b.sql<{ id: string }>(`SELECT id FROM outbox WHERE kind = 'relay' LIMIT 1`);
    expect(row).toBeDefined();
    // A cancel relayed twice (the sweeper sent it again while the first copy was in flight).
    const cancel = { type: 'cancel', runId: run, reason: 'once' } as const;
    await b.store.transaction((tx) => tx.insertOutbox([{ id: 'cancel-once', kind: 'runner', runId: run, body: cancel, relayAfterMs: 60_000 }]));
    await b.commitOnly([{ ...cancel, outboxId: 'cancel-once' }, { ...cancel, outboxId: 'cancel-once' }]);
    await b.commitOnly([{ ...cancel, outboxId: 'cancel-once' }]);
    const types = (await b.events(run)).map((e) => e.type).filter((t) => t.startsWith('io.serverlessworkflow.workflow.'));
    expect(types).toEqual(['io.serverlessworkflow.workflow.started.v1', 'io.serverlessworkflow.workflow.cancelled.v1']);
  });

  it('a relay that fails after the commit is not a poison delivery: runs finish, nothing is faulted', async () => {
    // The transport refuses every publish (the events topic): each batch's relay fails after its commit.
    const refusing: Bus = Object.assign(Object.create(b.bus) as Bus, { publish: () => Promise.reject(new Error('topic unavailable')) });
    const runner = await b.runner({ visibilityMs: 300 }, refusing);
    const runs = await Promise.all(Array.from({ length: 5 }, () => b.create('quick')));
    for (const run of runs) expect((await b.status(run, 'completed', 'faulted')).status).toBe('completed');
    await b.until('every message to be acknowledged', async () => {
      const depth = await b.bus.depth(Queues.runner);
      return depth.waiting + depth.inFlight === 0;
    });
    expect((await b.sql(`SELECT count(*)::int AS n FROM outbox WHERE kind = 'relay'`))[0]).toMatchObject({ n: expect.any(Number) });
    await runner.stop();
  });
});

describe('points 4 and 5: one broken run stops nobody, and leaves nothing behind', () => {
  it("a run whose definition no longer compiles does not stop another run's timer; it is faulted with the reason", async () => {
    await b.define('broken-nap', [{ nap: { wait: { milliseconds: 300 } } }, { done: { set: { ok: true } } }]);
    await b.define('healthy-nap', [{ nap: { wait: { seconds: 1 } } }, { done: { set: { ok: true } } }]);
    const first = await b.runner();
    const broken = await b.create('broken-nap');
    await b.status(broken, 'waiting');
    await first.stop();
    // An upgrade later, the stored definition no longer compiles; its timer is due first.
    await b.sql(`UPDATE workflow_definitions SET document = ${BROKEN} WHERE name = 'broken-nap'`);
    const healthy = await b.create('healthy-nap');
    await b.runner();
    const faulted = await b.status(broken, 'faulted');
    expect(faulted.error).toMatchObject({ title: 'Workflow definition does not compile', status: 500 });
    expect((await b.status(healthy, 'completed')).output).toEqual({ ok: true });
    expect(await b.sql('SELECT 1 FROM timers WHERE run_id = $1', [broken])).toEqual([]);
  });

  /** A run that listens, waits and has a child run waiting (started by a run of `under` when given); no runner left. */
  async function holder(name: string, under?: string): Promise<{ run: string; child: string; parent?: string }> {
    await b.define(name, [
      {
        all: {
          fork: {
            branches: [
              { hear: { listen: { to: { one: { with: { type: `com.example.poke.${name}` } } } } } },
              { nap: { wait: { hours: 1 } } },
              { sub: { run: { workflow: { namespace: NAMESPACE, name: 'child', version: '1.0.0' } } } },
            ],
          },
        },
      },
    ]);
    if (under) await b.define(under, [{ sub: { run: { workflow: { namespace: NAMESPACE, name, version: '1.0.0' } } } }]);
    const setup = await b.runner();
    const parent = under === undefined ? undefined : await b.create(under);
    let run = parent === undefined ? await b.create(name) : '';
    if (parent !== undefined) {
      await b.until('the run to start', async () => (await b.sql(`SELECT 1 FROM runs WHERE parent_run_id = $1`, [parent])).length === 1);
      run = (await b.sql<{ id: string }>('SELECT id FROM runs WHERE parent_run_id = $1', [parent]))[0]!.id;
    }
    await b.until('the child to wait', async () => (await b.sql(`SELECT 1 FROM runs WHERE parent_run_id = $1 AND status = 'waiting'`, [run])).length === 1);
    const [child] = await b.sql<{ id: string }>('SELECT id FROM runs WHERE parent_run_id = $1', [run]);
    await setup.stop();
    return { run, child: child!.id, ...(parent !== undefined && { parent }) };
  }

  async function expectReleased(run: string, child: string): Promise<void> {
    expect(await b.sql('SELECT 1 FROM listens WHERE run_id = $1', [run])).toEqual([]);
    expect(await b.sql('SELECT 1 FROM timers WHERE run_id = $1', [run])).toEqual([]);
    expect(await b.sql(`SELECT 1 FROM task_attempts WHERE run_id = $1 AND status = 'scheduled'`, [run])).toEqual([]);
    await b.status(child, 'cancelled');
  }

  it('a run faulted because its definition no longer compiles releases its listens, timers, attempts and child run', async () => {
    const { run, child } = await holder('holder-broken');
    await b.sql(`UPDATE workflow_definitions SET document = ${BROKEN} WHERE name = 'holder-broken'`);
    await b.runner(); // a runner that has not compiled it yet (as after an upgrade)
    await routeCloudEvent(b.store, b.bus, { specversion: '1.0', id: 'poke-1', source: 'https://example.com', type: 'com.example.poke.holder-broken' }, NAMESPACE);
    expect((await b.status(run, 'faulted')).error).toMatchObject({ title: 'Workflow definition does not compile' });
    await expectReleased(run, child);
  });

  it('a run whose messages keep failing is faulted after its deliveries and releases everything too', async () => {
    const { run, child } = await holder('holder-refused');
    // The database refuses every change of this run but its fault (as a row it cannot store would).
    await b.sql(`CREATE OR REPLACE FUNCTION refuse_run() RETURNS trigger AS $$ BEGIN
      IF NEW.id = '${run}' AND NEW.status <> 'faulted' THEN RAISE EXCEPTION 'row refused for the test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await b.sql('CREATE TRIGGER refuse_run BEFORE UPDATE ON runs FOR EACH ROW EXECUTE FUNCTION refuse_run()');
    try {
      await b.runner({ visibilityMs: 300 });
      await routeCloudEvent(b.store, b.bus, { specversion: '1.0', id: 'poke-2', source: 'https://example.com', type: 'com.example.poke.holder-refused' }, NAMESPACE);
      const faulted = await b.status(run, 'faulted');
      expect(faulted.error).toMatchObject({ title: 'Run could not be advanced', status: 500 });
      expect(faulted.error?.detail).toMatch(/row refused for the test/);
      await expectReleased(run, child);
    } finally {
      await b.sql('DROP TRIGGER refuse_run ON runs');
    }
  });

  /**
   * The database refuses any new state of the run, the engine fault's included (as a state it
   * cannot store would be refused): only what leaves the state alone or clears it goes through.
   * Returns what drops the refusal.
   */
  async function refuseStates(run: string): Promise<() => Promise<unknown>> {
    await b.sql(`CREATE OR REPLACE FUNCTION refuse_state() RETURNS trigger AS $$ BEGIN
      IF NEW.id = '${run}' AND NEW.state IS NOT NULL AND NEW.state::text IS DISTINCT FROM OLD.state::text THEN RAISE EXCEPTION 'state refused for the test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await b.sql('CREATE TRIGGER refuse_state BEFORE UPDATE ON runs FOR EACH ROW EXECUTE FUNCTION refuse_state()');
    return () => b.sql('DROP TRIGGER refuse_state ON runs');
  }

  it('a stuck run whose fault cannot save its state either is faulted without it: ended, logged, published, released, its parent told', async () => {
    // The run that gets stuck is a child run itself.
    const { run, child, parent } = await holder('holder-unsaveable', 'holder-unsaveable-parent');
    const ended: unknown[] = [];
    const events: { runId: string; type: string; seq: number }[] = [];
    const unsubscribe = [
      await b.bus.subscribe(Topics.ended, (entries) => void ended.push(...entries.map((e) => e.body))),
      await b.bus.subscribe<{ runId: string; type: string; seq: number }>(Topics.events, (entries) => void events.push(...entries.map((e) => e.body).filter((e) => e.runId === run))),
    ];
    const allow = await refuseStates(run);
    try {
      await b.runner({ visibilityMs: 300 });
      await routeCloudEvent(b.store, b.bus, { specversion: '1.0', id: 'poke-3', source: 'https://example.com', type: 'com.example.poke.holder-unsaveable' }, NAMESPACE);
      const faulted = await b.status(run, 'faulted');
      expect(faulted.error).toMatchObject({ title: 'Run could not be advanced', status: 500 });
      expect(faulted.error?.detail).toMatch(/state refused for the test/);
      expect(faulted.endedAt).toBeDefined();
      const last = (await b.events(run)).at(-1)!;
      expect(last).toMatchObject({ type: 'io.serverlessworkflow.workflow.faulted.v1', seq: (await b.events(run)).length, data: { error: { title: 'Run could not be advanced' } } });
      await b.until('the fault to be published', async () => events.some((e) => e.type === last.type && e.seq === last.seq) && ended.some((e) => (e as { runId: string }).runId === run));
      await expectReleased(run, child);
      // The parent's subflow task fails with the child's error: the parent faults with it.
      expect((await b.status(parent!, 'faulted')).error).toMatchObject({ title: 'Run could not be advanced' });
    } finally {
      await allow();
      await Promise.all(unsubscribe.map((stop) => stop()));
    }
    // Its stored state is gone with it: a message that comes late is not decided on the phase it kept.
    expect(await b.sql('SELECT state FROM runs WHERE id = $1', [run])).toEqual([{ state: null }]);
    const logged = (await b.events(run)).length;
    await b.commitOnly([{ type: 'cancel', runId: run, reason: 'late' }]);
    expect(await b.run(run)).toMatchObject({ status: 'faulted', error: { title: 'Run could not be advanced' } });
    expect(await b.events(run)).toHaveLength(logged);
  });

  it('a run faulted without its state frees its slot on a concurrency key: the run queued behind it starts', async () => {
    const name = 'lined-unsaveable';
    const document = { dsl: '1.0.0', namespace: NAMESPACE, name, version: '1.0.0', metadata: { baton: { concurrency: { limit: 1 } } } };
    await b.define(name, [{ hear: { listen: { to: { one: { with: { type: `com.example.poke.${name}` } } } } } }], { document });
    const setup = await b.runner();
    const first = await b.create(name);
    await b.status(first, 'waiting');
    const next = await b.create(name);
    await b.until('the next run to queue', async () => (await b.sql(`SELECT 1 FROM concurrency_slots WHERE run_id = $1 AND state = 'queued'`, [next])).length === 1);
    await setup.stop();
    const allow = await refuseStates(first);
    try {
      await b.runner({ visibilityMs: 300 });
      await routeCloudEvent(b.store, b.bus, { specversion: '1.0', id: 'poke-4', source: 'https://example.com', type: `com.example.poke.${name}` }, NAMESPACE);
      expect((await b.status(first, 'faulted')).error).toMatchObject({ title: 'Run could not be advanced', detail: expect.stringMatching(/state refused for the test/) });
      await b.status(next, 'waiting');
      expect(await b.sql('SELECT 1 FROM concurrency_slots WHERE run_id = $1', [first])).toEqual([]);
    } finally {
      await allow();
    }
  });
});
