// One runner batch: lock the runs the messages concern, drop duplicates, apply the interpreter,
// and write state, events and every effect in ONE transaction — effects outside PostgreSQL as
// outbox rows (outbox.ts). What the caller hands to the transport after the commit is returned in
// `relay`; a crash before or during that hand-over is repaired from the outbox by a sweeper.
import {
  BatonErrorTypes,
  RUN_END_NOTICE_MAX_BYTES,
  TERMINAL_STATUSES,
  type Decision,
  type DeferredAttempt,
  type EventDraft,
  type HeldAttempt,
  type Input,
  type LockedRun,
  type RunEnd,
  type RunState,
  type RunUpdate,
  type RunnerMessage,
  type ReplayedFrom,
  type RunnerTx,
  type RunTrigger,
  type RuntimeDescriptor,
  type Store,
  type WorkflowError,
  RunsChanged,
} from '@baton/core';
import { DEFAULT_LIMITS, LifecycleTypes, iso, jsonSize, limitError, type Limits } from '@baton/core/interpreter';
import { applyApprovalDeadlines } from './approvals.ts';
import { gateStarts, type StartVerdict } from './concurrency.ts';
import { MissingDefinitions, type DefinitionCache } from './definitions.ts';
import { applyEffects, emptyWrites, rootOf, write, type Writes } from './effects.ts';
import { emptyRelay, relayRow, runnerRows, type Relay } from './outbox.ts';
import { ledgersOf, markReplayed, type Feedback, type ReplayLedger } from './replay.ts';
import { matchingListens } from './route-event.ts';
import { cascadeReason, controlEvent, releaseHeld, type Control } from './suspension.ts';
import { applyDeferrals, attachRateLimits, lockedRateLimits } from './rate-limits.ts';
import type { RunSnapshots } from './snapshots.ts';
import { completeAttempts, lockAndCheck, onSnapshots, savedStamp, snapshotsOf, stampSaves, startingInserted } from './locking.ts';
import { cancelBeforeStart, decideSafely, engineFault, monotonic } from './decisions.ts';

export { childRunId } from './effects.ts';

export interface ApplyDeps {
  store: Store;
  definitions: DefinitionCache;
  runtime: RuntimeDescriptor;
  clock: () => number;
  /** Called when a decision throws: the run is faulted instead of retried forever. */
  onDecideError?: (runId: string, error: unknown) => void;
  /** What a run of a namespace may consume (BATON_LIMITS); Baton's defaults when absent. */
  limits?: (namespace: string) => Limits;
  /** The namespaces of runs this runner locked before (a run's namespace never changes). */
  namespaces?: RunNamespaces;
  /**
   * The smallest valueBytes limit of any namespace (BATON_LIMITS' valueBytesFloor); Baton's default
   * when `limits` is absent. A task result within it needs no namespace to be bounded.
   */
  valueBytesFloor?: number;
  /**
   * The runs this runner's batches left, to decide a batch of their task results on without reading
   * them first (snapshots.ts). Absent: every batch locks and reads its runs.
   */
  snapshots?: RunSnapshots;
  /** Each batch decided on snapshots: `committed`, or `changed` (its runs had changed; applied again on a read). */
  onSnapshotBatch?: (outcome: 'committed' | 'changed') => void;
}

/** Run id → namespace, as locked runs told it; forgotten in whole when it grows past its bound. */
export class RunNamespaces {
  readonly #byRun = new Map<string, string>();
  constructor(private readonly bound = 100_000) {}

  /** The namespace of every run, when all are known; otherwise undefined. */
  allOf(runIds: Iterable<string>): Map<string, string> | undefined {
    const known = new Map<string, string>();
    for (const runId of runIds) {
      const namespace = this.#byRun.get(runId);
      if (namespace === undefined) return undefined;
      known.set(runId, namespace);
    }
    return known;
  }

