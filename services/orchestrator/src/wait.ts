// `POST /api/v1/runs` with `wait`: hold the request until the run finishes or the wait ends.
//
// No polling. One subscription per process to the Bus topic `runs.ended` (the runner publishes
// there the event that ends each run, beside the topic of all events) wakes the waiters of that run. A waiter is registered BEFORE the run is read from the store,
// so a run that finishes between the read and the wait still wakes it; when the wait ends the run
// is read once more, so an event lost with the transport (Redis restart) costs at most the wait —
// unless the notice that woke it carries the run's end (RunEndedNotice.end): then the answer is
// the run as first read with that end applied, as a read right after the runner's commit gives it.
import type { Bus, RunEnd, RunRecord, Store } from '@baton/core';
import { RUN_ENDED_TYPES, TERMINAL_STATUSES, Topics } from '@baton/core';
import type { Logger } from 'pino';


const UNIT_MS = { W: 604_800_000, D: 86_400_000, H: 3_600_000, M: 60_000, S: 1_000 } as const;
const ISO_DURATION = /^P(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;

/**
 * Milliseconds of an ISO 8601 duration (weeks, days, hours, minutes, seconds; e.g. PT30S, PT1M30S,
 * PT0.5S), or undefined when the text is not one. Years and months have no fixed length: rejected.
 */
export function parseIsoDuration(text: string): number | undefined {
  const upper = text.trim().toUpperCase();
  const match = ISO_DURATION.exec(upper);
  if (!match || upper === 'P' || upper.endsWith('T')) return undefined;
  const [, w, d, h, m, s] = match;
  const part = (value: string | undefined, unit: number) => (value === undefined ? 0 : Number(value.replace(',', '.')) * unit);
  return Math.round(part(w, UNIT_MS.W) + part(d, UNIT_MS.D) + part(h, UNIT_MS.H) + part(m, UNIT_MS.M) + part(s, UNIT_MS.S));
}

export interface WaitOutcome {
  run: RunRecord;
  /** True when the run reached a terminal status before the wait ended. */
  finished: boolean;
}

interface Waiter {
  wake: (end?: RunEnd) => void;
}

/** How long close() waits for the topic subscription to end and the woken waits to answer. */
const CLOSE_GRACE_MS = 1000;

const isTerminal = (run: RunRecord) => TERMINAL_STATUSES.has(run.status);

export class RunWaiters {
  private readonly waiters = new Map<string, Set<Waiter>>();
  /** The waits not answered yet (close() lets the woken ones read their run). */
  private readonly active = new Set<Promise<WaitOutcome | undefined>>();
  private subscription: Promise<() => Promise<void>> | undefined;
  private closed = false;

  constructor(
    private readonly store: Pick<Store, 'getRun'>,
    private readonly bus: Pick<Bus, 'subscribe'>,
    private readonly logger: Logger,
  ) {}

  /** Waiters currently registered (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }

  /**
   * Resolve when run `runId` is terminal, or after `timeoutMs`, or when `signal` aborts — for a run
   * that `create` makes: the waiter is registered before the run exists, so the run as `create`
   * returns it is the first read (a new run cannot have ended before its start was sent). Returns
   * undefined without waiting when `create` returns nothing (the run it found is another's, e.g.
   * an idempotency key's earlier run: wait for that one with wait()).
   */
  waitForNew(runId: string, timeoutMs: number, signal: AbortSignal | undefined, create: () => Promise<RunRecord | undefined>): Promise<WaitOutcome | undefined> {
    return this.wait(runId, timeoutMs, signal, create);
  }

  /**
   * Resolve when run `runId` is terminal, or after `timeoutMs`, or when `signal` aborts (client
   * gone) or the server closes — with the run as it then stands.
   */
  wait(runId: string, timeoutMs: number, signal?: AbortSignal, firstRead: () => Promise<RunRecord | undefined> = () => this.store.getRun(runId)): Promise<WaitOutcome | undefined> {
    const waiting = this.#wait(runId, timeoutMs, signal, firstRead);
    this.active.add(waiting);
    const settled = () => this.active.delete(waiting);
    waiting.then(settled, settled);
    return waiting;
  }

  async #wait(runId: string, timeoutMs: number, signal: AbortSignal | undefined, firstRead: () => Promise<RunRecord | undefined>): Promise<WaitOutcome | undefined> {
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    let ended: RunEnd | undefined;
    const waiter: Waiter = {
      wake(end) {
        ended ??= end;
        wake();
      },
    };
    const timer = setTimeout(wake, timeoutMs);
    const onAbort = () => wake();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.add(runId, waiter);
    try {
      // A transport that does not answer must not hold the request beyond its wait.
      await Promise.race([this.subscribed(runId), woken]);
      const first = await firstRead();
      if (!first || isTerminal(first) || this.closed) return first && { run: first, finished: isTerminal(first) };
      await woken;
      const last = ended && !this.closed ? withEnd(first, ended) : await this.store.getRun(runId);
      return last && { run: last, finished: isTerminal(last) };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      this.remove(runId, waiter);
    }
  }

  /** Resolves once the topic subscription is live, or (logged) when it cannot be made. */
  private async subscribed(runId: string): Promise<void> {
    if (this.closed) return;
    try {
      await this.ensureSubscribed();
    } catch (error) {
      // Without the topic the wait still ends on time and reads the run once more.
      this.logger.warn({ err: error, runId }, 'cannot subscribe to run events; waiting without wake-ups');
    }
  }

  /**
   * Wake every waiter and drop the subscription. Resolves once the woken waits have read their
   * run as it stands (before the store they read closes), or after CLOSE_GRACE_MS.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const set of this.waiters.values()) for (const waiter of set) waiter.wake();
    const subscription = this.subscription;
    this.subscription = undefined;
    const unsubscribed = subscription
      ?.then((unsubscribe) => unsubscribe())
      .catch((error: unknown) => this.logger.warn({ err: error }, 'closing the events subscription failed'));
    // A subscription that never established (transport down) must not hold shutdown.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all([unsubscribed, Promise.allSettled(this.active)]), new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS)))]);
    clearTimeout(timer);
  }

  private ensureSubscribed(): Promise<() => Promise<void>> {
    if (!this.subscription) {
      const subscribing = this.bus.subscribe<unknown>(Topics.ended, (entries) => {
        for (const entry of entries) this.dispatch(entry.body);
      });
      // A failed subscribe is retried by the next waiter instead of poisoning the process.
      subscribing.catch(() => {
        if (this.subscription === subscribing) this.subscription = undefined;
      });
      this.subscription = subscribing;
    }
    return this.subscription;
  }

  private dispatch(body: unknown): void {
    if (body === null || typeof body !== 'object') return;
    const { runId, type, end } = body as { runId?: unknown; type?: unknown; end?: unknown };
    if (typeof runId !== 'string' || typeof type !== 'string' || !RUN_ENDED_TYPES.has(type)) return;
    const set = this.waiters.get(runId);
    if (!set) return;
    const known = isRunEnd(end) ? end : undefined;
    for (const waiter of set) waiter.wake(known);
  }

  private add(runId: string, waiter: Waiter): void {
    let set = this.waiters.get(runId);
    if (!set) this.waiters.set(runId, (set = new Set()));
    set.add(waiter);
  }

  private remove(runId: string, waiter: Waiter): void {
    const set = this.waiters.get(runId);
    if (!set) return;
    set.delete(waiter);
    if (set.size === 0) this.waiters.delete(runId);
  }
}

const isText = (value: unknown) => value === undefined || typeof value === 'string';

/** A notice's end as the runner writes it (a wrong one is ignored: the waiter reads the run instead). */
function isRunEnd(value: unknown): value is RunEnd {
  if (value === null || typeof value !== 'object') return false;
  const end = value as Record<string, unknown>;
  return (
    typeof end.status === 'string' &&
    TERMINAL_STATUSES.has(end.status as RunRecord['status']) &&
    typeof end.updatedAt === 'string' &&
    isText(end.startedAt) &&
    isText(end.endedAt) &&
    (end.usage === undefined || (end.usage !== null && typeof end.usage === 'object'))
  );
}

const END_FIELDS = ['output', 'error', 'usage', 'startedAt', 'endedAt'] as const;

/** The run as read before it ended, with its end applied: what a read after the end returns. */
export function withEnd(run: RunRecord, end: RunEnd): RunRecord {
  const ended: RunRecord = { ...run, status: end.status, updatedAt: end.updatedAt };
  for (const field of END_FIELDS) {
    if (end[field] === undefined) delete ended[field];
    else (ended as unknown as Record<string, unknown>)[field] = end[field];
  }
  // A place on a concurrency key is given up when the run ends.
  delete ended.concurrency;
  return ended;
}
