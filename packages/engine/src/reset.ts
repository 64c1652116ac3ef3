// Planning a reset (docs/OPERATIONS.md "Reset"): which task the reset starts from, where the
// boundary lies in the original's log, and the replay ledger — every outcome the original applied
// before the boundary, in its order. Read-only; the orchestrator creates the run with the ledger
// in one transaction (Store.createResetRun) and the runner replays it (replay.ts).
import type { AttemptRecord, NewReplayEntry, RunEventRecord, RunRecord, Store, WorkflowDocument } from '@baton/core';
import { TERMINAL_STATUSES, canonicalJson, compileWorkflow, LifecycleTypes } from '@baton/core';
import { approvalMatch, taskMatch } from './replay.ts';

/** A reset the original run does not allow; `status` is the HTTP status to answer with (409 or 422). */
export class ResetRefused extends Error {
  constructor(
    readonly status: 409 | 422,
    message: string,
    readonly from: string,
  ) {
    super(message);
    this.name = 'ResetRefused';
  }
}

export interface ResetPlan {
  /** The task pointer the reset starts from (`failed` resolved). */
  from: string;
  /** Seq of the original's task.started event of `from`: outcomes applied before it replay. */
  boundary: number;
  ledger: NewReplayEntry[];
}

const EVENTS_PAGE = 10_000;

/** The plan of a reset of `original` from `from` ("failed" or a task pointer), or ResetRefused. */
export async function planReset(store: Store, original: RunRecord, document: WorkflowDocument, from: string): Promise<ResetPlan> {
  if (!TERMINAL_STATUSES.has(original.status)) {
    throw new ResetRefused(409, `run ${original.id} is ${original.status}; only a finished run (completed, faulted or cancelled) can be reset — cancel it first, or wait for it to end`, from);
  }
  if (from === 'failed' && original.status !== 'faulted') {
    throw new ResetRefused(409, `run ${original.id} did not fail (status ${original.status}); "failed" names the task of a faulted run — reset from a task pointer instead`, from);
  }
  const events = await allEvents(store, original.id);
  const pointer = from === 'failed' ? failedTask(original, events) : from;
  const tasks = compileWorkflow(document).tasks;
  if (!pointer.startsWith('/do/') || !tasks.has(pointer)) {
    throw new ResetRefused(422, `"${pointer}" is not the pointer of a task of ${original.namespace}/${original.name}@${original.version} (e.g. /do/0/first; see the task field of the run's events)`, from);
  }
  const starts = events.filter((e) => e.type === LifecycleTypes.taskStarted && taskOf(e) === pointer);
  if (starts.length === 0) throw new ResetRefused(422, `run ${original.id} never started the task ${pointer}; a reset starts from a task the run started`, from);
  // A pointer: its first start (earlier `for` iterations included in what replays); failed: the execution that failed.
  const boundary = (from === 'failed' ? starts[starts.length - 1]! : starts[0]!).seq;
  const ledger = [...(await attemptEntries(store, original.id, boundary)), ...timerEntries(events, boundary, tasks)];
  ledger.forEach((entry, i) => (entry.ord = i));
  return { from: pointer, boundary, ledger };
}

async function allEvents(store: Store, runId: string): Promise<RunEventRecord[]> {
  const events: RunEventRecord[] = [];
  for (;;) {
    const page = await store.listEvents(runId, events.at(-1)?.seq ?? 0, EVENTS_PAGE);
    events.push(...page);
    if (page.length < EVENTS_PAGE) return events;
  }
}

function taskOf(event: RunEventRecord): string | undefined {
  const task = (event.data as { task?: unknown } | null)?.task;
  return typeof task === 'string' ? task : undefined;
}

/**
 * The task that failed: the error's `instance` when it names a task the run started (or the
 * deepest started task it lies in), else the innermost task of the last chain of task.faulted events.
 */
function failedTask(original: RunRecord, events: readonly RunEventRecord[]): string {
  const started = new Set(events.filter((e) => e.type === LifecycleTypes.taskStarted).map(taskOf));
  const instance = original.error?.instance;
  if (typeof instance === 'string') {
    const within = [...started].filter((ref): ref is string => ref !== undefined && (instance === ref || instance.startsWith(`${ref}/`)));
    if (within.length > 0) return within.sort((a, b) => b.length - a.length)[0]!;
  }
  const faulted = events.filter((e) => e.type === LifecycleTypes.taskFaulted).map(taskOf);
  let innermost = faulted.at(-1);
  for (let i = faulted.length - 2; i >= 0 && innermost !== undefined; i--) {
    const ref = faulted[i];
    if (ref === undefined || !ref.startsWith(`${innermost}/`)) break;
    innermost = ref;
  }
  if (innermost === undefined) throw new ResetRefused(422, `run ${original.id} faulted outside any task (${original.error?.title ?? 'no error'}); reset it from a task pointer`, 'failed');
  return innermost;
}

/** Entry order inside a run: effect ids are "e<n>", n growing with every effect the run decides. */
const effectNumber = (attempt: AttemptRecord) => Number(attempt.effectId.slice(1)) || 0;

/** Attempts whose outcome was applied before the boundary (http, agent, approval, child runs). */
async function attemptEntries(store: Store, runId: string, boundary: number): Promise<NewReplayEntry[]> {
  const attempts = (await store.listAttempts(runId))
    .filter((a) => (a.status === 'completed' || a.status === 'failed') && a.appliedSeq !== undefined && a.appliedSeq < boundary)
    .sort((a, b) => effectNumber(a) - effectNumber(b));
  const entries: NewReplayEntry[] = [];
  for (const attempt of attempts) {
    const outcome = attempt.status === 'completed' ? { status: 'completed' as const, result: attempt.result ?? null } : { status: 'failed' as const, error: attempt.error! };
    const base = { ord: 0, reference: attempt.reference, sourceAttemptId: attempt.id, outcome };
    const payload = attempt.payload as { payload?: unknown; childRunId?: string; input?: unknown } | null;
    if (attempt.kind === 'approval') {
      // Its payload became the notice; the row keeps the spec parsed from `with:`.
      const approval = await store.getApproval(attempt.id);
      if (approval) entries.push({ ...base, kind: 'task', match: approvalMatch(approval.spec) });
      continue;
    }
    if (attempt.kind !== 'workflow') {
      entries.push({ ...base, kind: 'task', match: taskMatch(attempt.kind, payload?.payload ?? null) });
      continue;
    }
    // A child run's input: from the child's row, or (an attempt that replayed one) kept in the payload.
    const input = payload?.childRunId !== undefined ? (await store.getRun(payload.childRunId))?.input : payload?.input;
    if (input !== undefined) entries.push({ ...base, kind: 'workflow', match: canonicalJson(input) });
  }
  return entries;
}

/** One entry per timer that elapsed before the boundary: `wait` tasks completed, retries begun. */
function timerEntries(events: readonly RunEventRecord[], boundary: number, tasks: ReadonlyMap<string, { spec: { type: string } }>): NewReplayEntry[] {
  const entries: NewReplayEntry[] = [];
  for (const event of events) {
    if (event.seq >= boundary) break;
    const ref = taskOf(event);
    if (ref === undefined) continue;
    if (event.type === LifecycleTypes.taskCompleted && tasks.get(ref)?.spec.type === 'wait') entries.push({ ord: 0, kind: 'timer', reference: ref, match: 'timer' });
    else if (event.type === LifecycleTypes.taskRetried) entries.push({ ord: 0, kind: 'timer', reference: ref, match: 'retry' });
  }
  return entries;
}
