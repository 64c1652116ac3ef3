// POST /api/v1/runs taking the run's first step in the transaction that creates it (@baton/engine
// start.ts), on a real store and bus and without a runner: what the API leaves behind must be
// exactly what a runner's start would — the run started, its events, its first task on its queue,
// no start message — and a start only a runner does on time (a short timer) is left to the runner.
import type { RunEventRecord, RunnerMessage, TaskMessage } from '@baton/core';
import { Queues } from '@baton/core';
import { INLINE_TIMER_HORIZON_MS } from '@baton/engine';
import { describe, expect, it } from 'vitest';
import { type Harness, sleep, uniqueNamespace } from '../harness.ts';

async function register(h: Harness, namespace: string, name: string, tasks: string[]): Promise<void> {
  const yaml = ['document:', "  dsl: '1.0.0'", `  namespace: ${namespace}`, `  name: ${name}`, "  version: '1.0.0'", 'do:', ...tasks, ''].join('\n');
  const response = await h.request({ method: 'POST', url: '/api/v1/workflows', headers: { 'content-type': 'application/yaml' }, payload: yaml });
  if (response.statusCode !== 201) throw new Error(`register failed: ${response.statusCode} ${response.body}`);
}

const CALL = ['  - fetch:', '      call: http', '      with:', '        method: post', '        endpoint: http://127.0.0.1:9/inline'];
const SET = ['  - greet:', '      set:', '        message: ${ "hi " + .name }'];

async function drain<T>(h: Harness, queue: string): Promise<T[]> {
  const messages = await h.bus.consume<T>(queue, 'inline-start-test', { max: 1000, blockMs: 0, visibilityMs: 60_000 });
  if (messages.length > 0) await h.bus.ack(queue, messages.map((m) => m.id));
  return messages.map((m) => m.body);
}

async function eventTypes(h: Harness, runId: string): Promise<string[]> {
  const types = (await h.store.listEvents(runId, 0, 100)).map((e: RunEventRecord) => e.type.replace('io.serverlessworkflow.', '').replace('.v1', ''));
  return types;
}

/** The outbox rows that name the run (relay rows left behind would be sent again by a sweeper). */
async function outboxRows(h: Harness, runId: string): Promise<number> {
  return (await h.sql(`SELECT 1 FROM outbox WHERE run_id = $1 OR body::text LIKE '%' || $1 || '%'`, [runId])).length;
}

