// The dashboard's schedule wording (apps/web/js/schedule-format.js): what a schedule does, tick
// times in its time zone, why no tick is shown, what started a run, the answer of Trigger now.
// A browser ES module without type declarations, loaded by URL (typed loosely here).
import { describe, expect, it } from 'vitest';

const sf: any = await import(new URL('../../apps/web/js/schedule-format.js', import.meta.url).href);

const schedule = (kind: string, source: object, extra: object = {}) => ({ kind, schedule: source, timezone: 'UTC', state: 'active', nextTicks: [], ...extra });

describe('schedule wording', () => {
  it('says what a schedule does in each form', () => {
    expect(sf.scheduleWhat(schedule('every', { every: 'PT1S' }))).toBe('every PT1S');
    expect(sf.scheduleWhat(schedule('every', { every: { minutes: 15 } }))).toBe('every PT15M');
    expect(sf.scheduleWhat(schedule('after', { after: { days: 1, hours: 2, seconds: 1, milliseconds: 500 } }))).toBe('after P1DT2H1.5S');
    expect(sf.scheduleWhat(schedule('cron', { cron: '0 3 * * *' }, { timezone: 'Europe/Paris' }))).toBe('cron 0 3 * * * (Europe/Paris)');
    expect(sf.scheduleWhat(schedule('cron', { cron: '@daily' }))).toBe('cron @daily (UTC)');
    expect(sf.scheduleWhat(schedule('on', { on: { one: { with: { type: 'a' } } } }))).toBe('on one event');
    expect(sf.scheduleWhat(schedule('on', { on: { any: [] } }))).toBe('on any event');
    expect(sf.scheduleWhat(schedule('on', { on: { any: [{ with: { type: 'a' } }, { with: { type: 'b' } }], until: '${ length > 2 }' } }))).toBe('on any of 2 events, until a condition holds');
    expect(sf.scheduleWhat(schedule('on', { on: { all: [{ with: { type: 'a' } }, { with: { type: 'b' } }, { with: { type: 'a' } }] } }))).toBe('on all of 3 events');
    expect(sf.scheduleEventTypes(schedule('on', { on: { all: [{ with: { type: 'a' } }, { with: { type: 'b' } }, { with: { type: 'a' } }, { with: { source: 'x' } }] } }))).toEqual(['a', 'b']);
    expect(sf.scheduleEventTypes(schedule('every', { every: 'PT1S' }))).toEqual([]);
  });

  it('writes ticks in the time zone of the schedule, to the second', () => {
    expect(sf.formatTick('2026-12-05T02:00:00.000Z')).toBe('2026-12-05 02:00:00 UTC');
    expect(sf.formatTick('2026-12-05T02:00:00.000Z', 'Europe/Paris')).toBe('2026-12-05 03:00:00 Europe/Paris');
    expect(sf.formatTick('2026-07-05T02:00:00.000Z', 'Europe/Paris')).toBe('2026-07-05 04:00:00 Europe/Paris');
    expect(sf.formatTick('2026-12-05T02:00:00.000Z', 'Not/AZone')).toBe('2026-12-05 02:00:00 UTC');
    expect(sf.formatTick('nonsense')).toBe('—');
  });

  it('says why no tick is to come', () => {
    expect(sf.noTickReason(schedule('every', {}, { state: 'paused' }))).toBe('paused');
    expect(sf.noTickReason(schedule('on', {}))).toBe('when a matching event arrives');
    expect(sf.noTickReason(schedule('on', {}, { consuming: 2 }))).toBe('2 events gathered, waiting for more');
    expect(sf.noTickReason(schedule('after', {}))).toBe('once its run has ended');
  });

  it('says what started a run, with links to the schedule or the parent run', () => {
    const run = { namespace: 'web', name: 'ticker' };
    expect(sf.summaryText(sf.triggerSummary({ ...run, trigger: { kind: 'api' } }))).toBe('API');
    const tick = sf.triggerSummary({ ...run, trigger: { kind: 'schedule', scheduleId: 'S1', tick: '2026-12-04T03:00:00.000Z' } });
    expect(sf.summaryText(tick)).toBe('schedule web/ticker at 2026-12-04 03:00:00 UTC');
    expect(tick.parts[0]).toEqual({ text: 'schedule web/ticker', href: '#/schedules/S1' });
    expect(sf.summaryText(sf.triggerSummary({ ...run, trigger: { kind: 'schedule', scheduleId: 'S1', tick: '2026-12-04T03:00:00.123Z', manual: true } }))).toBe('schedule web/ticker at 2026-12-04 03:00:00 UTC (manual trigger)');
    const event = sf.triggerSummary({ ...run, trigger: { kind: 'event', scheduleId: 'S2', eventId: 'evt-1', source: 'https://x.test', eventIds: ['evt-0', 'evt-1', 'evt-2'] } });
    expect(sf.summaryText(event)).toBe('event evt-1 from https://x.test (and 2 more events), by schedule web/ticker');
    expect(event.parts.at(-1).href).toBe('#/schedules/S2');
    const child = sf.triggerSummary({ ...run, trigger: { kind: 'workflow', parentRunId: 'P/1' } });
    expect(sf.summaryText(child)).toBe('run: workflow of P/1');
    expect(child.parts[1].href).toBe('#/runs/P%2F1');
    expect(sf.triggerSummary({ ...run })).toBeUndefined();
    expect(sf.runTickText({ trigger: { kind: 'schedule', tick: '2026-12-04T02:00:00.000Z' } }, 'Europe/Paris')).toBe('2026-12-04 03:00:00 Europe/Paris');
    expect(sf.runTickText({ trigger: { kind: 'event', eventId: 'e' } })).toBe('event e');
  });

  it('says what Trigger now did', () => {
    expect(sf.triggerResult({ runId: '0190-aaaa-bbbb-cccc-1234567890ab', schedule: {} }, 'web/x')).toMatchObject({ tone: 'ok', text: 'web/x: started run ', runId: '0190-aaaa-bbbb-cccc-1234567890ab', label: '…1234567890ab' });
    expect(sf.triggerResult({ schedule: { overlap: 'skip' } }, 'web/x').text).toBe('web/x: no run started — a run of this schedule is still going and its overlap policy is skip.');
  });
});