  remember(runs: readonly { id: string; namespace: string }[]): void {
    if (this.#byRun.size + runs.length > this.bound) this.#byRun.clear();
    for (const run of runs) this.#byRun.set(run.id, run.namespace);
  }
}

/**
 * Decision time one batch may take in all (each decision still takes at least one step): what
 * one batch decides is also what it writes, relays and publishes at once — on PGlite, under the
 * one connection every API read waits for. 50 ms (one decision's own budget): measured beside a
 * looping run on `npm start`, the neighbours' p99 went from 0.3–1.4 s (200 ms) to 0.24–0.35 s.
 */
const BATCH_DECISION_MS = 50;
/** Longest stretch of decisions between two turns of the event loop. */
const EVENT_LOOP_TURN_MS = 20;

/** A fault the engine raises on a run (a run whose messages cannot be applied, a broken definition). */
export interface EngineFault {
  runId: string;
  error: WorkflowError;
}

export interface BatchOutcome {
  /** What to hand to the transport after the commit (also in the outbox). */
  relay: Relay;
  finished: { runId: string; namespace: string; status: string }[];
  started: { runId: string; namespace: string }[];
  transitions: number;
  /** The earliest timer written in this batch, to wake the timer loop early. */
  nextTimerAt?: number;
  /** When each re-dispatch of a rate-limited attempt written is due, to wake the sweeper then. */
  deferredDueAt?: number[];
  /**
   * With deps.snapshots: the runs a later batch may be decided on without reading them, the
   * transaction that saves them (asked with its COMMIT), and whether this batch was decided on snapshots.
   */
  snapshots?: { runs: LockedRun[]; savedBy: Promise<string>; decidedOnSnapshots: boolean };
}

/**
 * A batch in one transaction. With deps.snapshots, the runs it leaves are remembered once it has
 * committed; a batch decided on remembered runs that had changed meanwhile (RunsChanged: nothing
 * was committed) is applied again on what the lock reads.
 */
export async function applyBatch(deps: ApplyDeps, messages: readonly RunnerMessage[], faults: readonly EngineFault[] = []): Promise<BatchOutcome> {
  const { snapshots } = deps;
  if (!snapshots) return inTransaction(deps, (tx) => applyInTransaction(deps, tx, messages, faults));
  const runIds = new Set([...messages.map((m) => m.runId), ...faults.map((f) => f.runId)]);
  try {
    const outcome = await inTransaction(deps, (tx) => applyInTransaction(deps, tx, messages, faults));
    if (outcome.snapshots?.decidedOnSnapshots) deps.onSnapshotBatch?.('committed');
    await snapshots.remember(outcome.snapshots, runIds);
    return outcome;
  } catch (error) {
    snapshots.forget(runIds);
    if (!(error instanceof RunsChanged)) throw error;
    deps.onSnapshotBatch?.('changed');
    return applyBatch(deps, messages, faults);
  }
}

/** One transaction of `work`; definitions it misses are loaded outside it, then it runs again. */
export async function inTransaction<T>(deps: ApplyDeps, work: (tx: RunnerTx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await deps.store.transaction(work);
    } catch (error) {
      if (!(error instanceof MissingDefinitions) || attempt >= 3) throw error;
      await deps.definitions.load(error.ids, error.keys);
    }
  }
}

/** One thing to do to a run: decide on an input, append events without a decision, fault, suspend or resume it. */
type Step = { input: Input; trigger?: RunTrigger; /** the attempt whose outcome it is */ attemptId?: string; replayed?: ReplayedFrom } | { append: EventDraft[] } | { fault: WorkflowError } | Control;

/**
 * `inserted`: the batch starts runs its own transaction inserted (the API's inline start), known
 * whole — locked with the check that they are there as inserted, nothing read.
 */
