// Transport epochs: when the bus's data may have been lost (Redis restarted — its AOF may lack the
// last second — or was wiped; the in-process bus of a new process), whatever was in flight is sent
// again from PostgreSQL at once, instead of after the stale-attempt window (minutes). One runner
// repairs each epoch (a claim with a lease in bus_epochs); the others see it claimed or done.
//   re-sent: every outbox row (made due now), every scheduled http and agent attempt, the notices
//   of approvals no hitl-worker handled yet, the start of every pending run — all that was handed
//   to the transport before a runner first saw the new epoch (what came after is on the new
//   data). Timers live in PostgreSQL and are not affected. The claim is a short lease the
//   repairing runner renews page by page: if it dies, another takes over within seconds.
// Only what the transport does not hold any more is sent again: a Redis that restarted from its
// AOF usually lost nothing (a killed process loses nothing it acknowledged; only a machine that
// lost power loses up to its last second), so the repair first lists what the queues still hold
// (Bus.held) and skips every attempt whose task message or result is there — else each restart
// would repeat every call in flight.
// "Before a runner first saw it" is the epoch's row: a process that hands work to the transport
// (a runner's loops, the API's inline start) records the epoch it is on first (noteTransportEpoch),
// so that what it hands after that is not sent twice — on a fresh Redis, the API's first runs
// would otherwise be repaired as lost when a runner looked later.
// The epoch is asked for every EPOCH_CHECK_MS (one Redis round trip), not at the sweeper's pace:
// everything handed to the new data before the first runner sees it is sent twice by the repair,
// so the sooner it is seen, the fewer calls are repeated.
import { Queues, type AttemptKind, type Bus, type Store } from '@baton/core';
import type { Logger } from 'pino';
import { noticeTask } from '../approvals.ts';
import { send } from '../outbox.ts';
import { sleep, step, type LoopContext } from './context.ts';
import { redispatch, sweepOutbox, sweepPendingRuns } from './sweeper.ts';

const PAGE = 500;
const HELD_PAGE = 1_000;
const NOTE_RETRY_MS = 1_000;
const EPOCH_CHECK_MS = 200;
const REPAIR_LEASE_MS = 15_000;
const KINDS: AttemptKind[] = ['http', 'agent'];

export async function epochLoop(ctx: LoopContext): Promise<void> {
  const watch = new EpochWatch(ctx);
  while (!ctx.signal.aborted) {
    await step(ctx, 'transport epoch', () => watch.check());
    await sleep(Math.min(EPOCH_CHECK_MS, ctx.options.sweepIntervalMs), ctx.signal);
  }
}

/**
 * Records the transport's current epoch as seen (store.noteEpoch), trying again every second until
 * it is or `signal` aborts. Resolves true once noted, false if stopped first.
 */
export async function noteTransportEpoch(store: Pick<Store, 'noteEpoch'>, bus: Pick<Bus, 'epoch'>, logger: Logger, signal: AbortSignal): Promise<boolean> {
  while (!signal.aborted) {
    try {
      await store.noteEpoch(await bus.epoch());
      return true;
    } catch (error) {
      if (signal.aborted) break;
      logger.warn({ err: error }, 'could not record the transport epoch; trying again');
      await sleep(NOTE_RETRY_MS, signal);
    }
  }
  return false;
}

export class EpochWatch {
  private repaired: string | undefined;

  constructor(private readonly ctx: LoopContext) {}

