// The queue-worker shell against both Bus adapters (in-process and the machine's Redis): bounded
// concurrency, results through the ResultPublisher, lease renewal and loss, invalid messages,
// crashes, and the graceful stop.
import { randomUUID } from 'node:crypto';
import { createBus } from '@baton/bus';
import { ErrorTypes, Queues, type Bus, type RunnerMessage } from '@baton/core';
import { createTestRedis, type TestRedis } from '@baton/testkit';
import { pino } from 'pino';
import { Gauge, Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createQueueWorker, LeaseLostError, taskMessageSchema, WorkerStoppingError, type QueueWorker, type QueueWorkerOptions, type QueueWorkerSpec, type TaskContext, type TaskOutcome } from '../src/index.ts';

const logger = pino({ level: 'silent' });
const Schema = taskMessageSchema('test', z.object({ n: z.number() }));
type Task = z.infer<typeof Schema>;

function task(n: number): Task {
  return { attemptId: `run-${n}:e1`, runId: `run-${n}`, effectId: 'e1', kind: 'test', namespace: 'test', reference: `/do/${n}`, name: `t${n}`, payload: { n } };
}

const completed = (t: Task): TaskOutcome => ({ result: { type: 'result', runId: t.runId, attemptId: t.attemptId, status: 'completed', output: t.payload.n * 2 } });

