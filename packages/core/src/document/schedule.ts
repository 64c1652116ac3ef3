// A workflow's `schedule` (dsl-reference.md "Schedule", dsl.md "Scheduling") with Baton's options
// for it in `document.metadata.baton.schedule`. readSchedule checks both and returns problems
// (never throws); the engine stores the result with the workflow's latest version and computes its
// ticks with planTicks / nextTicks (pure functions of the schedule and the clock).
//
//   every   ISO 8601 duration (≥ 1 s); ticks are `anchorAt + k·every` — the phase is the moment
//           the schedule was first registered, kept when a newer version takes it over
//   cron    5 fields (minute…) or 6 (second…), in `timezone` (IANA name, default UTC); croner
//           computes the ticks and handles DST as it documents (Vixie cron's rules)
//   after   the first run starts when the schedule is registered, each next one `after` once the
//           previous run ended (however it ended)
//   on      an event consumption strategy (one / any / all, `until` with any) evaluated on the
//           CloudEvents posted to POST /api/v1/events; the run's input is the array of consumed
//           events (dsl.md, "Input of event-driven scheduled workflows")
//
// Options (metadata.baton.schedule): timezone, overlap (allow | skip | cancel-previous; every and
// cron), catchUp (skip | one | all: ticks missed by more than catchUpWindow), catchUpWindow
// (ISO duration, default PT1M: a tick late by less is on time and starts), catchUpLimit (runs one
// catch-up may start, default 100, at most 1,000).
import { Cron } from 'croner';
import { parseDuration } from '../interpreter/duration.ts';
import { compileField, evalExpr, isExpression } from '../interpreter/expressions.ts';
import { matchEvent } from '../interpreter/events.ts';
import type { CloudEvent } from '../interpreter/types.ts';
import { isObject, pointer } from './problem.ts';
import type { Problem } from './problem.ts';

export type ScheduleKind = 'every' | 'cron' | 'after' | 'on';
export const SCHEDULE_KINDS: readonly ScheduleKind[] = ['every', 'cron', 'after', 'on'];
export type CatchUpPolicy = 'skip' | 'one' | 'all';
export const CATCH_UP_POLICIES: readonly CatchUpPolicy[] = ['skip', 'one', 'all'];
export type OverlapPolicy = 'allow' | 'skip' | 'cancel-previous';
export const OVERLAP_POLICIES: readonly OverlapPolicy[] = ['allow', 'skip', 'cancel-previous'];

/** One event filter of `schedule.on`: the attributes an event must have (matchEvent's `with`). */
export interface ScheduleFilter {
  with: Record<string, unknown>;
}

export interface ScheduleConsumption {
  mode: 'one' | 'any' | 'all';
  filters: ScheduleFilter[];
  /** any: a jq condition on the array of consumed events that completes the consumption. */
  untilExpr?: string;
  /** any: events that complete the consumption (they are not part of the input). */
  until?: ScheduleConsumption;
}

/** A validated schedule, as the store keeps it (JSON). */
export interface WorkflowSchedule {
  kind: ScheduleKind;
  everyMs?: number;
  cron?: string;
  timezone: string;
  afterMs?: number;
  on?: ScheduleConsumption;
  overlap: OverlapPolicy;
  catchUp: CatchUpPolicy;
  catchUpWindowMs: number;
  catchUpLimit: number;
  /** The schedule as written in the document (shown to operators). */
  source: Record<string, unknown>;
}

export const MIN_EVERY_MS = 1_000;
export const DEFAULT_CATCH_UP_WINDOW_MS = 60_000;
export const DEFAULT_CATCH_UP_LIMIT = 100;
export const MAX_CATCH_UP_LIMIT = 1_000;
/** Filters of one `on` strategy (a consumption is evaluated for every posted event of its types). */
const MAX_FILTERS = 32;

