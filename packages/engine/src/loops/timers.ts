// The timer loop: moves due timers into the runner's durable inbox. In one transaction it takes
// the due timers (FOR UPDATE SKIP LOCKED: each timer by one runner) and writes a runner row for
// each; the rows are relayed to the `runner` queue and applied by the inbox loop, under its
// failure rule — one run whose timer cannot be applied never delays another run's timers.
import type { TimerRecord } from '@baton/core';
import { emptyRelay, runnerRows, send } from '../outbox.ts';
import { sleep, type LoopContext } from './context.ts';

export interface TimerLoop {
  run(): Promise<void>;
  /** A batch wrote a timer firing at `fireAt`: wake up if the loop sleeps past it. */
  written(fireAt: number): void;
}

export function timerLoop(ctx: LoopContext): TimerLoop {
  const { store, options, logger, signal } = ctx;
  let wake: (() => void) | undefined;
  let sleepingUntil = Number.POSITIVE_INFINITY;
  /**
   * The earliest timer written while the loop was not asleep (reading the next timer, firing):
   * its round may have read the database before that batch committed, so it sleeps no longer.
   */
  let writtenAwake = Number.POSITIVE_INFINITY;

  async function fireDue(): Promise<number> {
    const relay = emptyRelay();
    const taken = await store.transaction(async (tx) => {
      const due: TimerRecord[] = await tx.takeDueTimers(ctx.clock(), options.batchSize);
      if (due.length > 0) await tx.insertOutbox(runnerRows(due.map((t) => ({ type: 'timer', runId: t.runId, timerId: t.timerId })), relay));
      return due.length;
    });
    if (taken > 0) {
      // If this fails the rows are in the outbox: the sweeper sends them within seconds.
      await send(ctx.bus, relay).catch((error: unknown) => logger.warn({ err: error, timers: taken }, 'relaying fired timers failed; the outbox sweeper will send them'));
    }
    return taken;
  }

  /** Sleeps until `next` (the earliest timer, if any), at most timerPollMs, or until a batch writes an earlier one. */
  async function pause(next: number | undefined): Promise<void> {
    const until = Math.min(next ?? Number.POSITIVE_INFINITY, writtenAwake);
    writtenAwake = Number.POSITIVE_INFINITY;
    const wait = Math.max(1, Math.min(options.timerPollMs, until - ctx.clock()));
    sleepingUntil = ctx.clock() + wait;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, wait);
      signal.addEventListener('abort', done, { once: true });
      wake = done;
    });
    wake = undefined;
    sleepingUntil = Number.POSITIVE_INFINITY;
  }

  return {
    async run() {
      while (!signal.aborted) {
        try {
          // Idle, a round is one statement: the claiming transaction runs only when a timer is due.
          let next = await store.nextTimerAt();
          if (next !== undefined && next <= ctx.clock()) {
            if ((await fireDue()) >= options.batchSize) continue;
            next = await store.nextTimerAt();
          }
          await pause(next);
        } catch (error) {
          if (signal.aborted) return;
          logger.error({ err: error }, 'timer loop failed; retrying');
          await sleep(500, signal);
        }
      }
    },
    written(fireAt) {
      if (wake === undefined) writtenAwake = Math.min(writtenAwake, fireAt);
      else if (fireAt < sleepingUntil) wake();
    },
  };
}
