// Checks on runs as wholes: each run ended as its input says it must (status, output, child,
// approval) within the bound after the last fault; cancelled runs and their children ended
// cancelled; no child outlived its parent; nothing of a finished run was left behind.
import { isDeepStrictEqual } from 'node:util';
import type { DriverRun } from './driver.ts';
import { TERMINAL, family, type Snapshot } from './snapshot.ts';
import { expectedOf, keyOf } from './workflows.ts';

export interface CheckResult {
  ok: boolean;
  errorCount: number;
  /** The first errors (all are counted in errorCount). */
  errors: string[];
  [stat: string]: unknown;
}

export function result(stats: Record<string, unknown>, errors: string[]): CheckResult {
  return { ok: errors.length === 0, ...stats, errorCount: errors.length, errors: errors.slice(0, 30) };
}

const label = (run: DriverRun) => `run ${run.n} (${run.kind}, ${keyOf(run.n)}, ${run.id ?? 'no id'})`;

export function checkRuns(s: Snapshot, runs: DriverRun[], lastFaultAt: number, boundMs: number): CheckResult {
  const errors: string[] = [];
  let right = 0;
  let lastEnd = 0;
  const late: string[] = [];
  const unfinished: string[] = [];
  for (const run of runs) {
    const row = run.id ? s.runs.get(run.id) : undefined;
    if (!row) {
      errors.push(`${label(run)}: never created`);
      continue;
    }
    const mine = family(s, row.id);
    for (const r of mine) if (r.endedAt !== null) lastEnd = Math.max(lastEnd, r.endedAt);
    if (mine.some((r) => r.endedAt !== null && r.endedAt > lastFaultAt + boundMs)) late.push(row.id);
    if (!TERMINAL.has(row.status)) {
      unfinished.push(row.id);
      errors.push(`${label(run)}: still ${row.status}`);
      continue;
    }
    const want = expectedOf(run.n);
    const problems: string[] = [];
    if (row.status !== want.status) problems.push(`ended ${row.status}, expected ${want.status}${row.error ? `: ${JSON.stringify(row.error).slice(0, 300)}` : ''}`);
    else if (want.output !== undefined && !isDeepStrictEqual(row.output, want.output)) problems.push(`output ${JSON.stringify(row.output)}, expected ${JSON.stringify(want.output)}`);
    const children = s.childrenOf.get(row.id) ?? [];
    if (want.child && want.status === 'completed') {
      const child = children[0];
      if (children.length !== 1) problems.push(`${children.length} child runs, expected 1`);
      else if (child!.status !== want.child.status || (want.child.output !== undefined && !isDeepStrictEqual(child!.output, want.child.output))) {
        problems.push(`child ${child!.id} ended ${child!.status} with ${JSON.stringify(child!.output)}, expected ${want.child.status} ${JSON.stringify(want.child.output)}`);
      }
    }
    if (!want.child && children.length > 0) problems.push(`${children.length} unexpected child runs`);
    if (want.child?.status === 'cancelled') {
      for (const child of children) if (child.status !== 'cancelled') problems.push(`child ${child.id} ended ${child.status}, expected cancelled`);
    }
    const approvals = s.approvals.get(row.id) ?? [];
    if (want.approval && want.status === 'completed' && (approvals.length !== 1 || approvals[0]!.status !== want.approval)) {
      problems.push(`approvals ${JSON.stringify(approvals)}, expected one ${want.approval}`);
    }
    if (want.approval === 'cancelled') for (const a of approvals) if (a.status !== 'cancelled') problems.push(`approval ${a.id} is ${a.status}, expected cancelled`);
    if (problems.length > 0) errors.push(`${label(run)}: ${problems.join('; ')}`);
    else right += 1;
  }
  for (const id of late) errors.push(`run ${id} (or its child) ended after the bound of ${boundMs / 1000} s after the last fault`);
  return result(
    {
      runs: runs.length,
      right,
      unfinished: unfinished.length,
      finishedLate: late.length,
      lastRunEndedAfterLastFaultSeconds: lastEnd > 0 ? Number(((lastEnd - lastFaultAt) / 1000).toFixed(1)) : null,
      boundSeconds: boundMs / 1000,
    },
    errors,
  );
}

/** Runs the harness cancelled (answered 202) must end cancelled, with their children. */
export function checkCancels(s: Snapshot, runs: DriverRun[]): CheckResult {
  const errors: string[] = [];
  const cancelKinds = runs.filter((r) => r.kind.startsWith('cancel'));
  let cancelled = 0;
  for (const run of cancelKinds) {
    const row = run.id ? s.runs.get(run.id) : undefined;
    if (run.cancelAcceptedAt === undefined) {
      errors.push(`${label(run)}: the cancel request was answered ${run.cancelStatus ?? 'never'}${row ? ` (run ${row.status})` : ''}`);
      continue;
    }
    const family_ = row ? family(s, row.id) : [];
    const notCancelled = family_.filter((r) => r.status !== 'cancelled');
    if (!row || notCancelled.length > 0) errors.push(`${label(run)}: cancel accepted, but ${notCancelled.map((r) => `${r.id} is ${r.status}`).join(', ') || 'the run is missing'}`);
    else cancelled += 1;
  }
  return result({ requested: cancelKinds.length, endedCancelled: cancelled, cancelledBeforeParked: cancelKinds.filter((r) => r.cancelledBeforeParked).length }, errors);
}

