// Workflow schedules (core/document/schedule.ts for the language; store/sql/schedules.ts for rows).
// Every way a schedule starts runs is one transaction that writes the runs, their `start` messages
// (outbox rows) and the schedule's new position together, so a crash at any point leaves either
// all of it or none, and the run's idempotency key (`schedule:<id>:<tick>`) makes a tick's second
// start impossible, whichever runner or orchestrator tries:
//   registration   the schedule follows the workflow's latest version (registerWorkflow)
//   ticks          every / cron / after, claimed by one runner (fireDueSchedules)
//   events         `on` schedules consume posted events (scheduleEvent, in the event's transaction)
//   operators      pause, resume, trigger now
import { createHash } from 'node:crypto';
import type { Bus, CloudEvent, DefinitionRecord, NewDefinition, NewRun, RunTrigger, RunnerMessage, RunnerTx, ScheduleConsumed, ScheduleRecord, ScheduleUpdate, Store } from '@baton/core';
import { consumeEvent, eventTypesOf, nextTick, planTicks, readSchedule, type WorkflowSchedule } from '@baton/core/document';
import type { Logger } from 'pino';
import { uuidv7 } from '@baton/core';
import { emptyRelay, runnerRows, send, type Relay } from './outbox.ts';

/** What a transaction of schedules started: runs to relay `start` (and `cancel`) messages for. */
export interface ScheduleWrites {
  runs: NewRun[];
  messages: RunnerMessage[];
}

function emptyScheduleWrites(): ScheduleWrites {
  return { runs: [], messages: [] };
}

/** Writes the runs (those whose idempotency key is new) and the outbox rows of their messages. */
async function commitStarts(tx: RunnerTx, writes: ScheduleWrites, relay: Relay): Promise<Set<string>> {
  const created = new Set(await tx.insertScheduledRuns(writes.runs));
  const messages = [...writes.runs.filter((r) => created.has(r.id)).map((r): RunnerMessage => ({ type: 'start', runId: r.id })), ...writes.messages];
  if (messages.length > 0) await tx.insertOutbox(runnerRows(messages, relay));
  return created;
}

function scheduledRun(schedule: ScheduleRecord, key: string, trigger: RunTrigger, input: unknown): NewRun {
  return {
    id: uuidv7(),
    definitionId: schedule.definitionId,
    namespace: schedule.namespace,
    name: schedule.name,
    version: schedule.version,
    input,
    idempotencyKey: `schedule:${schedule.id}:${key}`,
    trigger,
    scheduleId: schedule.id,
  };
}

// ---- registration ------------------------------------------------------------------------------

export interface Registration {
  outcome: 'created' | 'unchanged' | 'conflict';
  definition: DefinitionRecord;
  /** The workflow's schedule after the registration (absent: it has none). */
  schedule?: ScheduleRecord | undefined;
}

/**
 * Registers a definition and, in the same transaction, moves the workflow's schedule to its
 * latest version: a newer version with a `schedule` takes it over (pause state, counters and the
 * phase of `every` stay; a changed timing starts from now), one without stops it; registering an
 * older version changes nothing. Registrations of one workflow are serialised (lockScheduleOf).
 */
export async function registerWorkflow(store: Store, definition: NewDefinition, now: number): Promise<Registration> {
  return store.transaction(async (tx) => {
    const existing = await tx.lockScheduleOf(definition.namespace, definition.name);
    const put = await tx.putDefinition(definition);
    if (put.outcome === 'conflict') return { ...put, schedule: existing };
    const latest = await tx.latestVersion(definition.namespace, definition.name);
    if (latest?.id !== put.definition.id || existing?.definitionId === put.definition.id) return { ...put, schedule: existing };
    const spec = readSchedule(put.definition.document).schedule;
    if (!spec) {
      if (existing) await tx.deleteSchedule(existing.id);
      return { ...put, schedule: undefined };
    }
    const anchorAt = existing?.anchorAt ?? now;
    const nextAt = existing && sameTiming(existing.spec, spec) ? existing.nextAt : firstTick(spec, anchorAt, now);
    const eventTypes = spec.on ? eventTypesOf(spec.on) : undefined;
    await tx.putSchedule({
      id: existing?.id ?? uuidv7(),
      namespace: put.definition.namespace,
      name: put.definition.name,
      definitionId: put.definition.id,
      version: put.definition.version,
      spec,
      anchorAt,
      ...(nextAt !== undefined && { nextAt }),
      ...(eventTypes !== undefined && { eventTypes }),
    });
    return { ...put, schedule: await tx.lockScheduleOf(definition.namespace, definition.name) };
  });
}

function sameTiming(a: WorkflowSchedule, b: WorkflowSchedule): boolean {
  return a.kind === b.kind && a.everyMs === b.everyMs && a.cron === b.cron && a.timezone === b.timezone && a.afterMs === b.afterMs;
}