export async function applyInTransaction(deps: ApplyDeps, tx: RunnerTx, messages: readonly RunnerMessage[], faults: readonly EngineFault[], inserted?: readonly LockedRun[]): Promise<BatchOutcome> {
  const steps = new Map<string, Step[]>();
  const stepsOf = (runId: string) => steps.get(runId) ?? steps.set(runId, []).get(runId)!;
  for (const m of messages) stepsOf(m.runId);
  for (const f of faults) stepsOf(f.runId);
  const limitsOf = (namespace: string) => deps.limits?.(namespace) ?? DEFAULT_LIMITS;
  const runLimitsOf = (namespaces: ReadonlyMap<string, string>) => (runId: string) => {
    const namespace = namespaces.get(runId);
    return namespace === undefined ? undefined : { namespace, limits: limitsOf(namespace) };
  };
  const runIds = [...steps.keys()];
  // Task results of runs this runner left (snapshots.ts): decided on what it knows of them, checked
  // by the server with the writes (one round trip with the COMMIT).
  const seen = faults.length === 0 && !inserted ? deps.snapshots?.of(messages) : undefined;
  const { locked, fresh, complete } = inserted ? startingInserted(deps, tx, messages, inserted) : seen ? onSnapshots(deps, tx, messages, seen, runLimitsOf) : await lockAndCheck(deps, tx, messages, runIds, runLimitsOf);
  // What a run starts with (its input, and what started it, for its workflow.started event) comes with its lock.
  const starts = new Map(locked.flatMap((run) => (run.start ? [[run.id, run.start] as const] : [])));
  // The rate limits of the runs' namespaces came with their lock.
  const limits = lockedRateLimits(locked);
  const deferrals: DeferredAttempt[] = [];
  // In arrival order: an audit event sent before a result is logged before what the result causes.
  for (const m of messages) {
    const message = fresh.get(m);
    if (message === undefined || message.type === 'approval.deadline') continue;
    if (message.type === 'events') stepsOf(m.runId).push({ append: message.events });
    else if (message.type === 'deferred') deferrals.push(message);
    else if (message.type === 'suspend' || message.type === 'resume') stepsOf(m.runId).push({ control: message.type, ...(message.reason !== undefined && { reason: message.reason }) });
    else if (message.type === 'feedback') stepsOf(m.runId).push(feedbackStep(message));
    else {
      if (message.type === 'result' && message.events) stepsOf(m.runId).push({ append: message.events });
      const trigger = message.type === 'start' ? starts.get(m.runId)?.trigger : undefined;
      stepsOf(m.runId).push({ input: toInput(message, starts), ...(trigger && { trigger }), ...(message.type === 'result' && { attemptId: message.attemptId }) });
    }
  }
  for (const f of faults) stepsOf(f.runId).push({ fault: f.error });
  const deciding = locked.filter((run) => steps.get(run.id)!.some((s) => 'input' in s));
  const missing = [...new Set(deciding.map((run) => run.definitionId))].filter((id) => !deps.definitions.has(id));
  if (missing.length > 0) throw new MissingDefinitions(missing, []);
  // Reset runs deciding in this batch: the recorded outcomes they may still replay (replay.ts).
  // (a resume decides too: on what it held that fails at once)
  const resetRuns = locked.filter((run) => run.resetOf !== undefined && steps.get(run.id)!.some((s) => 'input' in s || 'control' in s));
  const ledgers = resetRuns.length === 0 ? new Map<string, ReplayLedger>() : ledgersOf(new Map(resetRuns.map((run) => [run.id, run.resetOf!])), await tx.openReplays(resetRuns.map((run) => run.id)));

  const outcome: BatchOutcome = { relay: emptyRelay(), finished: [], started: [], transitions: 0 };
  const writes = emptyWrites();
  // Concurrency keys: starts over a key's limit wait, are cancelled or make room (concurrency.ts).
  const starting = new Set(locked.filter((run) => steps.get(run.id)!.some((s) => 'input' in s && s.input.type === 'start')).map((run) => run.id));
  const mayEnd = new Set(locked.filter((run) => steps.get(run.id)!.some((s) => 'input' in s || 'fault' in s)).map((run) => run.id));
  const gate = await gateStarts(tx, deps.definitions, locked, starting, mayEnd, (runId) => starts.get(runId)?.input ?? null, writes);
  for (const [runId, verdict] of gate.verdicts) steps.set(runId, replaceStart(steps.get(runId)!, verdict));
  // What suspended runs resumed in this batch held, to dispatch.
  const resuming = locked.filter((run) => run.status === 'suspended' && steps.get(run.id)!.some((s) => 'control' in s && s.control === 'resume'));
  const held = groupByRun(resuming.length > 0 ? await tx.heldAttempts(resuming.map((run) => run.id)) : []);
  // Runs that may start children: how many runs their trees hold already (runsPerTree).
  const spawning = deciding.filter((run) => {
    const cached = deps.definitions.peek(run.definitionId);
    return 'spawns' in cached && cached.spawns;
  });
  const releasingChildren = resuming.filter((run) => held.get(run.id)?.some((a) => a.kind === 'workflow'));
  const roots = new Set([...spawning, ...releasingChildren].map((run) => rootOf(run.id)));
  if (roots.size > 0) writes.treeRuns = await tx.countTreeRuns([...roots]);
  const deadlines = await applyApprovalDeadlines(tx, messages.filter((m) => fresh.has(m)), deps.clock());
  writes.runner.push(...deadlines.runnerMessages);
  const deferred = await applyDeferrals(tx, deferrals, deps.clock());
  for (const [runId, events] of deferred.events) steps.get(runId)?.push({ append: events });
  // The batch's decisions share one time budget: once it is spent, each further decision yields
  // after its first step (its run goes on at its next `continue`), so a batch of many long runs
  // holds the runner for about BATCH_DECISION_MS, not for the sum of their budgets; and the event
  // loop gets a turn between runs (health checks, API requests of the same process).
  const batchStart = monotonic();
  let lastTurn = batchStart;
  for (const run of locked) {
    const limits = limitsOf(run.namespace);
    const left = Math.max(1, BATCH_DECISION_MS - (monotonic() - batchStart));
    advanceRun(deps, run, steps.get(run.id)!, held.get(run.id) ?? [], writes, outcome, left < limits.decisionMs ? { ...limits, decisionMs: left } : limits, ledgers.get(run.id));
    if (monotonic() - lastTurn > EVENT_LOOP_TURN_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      lastTurn = monotonic();
    }
  }
  await attachRateLimits(tx, writes.attempts, (runId, reference) => namedRateLimit(deps, locked, runId, reference), limits);
  await gate.finish(outcome.finished, writes);
  stampSaves(locked, writes);
  if (complete) completeAttempts(tx, complete, writes);
  await write(tx, writes);
  if (deps.snapshots) outcome.snapshots = snapshotsOf(tx, locked, writes, seen !== undefined);
  if (writes.cascade.length > 0) {
    const children = await tx.liveChildRuns([...new Set(writes.cascade.map((c) => c.parentRunId))]);
    for (const { type, parentRunId, reason } of writes.cascade) {
      for (const child of children) if (child.parentRunId === parentRunId) writes.runner.push({ type, runId: child.id, reason });
    }
  }
  for (const { namespace, event } of writes.emitted) {
    for (const listen of matchingListens(await tx.listensForType(event.type, namespace), event)) {
      writes.runner.push({ type: 'event', runId: listen.runId, listenId: listen.listenId, event });
    }
  }
  outcome.relay.tasks = [...writes.tasks, ...deadlines.tasks];
  outcome.relay.events = writes.events;
  // The attempts dispatched: new ones, and held ones a resume released (none cancelled meanwhile).
  const relayed = relayRow(outcome.relay, writes.tasks.map((t) => t.attemptId), deadlines.tasks);
  const rows = runnerRows(writes.runner, outcome.relay);
  if (relayed) rows.push(relayed);
  if (rows.length > 0) await tx.insertOutbox(rows);
  if (deferred.rows.length > 0) await tx.insertOutbox(deferred.rows);
  if (deferred.dueAt.length > 0) outcome.deferredDueAt = deferred.dueAt;
  for (const timer of writes.timers) outcome.nextTimerAt = Math.min(outcome.nextTimerAt ?? Infinity, timer.fireAt);
  return outcome;
}