/** The document's schedule, or undefined when it has none; problems name what is wrong. */
export function readSchedule(document: unknown): { schedule?: WorkflowSchedule; problems: Problem[] } {
  if (!isObject(document) || document.schedule === undefined) return { problems: [] };
  const problems: Problem[] = [];
  const raw = document.schedule;
  if (!isObject(raw)) return { problems: [{ path: '/schedule', message: 'schedule must be an object with one of every, cron, after, on' }] };
  const given = SCHEDULE_KINDS.filter((kind) => raw[kind] !== undefined);
  if (given.length !== 1) {
    const message = given.length === 0 ? 'schedule needs one of every, cron, after, on' : `schedule takes one of every, cron, after, on, not ${given.join(' and ')} together`;
    return { problems: [{ path: '/schedule', message }] };
  }
  const kind = given[0]!;
  const options = scheduleOptions(document, problems);
  const schedule: WorkflowSchedule = { kind, ...options, source: raw };
  const path = `/schedule/${kind}`;
  if (kind === 'every' || kind === 'after') {
    const ms = durationAt(raw[kind], path, problems);
    if (ms !== undefined && kind === 'every' && ms < MIN_EVERY_MS) problems.push({ path, message: `schedule.every must be at least 1 second (PT1S), not ${ms} ms` });
    if (ms !== undefined) schedule[kind === 'every' ? 'everyMs' : 'afterMs'] = ms;
  } else if (kind === 'cron') {
    const problem = cronProblem(raw.cron, options.timezone);
    if (problem) problems.push({ path, message: problem });
    else schedule.cron = String(raw.cron).trim();
  } else {
    const on = consumption(raw.on, path, problems);
    if (on) schedule.on = on;
  }
  return problems.length > 0 ? { problems } : { schedule, problems };
}

function scheduleOptions(document: Record<string, any>, problems: Problem[]): Omit<WorkflowSchedule, 'kind' | 'source'> {
  const path = '/document/metadata/baton/schedule';
  const options = { timezone: 'UTC', overlap: 'allow' as OverlapPolicy, catchUp: 'skip' as CatchUpPolicy, catchUpWindowMs: DEFAULT_CATCH_UP_WINDOW_MS, catchUpLimit: DEFAULT_CATCH_UP_LIMIT };
  const raw = document.document?.metadata?.baton?.schedule;
  if (raw === undefined) return options;
  if (!isObject(raw)) {
    problems.push({ path, message: 'metadata.baton.schedule must be an object (timezone, overlap, catchUp, catchUpWindow, catchUpLimit)' });
    return options;
  }
  const known = ['timezone', 'overlap', 'catchUp', 'catchUpWindow', 'catchUpLimit'];
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) problems.push({ path: pointer(path, key), message: `unknown schedule option '${key}' (allowed: ${known.join(', ')})` });
  }
  if (raw.timezone !== undefined) {
    if (typeof raw.timezone === 'string' && validTimezone(raw.timezone)) options.timezone = raw.timezone;
    else problems.push({ path: `${path}/timezone`, message: `timezone ${JSON.stringify(raw.timezone)} is not an IANA time zone name (e.g. UTC, Europe/Paris, America/New_York)` });
  }
  const choice = <T extends string>(key: string, allowed: readonly T[]): T | undefined => {
    if (raw[key] === undefined) return undefined;
    if (allowed.includes(raw[key])) return raw[key] as T;
    problems.push({ path: `${path}/${key}`, message: `${key} must be one of ${allowed.join(', ')}, not ${JSON.stringify(raw[key])}` });
    return undefined;
  };
  options.overlap = choice('overlap', OVERLAP_POLICIES) ?? options.overlap;
  options.catchUp = choice('catchUp', CATCH_UP_POLICIES) ?? options.catchUp;
  if (raw.catchUpWindow !== undefined) {
    const ms = durationAt(raw.catchUpWindow, `${path}/catchUpWindow`, problems);
    if (ms !== undefined && ms < 1_000) problems.push({ path: `${path}/catchUpWindow`, message: 'catchUpWindow must be at least 1 second (PT1S)' });
    else if (ms !== undefined) options.catchUpWindowMs = ms;
  }
  if (raw.catchUpLimit !== undefined) {
    if (Number.isInteger(raw.catchUpLimit) && raw.catchUpLimit >= 1 && raw.catchUpLimit <= MAX_CATCH_UP_LIMIT) options.catchUpLimit = raw.catchUpLimit;
    else problems.push({ path: `${path}/catchUpLimit`, message: `catchUpLimit must be an integer from 1 to ${MAX_CATCH_UP_LIMIT}, not ${JSON.stringify(raw.catchUpLimit)}` });
  }
  return options;
}