/** `after` starts its first run at once; every / cron at their first tick after now. */
function firstTick(spec: WorkflowSchedule, anchorAt: number, now: number): number | undefined {
  return spec.kind === 'after' ? now : nextTick(spec, anchorAt, now);
}

// ---- ticks -------------------------------------------------------------------------------------

/** What overlap allows for ticks of a schedule whose runs `live` still go. */
function startTicks(schedule: ScheduleRecord, ticks: number[], live: readonly string[], writes: ScheduleWrites, manual: boolean): { started: NewRun[]; skipped: number } {
  const { overlap } = schedule.spec;
  const make = (tick: number) =>
    scheduledRun(schedule, manual ? `manual:${uuidv7()}` : String(tick), { kind: 'schedule', scheduleId: schedule.id, tick: new Date(tick).toISOString(), ...(manual && { manual: true as const }) }, {});
  if (schedule.kind === 'every' || schedule.kind === 'cron' || manual) {
    if (overlap === 'skip') {
      if (live.length > 0 || ticks.length === 0) return { started: [], skipped: ticks.length };
      const run = make(ticks.at(-1)!);
      writes.runs.push(run);
      return { started: [run], skipped: ticks.length - 1 };
    }
    if (overlap === 'cancel-previous' && ticks.length > 0) {
      for (const runId of live) writes.messages.push({ type: 'cancel', runId, reason: `schedule ${schedule.id}: a newer tick started (overlap: cancel-previous)` });
      const run = make(ticks.at(-1)!);
      writes.runs.push(run);
      return { started: [run], skipped: ticks.length - 1 };
    }
  }
  const started = ticks.map(make);
  writes.runs.push(...started);
  return { started, skipped: 0 };
}

/** Runs one tick transaction may start; schedules past it stay due for the next round. */
const RUNS_PER_TRANSACTION = 1_000;

/**
 * Fires the due ticks of up to `limit` schedules (claimed with SKIP LOCKED) in one transaction
 * and relays the runs' start messages. Returns how many schedules it took.
 */
export async function fireDueSchedules(store: Store, bus: Bus, now: number, limit: number, logger: Logger): Promise<number> {
  const relay = emptyRelay();
  const taken = await store.transaction(async (tx) => {
    const claimed = await tx.lockDueSchedules(now, limit);
    if (claimed.length === 0) return 0;
    // Catch-ups may start up to catchUpLimit runs each: a transaction stays bounded.
    let budget = RUNS_PER_TRANSACTION;
    const due = claimed.filter((s, i) => {
      if (i > 0 && budget <= 0) return false;
      budget -= s.kind === 'every' || s.kind === 'cron' ? Math.min(s.spec.catchUpLimit, 1 + Math.floor((now - s.nextAt!) / 1000)) : 1;
      return true;
    });
    const overlapping = due.filter((s) => s.spec.overlap !== 'allow' && (s.kind === 'every' || s.kind === 'cron')).map((s) => s.id);
    const live = await tx.liveRunsOf(overlapping);
    const writes = emptyScheduleWrites();
    const updates: ScheduleUpdate[] = [];
    for (const schedule of due) {
      const plan = planTicks(schedule.spec, schedule.anchorAt, schedule.nextAt!, now);
      const { started, skipped } = startTicks(schedule, plan.fire, live.get(schedule.id) ?? [], writes, false);
      const last = started.at(-1);
      updates.push({
        id: schedule.id,
        nextAt: plan.nextAt ?? null,
        ticks: started.length,
        skipped: plan.skipped + skipped,
        ...(plan.fire.length > 0 && { lastTickAt: plan.fire.at(-1)! }),
        ...(last && { lastRunId: last.id }),
      });
      if (plan.skipped + skipped > 0) logger.info({ scheduleId: schedule.id, workflow: `${schedule.namespace}/${schedule.name}`, skipped: plan.skipped + skipped, catchUp: schedule.spec.catchUp, overlap: schedule.spec.overlap }, 'schedule ticks not started');
    }
    const created = await commitStarts(tx, writes, relay);
    // A tick whose run exists already (its key) was started before: the schedule still moves on.
    for (const update of updates) {
      const run = writes.runs.find((r) => r.id === update.lastRunId);
      if (run && !created.has(run.id)) delete update.lastRunId;
    }
    await tx.updateSchedules(updates);
    return due.length < claimed.length ? limit : due.length;
  });
  if (relay.runner.length > 0) await send(bus, relay).catch((error: unknown) => logger.warn({ err: error }, 'relaying scheduled starts failed; the outbox sweeper will send them'));
  return taken;
}

// ---- events ------------------------------------------------------------------------------------

/** A bounded idempotency key for a run an event started (source and id may be long). */
function eventKey(event: CloudEvent): string {
  return `event:${createHash('sha256').update(`${event.source}\n${event.id}`).digest('base64url')}`;
}

/**
 * Inside the transaction of a posted event: the `on` schedules that consume it (of `namespace`
 * when given), their consumption moved on, and the runs it completes written with their start
 * messages. Returns the ids of the runs started.
 */
