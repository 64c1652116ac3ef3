// What the operator actions need to know about a run, in words (pure, no DOM; unit-tested in
// tests/web/run-ops.test.ts): where a run came from (a rerun or a reset of another run), whether it
// waits in a concurrency queue, where a reset may start, the body of a rerun, and whether an event
// was replayed from the run reset rather than executed again. Run records are read defensively:
// fields written by newer servers (resetOf, queued, concurrency) may be absent or shaped otherwise.
import { isTerminal, parseJsonInput, shortId } from './format.js';

const text = (value) => (typeof value === 'string' && value !== '' ? value : undefined);
const object = (value) => (value && typeof value === 'object' && !Array.isArray(value) ? value : undefined);

/** Statuses a run can be suspended from (docs/OPERATIONS.md): not finished, not suspended already. */
export const SUSPENDABLE = new Set(['pending', 'running', 'waiting']);

/**
 * The run this one was started from: { kind: 'rerun', runId } or { kind: 'reset', runId, from },
 * from `resetOf` / `rerunOf` or the trigger; undefined for any other run.
 */
export function originOf(run) {
  const trigger = object(run?.trigger) ?? {};
  const reset = object(run?.resetOf);
  const resetRun = text(reset?.runId) ?? text(run?.resetOf) ?? (trigger.kind === 'reset' ? text(trigger.runId) : undefined);
  if (resetRun) return { kind: 'reset', runId: resetRun, from: text(reset?.from) ?? (trigger.kind === 'reset' ? text(trigger.from) : undefined) };
  const rerunRun = text(run?.rerunOf) ?? (trigger.kind === 'rerun' ? text(trigger.runId) : undefined);
  return rerunRun ? { kind: 'rerun', runId: rerunRun } : undefined;
}

/** "the failed task" for `from: failed`, else the pointer as given. */
export function fromText(from) {
  if (from === undefined) return undefined;
  return from === 'failed' ? 'the failed task' : from;
}

/** An origin in one line: "Rerun of …0a1b2c3d4e5f", "Reset of …0a1b2c3d4e5f from /do/1/charge". */
export function originText(origin) {
  if (!origin) return '';
  const head = `${origin.kind === 'reset' ? 'Reset' : 'Rerun'} of ${shortId(origin.runId)}`;
  return origin.from ? `${head} from ${fromText(origin.from)}` : head;
}

/**
 * A run waiting for a slot of its concurrency key: { key?, position?, since? }, or undefined. The
 * record says so as `concurrency: { key, state: 'queued', position }` (position 1: the next to
 * start; key null when the workflow has one key for all its runs); older shapes (`queued`: true,
 * the key, or { key, position }) are read too. A finished run is never queued.
 */
export function queueInfo(run) {
  if (!run || isTerminal(run.status)) return undefined;
  const queued = run.queued;
  const concurrency = object(run.concurrency);
  const q = object(queued);
  const isQueued = queued === true || q !== undefined || text(queued) !== undefined || concurrency?.state === 'queued' || concurrency?.status === 'queued' || concurrency?.queued === true;
  if (!isQueued) return undefined;
  const key = keyText(q?.key) ?? text(queued) ?? keyText(concurrency?.key) ?? text(run.concurrencyKey);
  const position = [concurrency?.position, q?.position].find((p) => Number.isInteger(p) && p >= 1);
  return { key, position, since: text(q?.since) ?? text(q?.queuedAt) ?? text(concurrency?.queuedAt) };
}

/** A key's value as text: a string as is, another JSON value as JSON; undefined for none (null). */
export function keyText(key) {
  if (key === undefined || key === null || key === '') return undefined;
  return typeof key === 'string' ? key : JSON.stringify(key);
}

/** "queued on key acme (3rd in line)", "queued". */
export function queueText(info) {
  if (!info) return '';
  const place = info.position !== undefined ? ` (${info.position === 1 ? 'next' : `${ordinal(info.position)}`} in line)` : '';
  return `${info.key !== undefined ? `queued on key ${info.key}` : 'queued'}${place}`;
}

/** The run's place on its concurrency key for the run page: queued (queueText) or "holds a slot on key K". */
export function concurrencyText(run) {
  const queued = queueInfo(run);
  if (queued) return queueText(queued);
  const concurrency = object(run?.concurrency);
  if (concurrency?.state !== 'running' || isTerminal(run.status)) return undefined;
  const key = keyText(concurrency.key);
  return key !== undefined ? `holds a slot on key ${key}` : 'holds a slot';
}

function ordinal(n) {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' }[n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/**
 * Where a reset of this run may start: "the failed task" for a faulted run (with the pointer of its
 * error's `instance` when it names one), then every task the run started, in the order it first
 * started them. The server decides which positions it accepts and says why it refuses the others.
 */
export function resetChoices(run, progress) {
  const choices = [];
  if (run?.status === 'faulted') {
    const at = text(object(run.error)?.instance);
    choices.push({ value: 'failed', label: `The failed task${at?.startsWith('/') ? ` (${at})` : ''}` });
  }
  for (const ref of progress?.order ?? []) {
    const task = progress.tasks.get(ref);
    if (task?.executions.some((ex) => ex.startedAt !== undefined)) choices.push({ value: ref, label: `${task.name} — ${ref}` });
  }
  return choices;
}

/**
 * The body of POST /runs/{id}/rerun from the dialog: `version` only when 'latest', `input` only when
 * the editor's text differs from the prefilled one. { ok: true, body } or { ok: false, error }.
 */
export function rerunBody({ version, inputText, prefilled }) {
  const body = version === 'latest' ? { version: 'latest' } : {};
  if (inputText.trim() === prefilled.trim()) return { ok: true, body };
  const parsed = parseJsonInput(inputText);
  return parsed.ok ? { ok: true, body: { ...body, input: parsed.value } } : { ok: false, error: `Not valid JSON: ${parsed.error}` };
}

/**
 * Whether an event records a result replayed from the run reset (its data's `replayedFrom`):
 * { runId?, source? } — the run named ({ runId }) or what the server wrote (an id, as text);
 * undefined for an event of something executed in this run.
 */
export function replayedFrom(data) {
  const from = object(data)?.replayedFrom;
  if (from === undefined || from === null || from === false) return undefined;
  return { runId: text(object(from)?.runId), source: text(from) };
}

/** The reruns and resets of `runId` among listed runs (a listing that ignored the filter returns others too). */
export function derivedRuns(runId, items) {
  const seen = new Set();
  return items
    .filter((run) => originOf(run)?.runId === runId && !seen.has(run.id) && seen.add(run.id))
    .sort((a, b) => String(b.createdAt).localeCompare(String(a.createdAt)));
}
