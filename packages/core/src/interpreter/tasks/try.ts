// `try`/`catch` with retries (dsl-reference.md, "Try", "Retry").
//
// Frame: ph ("try" | "catch"), n (retries done), t0 (first attempt start), t1 (current attempt
// start), err (the caught error while catch.do runs), i/c (list position).
//
// Choices where the spec is silent:
// - limit.attempt.count is the number of retries after the first attempt.
// - limit.attempt.duration: an attempt that ran longer than it is not retried.
// - limit.duration: no retry is scheduled if it would start after t0 + duration.
// - When retries are exhausted, catch.do runs if present, otherwise the error propagates
//   (a retried error is never silently swallowed). A caught error without retry and without
//   catch.do is swallowed: the try task outputs its input.
import type { WorkflowError } from '../../errors.ts';
import { sameErrorType } from '../../errors.ts';
import type { CompiledTask } from '../compile.ts';
import type { CompiledCatch, CompiledRetry } from '../compile-tasks.ts';
import { advanceList, runListFrom } from '../flow.ts';
import { taskEvent } from '../lifecycle.ts';
import type { Run, TaskHandler } from '../run.ts';

export const tryTask: TaskHandler = {
  start(run, f, task) {
    if (task.spec.type !== 'try') return;
    run.update(f, { ph: 'try', n: 0, t0: run.env.now, t1: run.env.now });
    const step = runListFrom(run, f, task.spec.body, 0, run.frame(f).in);
    if (step.finished) run.complete(f, step.output);
  },
  child(run, f, task, _child, output, directive) {
    if (task.spec.type !== 'try') return;
    const list = run.frame(f).ph === 'catch' ? task.spec.catch.body! : task.spec.body;
    const step = advanceList(run, f, list, output, directive);
    if (step?.finished) run.complete(f, step.output);
  },
  childFault(run, f, task, _child, error) {
    if (task.spec.type !== 'try' || run.frame(f).ph === 'catch') return run.fail(f, error);
    handleError(run, f, task, task.spec.catch, error);
  },
  outcome(run, f, task, wait, outcome) {
    if (task.spec.type !== 'try' || wait.k !== 'retry' || outcome.type !== 'timer.fired') return;
    retryNow(run, f, task);
  },
};

function handleError(run: Run, f: string, task: CompiledTask, spec: CompiledCatch, error: WorkflowError): void {
  const input = run.frame(f).in;
  const vars = { [spec.as]: error };
  const caught =
    matchesFilter(spec.filter, error) &&
    (spec.when === undefined || run.condition(f, spec.when, input, vars)) &&
    (spec.exceptWhen === undefined || !run.condition(f, spec.exceptWhen, input, vars));
  if (!caught) return run.fail(f, error);
  if (spec.retry && scheduleRetry(run, f, task, spec.retry, error, vars)) return;
  if (spec.body) {
    run.update(f, { ph: 'catch', err: error });
    const step = runListFrom(run, f, spec.body, 0, input);
    if (step.finished) run.complete(f, step.output);
    return;
  }
  if (spec.retry) return run.fail(f, error);
  run.complete(f, input);
}

/**
 * `errors.with`: every property given must equal the error's; a standard `type` matches in either
 * spelling (`…/spec/1.0.0/errors/<kind>` or `…/dsl/errors/types/<kind>`, errors.ts sameErrorType).
 */
export function matchesFilter(filter: Record<string, unknown> | undefined, error: WorkflowError): boolean {
  if (filter === undefined) return true;
  return Object.entries(filter).every(([key, expected]) => {
    if (expected === undefined) return true;
    if (key === 'type') return sameErrorType(String(error.type), String(expected));
    return String(error[key]) === String(expected);
  });
}

/** Arms the retry (or retries at once without a delay); false when the policy says stop. */
function scheduleRetry(run: Run, f: string, task: CompiledTask, retry: CompiledRetry, error: WorkflowError, vars: Record<string, unknown>): boolean {
  const frame = run.frame(f);
  const done = frame.n ?? 0;
  const now = run.env.now;
  if (retry.maxAttempts !== undefined && done >= retry.maxAttempts) return false;
  if (retry.attemptDurationMs !== undefined && now - (frame.t1 ?? now) > retry.attemptDurationMs) return false;
  if (retry.when && !run.condition(f, retry.when, frame.in, vars)) return false;
  if (retry.exceptWhen && run.condition(f, retry.exceptWhen, frame.in, vars)) return false;
  const timerId = run.nextId('e');
  const delay = retryDelay(retry, done + 1, `${run.env.runId}:${timerId}`);
  if (retry.durationMs !== undefined && now + delay - (frame.t0 ?? now) > retry.durationMs) return false;
  run.update(f, { n: done + 1 });
  if (delay <= 0) {
    retryNow(run, f, task);
    return true;
  }
  run.wait(f, 'retry', { kind: 'timer', id: timerId, fireAt: now + delay, reference: task.ref, wait: 'retry' });
  return true;
}

/** Delay before retry number `attempt` (1-based), jitter included. */
export function retryDelay(retry: CompiledRetry, attempt: number, seed: string): number {
  let delay = retry.delayMs;
  if (retry.backoff === 'linear') delay = retry.delayMs * attempt;
  else if (retry.backoff === 'exponential') delay = retry.delayMs * 2 ** (attempt - 1);
  if (retry.jitter) {
    const { fromMs, toMs } = retry.jitter;
    delay += Math.round(fromMs + (toMs - fromMs) * unitHash(seed));
  }
  return delay;
}

/** A deterministic number in [0, 1) from a string (FNV-1a): jitter without randomness. */
export function unitHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash / 0x1_0000_0000;
}

function retryNow(run: Run, f: string, task: CompiledTask): void {
  if (task.spec.type !== 'try') return;
  run.update(f, { ph: 'try', t1: run.env.now });
  run.events.push(taskEvent('retried', run.workflowName, task, run.env.now));
  const step = runListFrom(run, f, task.spec.body, 0, run.frame(f).in);
  if (step.finished) run.complete(f, step.output);
}
