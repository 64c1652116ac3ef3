// Two runners at once (issue "Durable effects", point 6), and a transport that loses its data:
// a Redis of the test's own, wiped (FLUSHALL) or killed and restarted from its AOF. Work in flight
// is sent again from PostgreSQL at once — not after the stale-attempt window, which these tests
// set to an hour so that only the epoch repair can explain what they see.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Queues, uuidv7, type Bus, type TaskMessage } from '@baton/core';
import { startRedisServer, type RedisServer } from '@baton/testkit';
import { Registry } from 'prom-client';
import { createRunStarter } from '../src/index.ts';
import { NAMESPACE, RUNTIME, silent, startBench, type EngineBench } from './harness.ts';

const HOUR = 3_600_000;
const NO_SWEEP_REPAIRS = { pendingAgeMs: HOUR, redispatchAfterMs: { http: HOUR, agent: HOUR, workflow: HOUR } };

let redis: RedisServer;
let b: EngineBench;
beforeAll(async () => {
  redis = await startRedisServer();
  b = await startBench({ redisUrl: redis.url });
  await b.define('nap', [{ nap: { wait: { milliseconds: 100 } } }, { done: { set: { n: '${ .n }' } } }]);
  await b.define('relay', [
    { sub: { run: { workflow: { namespace: NAMESPACE, name: 'nap', version: '1.0.0', input: { n: '${ .n }' } } } } },
    { tell: { emit: { event: { with: { source: 'https://example.com', type: 'com.example.napped', data: { n: '${ .n }' } } } } } },
  ]);
  await b.define('hear', [{ wait: { listen: { to: { one: { with: { type: 'com.example.napped' }, correlate: { n: { from: '${ .data.n }', expect: '${ .n }' } } } } } } }, { done: { set: { heard: '${ .[0].n }' } } }]);
  await b.define('fetch', [{ get: { call: 'http', with: { method: 'get', endpoint: 'http://127.0.0.1:9/never' } } }]);
  await b.define('ask', [{ ask: { call: 'approval:1.0.0@default', with: { title: 'Ok?', approvers: ['alice'] } } }]);
}, 60_000);
afterEach(async () => {
  await b?.stopRunners();
});
afterAll(async () => {
  await b?.close();
  await redis?.stop();
});

describe('two runners at once', () => {
  it('apply every message once: subflows, timers and emitted events across 60 runs, each log gapless', async () => {
    await Promise.all([b.runner(), b.runner()]);
    const listeners = await Promise.all(Array.from({ length: 30 }, (_, n) => b.create('hear', { n })));
    for (const id of listeners) await b.status(id, 'waiting');
    const relays = await Promise.all(Array.from({ length: 30 }, (_, n) => b.create('relay', { n })));
    for (const id of relays) expect((await b.status(id, 'completed', 'faulted')).status).toBe('completed');
    for (const [n, id] of listeners.entries()) expect((await b.status(id, 'completed', 'faulted')).output).toEqual({ heard: n });
    const runs = await b.sql<{ id: string }>('SELECT id FROM runs');
    for (const { id } of runs) {
      const events = await b.events(id);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      const completions = events.filter((e) => e.type === 'io.serverlessworkflow.task.completed.v1').map((e) => JSON.stringify((e.data as { task?: unknown }).task ?? e.data));
      expect(new Set(completions).size).toBe(completions.length);
    }
    await b.until('every runner row to be applied', async () => (await b.sql(`SELECT 1 FROM outbox WHERE kind = 'runner'`)).length === 0);
  });

  it('their sweepers send a backlog once, not once per runner', async () => {
    const runs = await Promise.all(Array.from({ length: 40 }, () => b.create('ask', {}, false)));
    // Started and committed, never relayed (their runners died): 40 notices owed to the hitl-worker.
    for (const id of runs) await b.commitOnly([{ type: 'start', runId: id }]);
    const queued = async () => (await b.bus.depth(Queues.tasks('approval'))).waiting;
    const before = await queued();
    await b.store.makeOutboxDue();
    await Promise.all([b.runner(), b.runner()]);
    await b.until('the relay rows to be sent', async () => (await b.sql(`SELECT 1 FROM outbox WHERE kind = 'relay'`)).length === 0);
    expect((await queued()) - before).toBe(40);
  });
});