function toInput(message: Exclude<RunnerMessage, { type: 'events' | 'approval.deadline' | 'suspend' | 'resume' | 'deferred' | 'feedback' }>, starts: ReadonlyMap<string, { input: unknown }>): Input {
  switch (message.type) {
    case 'start':
      return { type: 'start', input: starts.get(message.runId)?.input ?? null };
    case 'result':
      return message.status === 'completed'
        ? { type: 'task.completed', effectId: effectIdOf(message.attemptId), output: message.output }
        : { type: 'task.failed', effectId: effectIdOf(message.attemptId), error: message.error };
    case 'timer':
      return { type: 'timer.fired', timerId: message.timerId };
    case 'cancel':
      return message.reason === undefined ? { type: 'cancel' } : { type: 'cancel', reason: message.reason };
    case 'event':
      return { type: 'event.received', listenId: message.listenId, event: message.event };
    case 'continue':
      return message.id === undefined ? { type: 'continue' } : { type: 'continue', id: message.id };
  }
}

/** The rate limit a task names in its definition (`metadata.baton.rateLimit`). */
function namedRateLimit(deps: ApplyDeps, locked: readonly LockedRun[], runId: string, reference: string): string | undefined {
  const run = locked.find((r) => r.id === runId);
  const cached = run && deps.definitions.peek(run.definitionId);
  if (!cached || !('compiled' in cached)) return undefined;
  const name = (cached.compiled.tasks.get(reference)?.def as { metadata?: { baton?: { rateLimit?: unknown } } } | undefined)?.metadata?.baton?.rateLimit;
  return typeof name === 'string' ? name : undefined;
}

