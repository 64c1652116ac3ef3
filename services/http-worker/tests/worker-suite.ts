// The worker loop against a real Bus adapter (in-process and Redis run the same suite).
import { Writable } from 'node:stream';
import { ErrorTypes, withGrants, type Bus, type RunnerMessage, type TaskMessage } from '@baton/core';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttpWorker, httpWorkerOptions, HTTP_TASK_QUEUE, type HttpWorker, type HttpWorkerOptions } from '../src/index.ts';
import { sendJson, startServer, type TestServer } from './test-server.ts';

export interface BusFixture {
  bus: Bus;
  cleanup(): Promise<void>;
}

const SECRET = 'very-secret-token-31337';

function task(server: TestServer, index: number, payload: Record<string, unknown> = {}): TaskMessage {
  return {
    attemptId: `run-${index}:e1`,
    runId: `run-${index}`,
    effectId: 'e1',
    kind: 'http',
    namespace: 'test',
    reference: `/do/0/call${index}`,
    name: `call${index}`,
    payload: { method: 'get', endpoint: `${server.url}/ok?i=${index}`, ...payload },
  };
}

/** Takes results from `runner` until `count` arrived or `timeoutMs` passed. */
async function collectResults(bus: Bus, count: number, timeoutMs = 10_000): Promise<RunnerMessage[]> {
  const results: RunnerMessage[] = [];
  const deadline = Date.now() + timeoutMs;
  while (results.length < count && Date.now() < deadline) {
    const messages = await bus.consume<RunnerMessage>('runner', 'test-runner', { max: 500, blockMs: 100, visibilityMs: 60_000 });
    if (messages.length === 0) continue;
    results.push(...messages.map((message) => message.body));
    await bus.ack('runner', messages.map((message) => message.id));
  }
  return results;
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function workerSuite(name: string, createFixture: () => Promise<BusFixture>): void {
  describe(`http worker loop (${name})`, () => {
    let fixture: BusFixture;
    let server: TestServer;
    let concurrent = 0;
    let maxConcurrent = 0;
    let release: () => void = () => undefined;
    let gate: Promise<void> = Promise.resolve();
    const logLines: Array<Record<string, unknown>> = [];
    const workers: HttpWorker[] = [];

    const logger = pino({ level: 'debug' }, new Writable({ write: (chunk: Buffer, _encoding, done) => (logLines.push(JSON.parse(chunk.toString())), done()) }));
    function startWorker(partial: Partial<HttpWorkerOptions>, registry = new Registry()): HttpWorker {
      const options = httpWorkerOptions({ visibilityMs: 5_000, shutdownGraceMs: 2_000, ...partial });
      const worker = createHttpWorker({ bus: fixture.bus, logger, metrics: registry, options, secrets: withGrants({ token: SECRET }, { token: ['*'] }) });
      workers.push(worker);
      void worker.start();
      return worker;
    }
    function closeGate(): void {
      gate = new Promise((resolve) => (release = resolve));
    }

    beforeAll(async () => {
      fixture = await createFixture();
      server = await startServer(async (request, response) => {
        const path = new URL(request.url, 'http://x').pathname;
        if (path === '/held') {
          concurrent++;
          maxConcurrent = Math.max(maxConcurrent, concurrent);
          await gate;
          concurrent--;
        }
        if (path === '/slow') await new Promise((resolve) => setTimeout(resolve, 1_500));
        if (path === '/missing') return sendJson(response, 404, { error: 'gone' });
        sendJson(response, 200, { path, url: request.url, key: request.headers['idempotency-key'] });
      });
    });

    afterEach(async () => {
      release();
      await Promise.all(workers.splice(0).map((worker) => worker.stop()));
      await collectResults(fixture.bus, Infinity, 200); // leftovers from a test must not leak into the next
    });

    afterAll(async () => {
      await server.close();
      await fixture.bus.close();
      await fixture.cleanup();
    });

    it('executes tasks from tasks.http and sends their results to runner', async () => {
      const registry = new Registry();
      const tasks = Array.from({ length: 40 }, (_, i) => task(server, i, i % 4 === 0 ? { endpoint: `${server.url}/missing` } : {}));
      await fixture.bus.enqueue(HTTP_TASK_QUEUE, tasks);
      startWorker({ concurrency: 8 }, registry);
      const results = await collectResults(fixture.bus, tasks.length);
      expect(results).toHaveLength(tasks.length);
      for (const [i, sent] of tasks.entries()) {
        const result = results.find((r) => r.type === 'result' && r.attemptId === sent.attemptId);
        if (i % 4 === 0) {
          expect(result).toEqual({ type: 'result', runId: sent.runId, attemptId: sent.attemptId, status: 'failed', error: expect.objectContaining({ type: ErrorTypes.communication, status: 404, instance: sent.reference }) });
        } else {
          expect(result).toEqual({ type: 'result', runId: sent.runId, attemptId: sent.attemptId, status: 'completed', output: { path: '/ok', url: `/ok?i=${i}`, key: sent.attemptId } });
        }
      }
      await until(() => true);
      expect(await fixture.bus.depth(HTTP_TASK_QUEUE)).toEqual({ waiting: 0, inFlight: 0 });
      const metrics = await registry.getMetricsAsJSON();
      const requests = metrics.find((metric) => metric.name === 'http_worker_requests_total');
      expect(requests?.values).toEqual(expect.arrayContaining([expect.objectContaining({ labels: { outcome: 'completed' }, value: 30 }), expect.objectContaining({ labels: { outcome: 'communication' }, value: 10 })]));
    });

    it('never runs more calls at once than its concurrency', async () => {
      closeGate();
      maxConcurrent = 0;
      const tasks = Array.from({ length: 12 }, (_, i) => task(server, 100 + i, { endpoint: `${server.url}/held` }));
      await fixture.bus.enqueue(HTTP_TASK_QUEUE, tasks);
      const worker = startWorker({ concurrency: 4 });
      await until(() => concurrent === 4);
      await new Promise((resolve) => setTimeout(resolve, 200)); // room for a fifth call, were the bound broken
      expect(worker.inFlight()).toBe(4);
      expect(concurrent).toBe(4);
      release();
      const results = await collectResults(fixture.bus, tasks.length);
      expect(results.filter((r) => r.type === 'result' && r.status === 'completed')).toHaveLength(12);
      expect(maxConcurrent).toBe(4);
    });

    it('stop() finishes calls within the grace period, and leaves unfinished ones unacked for another worker', async () => {
      closeGate();
      const quick = [task(server, 200, { endpoint: `${server.url}/slow` })];
      const stuck = [task(server, 201, { endpoint: `${server.url}/held` }), task(server, 202, { endpoint: `${server.url}/held` })];
      await fixture.bus.enqueue(HTTP_TASK_QUEUE, [...quick, ...stuck]);
      const first = startWorker({ concurrency: 8, visibilityMs: 1_000, shutdownGraceMs: 2_500, consumerName: 'first' });
      await until(() => first.inFlight() === 3 && concurrent === 2);
      await first.stop();
      const afterStop = await collectResults(fixture.bus, 3, 300);
      expect(afterStop.map((r) => (r.type === 'result' ? r.attemptId : ''))).toEqual([quick[0]!.attemptId]);
      expect(await fixture.bus.depth(HTTP_TASK_QUEUE)).toMatchObject({ waiting: 0, inFlight: 2 });

      release();
      startWorker({ concurrency: 8, visibilityMs: 1_000, consumerName: 'second' });
      const reclaimed = await collectResults(fixture.bus, 2);
      expect(reclaimed.map((r) => (r.type === 'result' ? r.attemptId : '')).sort()).toEqual(stuck.map((t) => t.attemptId));
      expect(reclaimed.every((r) => r.type === 'result' && r.status === 'completed')).toBe(true);
    });

    it('extends the lease of a call that outlives it', async () => {
      await fixture.bus.enqueue(HTTP_TASK_QUEUE, [task(server, 300, { endpoint: `${server.url}/slow` })]);
      // Concurrency 1: the busy worker does not consume, so only the thief could take an expired lease.
      startWorker({ concurrency: 1, visibilityMs: 500 });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const stolen = await fixture.bus.consume(HTTP_TASK_QUEUE, 'thief', { max: 10, blockMs: 0, visibilityMs: 500 });
      expect(stolen).toEqual([]);
      const results = await collectResults(fixture.bus, 1);
      expect(results).toMatchObject([{ attemptId: 'run-300:e1', status: 'completed' }]);
      expect(server.requests.filter((request) => request.headers['idempotency-key'] === 'run-300:e1')).toHaveLength(1);
    });

    it('fails an unreadable task message and logs with run, attempt and task but never the secret', async () => {
      logLines.length = 0;
      const bad = { attemptId: 'run-400:e1', runId: 'run-400', reference: '/do/0/x', kind: 'http' };
      const withSecret = task(server, 401, { endpoint: `${server.url}/missing`, headers: { authorization: { $deferred: '"Bearer " + $secrets.token', input: {}, context: {} } } });
      await fixture.bus.enqueue(HTTP_TASK_QUEUE, [bad, withSecret]);
      startWorker({ concurrency: 2 });
      const results = await collectResults(fixture.bus, 2);
      expect(results).toContainEqual({ type: 'result', runId: 'run-400', attemptId: 'run-400:e1', status: 'failed', error: expect.objectContaining({ type: ErrorTypes.runtime, instance: '/do/0/x' }) });
      expect(results).toContainEqual(expect.objectContaining({ attemptId: 'run-401:e1', status: 'failed', error: expect.objectContaining({ status: 404 }) }));
      const line = logLines.find((entry) => entry.attemptId === 'run-401:e1');
      expect(line).toMatchObject({ runId: 'run-401', task: '/do/0/call401', outcome: 'communication', status: 404 });
      expect(server.requests.find((r) => r.url === '/missing' && r.headers.authorization === `Bearer ${SECRET}`)).toBeDefined();
      expect(JSON.stringify(logLines)).not.toContain(SECRET);
      expect(JSON.stringify(results)).not.toContain(SECRET);
    });
  });
}