describe('a transport that loses its data', () => {
  it('FLUSHALL: lost starts, task messages and notices are sent again at once', async () => {
    const fetchRun = await b.create('fetch', {}, false);
    const askRun = await b.create('ask', {}, false);
    await b.commitOnly([{ type: 'start', runId: fetchRun }, { type: 'start', runId: askRun }]);
    const pending = await Promise.all(Array.from({ length: 20 }, (_, n) => b.create('nap', { n })));
    await b.runner(NO_SWEEP_REPAIRS);
    await b.until('the task and the notice to be relayed', async () => (await b.sql(`SELECT 1 FROM outbox WHERE kind = 'relay'`)).length === 0, 30_000);
    await b.stopRunners();
    // Started and dispatched, and 20 new runs whose start messages are on the transport…
    const more = await Promise.all(Array.from({ length: 20 }, (_, n) => b.create('nap', { n: 100 + n })));
    expect((await b.bus.depth(Queues.tasks('http'))).waiting).toBeGreaterThanOrEqual(1);
    await redis.flushAll(); // …and the transport forgets all of it.
    expect((await b.bus.depth(Queues.tasks('http'))).waiting).toBe(0);
    const back = Date.now();
    await b.runner(NO_SWEEP_REPAIRS);
    for (const id of [...pending, ...more]) expect((await b.status(id, 'completed', 'faulted')).status).toBe('completed');
    expect(Date.now() - back).toBeLessThan(30_000);
    await b.until('the http task to be queued again', async () => (await b.bus.depth(Queues.tasks('http'))).waiting === 1);
    await b.until('the approval notice to be queued again', async () => (await b.bus.depth(Queues.tasks('approval'))).waiting >= 1);
    expect((await b.run(fetchRun)).status).toBe('running');
  });

  it('SIGKILL and a restart from the AOF: a new epoch, repaired once although two runners see it', async () => {
    const repairedBefore = (await b.sql('SELECT epoch FROM bus_epochs')).length;
    // Start messages written in the last second before the kill: the AOF (everysec) may lack them.
    const runs = await Promise.all(Array.from({ length: 10 }, (_, n) => b.create('nap', { n })));
    await redis.kill();
    await redis.restart();
    await Promise.all([b.runner(NO_SWEEP_REPAIRS), b.runner(NO_SWEEP_REPAIRS)]);
    for (const id of runs) expect((await b.status(id, 'completed', 'faulted')).status).toBe('completed');
    const epochs = await b.sql<{ epoch: string; repaired_at: Date | null }>('SELECT epoch, repaired_at FROM bus_epochs ORDER BY created_at');
    expect(epochs.length).toBe(repairedBefore + 1);
    expect(epochs.every((e) => e.repaired_at !== null)).toBe(true);
  });

  // A new epoch whose work in flight is none: what a process hands to it after it recorded the
  // epoch (noteTransportEpoch) is on the new data, and the repair must not send it twice — on a
  // fresh Redis the first runs of a deployment (an agent turn paid three times) showed it did.
  /** The http task messages on the queue, counted by run (consumed and acked). */
  async function httpMessagesByRun(): Promise<Map<string, number>> {
    const messages = await b.bus.consume<TaskMessage>(Queues.tasks('http'), 'epoch-test', { max: 10_000, blockMs: 0, visibilityMs: HOUR });
    if (messages.length > 0) await b.bus.ack(Queues.tasks('http'), messages.map((m) => m.id));
    const counts = new Map<string, number>();
    for (const { body } of messages) counts.set(body.runId, (counts.get(body.runId) ?? 0) + 1);
    return counts;
  }
  const repaired = async () => (await b.sql(`SELECT 1 FROM bus_epochs WHERE epoch = $1 AND repaired_at IS NOT NULL`, [await b.bus.epoch()])).length === 1;

  it('a runner applies nothing before it recorded the epoch: its first tasks are not sent again by the repair', async () => {
    await redis.flushAll();
    await httpMessagesByRun();
    const runs = await Promise.all(Array.from({ length: 5 }, () => b.create('fetch')));
    // The epoch is slow to read: a runner that applied its start messages meanwhile would see its
    // own tasks as older than the epoch and send them again.
    const slow = new Proxy(b.bus, {
      get(target, key) {
        if (key === 'epoch') return async () => (await new Promise((resolve) => setTimeout(resolve, 300)), target.epoch());
        const value = Reflect.get(target, key) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as Bus;
    await b.runner(NO_SWEEP_REPAIRS, slow);
    for (const id of runs) await b.until(`run ${id} to dispatch its task`, async () => (await b.sql(`SELECT 1 FROM task_attempts WHERE run_id = $1 AND status = 'scheduled'`, [id])).length === 1);
    await b.until('the new epoch to be repaired', repaired);
    await b.until('the relay rows to be sent', async () => (await b.sql(`SELECT 1 FROM outbox WHERE kind = 'relay'`)).length === 0);
    const counts = await httpMessagesByRun();
    expect(runs.map((id) => counts.get(id))).toEqual(runs.map(() => 1));
  });

  it('the API starts runs only once it recorded the epoch; a runner repairing that epoch leaves their tasks alone', async () => {
    await redis.flushAll();
    await httpMessagesByRun();
    const starter = createRunStarter({ store: b.store, bus: b.bus, logger: silent, metrics: new Registry(), runtime: RUNTIME });
    try {
      await b.until('the starter to record the epoch', async () => starter.ready());
      expect(await b.sql(`SELECT 1 FROM bus_epochs WHERE epoch = $1 AND repaired_at IS NULL`, [await b.bus.epoch()])).toHaveLength(1);
      const pick = (await b.store.findDefinition(NAMESPACE, 'fetch'))!;
      await starter.prepare(pick.id);
      const made = await Promise.all(Array.from({ length: 5 }, () => b.store.createAndStartPickedRun({ id: uuidv7(), definitionId: pick.id, namespace: NAMESPACE, name: 'fetch', version: '1.0.0', input: {} }, pick, starter)));
      expect(made.map((m) => m?.started)).toEqual([true, true, true, true, true]);
      await b.until('the relay rows to be sent', async () => (await b.sql(`SELECT 1 FROM outbox WHERE kind = 'relay'`)).length === 0);
      await b.runner(NO_SWEEP_REPAIRS);
      await b.until('the new epoch to be repaired', repaired);
      const counts = await httpMessagesByRun();
      expect(made.map((m) => counts.get(m!.run.id))).toEqual(made.map(() => 1));
    } finally {
      await starter.stop();
    }
  });

  it('an attempt lost without a new epoch is sent again once its stale window passes, and counted', async () => {
    await httpMessagesByRun();
    const run = await b.create('fetch');
    await b.runner(NO_SWEEP_REPAIRS);
    await b.until('its task to be on the queue', async () => (await b.bus.held(Queues.tasks('http'), undefined, 100)).some((m) => (m.body as TaskMessage).runId === run));
    await b.stopRunners();
    await httpMessagesByRun(); // taken and acked by a worker that died before its result: lost, on the same epoch
    const metrics = new Registry();
    await b.runner({ ...NO_SWEEP_REPAIRS, redispatchAfterMs: { http: 300, agent: HOUR, workflow: HOUR } }, b.bus, Date.now, metrics);
    await b.until('the stale attempt to be sent again', async () => (await b.bus.held(Queues.tasks('http'), undefined, 100)).some((m) => (m.body as TaskMessage).runId === run));
    const values = (await metrics.getSingleMetric('baton_runner_resent_tasks_total')!.get()).values;
    expect(values.find((v) => v.labels.reason === 'stale' && v.labels.kind === 'http')?.value).toBeGreaterThanOrEqual(1);
  });

  // A Redis killed and restarted from its AOF usually kept everything it acknowledged: the repair
  // sends again only the attempts the queues do not hold (Bus.held), not every one in flight.
  it('SIGKILL and a restart from the AOF: attempts the transport kept are not sent again, one it lost is', async () => {
    await httpMessagesByRun();
    const runs = await Promise.all(Array.from({ length: 6 }, () => b.create('fetch')));
    await b.runner(NO_SWEEP_REPAIRS);
    await b.until('the six tasks to be on the queue', async () => (await b.bus.held(Queues.tasks('http'), undefined, 100)).length === 6);
    expect((await b.bus.held(Queues.tasks('http'), undefined, 100)).map((m) => (m.body as TaskMessage).runId).sort()).toEqual([...runs].sort());
    await b.until('the relay rows to be deleted', async () => (await b.sql(`SELECT 1 FROM outbox WHERE kind = 'relay'`)).length === 0);
    await b.stopRunners();
    const take = (max: number) => b.bus.consume<TaskMessage>(Queues.tasks('http'), 'worker-a', { max, blockMs: 0, visibilityMs: HOUR });
    const working = await take(2); // a worker is calling these
    const [lost] = await take(1); // acked with no result: what a Redis that lost its last second would lack
    await b.bus.ack(Queues.tasks('http'), [lost!.id]);
    const [answered] = await take(1); // its result waits for a runner
    await b.bus.enqueueAndAck(Queues.runner, [{ type: 'result', runId: answered!.body.runId, attemptId: answered!.body.attemptId, status: 'completed', output: { ok: true } }], Queues.tasks('http'), [answered!.id]);
    const waiting = (await b.bus.held(Queues.tasks('http'), undefined, 100)).filter((m) => !working.some((w) => w.id === m.id));
    expect(waiting).toHaveLength(2);

    await redis.kill();
    await redis.restart();
    const metrics = new Registry();
    await b.runner(NO_SWEEP_REPAIRS, b.bus, Date.now, metrics);
    await b.until('the new epoch to be repaired', repaired);
    expect((await b.status(answered!.body.runId, 'completed', 'faulted')).status).toBe('completed');
    const resent = async (outcome: string) => (await metrics.getSingleMetric('baton_runner_resent_tasks_total')!.get()).values.find((v) => v.labels.reason === 'epoch' && v.labels.kind === 'http' && v.labels.outcome === outcome)?.value;
    // The answered one was held too when the repair came before its result was applied.
    expect([4, 5]).toContain(await resent('held'));
    expect(await resent('sent')).toBeGreaterThanOrEqual(1);
    await b.until('the relay rows to be sent', async () => (await b.sql(`SELECT 1 FROM outbox WHERE kind = 'relay'`)).length === 0);
    // (Runs of the tests above were drained from the queue: the repair sends theirs again too.)
    const held = (await b.bus.held(Queues.tasks('http'), undefined, 100)).map((m) => m.body as TaskMessage).filter((m) => runs.includes(m.runId)).map((m) => m.attemptId);
    // The two being called and the two waiting are there once each; the lost one is back; nothing else.
    expect(held.sort()).toEqual([...working, ...waiting, lost!].map((m) => (m.body as TaskMessage).attemptId).sort());
  });
});
