// Checks on what happened inside runs: every task completed once (events and attempts), every
// HTTP call reached the target once per attempt — a repeat only after a fault, always with the
// attempt's Idempotency-Key — and every run's log is gapless and free of duplicates.
import { result, type CheckResult } from './checks-runs.ts';
import type { DriverRun } from './driver.ts';
import { TERMINAL, family, type EventRow, type Snapshot } from './snapshot.ts';
import { keyOf } from './workflows.ts';

const TASK_PREFIX = 'io.serverlessworkflow.task.';
const WORKFLOW_TERMINAL: Record<string, string> = {
  'io.serverlessworkflow.workflow.completed.v1': 'completed',
  'io.serverlessworkflow.workflow.faulted.v1': 'faulted',
  'io.serverlessworkflow.workflow.cancelled.v1': 'cancelled',
};

function countBy<T>(items: T[], key: (item: T) => string | undefined): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    const k = key(item);
    if (k !== undefined) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

/** One task.completed event per task instance, one attempt per task, completed when the run completed. */
export function checkTasks(s: Snapshot): CheckResult {
  const errors: string[] = [];
  let completions = 0;
  let attemptsCompleted = 0;
  for (const run of s.runs.values()) {
    const events = s.events.get(run.id) ?? [];
    const completed = countBy(events.filter((e) => e.type === `${TASK_PREFIX}completed.v1`), (e) => e.data?.task);
    completions += completed.size;
    for (const [task, n] of completed) if (n > 1) errors.push(`run ${run.id}: task ${task} completed ${n} times`);
    if (run.status === 'completed') {
      const created = new Set(events.filter((e) => e.type === `${TASK_PREFIX}created.v1`).map((e) => e.data?.task as string));
      for (const task of created) if (!completed.has(task)) errors.push(`run ${run.id} completed, but task ${task} has no task.completed event`);
    }
    const attempts = s.attempts.get(run.id) ?? [];
    for (const [reference, n] of countBy(attempts, (a) => a.reference)) if (n > 1) errors.push(`run ${run.id}: task ${reference} has ${n} attempts (it ran twice)`);
    for (const a of attempts) {
      if (a.status === 'completed') attemptsCompleted += 1;
      if (run.status === 'completed' && a.status !== 'completed') errors.push(`run ${run.id} completed, but its attempt ${a.id} (${a.kind} ${a.reference}) is ${a.status}`);
      if (run.status === 'completed' && a.status === 'completed' && !completed.has(a.reference)) errors.push(`run ${run.id}: attempt ${a.id} completed, but task ${a.reference} has no task.completed event`);
    }
  }
  return result({ taskCompletions: completions, attemptsCompleted }, errors);
}

/**
 * Per path at the target (one task instance): every request carries the Idempotency-Key of one
 * attempt of the run that owns the path; more than one request is a repeat, allowed only when a
 * fault was injected (or a service crashed) while that attempt was alive — after it was created
 * (less a small margin) and before the repeat. Requests under two keys mean the task ran twice.
 */
export function checkHttp(s: Snapshot, runs: DriverRun[], faultTimes: number[], origin = 0, marginMs = 1_000): CheckResult {
  const t = (at: number) => `+${((at - origin) / 1000).toFixed(1)} s`;
  const errors: string[] = [];
  const attemptsById = new Map([...s.attempts.values()].flat().map((a) => [a.id, a]));
  const runOfKey = new Map(runs.map((r) => [keyOf(r.n), r]));
  let requests = 0;
  let repeatedPaths = 0;
  let extraRequests = 0;
  let maxPerPath = 0;
  const owners = new Map<string, Set<string>>();
  for (const [path, list] of s.requests) {
    requests += list.length;
    maxPerPath = Math.max(maxPerPath, list.length);
    const k = /^\/t\/([^/]+)\/[^/]+$/.exec(path)?.[1];
    const run = k ? runOfKey.get(k) : undefined;
    if (!run?.id) {
      errors.push(`${list.length} requests to ${path}, which no run owns`);
      continue;
    }
    let ids = owners.get(run.id);
    if (!ids) owners.set(run.id, (ids = new Set(family(s, run.id).map((r) => r.id))));
    const keys = new Set(list.map((r) => r.key ?? '(none)'));
    for (const key of keys) {
      const runId = key.slice(0, key.lastIndexOf(':'));
      if (!ids.has(runId)) errors.push(`${path}: Idempotency-Key ${key} is not an attempt of run ${run.id} or its children`);
    }
    if (keys.size > 1) errors.push(`${path}: the task ran under ${keys.size} attempts: ${[...keys].join(', ')} (${list.length} requests)`);
    if (list.length > 1) {
      repeatedPaths += 1;
      extraRequests += list.length - 1;
      const first = list[0]!.at;
      for (const repeat of list.slice(1)) {
        const born = attemptsById.get(repeat.key ?? '')?.createdAt ?? first;
        if (faultTimes.some((at) => at >= born - marginMs && at <= repeat.at)) continue;
        const before = faultTimes.filter((at) => at < born).at(-1);
        errors.push(
          `${path}: requested at ${t(first)} and again at ${t(repeat.at)} under ${repeat.key}, but no fault was injected since its attempt was created at ${t(born)} (last fault before: ${before === undefined ? 'none' : t(before)})`,
        );
      }
    }
  }
  // Every completed http attempt reached the target under its own key.
  const keysSeen = new Set([...s.requests.values()].flat().map((r) => r.key));
  for (const attempts of s.attempts.values()) {
    for (const a of attempts) if (a.kind === 'http' && a.status === 'completed' && !keysSeen.has(a.id)) errors.push(`attempt ${a.id} completed, but the target never saw its Idempotency-Key`);
  }
  return result({ paths: s.requests.size, requests, repeatedPaths, extraRequests, maxRequestsPerPath: maxPerPath }, errors);
}

