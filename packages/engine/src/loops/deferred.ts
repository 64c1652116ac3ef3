// Wake-ups for rate-limited attempts: a batch that deferred attempts wrote a relay row for each,
// due at its `until` (rate-limits.ts); this runner sweeps the outbox right then — for every row, not
// only the batch's earliest — instead of at its next sweep (sweepIntervalMs). The wake-ups are
// memory only: if this runner dies, the row is still due and any runner's sweeper relays it within
// a sweep interval. Sweeps claim rows (SKIP LOCKED), so a wake-up here and a sweep elsewhere never
// send one row twice at once.
import { sweepOutbox } from './sweeper.ts';
import { step, type LoopContext } from './context.ts';

/** Past `until`, so that the row is due by the database's clock too. */
const LATE_MS = 5;
/**
 * Wake-ups are kept to this grain (rounded up): many attempts deferred to slots a few ms apart
 * share one sweep, and the list stays short (a minute of slots is at most 6,000 wake-ups).
 */
const WAKE_GRAIN_MS = 10;
/**
 * The longest a wake-up timer is set for: Node fires a longer setTimeout after 1 ms (it must fit
 * 32 bits), and a slot that far out (a tokens limit overdrawn by a turn's usage: days of debt)
 * would wake the sweeper every millisecond. A wake-up past it is re-armed when this one fires.
 */
const LONGEST_WAKE_MS = 3_600_000;

export interface DeferredWakeups {
  written(at: number): void;
  stop(): void;
}

export function deferredWakeups(ctx: LoopContext): DeferredWakeups {
  const pending: number[] = [];
  let timer: NodeJS.Timeout | undefined;
  let armedFor = Number.POSITIVE_INFINITY;

  function arm(): void {
    const next = pending[0];
    if (next === undefined || next >= armedFor || ctx.signal.aborted) return;
    clearTimeout(timer);
    armedFor = next;
    timer = setTimeout(() => void fire(), Math.min(LONGEST_WAKE_MS, Math.max(0, next + LATE_MS - ctx.clock())));
  }

  async function fire(): Promise<void> {
    armedFor = Number.POSITIVE_INFINITY;
    const now = ctx.clock();
    while (pending.length > 0 && pending[0]! <= now) pending.shift();
    await step(ctx, 'deferred attempts', () => sweepOutbox(ctx));
    arm();
  }

  return {
    written(until) {
      const at = Math.ceil(until / WAKE_GRAIN_MS) * WAKE_GRAIN_MS;
      // Sorted, each time once: the first index whose time is at or after `at`.
      let [low, high] = [0, pending.length];
      while (low < high) {
        const mid = (low + high) >>> 1;
        if (pending[mid]! < at) low = mid + 1;
        else high = mid;
      }
      if (pending[low] !== at) pending.splice(low, 0, at);
      arm();
    },
    stop() {
      clearTimeout(timer);
      pending.length = 0;
    },
  };
}
