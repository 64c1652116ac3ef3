// The runtime end to end, through the REST API, on both backend pairs (PGlite + in-process bus,
// PostgreSQL + Redis): the same scenarios must behave the same.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queues } from '@baton/core';
import { doc, startHarness, type Backend, type Harness } from './harness.ts';

describe.each<Backend>(['embedded', 'servers'])('runtime on %s backends', (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(backend);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('runs set, call: http and switch to the right output', async () => {
    await h.apply(
      doc('greet', [
        { prepare: { set: { who: '${ .name }', n: 2 } } },
        { fetch: { call: 'http', with: { method: 'post', endpoint: `${h.target.url}/echo`, body: { who: '${ .who }' } }, output: { as: '${ .body }' } } },
        { decide: { switch: [{ big: { when: '${ .who == "ada" }', then: 'ada' } }, { other: { then: 'end' } }] } },
        { ada: { set: { greeting: '${ "hello " + .who }' } } },
      ]),
    );
    const run = await h.runToEnd('greet', { name: 'ada' });
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ greeting: 'hello ada' });
    expect(run.startedAt).toBeTruthy();
    expect(run.endedAt).toBeTruthy();
  });

  it('keeps an append-only event log with seq 1..n and CloudEvents envelopes', async () => {
    const run = await h.runToEnd('greet', { name: 'bob' });
    const events = await h.events(run.id);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]!.type).toBe('io.serverlessworkflow.workflow.started.v1');
    expect(events.at(-1)!.type).toBe('io.serverlessworkflow.workflow.completed.v1');
    for (const e of events) expect(e).toMatchObject({ specversion: '1.0', runid: run.id, subject: run.id });
  });

  it('retries a flaky call with backoff and applies each result once', async () => {
    const id = `${backend}-flaky`;
    await h.apply(
      doc('flaky', [
        {
          attempt: {
            try: [{ call1: { call: 'http', with: { method: 'get', endpoint: `${h.target.url}/flaky/${id}?fail=2` } } }],
            catch: { errors: { with: { status: 503 } }, retry: { delay: { milliseconds: 50 }, backoff: { exponential: {} }, limit: { attempt: { count: 5 } } } },
          },
        },
      ]),
    );
    const run = await h.runToEnd('flaky');
    expect(run.status).toBe('completed');
    const retried = (await h.events(run.id)).filter((e) => e.type === 'io.serverlessworkflow.task.retried.v1');
    expect(retried.length).toBe(2);
  });

  it('faults with the spec error when a call fails uncaught', async () => {
    await h.apply(doc('broken', [{ call1: { call: 'http', with: { method: 'get', endpoint: `${h.target.url}/status/404` } } }]));
    const run = await h.runToEnd('broken');
    expect(run.status).toBe('faulted');
    expect(run.error).toMatchObject({ type: 'https://serverlessworkflow.io/spec/1.0.0/errors/communication', status: 404 });
  });

  it('runs a subflow and returns its output to the parent', async () => {
    await h.apply(doc('child', [{ double: { set: { value: '${ .x * 2 }' } } }]));
    await h.apply(doc('parent', [{ sub: { run: { workflow: { namespace: 'test', name: 'child', version: '1.0.0', input: { x: '${ .x }' } } } } }]));
    const run = await h.runToEnd('parent', { x: 21 });
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ value: 42 });
  });

  it('fires durable timers (wait) and reports waiting meanwhile', async () => {
    await h.apply(doc('sleepy', [{ nap: { wait: { milliseconds: 400 } } }, { done: { set: { ok: true } } }]));
    const started = await h.api('POST', '/api/v1/runs', { namespace: 'test', name: 'sleepy', input: {}, wait: 'PT0.15S' });
    expect(started.status).toBe(202);
    expect(['waiting', 'running', 'pending']).toContain(started.body.status);
    const finished = await h.api('POST', '/api/v1/runs', { namespace: 'test', name: 'sleepy', input: {}, wait: 'PT5S' });
    expect(finished.status).toBe(200);
    expect(finished.body.output).toEqual({ ok: true });
  });

  it('cancels a waiting run and its pending timer', async () => {
    await h.apply(doc('long-nap', [{ nap: { wait: { seconds: 30 } } }]));
    const started = await h.api('POST', '/api/v1/runs', { namespace: 'test', name: 'long-nap', input: {}, wait: 'PT0.3S' });
    const cancelled = await h.api('POST', `/api/v1/runs/${started.body.id}/cancel`);
    expect(cancelled.status).toBe(202);
    const deadline = Date.now() + 5000;
    let status = '';
    while (Date.now() < deadline && status !== 'cancelled') {
      status = (await h.api('GET', `/api/v1/runs/${started.body.id}`)).body.status;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe('cancelled');
    expect((await h.api('POST', `/api/v1/runs/${started.body.id}/cancel`)).status).toBe(409);
  });

  it('resumes a listen when a matching CloudEvent is posted', async () => {
    await h.apply(
      doc('listener', [
        { hear: { listen: { to: { one: { with: { type: 'com.example.ping', source: 'https://tests.example/' } } } } } },
        { after: { set: { heard: true } } },
      ]),
    );
    const started = await h.api('POST', '/api/v1/runs', { namespace: 'test', name: 'listener', input: {}, wait: 'PT0.3S' });
    expect(started.body.status).toBe('waiting');
    const posted = await h.api('POST', '/api/v1/events', { specversion: '1.0', id: `${backend}-e1`, source: 'https://tests.example/', type: 'com.example.ping', data: { n: 1 } });
    expect(posted.status).toBe(202);
    expect(posted.body.matched).toBe(1);
    const deadline = Date.now() + 5000;
    let run: any;
    while (Date.now() < deadline) {
      run = (await h.api('GET', `/api/v1/runs/${started.body.id}`)).body;
      if (run.status === 'completed') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ heard: true });
  });

  it('appends events without a decision (audit trails, token chunks) with the next seqs', async () => {
    await h.apply(doc('note', [{ s: { set: { ok: true } } }]));
    const run = await h.runToEnd('note');
    const before = await h.events(run.id);
    await h.baton.bus.enqueue(Queues.runner, [{ type: 'events', runId: run.id, events: [{ type: 'dev.baton.test.note.v1', data: { n: 1 } }, { type: 'dev.baton.test.note.v1', data: { n: 2 } }] }]);
    const deadline = Date.now() + 5000;
    let after = before;
    while (Date.now() < deadline && after.length < before.length + 2) {
      await new Promise((r) => setTimeout(r, 50));
      after = await h.events(run.id);
    }
    expect(after.slice(before.length).map((e) => [e.seq, e.type, e.data.n])).toEqual([
      [before.length + 1, 'dev.baton.test.note.v1', 1],
      [before.length + 2, 'dev.baton.test.note.v1', 2],
    ]);
    expect((await h.api('GET', `/api/v1/runs/${run.id}`)).body.status).toBe('completed');
  });

  it('ignores a duplicate delivery of a task result', async () => {
    await h.apply(doc('once', [{ call1: { call: 'http', with: { method: 'get', endpoint: `${h.target.url}/once` } } }, { mark: { set: { done: true } } }]));
    const run = await h.runToEnd('once');
    const before = await h.events(run.id);
    // The real attempt of call1, as the http-worker would deliver it again (a redelivered message).
    const [attempt] = await h.baton.store.listAttempts(run.id);
    expect(attempt).toMatchObject({ kind: 'http', status: 'completed' });
    const firstResult = attempt!.result;
    // The duplicate, then a marker appended to the same run, in one enqueue (one batch): once the
    // marker is in the log, the duplicate went through the runner.
    await h.baton.bus.enqueue(Queues.runner, [
      { type: 'result', runId: run.id, attemptId: attempt!.id, status: 'completed', output: { again: true } },
      { type: 'events', runId: run.id, events: [{ type: 'dev.baton.test.marker.v1', data: {} }] },
    ]);
    let events = await h.events(run.id);
    for (const deadline = Date.now() + 10_000; !events.some((e) => e.type === 'dev.baton.test.marker.v1') && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 50));
      events = await h.events(run.id);
    }
    expect(events.map((e) => e.type)).toEqual([...before.map((e) => e.type), 'dev.baton.test.marker.v1']);
    // The attempt keeps its first outcome: the duplicate was dropped by the store, not overwritten.
    expect((await h.baton.store.listAttempts(run.id))[0]!.result).toEqual(firstResult);
    expect((await h.api('GET', `/api/v1/runs/${run.id}`)).body.output).toEqual({ done: true });
  });
});

describe('runtime on servers backends, across restarts', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('servers');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('keeps a pending timer across a restart of every service', async () => {
    await h.apply(doc('restart-nap', [{ nap: { wait: { milliseconds: 800 } } }, { done: { set: { survived: true } } }]));
    const started = await h.api('POST', '/api/v1/runs', { namespace: 'test', name: 'restart-nap', input: {}, wait: 'PT0.2S' });
    expect(started.body.status).toBe('waiting');
    await h.restart();
    const deadline = Date.now() + 10_000;
    let run: any;
    while (Date.now() < deadline) {
      run = (await h.api('GET', `/api/v1/runs/${started.body.id}`)).body;
      if (run.status === 'completed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(run.output).toEqual({ survived: true });
  });
});