function effectIdOf(attemptId: string): string {
  return attemptId.slice(attemptId.lastIndexOf(':') + 1);
}

function advanceRun(deps: ApplyDeps, run: LockedRun, steps: Step[], held: readonly HeldAttempt[], writes: Writes, outcome: BatchOutcome, limits: Limits, ledger?: ReplayLedger): void {
  const now = deps.clock();
  let state = run.state;
  let seq = run.eventSeq;
  let changed = false;
  // Suspension is the row's status, not the interpreter's: its state keeps the phase it decided.
  let suspended = run.status === 'suspended';
  let wasSuspended = suspended;
  const usage: Record<string, number> = {};
  const append = (type: string, data: unknown, key?: string) => {
    seq += 1;
    writes.events.push({ runId: run.id, seq, id: `${run.id}.${seq}`, type, time: iso(now), data, namespace: run.namespace, name: run.name, version: run.version, ...(key !== undefined && { key }) });
  };
  const logFull = () => limitError('eventsPerRun', limits.eventsPerRun, `the run's log holds ${seq.toLocaleString('en-US')} events`, '/', run.namespace);
  // The run's budget in this batch: `stepsPerDecision` decisions or `decisionMs` (no more than the
  // batch has left) over all of them. A decision's effects may feed inputs back at once (a reset
  // run's replayed outcomes, tasks refused at dispatch), and each of those is another decision:
  // once the budget is spent they go out as `feedback` runner messages instead, so a reset of a
  // run with a long ledger holds the runner for one budget at a time, as a long decision does.
  const began = monotonic();
  let decisions = 0;
  const queue = [...steps];
  while (queue.length > 0) {
    const step = queue.shift()!;
    if ('append' in step) {
      // Appended events are logged even after the run ended (a late audit entry), up to the
      // events limit; a run still going that reaches it is faulted with the limit's error.
      for (const draft of step.append) {
        if (seq >= limits.eventsPerRun) {
          if (!TERMINAL_STATUSES.has(state?.status ?? run.status)) queue.unshift({ fault: logFull() });
          break;
        }
        append(draft.type, draft.data, draft.key);
      }
      continue;
    }
    if (TERMINAL_STATUSES.has(state?.status ?? run.status)) continue;
    if ('control' in step) {
      // Idempotent by status: suspending a suspended run, resuming a running one, change nothing.
      if (suspended === (step.control === 'suspend')) continue;
      if (seq >= limits.eventsPerRun) {
        queue.unshift({ fault: logFull() });
        continue;
      }
      suspended = step.control === 'suspend';
      wasSuspended ||= suspended;
      changed = true;
      outcome.transitions += 1;
      const event = controlEvent(run, step, now);
      append(event.type, event.data);
      writes.cascade.push({ type: step.control, parentRunId: run.id, reason: cascadeReason(step.control, run.id) });
      if (step.control === 'resume') for (const failure of releaseHeld(run, held, state, writes, now, limits)) queue.push({ input: failure });
      continue;
    }
    let decision: Decision;
    if ('fault' in step) {
      decision = engineFault(run, state, step.fault, now, writes);
    } else {
      const { input } = step;
      if (state && input.type === 'start') continue;
      // Suspended: a run not started yet is started on resume; an owed continue is sent on resume.
      if (suspended && !state && input.type === 'start') continue;
      if (suspended && input.type === 'continue') continue;
      if (!state && input.type !== 'start' && input.type !== 'cancel') continue;
      if (step.attemptId !== undefined && (input.type === 'task.completed' || input.type === 'task.failed')) writes.applied.push({ id: step.attemptId, seq });
      const budget = decisions === 0 ? limits : { ...limits, decisionMs: Math.max(1, limits.decisionMs - (monotonic() - began)) };
      decision = state || input.type === 'start' ? decideSafely(deps, run, state, input, now, writes, { limits: budget, eventsSoFar: seq }) : cancelBeforeStart(now, input.type === 'cancel' ? input.reason : undefined);
    }
    state = decision.state;
    changed = true;
    for (const [key, value] of Object.entries(decision.usage ?? {})) usage[key] = (usage[key] ?? 0) + value;
    outcome.transitions += 1;
    // What started the run is part of its workflow.started event (API, schedule, event, parent run).
    const trigger = 'input' in step ? step.trigger : undefined;
    for (const draft of markReplayed(decision.events, 'input' in step ? step.replayed : undefined)) append(draft.type, trigger && draft.type === LifecycleTypes.workflowStarted ? { ...(draft.data as object), trigger } : draft.data);
    decisions += 1;
    const feedback = applyEffects(deps.definitions, now, run, decision, writes, limits, suspended, ledger);
    if (feedback.length === 0) continue;
    if (decisions < limits.stepsPerDecision && monotonic() - began < limits.decisionMs) queue.push(...feedback);
    else for (const fed of feedback) writes.runner.push(feedbackMessage(run.id, fed));
  }
  if (ledger) writes.consumed.push(...ledger.consumed);
  if (!changed) {
    if (seq !== run.eventSeq) writes.seqOnly.push({ id: run.id, eventSeq: seq });
    return;
  }
  const ended = state !== undefined && TERMINAL_STATUSES.has(state.status);
  const status = ended || !suspended ? (state?.status ?? 'pending') : 'suspended';
  const update: RunUpdate = { id: run.id, status, eventSeq: seq, ...(state !== undefined && { state }) };
  if (Object.keys(usage).length > 0) update.usage = usage;
  if (run.state === undefined && state !== undefined) {
    update.startedAt = iso(now);
    outcome.started.push({ runId: run.id, namespace: run.namespace });
  }
  if (ended && state) {
    update.endedAt = iso(now);
    if (state.output !== undefined) update.output = state.output;
    if (state.error !== undefined) update.error = state.error;
    outcome.finished.push({ runId: run.id, namespace: run.namespace, status: state.status });
    if (run.parentRunId && run.parentEffectId) writes.runner.push(resultForParent(run.parentRunId, run.parentEffectId, state));
    // Ended while suspended (cancelled, a timer's fault…): what it held is never dispatched.
    if (wasSuspended) writes.dropHeld.push(run.id);
    const end = runEnd(run, update);
    if (end) (outcome.relay.ends ??= new Map()).set(run.id, end);
  }
  writes.updates.push(update);
}

