// The sweeper: repairs what a crash or a lost transport left behind, every sweepIntervalMs. Each
// step has its own failure rule — it logs and the others go on — and claims its rows (SKIP
// LOCKED, or a claim column moved forward) so that N runners never send the same row twice:
//   outbox           rows whose relayAt passed: relay rows not relayed after their commit, runner
//                    messages not applied yet (sent again with backoff)
//   stale attempts   dispatched long ago and still scheduled (lost on the transport with a worker)
//   pending runs     created but never started (their start message lost)
//   approvals        deadlines Postgres knows have passed; results that never reached the run
// (The transport's epoch is watched by a loop of its own, more often: epochs.ts.)
import type { AttemptKind, RunnerMessage, TaskMessage } from '@baton/core';
import { approvalRepairs } from '../approvals.ts';
import { relayClaimed, send } from '../outbox.ts';
import { sleep, step, type LoopContext } from './context.ts';

const PAGE = 500;

export async function sweepLoop(ctx: LoopContext): Promise<void> {
  while (!ctx.signal.aborted) {
    await step(ctx, 'outbox', () => sweepOutbox(ctx));
    await step(ctx, 'stale attempts', () => sweepStaleAttempts(ctx));
    await step(ctx, 'pending runs', () => sweepPendingRuns(ctx, { olderThanMs: ctx.options.pendingAgeMs }));
    await step(ctx, 'approvals', async () => send(ctx.bus, { tasks: [], events: [], runner: await approvalRepairs(ctx.store, ctx.clock()) }));
    await sleep(ctx.options.sweepIntervalMs, ctx.signal);
  }
}

/** Relays every due outbox row, a page at a time; task messages of attempts in `held` (the transport has them) are not sent again. */
export async function sweepOutbox(ctx: LoopContext, held?: ReadonlySet<string>): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await ctx.store.claimOutbox(PAGE);
    if (rows.length === 0) return total;
    await relayClaimed(ctx.bus, ctx.store, rows, held);
    total += rows.length;
    ctx.logger.info({ rows: rows.length, relays: Math.max(...rows.map((r) => r.relays)) }, 'sweeper relayed outbox rows');
    if (rows.length < PAGE) return total;
  }
}

async function sweepStaleAttempts(ctx: LoopContext): Promise<void> {
  for (const [kind, after] of Object.entries(ctx.options.redispatchAfterMs)) {
    if (after === undefined) continue;
    const stale = await ctx.store.claimStaleAttempts(kind as AttemptKind, { olderThanMs: after }, PAGE);
    if (stale.length === 0) continue;
    ctx.logger.info({ kind, attempts: stale.length }, 'sweeper re-dispatched stale attempts');
    if (kind !== 'workflow') ctx.metrics.resent.inc({ reason: 'stale', kind, outcome: 'sent' }, stale.length);
    await redispatch(ctx, stale);
  }
}

/**
 * Sends claimed attempts again: task messages to their queue; for a child run, its outcome when it
 * has one (a safety net: the child's result for its parent is an outbox row of its own).
 */
export async function redispatch(ctx: LoopContext, attempts: readonly { kind: AttemptKind; payload: unknown; id: string; runId: string }[]): Promise<void> {
  const tasks: TaskMessage[] = [];
  const runner: RunnerMessage[] = [];
  for (const attempt of attempts) {
    if (attempt.kind !== 'workflow') {
      tasks.push(attempt.payload as TaskMessage);
      continue;
    }
    const childId = (attempt.payload as { childRunId?: string } | null)?.childRunId;
    const child = childId ? await ctx.store.getRun(childId) : undefined;
    if (child?.status === 'completed') runner.push({ type: 'result', runId: attempt.runId, attemptId: attempt.id, status: 'completed', output: child.output ?? null });
    else if (child && (child.status === 'faulted' || child.status === 'cancelled') && child.error) runner.push({ type: 'result', runId: attempt.runId, attemptId: attempt.id, status: 'failed', error: child.error });
  }
  await send(ctx.bus, { tasks, events: [], runner });
}

/** Sends the start message of pending runs again (claimed, a page at a time). */
export async function sweepPendingRuns(ctx: LoopContext, cutoff: { olderThanMs: number } | { before: string }): Promise<void> {
  for (;;) {
    const ids = await ctx.store.claimPendingRuns(cutoff, PAGE);
    if (ids.length === 0) return;
    ctx.logger.info({ runs: ids.length }, 'sweeper re-sent start messages of pending runs');
    await send(ctx.bus, { tasks: [], events: [], runner: ids.map((runId): RunnerMessage => ({ type: 'start', runId })) });
    if (ids.length < PAGE) return;
  }
}
