// Schedules in the engine, on real PostgreSQL and Redis with two runners taking ticks at once:
// one run per tick, catchUp after an outage, overlap policies, `after` waiting for the run's end,
// and what a registration does to the schedule. (The API and both backends: tests/runtime;
// kill -9 of services: tests/chaos/schedules.test.ts.)
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '@baton/core';
import { registerWorkflow } from '../src/schedules.ts';
import { startBench, type EngineBench } from './harness.ts';

let b: EngineBench;
beforeAll(async () => {
  b = await startBench();
});
afterAll(async () => {
  await b?.close();
});

const NS = 'sched';
async function register(name: string, schedule: object, tasks: object[] = [{ s: { set: { ok: true } } }], options?: object, version = '1.0.0') {
  const document = {
    document: { dsl: '1.0.0', namespace: NS, name, version, ...(options && { metadata: { baton: { schedule: options } } }) },
    schedule,
    do: tasks,
  };
  const source = JSON.stringify(document);
  const result = await registerWorkflow(b.store, { namespace: NS, name, version, document, source, contentHash: createHash('sha256').update(source).digest('hex') }, Date.now());
  return result.schedule!;
}
const runsOf = async (scheduleId: string): Promise<RunRecord[]> => (await b.store.listRuns({ scheduleId, limit: 1000 })).items.reverse();
const tickOf = (run: RunRecord) => Date.parse((run.trigger as { tick: string }).tick);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ticks', () => {
  it('two runners start exactly one run per tick of every: PT1S, one after the other', async () => {
    await b.runner();
    await b.runner();
    const schedule = await register('two-runners', { every: 'PT1S' });
    await sleep(5_300);
    await b.sql('UPDATE schedules SET paused = true WHERE id = $1', [schedule.id]);
    await sleep(300);
    const runs = await runsOf(schedule.id);
    const ticks = runs.map(tickOf).sort((x, y) => x - y);
    expect(ticks.length).toBeGreaterThanOrEqual(4);
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(ticks.slice(1).map((t, i) => t - ticks[i]!)).toEqual(ticks.slice(1).map(() => 1000));
    expect(ticks[0]).toBe(schedule.anchorAt + 1000);
    for (const run of runs) await b.status(run.id, 'completed');
    const [row] = await b.sql<{ ticks: string; skipped: string }>('SELECT ticks, skipped FROM schedules WHERE id = $1', [schedule.id]);
    expect(Number(row!.ticks)).toBe(runs.length);
    expect(Number(row!.skipped)).toBe(0);
    await b.stopRunners();
  });

  it('after an outage: catchUp skip starts the ticks inside catchUpWindow, one adds the newest missed, all the newest catchUpLimit', async () => {
    const now = Date.now();
    const outage = async (name: string, options: object) => {
      const schedule = await register(name, { every: 'PT10S' }, undefined, { catchUpWindow: 'PT30S', ...options });
      // As if Baton had been down for 5 minutes: the tick due 5 minutes ago was never taken.
      await b.sql('UPDATE schedules SET anchor_at = $2, next_at = $3 WHERE id = $1', [schedule.id, now - 300_000 - 5_000, now - 300_000 + 5_000]);
      return schedule.id;
    };
    const skip = await outage('catch-skip', {});
    const one = await outage('catch-one', { catchUp: 'one' });
    const all = await outage('catch-all', { catchUp: 'all', catchUpLimit: 12 });
    await b.runner();
    await b.until('the catch-up runs', async () => (await runsOf(all)).length >= 12);
    await sleep(500);
    const count = async (id: string) => (await runsOf(id)).filter((r) => tickOf(r) < now).length;
    expect(await count(skip)).toBe(3); // the ticks of the last 30 s
    expect(await count(one)).toBe(4);
    expect(await count(all)).toBe(12);
    const [row] = await b.sql<{ skipped: string; next_at: string }>('SELECT skipped, next_at FROM schedules WHERE id = $1', [skip]);
    expect(Number(row!.skipped)).toBe(27);
    expect(Number(row!.next_at)).toBeGreaterThan(now);
    await b.stopRunners();
  });
});

