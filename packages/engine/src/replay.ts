// Replay: a reset run takes the original's recorded outcomes instead of executing the effects that
// match them (docs/OPERATIONS.md "Reset"). The ledger (run_replays, written with the run by
// reset.ts) is read in the runner's transaction; an effect that matches an open entry is not
// dispatched: its attempt is written completed or failed with the recorded outcome, the entry is
// marked consumed, and the outcome is fed back to the run in the same batch — the mechanism
// suspension and approvals use for inputs the runner owes a run. A runner killed mid-reset loses
// nothing: what the last commit consumed is consumed, the rest is still open.
//
// Matching never uses effect ids (a fork may decide effects in another order than the original):
//   task      (reference, canonical JSON of the payload) — http, agent turns and tools, approvals
//   workflow  (reference, canonical JSON of the child run's input)
//   timer     (reference, wait kind) for `wait` tasks and retry delays; timeouts never replay
// Each entry is taken once, in the original's order (a retried task gets its recorded failure,
// then its recorded success).
import { canonicalJson, type Effect, type EventDraft, type FedBackInput, type ReplayedAttempt, type ReplayedFrom, type ReplayEntry, type ReplayKind } from '@baton/core';
import { AgentEventTypes } from '@baton/core/agent';
import { LifecycleTypes } from '@baton/core/interpreter';
import { parseApprovalSpec } from './approval-rules.ts';

/**
 * An input the runner feeds back to a run — in the same batch while the run's decision budget
 * lasts, else as a `feedback` runner message (apply.ts); `attemptId` is the attempt whose outcome
 * it applies, `replayed` where a replayed outcome came from (its events carry it as `replayedFrom`).
 */
export interface Feedback {
  input: FedBackInput;
  attemptId?: string;
  replayed?: ReplayedFrom;
}

/** What an effect must equal to take an entry. */
export interface ReplayKey {
  kind: ReplayKind;
  reference: string;
  match: string;
}

/**
 * What a task's payload must equal. An approval compares its parsed spec (what its row keeps: the
 * attempt's own payload becomes the notice, with run-specific ids). An agent turn's conversation
 * holds tool results as JSON text; a recorded result read back from jsonb has its keys in another
 * order than the worker's, so the text of tool messages is compared as canonical JSON too.
 */
export function taskMatch(kind: string, payload: unknown, name = ''): string {
  if (kind === 'approval') {
    const parsed = parseApprovalSpec(payload, name);
    return parsed.ok ? approvalMatch(parsed.spec) : canonicalJson(payload);
  }
  if (kind !== 'agent' || payload === null || typeof payload !== 'object' || !Array.isArray((payload as { messages?: unknown }).messages)) return canonicalJson(payload);
  const messages = ((payload as { messages: unknown[] }).messages).map((message) => {
    const m = message as { role?: unknown; content?: unknown };
    if (m?.role !== 'tool' || typeof m.content !== 'string') return message;
    try {
      return { ...m, content: canonicalJson(JSON.parse(m.content)) };
    } catch {
      return message; // not JSON: compared as it is
    }
  });
  return canonicalJson({ ...(payload as object), messages });
}

/** What an approval must equal: its spec (an approval row's `spec`, or a parsed `with:`). */
export function approvalMatch(spec: unknown): string {
  return `approval:${canonicalJson(spec)}`;
}

/** The key of an effect that may replay, or undefined (timeouts, listens, emits…). */
export function replayKeyOf(effect: Effect): ReplayKey | undefined {
  if (effect.kind === 'task') return { kind: 'task', reference: effect.reference, match: taskMatch(effect.taskKind, effect.payload, effect.name) };
  if (effect.kind === 'workflow') return { kind: 'workflow', reference: effect.reference, match: canonicalJson(effect.input) };
  if (effect.kind === 'timer' && effect.reference !== undefined && (effect.wait === 'timer' || effect.wait === 'retry')) {
    return { kind: 'timer', reference: effect.reference, match: effect.wait };
  }
  return undefined;
}

/** The open entries of one reset run; `take` consumes the first one (in the original's order) that matches. */
export class ReplayLedger {
  private readonly open: ReplayEntry[];
  readonly consumed: { runId: string; ord: number; by: string }[] = [];

