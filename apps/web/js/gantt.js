// A run's tasks on a time axis (pure, no DOM): one row per task, one bar per execution from its
// start to its end (or to now while it runs), the time between created and started as a queued
// segment, the time a try waited before retrying as a retry segment. Rows of a fork's branches
// overlap in time: the parallel lanes. Unit-tested in tests/web/run-model.test.ts.
import { listOf } from './progress.js';

const WAITING = /^(wait|listen|approval)/;

/** Nesting depth of a task reference: 0 for a top-level task. */
export function depthOf(ref) {
  let depth = 0;
  for (let { container } = listOf(ref); container !== ''; ({ container } = listOf(container))) depth += 1;
  return depth;
}

/**
 * ganttOf(progress, { now, kinds }) → { t0, t1, rows }
 * rows: [{ ref, name, depth, bars: [{ kind: 'run' | 'queued' | 'retry', outcome, start, end, open, attempt, wait?, replayed? }] }]
 * `wait`: the execution of a wait, listen or approval (time spent waiting by design).
 * `replayed`: an execution a reset replayed from the run it reset (not executed again).
 * `kinds` maps a reference to its node's kind and summary (wait, listen and approvals draw as waits).
 */
export function ganttOf(progress, { now = Date.now(), kinds = new Map() } = {}) {
  const times = [];
  const rows = progress.order.map((ref) => {
    const task = progress.tasks.get(ref);
    const kind = kinds.get(ref);
    const waits = kind ? WAITING.test(kind.kind) || kind.summary === 'approval' : false;
    const bars = [];
    task.executions.forEach((ex, i) => {
      const created = Date.parse(ex.createdAt);
      const started = ex.startedAt ? Date.parse(ex.startedAt) : undefined;
      const ended = ex.endedAt ? Date.parse(ex.endedAt) : undefined;
      const open = ended === undefined;
      const end = ended ?? Math.max(now, started ?? created);
      if (i > 0) {
        const previous = task.executions[i - 1];
        const retried = retriedBetween(progress, ref, previous.endSeq, ex.createdSeq);
        if (retried && previous.endedAt) bars.push({ kind: 'retry', outcome: 'waiting', start: Date.parse(previous.endedAt), end: created, open: false, attempt: i + 1 });
      }
      if (started !== undefined && started > created) bars.push({ kind: 'queued', outcome: 'queued', start: created, end: started, open: false, attempt: i + 1 });
      const outcome = ex.outcome === 'running' || ex.outcome === 'created' ? (waits ? 'waiting' : 'running') : ex.outcome;
      bars.push({ kind: 'run', outcome, start: started ?? created, end, open, attempt: i + 1, wait: waits, ...(ex.replayed ? { replayed: true } : {}) });
      times.push(created, end);
    });
    return { ref, name: task.name, depth: depthOf(ref), kind: kind?.kind, bars, attempts: task.executions.length };
  });
  const started = Date.parse(progress.workflow.startedAt ?? '');
  const ended = Date.parse(progress.workflow.endedAt ?? '');
  const t0 = Number.isFinite(started) ? Math.min(started, ...times) : Math.min(...times, now);
  const t1 = Math.max(Number.isFinite(ended) ? ended : now, ...times, t0 + 1);
  return { t0, t1, rows };
}

/** Whether a try holding this task retried between two of its executions (the gap was a retry delay). */
function retriedBetween(progress, ref, fromSeq, toSeq) {
  if (fromSeq === undefined) return false;
  for (let { container } = listOf(ref); container !== ''; ({ container } = listOf(container))) {
    const holder = progress.tasks.get(container);
    if (holder?.retries.some((r) => r.seq > fromSeq && r.seq <= toSeq)) return true;
  }
  return false;
}

/** Where a time falls on the axis, in percent of its width. */
export function axisPercent(gantt, t) {
  return ((t - gantt.t0) / (gantt.t1 - gantt.t0)) * 100;
}

/** Tick marks for the axis: about `count` round steps (ms) from t0. */
export function axisTicks(gantt, count = 6) {
  const span = gantt.t1 - gantt.t0;
  const steps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000];
  const step = steps.find((s) => span / s <= count) ?? Math.ceil(span / count);
  const ticks = [];
  for (let t = 0; t <= span; t += step) ticks.push(t);
  return ticks;
}