describe('overlap', () => {
  const slow = [{ hold: { wait: 'PT2.5S' } }];

  it('allow (the default) starts a run per tick while others go', async () => {
    await b.runner();
    const schedule = await register('overlap-allow', { every: 'PT1S' }, slow);
    await b.until('three runs at once', async () => (await runsOf(schedule.id)).filter((r) => r.status === 'waiting').length >= 2);
    await b.sql('UPDATE schedules SET paused = true WHERE id = $1', [schedule.id]);
    await b.stopRunners();
  });

  it('skip starts no tick while a run of the schedule goes, and counts the skipped ticks', async () => {
    await b.runner();
    const schedule = await register('overlap-skip', { every: 'PT1S' }, slow, { overlap: 'skip' });
    await sleep(5_500);
    await b.sql('UPDATE schedules SET paused = true WHERE id = $1', [schedule.id]);
    const runs = await runsOf(schedule.id);
    for (const run of runs) await b.status(run.id, 'completed');
    // Never two at once: each run started after the previous one ended.
    const done = await runsOf(schedule.id);
    for (let i = 1; i < done.length; i += 1) expect(Date.parse(done[i]!.startedAt!)).toBeGreaterThanOrEqual(Date.parse(done[i - 1]!.endedAt!));
    const [row] = await b.sql<{ skipped: string }>('SELECT skipped FROM schedules WHERE id = $1', [schedule.id]);
    expect(done.length).toBeGreaterThanOrEqual(2);
    expect(Number(row!.skipped)).toBeGreaterThanOrEqual(2);
    await b.stopRunners();
  });

  it('cancel-previous cancels the running run when the next tick starts', async () => {
    await b.runner();
    const schedule = await register('overlap-cancel', { every: 'PT1S' }, slow, { overlap: 'cancel-previous' });
    await b.until('two runs', async () => (await runsOf(schedule.id)).length >= 3);
    await b.sql('UPDATE schedules SET paused = true WHERE id = $1', [schedule.id]);
    const runs = await runsOf(schedule.id);
    await b.status(runs[0]!.id, 'cancelled');
    const cancelled = (await b.events(runs[0]!.id)).find((e) => e.type === 'io.serverlessworkflow.workflow.cancelled.v1');
    expect((cancelled?.data as { reason?: string }).reason).toContain('cancel-previous');
    await b.stopRunners();
  });
});

describe('after', () => {
  it('starts the first run at once and each next one `after` once the previous ended', async () => {
    await b.runner();
    const schedule = await register('after', { after: 'PT1S' }, [{ hold: { wait: 'PT0.5S' } }]);
    await b.until('three runs', async () => (await runsOf(schedule.id)).length >= 3, 15_000);
    await b.sql('UPDATE schedules SET paused = true WHERE id = $1', [schedule.id]);
    const runs = await runsOf(schedule.id);
    for (const run of runs) await b.status(run.id, 'completed');
    const done = await runsOf(schedule.id);
    for (let i = 1; i < done.length; i += 1) {
      expect(tickOf(done[i]!)).toBe(Date.parse(done[i - 1]!.endedAt!) + 1000);
      expect(Date.parse(done[i]!.startedAt!)).toBeGreaterThanOrEqual(Date.parse(done[i - 1]!.endedAt!) + 1000);
    }
    await b.stopRunners();
  });
});

describe('registration', () => {
  it('keeps the phase, pause and counters when a newer version changes the tasks; a new timing starts from now', async () => {
    const first = await register('moving', { every: 'PT1H' });
    await b.sql('UPDATE schedules SET paused = true, ticks = 7 WHERE id = $1', [first.id]);
    const second = await register('moving', { every: 'PT1H' }, [{ s: { set: { v: 2 } } }], undefined, '1.1.0');
    expect(second).toMatchObject({ id: first.id, version: '1.1.0', anchorAt: first.anchorAt, nextAt: first.nextAt, paused: true, ticks: 7 });
    const third = await register('moving', { every: 'PT2H' }, undefined, undefined, '1.2.0');
    expect(third).toMatchObject({ id: first.id, anchorAt: first.anchorAt, nextAt: first.anchorAt + 7_200_000 });
    const older = await register('moving', { every: 'PT5M' }, undefined, undefined, '0.9.0');
    expect(older).toMatchObject({ version: '1.2.0', spec: { everyMs: 7_200_000 } });
  });
});
