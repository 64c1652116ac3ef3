// Schedules through the REST API, on both backend pairs (PGlite + in-process bus, PostgreSQL +
// Redis): the specification's event-scheduled example started by a posted CloudEvent with it as
// input; `every` ticks; pause, resume, trigger now; versions moving the schedule; what started
// each run, in its record and its workflow.started event. Exactly-once ticks with two runners and
// two orchestrators under kill -9 are in tests/chaos/schedules.test.ts; the tick arithmetic, cron
// and DST in packages/core/src/document/schedule.test.ts; policies in packages/engine/tests.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { doc, startHarness, type Backend, type Harness } from './harness.ts';

const EXAMPLES = new URL('../../packages/core/tests/fixtures/serverless-workflow/examples/', import.meta.url);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each<Backend>(['embedded', 'servers'])('schedules on %s backends', (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(backend);
  });
  afterAll(async () => {
    await h?.close();
  });

  async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(50);
    }
  }
  const runsOf = async (scheduleId: string) => (await h.api<{ items: any[] }>('GET', `/api/v1/runs?scheduleId=${scheduleId}&limit=200`)).body.items;
  const scheduleOf = async (namespace: string, name: string) => (await h.api<{ items: any[] }>('GET', `/api/v1/schedules?namespace=${namespace}&name=${name}`)).body.items[0];

  it("set-expression.yaml: an event posted to the API starts a run whose input is [event] (the spec's example, as YAML)", async () => {
    const yaml = readFileSync(new URL('set-expression.yaml', EXAMPLES), 'utf8').replace('namespace: test', 'namespace: sched-example');
    const registered = await h.api('POST', '/api/v1/workflows', yaml, 'application/yaml');
    expect(registered.status).toBe(201);
    expect(registered.body.schedule).toMatchObject({ kind: 'on', state: 'active', schedule: { on: { one: { with: { type: 'io.serverlessworkflow.samples.events.trigger.v1' } } } }, nextTicks: [] });
    const event = { specversion: '1.0', id: 'trigger-1', source: 'https://example.com/tests', type: 'io.serverlessworkflow.samples.events.trigger.v1', data: { greeting: 'hello' } };
    const posted = await h.api('POST', '/api/v1/events', event);
    expect(posted.status).toBe(202);
    expect(posted.body.runs).toHaveLength(1);
    const runId = posted.body.runs[0];
    const run = await until('the event-started run to complete', async () => {
      const r = (await h.api('GET', `/api/v1/runs/${runId}`)).body;
      return r.status === 'completed' ? r : undefined;
    });
    expect(run.output).toEqual(event);
    expect(run.input).toEqual([event]);
    expect(run.trigger).toEqual({ kind: 'event', scheduleId: registered.body.schedule.id, eventId: 'trigger-1', source: 'https://example.com/tests' });
    const started = (await h.events(runId)).find((e) => e.type === 'io.serverlessworkflow.workflow.started.v1');
    expect(started?.data.trigger).toEqual(run.trigger);
    // The same event again (same source and id) starts nothing more; another event does.
    expect((await h.api('POST', '/api/v1/events', event)).body.runs).toEqual([]);
    expect((await h.api('POST', '/api/v1/events', { ...event, id: 'trigger-2' })).body.runs).toHaveLength(1);
    expect((await h.api('POST', '/api/v1/events', { ...event, id: 'trigger-3', type: 'other.type' })).body.runs).toEqual([]);
  });

  it('every: ticks start runs with a schedule trigger; pause stops them, resume restarts them, trigger starts one now', async () => {
    const registered = await h.api('POST', '/api/v1/workflows', doc('ticker', [{ note: { set: { at: '${ $workflow.input }' } } }], { schedule: { every: 'PT1S' } }));
    expect(registered.status).toBe(201);
    const id = registered.body.schedule.id;
    expect(registered.body.schedule).toMatchObject({ kind: 'every', state: 'active', overlap: 'allow', catchUp: 'skip', catchUpWindow: 'PT60S', catchUpLimit: 100 });
    expect(registered.body.schedule.nextTicks).toHaveLength(5);
    const ticks = registered.body.schedule.nextTicks.map((t: string) => Date.parse(t));
    expect(ticks.slice(1).map((t: number, i: number) => t - ticks[i])).toEqual([1000, 1000, 1000, 1000]);

    const runs = await until('three scheduled runs', async () => {
      const items = await runsOf(id);
      return items.length >= 3 ? items : undefined;
    });
    for (const run of runs) {
      expect(run.scheduleId).toBe(id);
      expect(run.trigger).toMatchObject({ kind: 'schedule', scheduleId: id });
      // Every tick is on the schedule's phase: a whole number of seconds from the announced ones.
      expect(Math.abs(Date.parse(run.trigger.tick) - ticks[0]) % 1000).toBe(0);
    }
    const tickTimes = runs.map((r: any) => Date.parse(r.trigger.tick)).sort();
    expect(new Set(tickTimes).size).toBe(tickTimes.length);
    const done = await until('a scheduled run to complete', async () => (await runsOf(id)).find((r) => r.status === 'completed'));
    const started = (await h.events(done.id)).find((e) => e.type === 'io.serverlessworkflow.workflow.started.v1');
    expect(started?.data.trigger).toEqual(done.trigger);

    const paused = await h.api('POST', `/api/v1/schedules/${id}/pause`);
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ state: 'paused', nextTicks: [] });
    await sleep(300); // a tick claimed before the pause may still be committing
    const atPause = (await runsOf(id)).length;
    await sleep(2_500);
    expect((await runsOf(id)).length).toBe(atPause);
    expect((await h.api('GET', `/api/v1/schedules/${id}`)).body.ticks).toBe(atPause);

    const triggered = await h.api('POST', `/api/v1/schedules/${id}/trigger`);
    expect(triggered.status).toBe(202);
    expect(triggered.body.runId).toEqual(expect.any(String));
    const manual = (await h.api('GET', `/api/v1/runs/${triggered.body.runId}`)).body;
    expect(manual.trigger).toMatchObject({ kind: 'schedule', scheduleId: id, manual: true });

    const resumed = await h.api('POST', `/api/v1/schedules/${id}/resume`);
    expect(resumed.body.state).toBe('active');
    expect(Date.parse(resumed.body.nextTicks[0])).toBeGreaterThan(Date.now() - 1000);
    await until('ticks after resume', async () => ((await runsOf(id)).length >= atPause + 3 ? true : undefined));
    await h.api('POST', `/api/v1/schedules/${id}/pause`);
  });

  it('versions: a newer version takes the schedule over, an older one changes nothing, one without a schedule stops it', async () => {
    const v = (version: string, schedule?: object) => ({ document: { dsl: '1.0.0', namespace: 'test', name: 'versioned', version }, ...(schedule && { schedule }), do: [{ s: { set: { v: version } } }] });
    const first = await h.api('POST', '/api/v1/workflows', v('1.0.0', { cron: '0 0 * * *' }));
    const id = first.body.schedule.id;
    expect(first.body.schedule).toMatchObject({ version: '1.0.0', kind: 'cron' });
    await h.api('POST', `/api/v1/schedules/${id}/pause`);
    const second = await h.api('POST', '/api/v1/workflows', v('2.0.0', { cron: '30 6 * * *' }));
    expect(second.body.schedule).toMatchObject({ id, version: '2.0.0', kind: 'cron', state: 'paused', schedule: { cron: '30 6 * * *' } });
    const older = await h.api('POST', '/api/v1/workflows', v('1.5.0', { every: 'PT1H' }));
    expect(older.body.schedule).toMatchObject({ id, version: '2.0.0' });
    expect((await scheduleOf('test', 'versioned')).version).toBe('2.0.0');
    const third = await h.api('POST', '/api/v1/workflows', v('3.0.0'));
    expect(third.status).toBe(201);
    expect(third.body.schedule).toBeUndefined();
    expect(await scheduleOf('test', 'versioned')).toBeUndefined();
    expect((await h.api('GET', `/api/v1/schedules/${id}`)).status).toBe(404);
  });

  it('runs started through the API say so; bad schedules and unknown ids get clear problems', async () => {
    await h.apply(doc('plain', [{ s: { set: { ok: true } } }]));
    const run = await h.runToEnd('plain');
    expect(run.trigger).toEqual({ kind: 'api' });
    const started = (await h.events(run.id)).find((e) => e.type === 'io.serverlessworkflow.workflow.started.v1');
    expect(started?.data.trigger).toEqual({ kind: 'api' });

    const bad = await h.api('POST', '/api/v1/workflows', doc('bad-cron', [{ s: { set: { x: 1 } } }], { schedule: { cron: '99 * * * *' } }));
    expect(bad.status).toBe(422);
    expect(bad.body.problems).toEqual([expect.objectContaining({ path: '/schedule/cron', message: expect.stringContaining('invalid cron expression') })]);
    const missing = await h.api('GET', '/api/v1/schedules/00000000-0000-7000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect((await h.api('POST', '/api/v1/schedules/not..an..id/pause')).status).toBe(404);
  });
});
