import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { consumeEvent, nextTicks, planTicks, readSchedule, type WorkflowSchedule } from './schedule.ts';
import { validateWorkflow } from './validate.ts';

const doc = (schedule: unknown, options?: unknown) => ({
  document: { dsl: '1.0.0', namespace: 'test', name: 'sched', version: '1.0.0', ...(options !== undefined && { metadata: { baton: { schedule: options } } }) },
  schedule,
  do: [{ s: { set: { x: 1 } } }],
});
const read = (schedule: unknown, options?: unknown) => readSchedule(doc(schedule, options));
const spec = (schedule: unknown, options?: unknown): WorkflowSchedule => {
  const { schedule: s, problems } = read(schedule, options);
  expect(problems).toEqual([]);
  return s!;
};
const at = (iso: string) => Date.parse(iso);
const event = (id: string, type: string, data: unknown = {}) => ({ specversion: '1.0' as const, id, source: 'test', type, data });

describe('readSchedule', () => {
  it('reads each form with the defaults', () => {
    expect(spec({ every: 'PT1M' })).toMatchObject({ kind: 'every', everyMs: 60_000, timezone: 'UTC', overlap: 'allow', catchUp: 'skip', catchUpWindowMs: 60_000, catchUpLimit: 100 });
    expect(spec({ every: { seconds: 5 } })).toMatchObject({ kind: 'every', everyMs: 5_000 });
    expect(spec({ cron: '0 0 * * *' })).toMatchObject({ kind: 'cron', cron: '0 0 * * *' });
    expect(spec({ cron: '*/10 * * * * *' })).toMatchObject({ kind: 'cron', cron: '*/10 * * * * *' });
    expect(spec({ after: 'PT30S' })).toMatchObject({ kind: 'after', afterMs: 30_000 });
    expect(spec({ on: { one: { with: { type: 'a.b' } } } })).toMatchObject({ kind: 'on', on: { mode: 'one', filters: [{ with: { type: 'a.b' } }] } });
    expect(spec({ on: { any: [{ with: { type: 'a' } }], until: '${ length >= 2 }' } }).on).toEqual({ mode: 'any', filters: [{ with: { type: 'a' } }], untilExpr: '${ length >= 2 }' });
  });

  it('reads the options of metadata.baton.schedule', () => {
    expect(spec({ cron: '0 9 * * *' }, { timezone: 'Europe/Paris', overlap: 'skip', catchUp: 'all', catchUpWindow: 'PT10M', catchUpLimit: 5 })).toMatchObject({
      timezone: 'Europe/Paris',
      overlap: 'skip',
      catchUp: 'all',
      catchUpWindowMs: 600_000,
      catchUpLimit: 5,
    });
  });

  it('names what is wrong', () => {
    const messages = (schedule: unknown, options?: unknown) => read(schedule, options).problems.map((p) => `${p.path}: ${p.message}`);
    expect(messages({})).toEqual(['/schedule: schedule needs one of every, cron, after, on']);
    expect(messages({ every: 'PT1M', cron: '* * * * *' })).toEqual(['/schedule: schedule takes one of every, cron, after, on, not every and cron together']);
    expect(messages({ every: 'PT0.5S' })).toEqual(['/schedule/every: schedule.every must be at least 1 second (PT1S), not 500 ms']);
    expect(messages({ every: 'soon' })[0]).toMatch(/^\/schedule\/every: invalid ISO 8601 duration "soon"/);
    expect(messages({ cron: '61 * * * *' })[0]).toMatch(/^\/schedule\/cron: invalid cron expression "61 \* \* \* \*"/);
    expect(messages({ cron: '0 0 30 2 *' })).toEqual(['/schedule/cron: the cron expression "0 0 30 2 *" never fires after now']);
    expect(messages({ on: { one: { with: { type: 'a' } }, until: '${ true }' } })).toEqual(['/schedule/on/until: until applies to any, not to one']);
    expect(messages({ on: { all: [] } })).toEqual(['/schedule/on/all: all needs at least one event filter']);
    expect(messages({ every: 'PT1M' }, { timezone: 'Mars/Olympus', overlap: 'queue', catchUp: 'some', catchUpLimit: 5000, when: 1 })).toEqual([
      "/document/metadata/baton/schedule/when: unknown schedule option 'when' (allowed: timezone, overlap, catchUp, catchUpWindow, catchUpLimit)",
      '/document/metadata/baton/schedule/timezone: timezone "Mars/Olympus" is not an IANA time zone name (e.g. UTC, Europe/Paris, America/New_York)',
      '/document/metadata/baton/schedule/overlap: overlap must be one of allow, skip, cancel-previous, not "queue"',
      '/document/metadata/baton/schedule/catchUp: catchUp must be one of skip, one, all, not "some"',
      '/document/metadata/baton/schedule/catchUpLimit: catchUpLimit must be an integer from 1 to 1000, not 5000',
    ]);
    const correlate = read({ on: { one: { with: { type: 'a' }, correlate: { k: { from: '${ .id }' } } } } }).problems;
    expect(correlate).toEqual([{ path: '/schedule/on/one/correlate', feature: 'schedule.on.correlate', message: expect.stringContaining('not supported by Baton yet') }]);
  });

  it('validateWorkflow reports the schedule problems', () => {
    expect(validateWorkflow(doc({ every: 'PT1M' }))).toEqual([]);
    expect(validateWorkflow(doc({ cron: 'often' })).map((p) => p.path)).toEqual(['/schedule/cron']);
  });
});