export function inlineStartSuite(harness: () => Harness): void {
  describe('runs started by the API', () => {
    it('a new run is started in its creating transaction: 201 running, its events, its first task queued, no start message', async () => {
      const h = harness();
      const ns = uniqueNamespace();
      await register(h, ns, 'fetcher', CALL);
      await drain(h, Queues.runner);
      const response = await h.request({ method: 'POST', url: '/api/v1/runs', payload: { namespace: ns, name: 'fetcher', input: { n: 1 } } });
      expect(response.statusCode).toBe(201);
      const run = response.json();
      expect(run).toMatchObject({ namespace: ns, name: 'fetcher', status: 'running', input: { n: 1 } });
      expect(run.startedAt).toBeDefined();
      expect((await h.request({ method: 'GET', url: `/api/v1/runs/${run.id}` })).json()).toEqual(run);
      expect(await eventTypes(h, run.id)).toEqual(['workflow.started', 'task.created', 'task.started']);
      const tasks = await drain<TaskMessage>(h, Queues.tasks('http'));
      expect(tasks.filter((t) => t.runId === run.id)).toEqual([expect.objectContaining({ runId: run.id, kind: 'http', reference: '/do/0/fetch' })]);
      expect((await drain<RunnerMessage>(h, Queues.runner)).filter((m) => m.runId === run.id)).toEqual([]);
      const attempts = await h.store.listAttempts(run.id);
      expect(attempts).toEqual([expect.objectContaining({ status: 'scheduled', kind: 'http' })]);
      const metrics = await h.registry.metrics();
      expect(metrics).toContain(`runs_started_total{namespace="${ns}"} 1`);
      expect(metrics).toContain(`baton_runs_started_total{namespace="${ns}"} 1`);
    });

    it('a run that ends in its first step answers 201 with its outcome, and with wait 200 at once', async () => {
      const h = harness();
      const ns = uniqueNamespace();
      await register(h, ns, 'greeter', SET);
      const response = await h.request({ method: 'POST', url: '/api/v1/runs', payload: { namespace: ns, name: 'greeter', input: { name: 'Ada' } } });
      expect(response.statusCode).toBe(201);
      const run = response.json();
      expect(run).toMatchObject({ status: 'completed', output: { message: 'hi Ada' } });
      expect(run.endedAt).toBeDefined();
      // The answer is the run as stored, to the millisecond.
      expect((await h.request({ method: 'GET', url: `/api/v1/runs/${run.id}` })).json()).toEqual(run);
      expect(await eventTypes(h, run.id)).toEqual(['workflow.started', 'task.created', 'task.started', 'task.completed', 'workflow.completed']);

      const waited = await h.request({ method: 'POST', url: '/api/v1/runs', payload: { namespace: ns, name: 'greeter', input: { name: 'Bo' }, wait: 'PT30S' } });
      expect(waited.statusCode).toBe(200);
      expect(waited.json()).toMatchObject({ status: 'completed', output: { message: 'hi Bo' } });
      expect(await h.registry.metrics()).toContain(`baton_runs_finished_total{namespace="${ns}",status="completed"} 2`);
    });

    it('an idempotency key starts its run once', async () => {
      const h = harness();
      const ns = uniqueNamespace();
      await register(h, ns, 'fetcher', CALL);
      await drain(h, Queues.tasks('http'));
      const answers = await Promise.all(Array.from({ length: 5 }, () => h.request({ method: 'POST', url: '/api/v1/runs', payload: { namespace: ns, name: 'fetcher', idempotencyKey: 'once' } })));
      expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 200, 200, 200, 201]);
      const ids = new Set(answers.map((a) => a.json().id));
      expect(ids.size).toBe(1);
      const [id] = [...ids];
      expect(await eventTypes(h, id!)).toEqual(['workflow.started', 'task.created', 'task.started']);
      expect((await drain<TaskMessage>(h, Queues.tasks('http'))).filter((t) => t.runId === id)).toHaveLength(1);
    });

    it(`a start writing a timer due within ${INLINE_TIMER_HORIZON_MS / 1000} s is left to the runner; a later timer is written by the API`, async () => {
      const h = harness();
      const ns = uniqueNamespace();
      await register(h, ns, 'short', ['  - pause:', '      wait: PT0.5S']);
      await register(h, ns, 'long', ['  - pause:', '      wait: PT1H']);
      await drain(h, Queues.runner);
      const short = (await h.request({ method: 'POST', url: '/api/v1/runs', payload: { namespace: ns, name: 'short' } })).json();
      expect(short.status).toBe('pending');
      expect(await eventTypes(h, short.id)).toEqual([]);
      expect(await drain<RunnerMessage>(h, Queues.runner)).toContainEqual({ type: 'start', runId: short.id });
      const long = (await h.request({ method: 'POST', url: '/api/v1/runs', payload: { namespace: ns, name: 'long' } })).json();
      expect(long.status).toBe('waiting');
      expect(await eventTypes(h, long.id)).toEqual(['workflow.started', 'task.created', 'task.started']);
      expect((await drain<RunnerMessage>(h, Queues.runner)).filter((m) => m.runId === long.id)).toEqual([]);
    });

    it('a start the database refuses is left to the runner: the run is created and its start message sent', async () => {
      const h = harness();
      const ns = uniqueNamespace();
      await register(h, ns, 'refused', CALL);
      await drain(h, Queues.runner);
      // The first task's attempt row of this namespace's runs is refused (as a row the database cannot store would be).
      const refuse = `refuse_${ns.replaceAll('-', '_')}`;
      await h.sql(`CREATE FUNCTION ${refuse}() RETURNS trigger AS $$ BEGIN
        IF EXISTS (SELECT 1 FROM runs WHERE id = NEW.run_id AND namespace = '${ns}') THEN RAISE EXCEPTION 'attempt refused for the test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
      await h.sql(`CREATE TRIGGER ${refuse} BEFORE INSERT ON task_attempts FOR EACH ROW EXECUTE FUNCTION ${refuse}()`);
      try {
        const response = await h.request({ method: 'POST', url: '/api/v1/runs', payload: { namespace: ns, name: 'refused' } });
        expect(response.statusCode).toBe(201);
        const run = response.json();
        expect(run.status).toBe('pending');
        expect(await h.store.getRun(run.id)).toMatchObject({ status: 'pending' });
        expect(await eventTypes(h, run.id)).toEqual([]);
        expect(await drain<RunnerMessage>(h, Queues.runner)).toContainEqual({ type: 'start', runId: run.id });
        expect(h.logs.some((line) => line.msg === 'could not start a run in its creating transaction; the runner starts it')).toBe(true);
      } finally {
        await h.sql(`DROP TRIGGER ${refuse} ON task_attempts`);
        await h.sql(`DROP FUNCTION ${refuse}()`);
      }
    });

    it('concurrent starts share a transaction; a declined or refused one among them does not hold the others back', async () => {
      const h = harness();
      const ns = uniqueNamespace();
      await register(h, ns, 'fetcher', CALL);
      await register(h, ns, 'short', ['  - pause:', '      wait: PT0.5S']);
      await register(h, ns, 'refused', CALL);
      await drain(h, Queues.runner);
      const refuse = `refuse_${ns.replaceAll('-', '_')}`;
      await h.sql(`CREATE FUNCTION ${refuse}() RETURNS trigger AS $$ BEGIN
        IF EXISTS (SELECT 1 FROM runs WHERE id = NEW.run_id AND namespace = '${ns}' AND name = 'refused') THEN RAISE EXCEPTION 'attempt refused for the test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
      await h.sql(`CREATE TRIGGER ${refuse} BEFORE INSERT ON task_attempts FOR EACH ROW EXECUTE FUNCTION ${refuse}()`);
      try {
        const names = ['fetcher', 'short', 'fetcher', 'refused', 'fetcher', 'fetcher'];
        const answers = await Promise.all(names.map((name) => h.request({ method: 'POST', url: '/api/v1/runs', payload: { namespace: ns, name } })));
        expect(answers.map((a) => a.statusCode)).toEqual(names.map(() => 201));
        const runs = answers.map((a) => a.json());
        expect(runs.map((r) => r.status)).toEqual(['running', 'pending', 'running', 'pending', 'running', 'running']);
        const starts = (await drain<RunnerMessage>(h, Queues.runner)).filter((m) => m.type === 'start').map((m) => m.runId);
        expect(starts.sort()).toEqual([runs[1].id, runs[3].id].sort());
        for (const run of runs.filter((r) => r.status === 'running')) expect(await eventTypes(h, run.id)).toEqual(['workflow.started', 'task.created', 'task.started']);
      } finally {
        await h.sql(`DROP TRIGGER ${refuse} ON task_attempts`);
        await h.sql(`DROP FUNCTION ${refuse}()`);
      }
    });

    it('leaves no outbox row behind once relayed', async () => {
      const h = harness();
      const ns = uniqueNamespace();
      await register(h, ns, 'fetcher', CALL);
      const run = (await h.request({ method: 'POST', url: '/api/v1/runs', payload: { namespace: ns, name: 'fetcher' } })).json();
      const deadline = Date.now() + 5_000;
      while ((await outboxRows(h, run.id)) > 0 && Date.now() < deadline) await sleep(20);
      expect(await outboxRows(h, run.id)).toBe(0);
      await drain(h, Queues.tasks('http'));
    });
  });
}