/**
 * The record's fields a run's end leaves as `GET /api/v1/runs/{id}` will show them once this
 * transaction commits, for its `runs.ended` notice: what the update writes (the run's only update
 * in the batch: advanceRun runs once per locked run), what the lock read of the rest, and the
 * stamp its save takes (savedStamp). None when the update adds usage counters (PostgreSQL
 * adds them, in numeric) or its output and error are larger than a notice carries (jsonSize: the
 * interpreter measured them already for the run's limits).
 */
function runEnd(run: LockedRun, update: RunUpdate): RunEnd | undefined {
  if (run.lockedAt === undefined || update.usage !== undefined) return undefined;
  const size = (value: unknown) => (value === undefined ? 0 : jsonSize(value, RUN_END_NOTICE_MAX_BYTES));
  if (size(update.output) + size(update.error) > RUN_END_NOTICE_MAX_BYTES) return undefined;
  const end: RunEnd = { status: update.status, updatedAt: savedStamp(run.lockedAt, update) };
  if (update.output !== undefined) end.output = update.output;
  if (update.error !== undefined) end.error = update.error;
  if (run.usage !== undefined) end.usage = run.usage;
  const startedAt = run.startedAt ?? update.startedAt;
  if (startedAt !== undefined) end.startedAt = startedAt;
  const endedAt = run.endedAt ?? update.endedAt;
  if (endedAt !== undefined) end.endedAt = endedAt;
  return end;
}