describe('ticks', () => {
  const anchor = at('2026-01-01T00:00:00.250Z');

  it('every counts from its anchor', () => {
    expect(nextTicks(spec({ every: 'PT10S' }), anchor, at('2026-01-01T00:00:05Z'), 3).map((t) => new Date(t).toISOString())).toEqual([
      '2026-01-01T00:00:10.250Z',
      '2026-01-01T00:00:20.250Z',
      '2026-01-01T00:00:30.250Z',
    ]);
  });

  it('a tick on time starts; the next is the first after now', () => {
    const s = spec({ every: 'PT10S' });
    expect(planTicks(s, anchor, anchor + 10_000, anchor + 10_050)).toEqual({ fire: [anchor + 10_000], skipped: 0, nextAt: anchor + 20_000 });
  });

  it('ticks late by less than catchUpWindow all start; older ones follow catchUp', () => {
    const now = anchor + 300_000; // 5 minutes of ticks every 10 s were due; the window is 1 minute
    const window = Array.from({ length: 7 }, (_, i) => anchor + 240_000 + i * 10_000); // 240 s … 300 s
    expect(planTicks(spec({ every: 'PT10S' }), anchor, anchor + 10_000, now)).toEqual({ fire: window, skipped: 23, nextAt: anchor + 310_000 });
    expect(planTicks(spec({ every: 'PT10S' }, { catchUp: 'one' }), anchor, anchor + 10_000, now)).toEqual({ fire: [anchor + 230_000, ...window], skipped: 22, nextAt: anchor + 310_000 });
    const all = planTicks(spec({ every: 'PT10S' }, { catchUp: 'all' }), anchor, anchor + 10_000, now);
    expect(all.fire).toEqual(Array.from({ length: 30 }, (_, i) => anchor + 10_000 * (i + 1)));
    expect(all.skipped).toBe(0);
    const bounded = planTicks(spec({ every: 'PT10S' }, { catchUp: 'all', catchUpLimit: 10 }), anchor, anchor + 10_000, now);
    expect(bounded.fire).toEqual([anchor + 210_000, anchor + 220_000, anchor + 230_000, ...window]);
    expect(bounded.skipped).toBe(20);
  });

  it('cron ticks come from croner, in the time zone, across a DST change', () => {
    // Europe/Paris moves from UTC+1 to UTC+2 on 2026-03-29 at 02:00 local time: 01:30 is 00:30Z before, 23:30Z after.
    const s = spec({ cron: '30 1 * * *' }, { timezone: 'Europe/Paris' });
    const from = at('2026-03-27T12:00:00Z');
    const ours = nextTicks(s, 0, from, 4);
    const library = new Cron('30 1 * * *', { timezone: 'Europe/Paris' }).nextRuns(4, new Date(from)).map((d) => d.getTime());
    expect(ours).toEqual(library);
    expect(ours.map((t) => new Date(t).toISOString())).toEqual(['2026-03-28T00:30:00.000Z', '2026-03-29T00:30:00.000Z', '2026-03-29T23:30:00.000Z', '2026-03-30T23:30:00.000Z']);
    // A time in the gap (02:30 does not exist on 2026-03-29) runs after the gap, as croner documents.
    const gap = nextTicks(spec({ cron: '30 2 * * *' }, { timezone: 'Europe/Paris' }), 0, at('2026-03-28T12:00:00Z'), 2);
    expect(gap).toEqual(new Cron('30 2 * * *', { timezone: 'Europe/Paris' }).nextRuns(2, new Date(at('2026-03-28T12:00:00Z'))).map((d) => d.getTime()));
  });

  it('a late cron tick starts and the next one is after now', () => {
    const s = spec({ cron: '*/5 * * * * *' });
    const due = at('2026-01-01T00:00:05Z');
    expect(planTicks(s, 0, due, due + 12_000)).toEqual({ fire: [due, due + 5_000, due + 10_000], skipped: 0, nextAt: due + 15_000 });
  });

  it('after starts one run, its next tick waits for the run', () => {
    expect(planTicks(spec({ after: 'PT1M' }), 0, 5_000, 9_000)).toEqual({ fire: [5_000], skipped: 0 });
  });
});