function durationAt(value: unknown, path: string, problems: Problem[]): number | undefined {
  try {
    return parseDuration(value);
  } catch (error) {
    problems.push({ path, message: (error as Error).message });
    return undefined;
  }
}

function validTimezone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

function cronOf(expression: string, timezone: string): Cron {
  return new Cron(expression, { timezone, mode: '5-or-6-parts', paused: true });
}

function cronProblem(expression: unknown, timezone: string): string | undefined {
  if (typeof expression !== 'string' || expression.trim() === '') return 'schedule.cron must be a cron expression such as "0 0 * * *" (5 fields) or "*/10 * * * * *" (6, with seconds)';
  try {
    const cron = cronOf(expression.trim(), timezone);
    if (cron.nextRun(new Date()) === null) return `the cron expression "${expression}" never fires after now`;
    return undefined;
  } catch (error) {
    return `invalid cron expression "${expression}": ${(error as Error).message}`;
  }
}

function consumption(raw: unknown, path: string, problems: Problem[]): ScheduleConsumption | undefined {
  if (!isObject(raw)) {
    problems.push({ path, message: 'schedule.on must be an event consumption strategy (one, any or all)' });
    return undefined;
  }
  const modes = (['one', 'any', 'all'] as const).filter((mode) => raw[mode] !== undefined);
  if (modes.length !== 1) {
    problems.push({ path, message: modes.length === 0 ? 'schedule.on needs one of one, any, all' : `schedule.on takes one of one, any, all, not ${modes.join(' and ')}` });
    return undefined;
  }
  const mode = modes[0]!;
  if (raw.until !== undefined && mode !== 'any') {
    problems.push({ path: `${path}/until`, message: `until applies to any, not to ${mode}` });
    return undefined;
  }
  const list = mode === 'one' ? [raw.one] : raw[mode];
  if (!Array.isArray(list)) {
    problems.push({ path: `${path}/${mode}`, message: `${mode} must be a list of event filters` });
    return undefined;
  }
  if (list.length > MAX_FILTERS) problems.push({ path: `${path}/${mode}`, message: `at most ${MAX_FILTERS} event filters, not ${list.length}` });
  if (mode === 'all' && list.length === 0) problems.push({ path: `${path}/all`, message: 'all needs at least one event filter' });
  const filters: ScheduleFilter[] = [];
  list.forEach((filter: unknown, i: number) => {
    const at = mode === 'one' ? `${path}/one` : `${path}/${mode}/${i}`;
    if (!isObject(filter)) return void problems.push({ path: at, message: 'an event filter must be an object with `with`' });
    if (filter.correlate !== undefined) {
      problems.push({ path: `${at}/correlate`, feature: 'schedule.on.correlate', message: 'correlate in a schedule is not supported by Baton yet (correlate events in a listen task)' });
    }
    if (filter.with !== undefined && !isObject(filter.with)) return void problems.push({ path: `${at}/with`, message: 'with must be an object of CloudEvent attributes' });
    const attributes = (filter.with ?? {}) as Record<string, unknown>;
    for (const [key, value] of Object.entries(attributes)) {
      if (!isExpression(value)) continue;
      try {
        compileField(value);
      } catch (error) {
        problems.push({ path: pointer(`${at}/with`, key), message: `invalid expression: ${(error as Error).message}` });
      }
    }
    filters.push({ with: attributes });
  });
  const result: ScheduleConsumption = { mode, filters };
  if (typeof raw.until === 'string') result.untilExpr = raw.until;
  else if (raw.until !== undefined) {
    const until = consumption(raw.until, `${path}/until`, problems);
    if (until) result.until = until;
  }
  return result;
}