/** A promise and its resolver, to hold a handler until the test lets it go. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => undefined as void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

const aborted = (signal: AbortSignal) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function suite(name: string, open: () => Promise<{ bus: Bus; cleanup(): Promise<void> }>, canSteal: boolean): void {
  describe(`queue-worker shell (${name})`, () => {
    let bus: Bus;
    let cleanup: () => Promise<void>;
    let queue = '';
    const workers: QueueWorker[] = [];

    beforeAll(async () => {
      ({ bus, cleanup } = await open());
    });
    afterEach(async () => {
      await Promise.all(workers.splice(0).map((worker) => worker.stop()));
      await takeResults(Infinity, 100); // a test's leftovers must not reach the next one
    });
    afterAll(async () => {
      await bus.close();
      await cleanup();
    });

    function start(spec: Partial<QueueWorkerSpec<Task>> & Pick<QueueWorkerSpec<Task>, 'handle'>, options: Partial<QueueWorkerOptions> = {}): QueueWorker {
      queue = options.queue ?? queue;
      const worker = createQueueWorker(bus, logger, { queue, consumerName: `w-${randomUUID().slice(0, 6)}`, concurrency: 4, visibilityMs: 5_000, shutdownGraceMs: 1_000, ...options }, { name: 'test worker', schema: Schema, onInvalid: 'fail', ...spec });
      workers.push(worker);
      return worker;
    }

    /** Results the shell sent to `runner` (the suite's bus is its own, so they are this suite's). */
    async function takeResults(count: number, timeoutMs = 5_000): Promise<RunnerMessage[]> {
      const results: RunnerMessage[] = [];
      const deadline = Date.now() + timeoutMs;
      while (results.length < count && Date.now() < deadline) {
        const messages = await bus.consume<RunnerMessage>(Queues.runner, 'test-runner', { max: 100, blockMs: 50, visibilityMs: 60_000 });
        results.push(...messages.map((m) => m.body));
        if (messages.length > 0) await bus.ack(Queues.runner, messages.map((m) => m.id));
      }
      return results;
    }

    // Every test gets queues of its own.
    const fresh = () => (queue = `tasks.test-${randomUUID().slice(0, 8)}`);

    it('runs at most `concurrency` handlers at once, publishes their results and acks', async () => {
      fresh();
      const registry = new Registry();
      const inFlight = new Gauge({ name: 'test_in_flight', help: 'tasks executing', registers: [registry] });
      const held = gate();
      let running = 0;
      let most = 0;
      const worker = start({
        inFlight,
        async handle(t) {
          running += 1;
          most = Math.max(most, running);
          await held.promise;
          running -= 1;
          return completed(t);
        },
      }, { concurrency: 3 });
      await bus.enqueue(queue, Array.from({ length: 7 }, (_, i) => task(i)));
      await worker.start();
      await until(() => running === 3);
      expect(worker.inFlight()).toBe(3);
      expect((await inFlight.get()).values[0]?.value).toBe(3);
      held.open();
      const results = await takeResults(7);
      expect(results.map((r) => (r.type === 'result' && r.status === 'completed' ? r.output : undefined)).sort((a, b) => Number(a) - Number(b))).toEqual([0, 2, 4, 6, 8, 10, 12]);
      expect(most).toBe(3);
      await until(async () => (await bus.depth(queue)).inFlight === 0);
      expect(await bus.depth(queue)).toEqual({ waiting: 0, inFlight: 0 });
      expect((await inFlight.get()).values[0]?.value).toBe(0);
    });

    /** A worker whose tasks wait for `held`, running task 1; `handled`: the payloads it started. */
    async function runningTaskOne(): Promise<{ held: ReturnType<typeof gate>; handled: number[] }> {
      fresh();
      const held = gate();
      const handled: number[] = [];
      const worker = start({
        async handle(t) {
          handled.push(t.payload.n);
          await held.promise;
          return completed(t);
        },
      });
      await bus.enqueue(queue, [task(1)]);
      await worker.start();
      await until(() => handled.length === 1);
      return { held, handled };
    }

    it('a copy of an attempt running here is acked without running it; its result comes once', async () => {
      const { held, handled } = await runningTaskOne();
      await bus.enqueue(queue, [task(1), task(2)]); // a sweeper sends attempt 1 again while it runs
      await until(() => handled.length === 2);
      await until(async () => (await bus.depth(queue)).inFlight === 2); // the copy is acked, the two running are not
      expect(handled).toEqual([1, 2]);
      held.open();
      const results = await takeResults(2);
      expect(results.map((r) => (r.type === 'result' ? r.attemptId : undefined)).sort()).toEqual(['run-1:e1', 'run-2:e1']);
      expect(await takeResults(1, 300)).toEqual([]);
      await bus.enqueue(queue, [task(1)]); // a copy after it finished runs (the runner drops its result)
      await until(() => handled.length === 3);
      expect(await takeResults(1)).toHaveLength(1);
    });

    it('another message under the attempt of a running task is not a copy: it runs', async () => {
      const { held, handled } = await runningTaskOne();
      // The same attempt with another payload (as an approval's notice for its next level is).
      await bus.enqueue(queue, [{ ...task(1), payload: { n: 7 } }]);
      await until(() => handled.length === 2);
      expect(handled).toEqual([1, 7]);
      held.open();
      expect(await takeResults(2)).toHaveLength(2);
    });

    it("acks on 'ack' without a result; a handler that throws leaves its message to be redelivered", async () => {
      fresh();
      const deliveries: number[] = [];
      const worker = start({
        async handle(_t, context) {
          deliveries.push(context.deliveries);
          if (context.deliveries === 1) throw new Error('boom');
          return 'ack';
        },
      }, { visibilityMs: 300 });
      await bus.enqueue(queue, [task(1)]);
      await worker.start();
      await until(() => deliveries.length === 2);
      expect(deliveries).toEqual([1, 2]);
      await until(async () => (await bus.depth(queue)).inFlight === 0);
      expect(await takeResults(1, 200)).toEqual([]);
    });

    it('keeps the lease of a task that outlives it (no other consumer can take it)', async () => {
      fresh();
      const held = gate();
      let started = false;
      const worker = start({
        async handle(t) {
          started = true;
          await held.promise;
          return completed(t);
        },
      }, { visibilityMs: 300 });
      await bus.enqueue(queue, [task(5)]);
      await worker.start();
      await until(() => started);
      await new Promise((resolve) => setTimeout(resolve, 900)); // three leases long
      expect(await bus.consume(queue, 'thief', { max: 10, blockMs: 0, visibilityMs: 300 })).toEqual([]);
      held.open();
      expect(await takeResults(1)).toMatchObject([{ attemptId: 'run-5:e1', status: 'completed', output: 10 }]);
    });

    it('aborts a task whose lease was lost (the message was finished elsewhere) and publishes nothing for it', async () => {
      fresh();
      let context: TaskContext | undefined;
      const worker = start({
        async handle(_t, ctx) {
          context = ctx;
          await aborted(ctx.signal);
          return 'abandon';
        },
      }, { visibilityMs: 300 });
      await bus.enqueue(queue, [task(7)]);
      await worker.start();
      await until(() => context !== undefined);
      await bus.ack(queue, [context!.messageId]); // another worker finished it: the lease is gone
      await until(() => context!.signal.aborted);
      expect(context!.signal.reason).toBeInstanceOf(LeaseLostError);
      await until(() => worker.inFlight() === 0);
      expect(await takeResults(1, 200)).toEqual([]);
    });

    if (canSteal) it('aborts a task another consumer reclaimed', async () => {
      fresh();
      let context: TaskContext | undefined;
      const worker = start({
        async handle(_t, ctx) {
          context = ctx;
          await aborted(ctx.signal);
          throw ctx.signal.reason;
        },
      }, { visibilityMs: 600 });
      await bus.enqueue(queue, [task(8)]);
      await worker.start();
      await until(() => context !== undefined);
      // A consumer whose leases are 1 ms long reclaims whatever has been idle longer than that.
      await new Promise((resolve) => setTimeout(resolve, 20));
      const stolen = await bus.consume(queue, 'thief', { max: 10, blockMs: 0, visibilityMs: 1 });
      expect(stolen.map((m) => m.deliveries)).toEqual([2]);
      await until(() => context!.signal.aborted);
      expect(context!.signal.reason).toBeInstanceOf(LeaseLostError);
      await bus.ack(queue, stolen.map((m) => m.id));
    });

    it('fails an invalid message that names its run and attempt; drops one that does not', async () => {
      fresh();
      const handled: Task[] = [];
      const worker = start({
        async handle(t) {
          handled.push(t);
          return completed(t);
        },
      });
      const named = { runId: 'run-bad', attemptId: 'run-bad:e1', reference: '/do/0/bad', kind: 'test', payload: { n: 'x' } };
      await bus.enqueue(queue, [named, { hello: 'world' }, 'not even an object', task(3)]);
      await worker.start();
      const results = await takeResults(2);
      expect(results).toContainEqual({
        type: 'result', runId: 'run-bad', attemptId: 'run-bad:e1', status: 'failed',
        error: expect.objectContaining({ type: ErrorTypes.runtime, status: 500, title: 'Invalid task message', instance: '/do/0/bad', detail: expect.stringContaining('the test worker could not read this task') }),
      });
      expect(results).toContainEqual(expect.objectContaining({ attemptId: 'run-3:e1', status: 'completed' }));
      expect(await takeResults(1, 300)).toEqual([]);
      expect(handled.map((t) => t.runId)).toEqual(['run-3']);
      await until(async () => (await bus.depth(queue)).inFlight === 0);
      expect(await bus.depth(queue)).toEqual({ waiting: 0, inFlight: 0 });
    });

    it("with onInvalid 'drop', acks an invalid message even when it names a run", async () => {
      fresh();
      const worker = start({ onInvalid: 'drop', handle: async (t) => completed(t) });
      await bus.enqueue(queue, [{ runId: 'run-bad', attemptId: 'run-bad:e1', kind: 'other' }]);
      await worker.start();
      await until(async () => (await bus.depth(queue)).inFlight === 0 && (await bus.depth(queue)).waiting === 0);
      expect(await takeResults(1, 300)).toEqual([]);
    });

    it('stop() lets calls finish within the grace period, then aborts the rest and leaves them unacked', async () => {
      fresh();
      const quick = gate();
      const contexts = new Map<number, TaskContext>();
      let abortedAfterMs: number | undefined;
      let stopAt = 0;
      const worker = start({
        async handle(t, ctx) {
          contexts.set(t.payload.n, ctx);
          if (t.payload.n === 1) {
            await quick.promise;
            return completed(t);
          }
          await aborted(ctx.signal); // a call that would run on for ever
          abortedAfterMs = Date.now() - stopAt;
          return 'abandon';
        },
      }, { visibilityMs: 500, shutdownGraceMs: 400 });
      await bus.enqueue(queue, [task(1), task(2)]);
      await worker.start();
      await until(() => contexts.size === 2);
      stopAt = Date.now();
      const stopped = worker.stop();
      setTimeout(quick.open, 100); // finishes inside the grace period
      await stopped;
      expect(contexts.get(1)!.signal.aborted).toBe(false);
      expect(contexts.get(2)!.signal.reason).toBeInstanceOf(WorkerStoppingError);
      expect(abortedAfterMs).toBeGreaterThanOrEqual(390); // it waited the grace out first
      expect(await takeResults(1)).toMatchObject([{ attemptId: 'run-1:e1', status: 'completed' }]);
      expect(await bus.depth(queue)).toEqual({ waiting: 0, inFlight: 1 });

      // The task left behind is another worker's once its lease runs out.
      const deliveries: number[] = [];
      const second = start({ handle: async (t, ctx) => (deliveries.push(ctx.deliveries), completed(t)) }, { visibilityMs: 500 });
      await second.start();
      expect(await takeResults(1)).toMatchObject([{ attemptId: 'run-2:e1', status: 'completed', output: 4 }]);
      expect(deliveries).toEqual([2]);
    });

    it('stop() with nothing in flight returns without waiting for the grace period', async () => {
      fresh();
      const worker = start({ handle: async (t) => completed(t) }, { shutdownGraceMs: 60_000 });
      await worker.start();
      await worker.stop(); // would time the test out if it waited
      expect(worker.inFlight()).toBe(0);
    });
  });
}

suite('in-process bus', async () => ({ bus: createBus({ kind: 'memory' }), cleanup: async () => undefined }), false);

let redis: TestRedis | undefined;
suite('redis bus', async () => {
  redis = await createTestRedis();
  return { bus: createBus({ kind: 'redis', url: redis.url, prefix: redis.prefix }), cleanup: () => redis!.cleanup() };
}, true);