describe('consumeEvent', () => {
  it('one: each matching event completes', () => {
    const on = spec({ on: { one: { with: { type: 'a' } } } }).on!;
    expect(consumeEvent(on, undefined, event('1', 'a'))).toEqual({ complete: [event('1', 'a')] });
    expect(consumeEvent(on, undefined, event('2', 'b'))).toEqual({ ignored: true });
  });

  it('all: one event per filter, in arrival order; a repeat is ignored', () => {
    const on = spec({ on: { all: [{ with: { type: 'a' } }, { with: { type: 'b', data: '${ .n > 1 }' } }] } }).on!;
    const first = consumeEvent(on, undefined, event('1', 'b', { n: 2 }));
    expect(first).toEqual({ consumed: { events: [event('1', 'b', { n: 2 })], hit: [1] } });
    expect(consumeEvent(on, first.consumed, event('1', 'b', { n: 2 }))).toEqual({ ignored: true });
    expect(consumeEvent(on, first.consumed, event('2', 'b', { n: 5 }))).toEqual({ ignored: true });
    expect(consumeEvent(on, first.consumed, event('3', 'a'))).toEqual({ complete: [event('1', 'b', { n: 2 }), event('3', 'a')] });
  });

  it('any with until: gathers until the condition holds, or until events arrive', () => {
    const byCount = spec({ on: { any: [{ with: { type: 'a' } }], until: '${ length >= 2 }' } }).on!;
    const one = consumeEvent(byCount, undefined, event('1', 'a'));
    expect(one.consumed?.events).toHaveLength(1);
    expect(consumeEvent(byCount, one.consumed, event('2', 'a'))).toEqual({ complete: [event('1', 'a'), event('2', 'a')] });
    const byEvent = spec({ on: { any: [{ with: { type: 'a' } }], until: { one: { with: { type: 'stop' } } } } }).on!;
    const gathered = consumeEvent(byEvent, undefined, event('1', 'a'));
    expect(consumeEvent(byEvent, gathered.consumed, event('2', 'stop'))).toEqual({ complete: [event('1', 'a')] });
    expect(consumeEvent(byEvent, undefined, event('3', 'stop'))).toEqual({});
  });

  it('any without until: each matching event completes; `any: []` matches every event', () => {
    expect(consumeEvent(spec({ on: { any: [] } }).on!, undefined, event('1', 'x'))).toEqual({ complete: [event('1', 'x')] });
  });
});