/** Seq gapless from 1 and equal to runs.event_seq; no event twice; lifecycle and audit events once each. */
export function checkEvents(s: Snapshot): CheckResult {
  const errors: string[] = [];
  let events = 0;
  for (const run of s.runs.values()) {
    const log = s.events.get(run.id) ?? [];
    events += log.length;
    const gap = log.findIndex((e, i) => e.seq !== i + 1);
    if (gap >= 0) errors.push(`run ${run.id}: seq ${log[gap]!.seq} at position ${gap + 1} (a gap)`);
    if (log.length !== run.eventSeq) errors.push(`run ${run.id}: ${log.length} events but event_seq ${run.eventSeq}`);
    errors.push(...duplicates(run.id, log));
    const started = log.filter((e) => e.type === 'io.serverlessworkflow.workflow.started.v1').length;
    if (started > 1) errors.push(`run ${run.id}: workflow.started ${started} times`);
    const terminal = log.filter((e) => WORKFLOW_TERMINAL[e.type] !== undefined);
    if (TERMINAL.has(run.status) && (terminal.length !== 1 || WORKFLOW_TERMINAL[terminal[0]!.type] !== run.status)) {
      errors.push(`run ${run.id} is ${run.status} with terminal events [${terminal.map((e) => `${e.seq} ${e.type}`).join(', ')}]`);
    }
    if (!TERMINAL.has(run.status) && terminal.length > 0) errors.push(`run ${run.id} is ${run.status} but logged ${terminal[0]!.type}`);
    for (const approval of s.approvals.get(run.id) ?? []) {
      const decided = log.filter((e) => e.type === 'dev.baton.approval.decided.v1' && e.data?.approvalId === approval.id).length;
      if (decided !== approval.decisions) errors.push(`run ${run.id}: approval ${approval.id} has ${approval.decisions} decisions but ${decided} decided events`);
    }
  }
  return result({ events }, errors);
}

/** The same event twice: identical type and data, a task phase twice, or an approval step twice. */
function duplicates(runId: string, log: EventRow[]): string[] {
  const errors: string[] = [];
  const seen = new Map<string, number>();
  for (const e of log) {
    const key = `${e.type} ${e.text}`;
    const first = seen.get(key);
    if (first !== undefined) errors.push(`run ${runId}: seq ${e.seq} repeats seq ${first} (${e.type} ${e.text.slice(0, 160)})`);
    else seen.set(key, e.seq);
  }
  const once = (label: string, items: EventRow[], key: (e: EventRow) => string | undefined) => {
    for (const [k, n] of countBy(items, key)) if (n > 1) errors.push(`run ${runId}: ${label} ${k} logged ${n} times`);
  };
  once('task event', log.filter((e) => e.type.startsWith(TASK_PREFIX)), (e) => `${e.type.slice(TASK_PREFIX.length)} ${e.data?.task}`);
  const audit = log.filter((e) => e.type.startsWith('dev.baton.approval.'));
  once('approval request', audit.filter((e) => e.type === 'dev.baton.approval.requested.v1'), (e) => `${e.data?.approvalId} level ${e.data?.level}`);
  once('approval decision', audit.filter((e) => e.type === 'dev.baton.approval.decided.v1'), (e) => `${e.data?.approvalId} by ${e.data?.approver}`);
  once('approval deadline', audit.filter((e) => e.type === 'dev.baton.approval.timed-out.v1' || e.type === 'dev.baton.approval.escalated.v1'), (e) => `${e.type} ${e.data?.approvalId} level ${e.data?.level}`);
  return errors;
}