  constructor(
    readonly runId: string,
    readonly originalRunId: string,
    entries: readonly ReplayEntry[],
  ) {
    this.open = [...entries].sort((a, b) => a.ord - b.ord);
  }

  get size(): number {
    return this.open.length;
  }

  take(key: ReplayKey, by: string): ReplayEntry | undefined {
    const index = this.open.findIndex((e) => e.kind === key.kind && e.reference === key.reference && e.match === key.match);
    if (index < 0) return undefined;
    const [entry] = this.open.splice(index, 1);
    this.consumed.push({ runId: this.runId, ord: entry!.ord, by });
    return entry;
  }
}

/** Ledgers by run, from the open entries of a batch's reset runs. */
export function ledgersOf(resetOf: ReadonlyMap<string, string>, entries: readonly ReplayEntry[]): Map<string, ReplayLedger> {
  const byRun = new Map<string, ReplayEntry[]>();
  for (const entry of entries) (byRun.get(entry.runId) ?? byRun.set(entry.runId, []).get(entry.runId)!).push(entry);
  const ledgers = new Map<string, ReplayLedger>();
  for (const [runId, list] of byRun) ledgers.set(runId, new ReplayLedger(runId, resetOf.get(runId) ?? '', list));
  return ledgers;
}

/**
 * Replays an effect when the ledger has its outcome: returns the input to feed back (and pushes
 * the completed attempt onto `replayed`) — null when nothing waits for it (a child run not
 * awaited) — or undefined when the effect must be performed.
 */
export function replayEffect(ledger: ReplayLedger | undefined, effect: Effect, runId: string, replayed: ReplayedAttempt[]): Feedback | null | undefined {
  if (ledger === undefined || ledger.size === 0) return undefined;
  const key = replayKeyOf(effect);
  if (key === undefined || !('id' in effect)) return undefined;
  const id = `${runId}:${effect.id}`;
  const entry = ledger.take(key, id);
  if (entry === undefined) return undefined;
  if (effect.kind === 'timer') {
    return { input: { type: 'timer.fired', timerId: effect.id }, replayed: { reference: key.reference, from: { runId: ledger.originalRunId } } };
  }
  const outcome = entry.outcome;
  const source = entry.sourceAttemptId;
  if (outcome === undefined || source === undefined || (effect.kind !== 'task' && effect.kind !== 'workflow')) return undefined;
  const payload =
    effect.kind === 'task'
      ? { attemptId: id, runId, effectId: effect.id, kind: effect.taskKind, reference: effect.reference, name: effect.name, payload: effect.payload }
      : { replayed: true, input: effect.input };
  replayed.push({ id, runId, effectId: effect.id, kind: effect.kind === 'task' ? effect.taskKind : 'workflow', reference: effect.reference, payload, outcome, replayedFrom: source });
  // A child run not awaited (`await: false`) is not replayed to the run: nobody waits for it.
  if (effect.kind === 'workflow' && !effect.await) return null;
  const input: FedBackInput =
    outcome.status === 'completed' ? { type: 'task.completed', effectId: effect.id, output: outcome.result } : { type: 'task.failed', effectId: effect.id, error: outcome.error };
  return { input, attemptId: id, replayed: { reference: key.reference, from: { runId: source.slice(0, source.lastIndexOf(':')), attemptId: source } } };
}

/** Event types that report a replayed outcome of its task. */
const OUTCOME_TYPES: ReadonlySet<string> = new Set([LifecycleTypes.taskCompleted, LifecycleTypes.taskFaulted, LifecycleTypes.taskRetried, AgentEventTypes.turnCompleted]);

/** The decision's events about the replayed task's outcome, with `replayedFrom` in their data. */
export function markReplayed(events: readonly EventDraft[], mark: ReplayedFrom | undefined): readonly EventDraft[] {
  if (mark === undefined) return events;
  return events.map((event) => (OUTCOME_TYPES.has(event.type) && event.data.task === mark.reference ? { ...event, data: { ...event.data, replayedFrom: mark.from } } : event));
}