  async check(): Promise<void> {
    const epoch = await this.ctx.bus.epoch();
    if (epoch === this.repaired) return;
    const { claim, since } = await this.ctx.store.claimEpoch(epoch, this.ctx.options.consumer, REPAIR_LEASE_MS);
    if (claim === 'busy') return; // another runner repairs it; if it dies, its lease ends and we try again
    if (claim === 'claimed') {
      const started = Date.now();
      const renew = async () => {
        if ((await this.ctx.store.claimEpoch(epoch, this.ctx.options.consumer, REPAIR_LEASE_MS)).claim !== 'claimed') throw new Error(`lost the repair of epoch ${epoch} to another runner`);
      };
      const counts = await this.repair(since, renew);
      await this.ctx.store.markEpochRepaired(epoch);
      const { held, ...sent } = counts;
      const log = { epoch, ...sent, held, ms: Date.now() - started };
      // A new deployment or a new embedded process starts on a new epoch with nothing in flight, and
      // a Redis restarted from its AOF usually still holds what was: not a warning.
      if (Object.values(sent).some((n) => n > 0)) this.ctx.logger.warn(log, 'the transport lost its data (new epoch); work in flight it lacked was sent again from PostgreSQL');
      else this.ctx.logger.info(log, 'new transport epoch; nothing in flight was lost');
    }
    this.repaired = epoch;
  }

  private async repair(before: string, renew: () => Promise<void>): Promise<Record<string, number>> {
    const { store } = this.ctx;
    // Read before PostgreSQL is: an attempt not held now was either applied already (PostgreSQL
    // then says so) or is lost.
    const held = await heldAttempts(this.ctx.bus, renew);
    const counts: Record<string, number> = { held: held.size, outbox: await store.makeOutboxDue(before) };
    for (const kind of KINDS) {
      counts[kind] = 0;
      for (;;) {
        const attempts = await store.claimStaleAttempts(kind, { before }, PAGE);
        const lost = attempts.filter((attempt) => !held.has(attempt.id));
        this.tally(counts, kind, kind, lost.length, attempts.length - lost.length);
        if (lost.length > 0) await redispatch(this.ctx, lost);
        if (attempts.length < PAGE) break;
        await renew();
      }
    }
    counts.approvals = 0;
    for (let after = ''; ; ) {
      const approvals = await store.unnotifiedApprovals(before, after, PAGE);
      if (approvals.length === 0) break;
      const lost = approvals.filter((approval) => !held.has(approval.attemptId));
      this.tally(counts, 'approvals', 'approval', lost.length, approvals.length - lost.length);
      if (lost.length > 0) await send(this.ctx.bus, { tasks: lost.map(noticeTask), events: [], runner: [] });
      after = approvals.at(-1)!.id;
      await renew();
    }
    await sweepPendingRuns(this.ctx, { before });
    counts.relayed = await sweepOutbox(this.ctx, held);
    return counts;
  }

  /** A page of the repair: `sent` again (into the log's `counts[key]`) and `kept` (left to the transport), both counted by task kind. */
  private tally(counts: Record<string, number>, key: string, kind: string, sent: number, kept: number): void {
    counts[key] = (counts[key] ?? 0) + sent;
    if (sent > 0) this.ctx.metrics.resent.inc({ reason: 'epoch', kind, outcome: 'sent' }, sent);
    if (kept > 0) this.ctx.metrics.resent.inc({ reason: 'epoch', kind, outcome: 'held' }, kept);
  }
}

/**
 * The attempts the transport still holds a message of: a task message waiting or being worked on
 * (tasks.http, tasks.agent, tasks.approval), or a worker's outcome the runner has not applied
 * (runner: `result`, `deferred`). The task queues are read before the runner's: a worker moves an
 * attempt from one to the other in one step (Bus.enqueueAndAck), so one read sees it.
 */
export async function heldAttempts(bus: Pick<Bus, 'held'>, renew: () => Promise<void> = async () => {}): Promise<Set<string>> {
  const held = new Set<string>();
  for (const queue of [Queues.tasks('http'), Queues.tasks('agent'), Queues.tasks('approval'), Queues.runner]) {
    for (let after: string | undefined; ; ) {
      const page = await bus.held(queue, after, HELD_PAGE);
      for (const { body } of page) {
        const attemptId = (body as { attemptId?: unknown } | null)?.attemptId;
        const type = (body as { type?: unknown } | null)?.type;
        if (typeof attemptId === 'string' && (queue !== Queues.runner || type === 'result' || type === 'deferred')) held.add(attemptId);
      }
      if (page.length < HELD_PAGE) break;
      after = page.at(-1)!.id;
      await renew();
    }
  }
  return held;
}