/** An input fed back to a run, sent to be decided in a later batch (the run's budget here is spent). */
function feedbackMessage(runId: string, fed: Feedback): RunnerMessage {
  return { type: 'feedback', runId, input: fed.input, ...(fed.attemptId !== undefined && { attemptId: fed.attemptId }), ...(fed.replayed && { replayed: fed.replayed }) };
}

/** A `feedback` message as the step it was sent for. */
function feedbackStep(message: Extract<RunnerMessage, { type: 'feedback' }>): Step {
  return { input: message.input, ...(message.attemptId !== undefined && { attemptId: message.attemptId }), ...(message.replayed && { replayed: message.replayed }) };
}

/** A run's start steps replaced by what the concurrency gate decided instead. */
function replaceStart(steps: Step[], verdict: StartVerdict): Step[] {
  const at = steps.findIndex((s) => 'input' in s && s.input.type === 'start');
  const rest = steps.filter((s) => !('input' in s && s.input.type === 'start'));
  const instead: Step[] = 'fault' in verdict ? [{ fault: verdict.fault }] : 'cancel' in verdict ? [{ input: { type: 'cancel', reason: verdict.cancel } }] : verdict.queued ? [{ append: [verdict.queued] }] : [];
  rest.splice(Math.max(0, Math.min(at, rest.length)), 0, ...instead);
  return rest;
}

/** Held attempts by run. */
function groupByRun(attempts: readonly HeldAttempt[]): Map<string, HeldAttempt[]> {
  const byRun = new Map<string, HeldAttempt[]>();
  for (const attempt of attempts) {
    const list = byRun.get(attempt.runId);
    if (list) list.push(attempt);
    else byRun.set(attempt.runId, [attempt]);
  }
  return byRun;
}

/** The parent's subflow task's result: the child's output, or its error. */
export function resultForParent(parentRunId: string, parentEffectId: string, state: Pick<RunState, 'status' | 'output' | 'error'>): RunnerMessage {
  const attemptId = `${parentRunId}:${parentEffectId}`;
  if (state.status === 'completed') return { type: 'result', runId: parentRunId, attemptId, status: 'completed', output: state.output ?? null };
  const error = state.error ?? { type: BatonErrorTypes.cancelled, status: 499, title: 'Subflow cancelled' };
  return { type: 'result', runId: parentRunId, attemptId, status: 'failed', error };
}