/** The event types a consumption can match; undefined when some filter accepts any type. */
export function eventTypesOf(on: ScheduleConsumption): string[] | undefined {
  const types = new Set<string>();
  for (const c of [on, ...(on.until ? [on.until] : [])]) {
    if (c.filters.length === 0) return undefined;
    for (const filter of c.filters) {
      const type = filter.with.type;
      // As for listens (store/sql/listens.ts): a literal type is the prefilter, a condition is not.
      if (typeof type !== 'string' || type.includes('\u0000') || isExpression(type)) return undefined;
      types.add(type);
    }
  }
  return [...types];
}

/**
 * The first tick after `after` (epoch ms): `every` counts from `anchorAt`, `cron` asks croner.
 * Undefined for `after` and `on` (their runs start on other signals) and for a cron that ended.
 */
export function nextTick(schedule: WorkflowSchedule, anchorAt: number, after: number): number | undefined {
  if (schedule.kind === 'every') {
    const every = schedule.everyMs!;
    return after < anchorAt ? anchorAt : anchorAt + (Math.floor((after - anchorAt) / every) + 1) * every;
  }
  if (schedule.kind === 'cron') return cronOf(schedule.cron!, schedule.timezone).nextRun(new Date(after))?.getTime();
  return undefined;
}

/** The next `count` ticks after `after`. */
export function nextTicks(schedule: WorkflowSchedule, anchorAt: number, after: number, count: number): number[] {
  if (schedule.kind === 'cron') return cronOf(schedule.cron!, schedule.timezone).nextRuns(count, new Date(after)).map((d) => d.getTime());
  const ticks: number[] = [];
  for (let t = nextTick(schedule, anchorAt, after); t !== undefined && ticks.length < count; t = nextTick(schedule, anchorAt, t)) ticks.push(t);
  return ticks;
}

export interface TickPlan {
  /** Ticks to start a run for, oldest first. */
  fire: number[];
  /** Due ticks not started: missed by more than catchUpWindow (catchUp) or over catchUpLimit. */
  skipped: number;
  /** The tick after `now` (undefined: none — `after` until its run ends, a cron that ended). */
  nextAt?: number;
}

/** Most due ticks counted one by one; beyond, a cron's count of skipped ticks is a lower bound. */
const COUNT_LIMIT = 10_000;

/**
 * What a schedule whose tick `nextAt` is due does at `now`: ticks late by at most catchUpWindow
 * start (the newest catchUpLimit of them); older ones follow catchUp — skip: none, one: the
 * newest, all: the newest that still fit under catchUpLimit.
 */
export function planTicks(schedule: WorkflowSchedule, anchorAt: number, nextAt: number, now: number): TickPlan {
  if (schedule.kind === 'after') return { fire: [nextAt], skipped: 0 };
  if (schedule.kind === 'on') return { fire: [], skipped: 0 };
  const windowStart = now - schedule.catchUpWindowMs;
  const limit = schedule.catchUpLimit;
  const next = nextTick(schedule, anchorAt, now);
  let inWindow: number[];
  let missed: number[];
  let missedCount: number;
  if (schedule.kind === 'every') {
    const every = schedule.everyMs!;
    const firstInWindow = nextAt >= windowStart ? nextAt : nextAt + Math.ceil((windowStart - nextAt) / every) * every;
    const inCount = firstInWindow > now ? 0 : Math.floor((now - firstInWindow) / every) + 1;
    inWindow = Array.from({ length: Math.min(inCount, limit) }, (_, i) => firstInWindow + (inCount - Math.min(inCount, limit) + i) * every);
    missedCount = Math.max(0, Math.round((firstInWindow - nextAt) / every));
    const keep = Math.min(missedCount, limit);
    missed = Array.from({ length: keep }, (_, i) => firstInWindow - (keep - i) * every);
    missedCount += inCount - inWindow.length;
  } else {
    const cron = cronOf(schedule.cron!, schedule.timezone);
    const due: number[] = [];
    let count = 0;
    for (let t: Date | null = new Date(nextAt); t !== null && t.getTime() <= now && count < COUNT_LIMIT; t = cron.nextRun(t)) {
      due.push(t.getTime());
      count += 1;
      if (due.length > 2 * limit) due.splice(0, due.length - 2 * limit); // only the newest can start
    }
    // The tick `nextAt` itself is a tick (stored from nextRun); enumeration starts there.
    const window = due.filter((t) => t >= windowStart);
    inWindow = window.slice(-limit);
    missed = due.filter((t) => t < windowStart).slice(-limit);
    missedCount = count - inWindow.length;
  }
  const room = schedule.catchUp === 'all' ? Math.max(0, limit - inWindow.length) : schedule.catchUp === 'one' ? Math.min(1, Math.max(0, limit - inWindow.length)) : 0;
  const caught = room > 0 ? missed.slice(-room) : [];
  return { fire: [...caught, ...inWindow], skipped: Math.max(0, missedCount - caught.length), ...(next !== undefined && { nextAt: next }) };
}

