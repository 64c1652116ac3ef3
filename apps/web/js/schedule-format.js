// Schedules and run triggers in words (pure, no DOM; unit-tested in tests/web/schedules-format.test.ts):
// what a schedule does ("every PT1S", "cron 0 3 * * * (Europe/Paris)", "after PT1M", "on one
// event"), tick times in the schedule's time zone, why a schedule shows no next tick, what started
// a run, and the answer of "Trigger now".
import { shortId } from './format.js';

export const scheduleHref = (id) => `#/schedules/${encodeURIComponent(id)}`;
export const runHref = (id) => `#/runs/${encodeURIComponent(id)}`;

const DURATION_UNITS = [
  ['days', 'D'],
  ['hours', 'H'],
  ['minutes', 'M'],
  ['seconds', 'S'],
];

/** A duration as written: 'PT15M' stays; { minutes: 15 } becomes 'PT15M' ({ milliseconds } fold into seconds). */
export function durationText(value) {
  if (typeof value === 'string') return value;
  if (!value || typeof value !== 'object') return String(value ?? '');
  const parts = { ...value };
  if (typeof parts.milliseconds === 'number' && parts.milliseconds !== 0) parts.seconds = (parts.seconds ?? 0) + parts.milliseconds / 1000;
  let date = 'P';
  let time = '';
  for (const [unit, letter] of DURATION_UNITS) {
    const n = parts[unit];
    if (typeof n !== 'number' || n === 0) continue;
    if (unit === 'days') date += `${n}${letter}`;
    else time += `${n}${letter}`;
  }
  const text = `${date}${time ? `T${time}` : ''}`;
  return text === 'P' ? 'PT0S' : text;
}

const count = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The filters of an `on` strategy (one: filter, any / all: [filters]). */
function onFilters(on) {
  if (!on || typeof on !== 'object') return [];
  if (on.one) return [on.one];
  return Array.isArray(on.any) ? on.any : Array.isArray(on.all) ? on.all : [];
}

/** What a schedule does, in one line. */
export function scheduleWhat(schedule) {
  const source = schedule.schedule ?? {};
  switch (schedule.kind) {
    case 'every':
      return `every ${durationText(source.every)}`;
    case 'after':
      return `after ${durationText(source.after)}`;
    case 'cron':
      return `cron ${source.cron} (${schedule.timezone || 'UTC'})`;
    case 'on': {
      const on = source.on ?? {};
      if (on.one) return 'on one event';
      const filters = onFilters(on);
      if (Array.isArray(on.all)) return `on all of ${count(filters.length, 'event')}`;
      const until = on.until !== undefined ? ', until a condition holds' : '';
      return filters.length === 0 ? `on any event${until}` : `on any of ${count(filters.length, 'event')}${until}`;
    }
    default:
      return schedule.kind ?? 'schedule';
  }
}

/** The event types an `on` schedule listens for (from its filters' `with.type`), for a second line. */
export function scheduleEventTypes(schedule) {
  if (schedule.kind !== 'on') return [];
  const types = onFilters(schedule.schedule?.on).map((f) => f?.with?.type).filter((t) => typeof t === 'string');
  return [...new Set(types)];
}

/** A tick in the schedule's time zone (cron), else UTC, to the second: '2026-12-05 03:00:00 Europe/Paris'. */
export function formatTick(iso, timezone = 'UTC') {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '—';
  const utc = `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  if (!timezone || timezone === 'UTC') return utc;
  try {
    // sv-SE writes dates as 2026-12-05 03:00:00.
    const local = new Intl.DateTimeFormat('sv-SE', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(new Date(t));
    return `${local} ${timezone}`;
  } catch {
    return utc;
  }
}

/** Why a schedule has no next tick to show. */
export function noTickReason(schedule) {
  if (schedule.state === 'paused') return 'paused';
  if (schedule.kind === 'on') return schedule.consuming ? `${count(schedule.consuming, 'event')} gathered, waiting for more` : 'when a matching event arrives';
  if (schedule.kind === 'after') return 'once its run has ended';
  return 'none';
}

/**
 * What started a run, as segments: strings, and { text, href } links (to the schedule, the parent
 * run). `manual` marks a schedule's "Trigger now". Undefined when the run has no trigger.
 */
export function triggerSummary(run) {
  const trigger = run?.trigger;
  if (!trigger || typeof trigger !== 'object') return undefined;
  const workflow = `${run.namespace}/${run.name}`;
  const schedule = trigger.scheduleId ? { text: `schedule ${workflow}`, href: scheduleHref(trigger.scheduleId) } : `schedule ${workflow}`;
  switch (trigger.kind) {
    case 'api':
      return { kind: 'api', parts: ['API'] };
    case 'schedule':
      return { kind: 'schedule', manual: trigger.manual === true, parts: [schedule, trigger.tick ? ` at ${formatTick(trigger.tick)}` : ''] };
    case 'event': {
      const more = Array.isArray(trigger.eventIds) && trigger.eventIds.length > 1 ? ` (and ${count(trigger.eventIds.length - 1, 'more event')})` : '';
      return { kind: 'event', parts: [`event ${trigger.eventId ?? '?'}`, trigger.source ? ` from ${trigger.source}` : '', more, ', by ', schedule] };
    }
    case 'workflow':
      return { kind: 'workflow', parts: ['run: workflow of ', trigger.parentRunId ? { text: trigger.parentRunId, href: runHref(trigger.parentRunId), mono: true } : 'another run'] };
    default:
      return { kind: String(trigger.kind), parts: [String(trigger.kind)] };
  }
}

/** The segments as plain text (titles, tests). */
export function summaryText(summary) {
  if (!summary) return '';
  return summary.parts.map((p) => (typeof p === 'string' ? p : p.text)).join('') + (summary.manual ? ' (manual trigger)' : '');
}

/** The short form for a schedule's runs table: the tick, or the event that started it. */
export function runTickText(run, timezone) {
  const trigger = run.trigger ?? {};
  if (trigger.kind === 'event') return `event ${trigger.eventId ?? '?'}`;
  if (trigger.tick) return formatTick(trigger.tick, timezone);
  return '—';
}

/** The answer of POST /schedules/{id}/trigger for a person: { text, runId?, tone }. */
export function triggerResult(answer, workflow) {
  if (answer?.runId) return { tone: 'ok', text: `${workflow}: started run `, runId: answer.runId, label: shortId(answer.runId) };
  const overlap = answer?.schedule?.overlap;
  const why = overlap === 'skip' ? 'a run of this schedule is still going and its overlap policy is skip' : 'the schedule did not start one';
  return { tone: 'warn', text: `${workflow}: no run started — ${why}.` };
}