/** A child run still running while its parent has finished is an orphan (or a child of no parent). */
export function checkOrphans(s: Snapshot): CheckResult {
  const errors: string[] = [];
  let children = 0;
  for (const run of s.runs.values()) {
    if (run.parentRunId === null) continue;
    children += 1;
    const parent = s.runs.get(run.parentRunId);
    if (!parent) errors.push(`child ${run.id} (${run.status}): its parent does not exist`);
    else if (TERMINAL.has(parent.status) && !TERMINAL.has(run.status)) errors.push(`child ${run.id} is ${run.status} while its parent ${parent.id} is ${parent.status}`);
  }
  return result({ childRuns: children }, errors);
}

/** A finished run leaves no listen, timer, scheduled attempt or pending approval behind. */
export function checkLeftovers(s: Snapshot): CheckResult {
  const errors: string[] = [];
  const counts = { listens: 0, timers: 0, scheduledAttempts: 0, pendingApprovals: 0 };
  for (const run of s.runs.values()) {
    if (!TERMINAL.has(run.status)) continue;
    const left: string[] = [];
    const listens = s.listens.get(run.id) ?? 0;
    const timers = s.timers.get(run.id) ?? 0;
    const scheduled = (s.attempts.get(run.id) ?? []).filter((a) => a.status === 'scheduled');
    const pending = (s.approvals.get(run.id) ?? []).filter((a) => a.status === 'pending');
    counts.listens += listens;
    counts.timers += timers;
    counts.scheduledAttempts += scheduled.length;
    counts.pendingApprovals += pending.length;
    if (listens) left.push(`${listens} listens`);
    if (timers) left.push(`${timers} timers`);
    if (scheduled.length) left.push(`scheduled attempts ${scheduled.map((a) => `${a.id} (${a.kind})`).join(', ')}`);
    if (pending.length) left.push(`pending approvals ${pending.map((a) => a.id).join(', ')}`);
    if (left.length > 0) errors.push(`run ${run.id} is ${run.status} but left ${left.join(', ')}`);
  }
  return result(counts, errors);
}

/**
 * Where an unfinished run is stuck, in words: what its deepest unfinished run (a child before its
 * parent) still waits for, and whether the harness's input for it was accepted.
 */
export function stuckAt(s: Snapshot, run: DriverRun): string {
  const rows = run.id ? family(s, run.id) : [];
  const open = rows.filter((r) => !TERMINAL.has(r.status)).at(-1);
  if (!open) return 'finished';
  const prefix = `${open.parentRunId ? 'child ' : ''}${run.cancelAcceptedAt !== undefined ? '(cancel accepted) ' : ''}${open.status}: `;
  const scheduled = (s.attempts.get(open.id) ?? []).filter((a) => a.status === 'scheduled');
  const approval = (s.approvals.get(open.id) ?? []).find((a) => a.status !== 'cancelled');
  if (approval && approval.status !== 'pending') return `${prefix}approval ${approval.status} (decided through the API), result never applied`;
  if (approval) return `${prefix}approval pending${run.decidedAt !== undefined ? `, though its decision was answered ${run.decisionStatus}` : ''}`;
  if (scheduled.length > 0) return `${prefix}${scheduled.map((a) => `${a.kind} attempt${a.dispatched === undefined ? '' : a.dispatched ? ' dispatched' : ' not dispatched'}`).join(', ')}, no result`;
  if ((s.listens.get(open.id) ?? 0) > 0) return `${prefix}listening, ${run.eventDeliveredAt !== undefined ? 'its event was accepted (matched >= 1) but never applied' : 'its event was never accepted'}`;
  if ((s.timers.get(open.id) ?? 0) > 0) return `${prefix}timer pending`;
  if (open.status === 'pending') return `${prefix}never started`;
  const children = rows.filter((r) => r.parentRunId === open.id);
  if (children.length > 0) return `${prefix}its child ended ${children.map((c) => c.status).join(', ')}, result never applied`;
  return `${prefix}nothing scheduled`;
}

/** What the engine owner needs to see of a run that did not end right. */
export function diagnose(s: Snapshot, run: DriverRun): Record<string, unknown> {
  const row = run.id ? s.runs.get(run.id) : undefined;
  const rows = row ? family(s, row.id) : [];
  return {
    n: run.n,
    kind: run.kind,
    k: keyOf(run.n),
    stuckAt: stuckAt(s, run),
    // Requests the target saw per step of this run (0 for a step whose task message was lost, ≥ 1 when its result was).
    targetRequests: Object.fromEntries([...s.requests].filter(([path]) => path.startsWith(`/t/${keyOf(run.n)}/`)).map(([path, list]) => [path, list.length])),
    driver: {
      eventDelivered: run.eventDeliveredAt !== undefined,
      eventPosts: run.eventPosts,
      decisionStatus: run.decisionStatus,
      cancelStatus: run.cancelStatus,
      cancelledBeforeParked: run.cancelledBeforeParked,
    },
    runs: rows.map((r) => ({
      id: r.id,
      status: r.status,
      output: r.output,
      error: r.error,
      lastEvents: (s.events.get(r.id) ?? []).slice(-5).map((e) => `${e.seq} ${e.type}${e.data?.task ? ` ${e.data.task}` : ''}${e.data?.approvalId ? ` ${e.data.approvalId}` : ''}`),
      attempts: (s.attempts.get(r.id) ?? []).map((a) => `${a.id} ${a.kind} ${a.reference} ${a.status}${a.dispatched === false ? ' (not dispatched)' : ''}`),
      listens: s.listens.get(r.id) ?? 0,
      timers: s.timers.get(r.id) ?? 0,
      outboxRows: s.outbox.get(r.id) ?? 0,
      approvals: s.approvals.get(r.id) ?? [],
    })),
  };
}
