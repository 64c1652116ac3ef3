// Wake-ups for rate-limited attempts: a batch that deferred an attempt wrote a relay row due at
// `until` (rate-limits.ts); this runner sweeps the outbox right then instead of at its next sweep
// (sweepIntervalMs). The wake-ups are memory only: if this runner dies, the row is still due and
// any runner's sweeper relays it within a sweep interval. Sweeps claim rows (SKIP LOCKED), so a
// wake-up here and a sweep elsewhere never send one row twice at once.
import { sweepOutbox } from './sweeper.ts';
import { step, type LoopContext } from './context.ts';

/** Past `until`, so that the row is due by the database's clock too. */
const LATE_MS = 5;

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
    timer = setTimeout(() => void fire(), Math.max(0, next + LATE_MS - ctx.clock()));
  }

  async function fire(): Promise<void> {
    armedFor = Number.POSITIVE_INFINITY;
    const now = ctx.clock();
    while (pending.length > 0 && pending[0]! <= now) pending.shift();
    await step(ctx, 'deferred attempts', () => sweepOutbox(ctx));
    arm();
  }

  return {
    written(at) {
      const index = pending.findIndex((t) => t > at);
      if (index === -1) pending.push(at);
      else if (pending[Math.max(0, index - 1)] !== at) pending.splice(index, 0, at);
      arm();
    },
    stop() {
      clearTimeout(timer);
      pending.length = 0;
    },
  };
}