/** What an `on` schedule has consumed toward its next run (ports' ScheduleConsumed). */
export interface Consumed {
  events: CloudEvent[];
  hit?: number[];
  uh?: number[];
}

/** Time limit of one jq condition of a schedule's filters (they run for every posted event). */
const FILTER_JQ_TIMEOUT_MS = 100;

export interface Consumption {
  /** What the schedule holds afterwards (undefined: nothing). */
  consumed?: Consumed;
  /** The events of the run to start, when the consumption completed (the run's input). */
  complete?: CloudEvent[];
  /** The event did not concern the schedule (nothing changes). */
  ignored?: true;
}

/**
 * One posted event against an `on` schedule, as a listen task consumes (interpreter/tasks/listen.ts):
 * one — the event starts a run; any — each matching event does, or with `until` the events gathered
 * until it holds (an expression on the array of consumed events, or until events, which are not
 * part of the input); all — one event per filter, in any order, then a run with them in arrival
 * order. An event already consumed (same source and id) is ignored. A filter whose condition
 * cannot be evaluated on the event does not match it.
 */
export function consumeEvent(on: ScheduleConsumption, held: Consumed | undefined, event: CloudEvent): Consumption {
  const consumed: Consumed = held ? { ...held } : { events: [] };
  if (consumed.events.some((e) => e.id === event.id && e.source === event.source)) return { ignored: true };
  if (on.until && untilReached(on.until, consumed, event)) {
    return consumed.events.length > 0 ? { complete: consumed.events } : {};
  }
  const taken = on.mode === 'all' ? (consumed.hit ?? []) : [];
  const index = on.filters.length === 0 ? 0 : on.filters.findIndex((filter, i) => !taken.includes(i) && matches(filter, event));
  if (index < 0) return consumed.uh !== held?.uh ? { consumed } : { ignored: true };
  const events = [...consumed.events, event];
  const hit = on.mode === 'all' ? [...taken, index] : undefined;
  const complete =
    on.mode === 'one' ||
    (on.mode === 'all' && hit!.length >= on.filters.length) ||
    (on.mode === 'any' && (on.untilExpr !== undefined ? untilHolds(on.untilExpr, events) : on.until === undefined));
  if (complete) return { complete: events };
  return { consumed: { events, ...(hit ? { hit } : {}), ...(consumed.uh ? { uh: consumed.uh } : {}) } };
}

function matches(filter: ScheduleFilter, event: CloudEvent): boolean {
  try {
    return matchEvent(filter, event, { jqTimeoutMs: FILTER_JQ_TIMEOUT_MS });
  } catch {
    return false;
  }
}

/** Until events: true once they all arrived (`all`) or one did; `uh` records the matched ones. */
function untilReached(until: ScheduleConsumption, consumed: Consumed, event: CloudEvent): boolean {
  const taken = until.mode === 'all' ? (consumed.uh ?? []) : [];
  const index = until.filters.length === 0 ? 0 : until.filters.findIndex((filter, i) => !taken.includes(i) && matches(filter, event));
  if (index < 0) return false;
  if (until.mode !== 'all') return true;
  consumed.uh = [...taken, index];
  return consumed.uh.length >= until.filters.length;
}

function untilHolds(expression: string, events: CloudEvent[]): boolean {
  try {
    const value = evalExpr(compileField(expression), events, () => undefined, { instance: '/schedule/on/until', timeoutMs: FILTER_JQ_TIMEOUT_MS });
    return value !== false && value !== null && value !== undefined;
  } catch {
    return false;
  }
}