export async function scheduleEvent(tx: RunnerTx, event: CloudEvent, namespace: string | undefined, relay: Relay): Promise<string[]> {
  const schedules = await tx.lockEventSchedules(event.type, namespace);
  if (schedules.length === 0) return [];
  const writes = emptyScheduleWrites();
  const updates: ScheduleUpdate[] = [];
  for (const schedule of schedules) {
    const outcome = consumeEvent(schedule.spec.on!, schedule.consumed, event);
    if (outcome.ignored) continue;
    if (!outcome.complete) {
      updates.push({ id: schedule.id, consumed: outcome.consumed ? bounded(outcome.consumed) : null });
      continue;
    }
    const events = outcome.complete;
    const trigger: RunTrigger = { kind: 'event', scheduleId: schedule.id, eventId: event.id, source: event.source, ...(events.length > 1 && { eventIds: events.map((e) => e.id) }) };
    const run = scheduledRun(schedule, eventKey(event), trigger, events);
    writes.runs.push(run);
    updates.push({ id: schedule.id, consumed: null, ticks: 1, lastTickAt: Date.now(), lastRunId: run.id });
  }
  const created = await commitStarts(tx, writes, relay);
  for (const update of updates) {
    if (update.lastRunId !== undefined && !created.has(update.lastRunId)) {
      delete update.lastRunId;
      delete update.ticks;
    }
  }
  await tx.updateSchedules(updates);
  return writes.runs.filter((r) => created.has(r.id)).map((r) => r.id);
}

/** Events an `on` schedule gathers toward one run (any with until, all): the newest are kept. */
const MAX_CONSUMED_EVENTS = 100;
const MAX_CONSUMED_BYTES = 1024 * 1024;

function bounded(consumed: ScheduleConsumed): ScheduleConsumed {
  let events = consumed.events.slice(-MAX_CONSUMED_EVENTS);
  while (events.length > 1 && JSON.stringify(events).length > MAX_CONSUMED_BYTES) events = events.slice(1);
  if (events.length === consumed.events.length) return consumed;
  // `all` counts filters by the events kept: dropping one forgets which filter it matched.
  return { events, ...(consumed.uh && { uh: consumed.uh }), ...(consumed.hit && { hit: consumed.hit.slice(-events.length) }) };
}

// ---- operators ---------------------------------------------------------------------------------

export class ScheduleNotFound extends Error {
  constructor(id: string) {
    super(`no schedule ${id}`);
    this.name = 'ScheduleNotFound';
  }
}

/**
 * Pause: no tick starts (nor an event) until resumed. Resume: every / cron go on from their next
 * tick after now (ticks that fell in the pause are not started), after and on where they were.
 */
export async function setSchedulePaused(store: Store, id: string, paused: boolean, now: number, authorize: (s: ScheduleRecord) => void): Promise<ScheduleRecord> {
  return store.transaction(async (tx) => {
    const schedule = await tx.lockSchedule(id);
    if (!schedule) throw new ScheduleNotFound(id);
    authorize(schedule);
    if (schedule.paused === paused) return schedule;
    const update: ScheduleUpdate = { id, paused };
    if (!paused && (schedule.kind === 'every' || schedule.kind === 'cron')) update.nextAt = nextTick(schedule.spec, schedule.anchorAt, now) ?? null;
    await tx.updateSchedules([update]);
    return (await tx.lockSchedule(id))!;
  });
}

/**
 * Starts a run of the schedule now (a paused schedule too), under its overlap policy; `on`
 * schedules start with an empty array of events. Returns the run id, or undefined when overlap
 * `skip` kept it from starting.
 */
export async function triggerSchedule(store: Store, bus: Bus, id: string, now: number, authorize: (s: ScheduleRecord) => void, logger?: Logger): Promise<{ schedule: ScheduleRecord; runId?: string }> {
  const relay = emptyRelay();
  const result = await store.transaction(async (tx) => {
    const schedule = await tx.lockSchedule(id);
    if (!schedule) throw new ScheduleNotFound(id);
    authorize(schedule);
    const live = schedule.spec.overlap === 'allow' ? [] : ((await tx.liveRunsOf([id])).get(id) ?? []);
    const writes = emptyScheduleWrites();
    const { started, skipped } = startTicks(schedule, [now], live, writes, true);
    if (schedule.kind === 'on') for (const run of started) run.input = [];
    await commitStarts(tx, writes, relay);
    const run = started[0];
    const update: ScheduleUpdate = { id, lastTickAt: now, ticks: started.length, skipped, ...(run && { lastRunId: run.id }) };
    // `after` counts from the end of the run it started last.
    if (run && schedule.kind === 'after') update.nextAt = null;
    await tx.updateSchedules([update]);
    return { schedule: (await tx.lockSchedule(id))!, ...(run && { runId: run.id }) };
  });
  if (relay.runner.length > 0) await send(bus, relay).catch((error: unknown) => logger?.warn({ err: error }, 'relaying a triggered start failed; the outbox sweeper will send it'));
  return result;
}
