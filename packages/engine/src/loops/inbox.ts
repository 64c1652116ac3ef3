// The inbox loop: consumes the `runner` queue and applies batches. Its failure rule, the one every
// input of a run goes through (timers and outbox messages included, since they arrive here):
//   - a batch that fails is applied again run by run, so one bad run does not hold back the others;
//   - a run whose messages fail POISON_DELIVERIES times is faulted by the engine (with cleanup;
//     without its state when that cannot be saved either) and its messages are acknowledged — it
//     ends visibly instead of staying stuck;
//   - what fails after the commit (the relay) never counts: the commit stands and the outbox
//     sweeper relays what is missing; the messages are acknowledged.
import { setImmediate } from 'node:timers/promises';
import { ErrorTypes, Queues, type BusMessage, type RunnerMessage, type WorkflowError } from '@baton/core';
import { applyBatch } from '../apply.ts';
import { monotonic } from '../decisions.ts';
import { faultWithoutState } from '../fault-without-state.ts';
import { parseRunnerMessage } from '../validate.ts';
import { afterCommit, sleep, type LoopContext } from './context.ts';

/** Deliveries after which a run whose messages still fail alone is faulted. */
export const POISON_DELIVERIES = 3;

interface Parsed {
  bus: BusMessage;
  message: RunnerMessage;
}

/** How long a batch has a runner's inbox to itself before another of its loops may take one beside it. */
export const SECOND_BATCH_AFTER_MS = 5;

/**
 * What the inbox loops of one runner share. A batch costs the runner about as much CPU whatever its
 * size (a transaction, a relay, an ack: ~1 ms on 2 cores, bench/README.md stop 51), so loops that
 * each take what has just arrived make many small batches where one would have taken them
 * together. One loop reads and applies at a time; another may read beside it only once the batch
 * in hand has run SECOND_BATCH_AFTER_MS — a load that keeps batches that long, where overlapping
 * one batch's decisions with another's round trip to PostgreSQL is worth its cost. A loop with no
 * batch in hand waits on the queue and wakes at its first message: an idle runner waits for nothing.
 */
export class InboxGate {
  readonly #slots = new Set<{ batchSince?: number }>();
  readonly #wakers: (() => void)[] = [];

  /** Waits for this loop's turn; undefined once `signal` aborts. */
  async enter(signal: AbortSignal): Promise<{ batch(): void; leave(): void } | undefined> {
    for (let wait = this.#wait(); wait > 0; wait = this.#wait()) {
      if (signal.aborted) return undefined;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = Number.isFinite(wait) ? setTimeout(done, wait) : undefined;
        this.#wakers.push(done);
        signal.addEventListener('abort', done, { once: true });
      });
    }
    if (signal.aborted) return undefined;
    const slot: { batchSince?: number } = {};
    this.#slots.add(slot);
    return {
      batch: () => {
        slot.batchSince = monotonic();
        this.#wake();
      },
      leave: () => {
        if (this.#slots.delete(slot)) this.#wake();
      },
    };
  }

  /** How long a loop waits before its turn: 0 when it may read now, Infinity while another reads. */
  #wait(): number {
    let wait = 0;
    for (const slot of this.#slots) {
      if (slot.batchSince === undefined) return Infinity;
      wait = Math.max(wait, slot.batchSince + SECOND_BATCH_AFTER_MS - monotonic());
    }
    return wait;
  }

  #wake(): void {
    for (const wake of this.#wakers.splice(0)) wake();
  }
}

export async function inboxLoop(ctx: LoopContext, gate: InboxGate = new InboxGate()): Promise<void> {
  const { bus, options, logger, signal } = ctx;
  while (!signal.aborted) {
    // One turn of the event loop per batch: with the in-process bus and PGlite nothing is real
    // I/O, and continue → enqueue → consume → apply would chain as one unbroken run of
    // microtasks that starves HTTP, timers and signals (a `then:` loop held `npm start` for seconds).
    await setImmediate();
    const turn = await gate.enter(signal);
    if (turn === undefined) return;
    let batch: BusMessage[] = [];
    try {
      batch = await bus.consume(Queues.runner, options.consumer, { max: options.batchSize, blockMs: 2_000, visibilityMs: options.visibilityMs, signal });
      if (batch.length === 0) continue;
      turn.batch();
      const reclaimed = batch.filter((m) => m.deliveries > 1).length;
      if (reclaimed > 0) ctx.metrics.reclaimed.inc({ queue: Queues.runner }, reclaimed);
      const parsed: Parsed[] = [];
      const malformed: string[] = [];
      for (const m of batch) {
        const message = parseRunnerMessage(m.body);
        if (message) parsed.push({ bus: m, message: keyAppendedEvents(message, m.id) });
        else {
          logger.warn({ messageId: m.id }, 'dropping a malformed runner message');
          malformed.push(m.id);
        }
      }
      await applyIsolating(ctx, parsed, malformed);
    } catch (error) {
      turn.leave(); // before the back-off: another loop may read meanwhile (leave is idempotent; finally calls it too)
      if (signal.aborted) return;
      // Unacked messages come back after the visibility timeout; back off briefly meanwhile.
      logger.error({ err: error, batch: batch.length }, 'runner batch failed; messages will be redelivered');
      await sleep(200, signal);
    } finally {
      turn.leave();
    }
  }
}

/**
 * Appended events without a key get one from the transport's message id, which a redelivery of
 * the same message keeps: a message applied, then delivered again (its runner died before the
 * ack), appends its events once.
 */
export function keyAppendedEvents(message: RunnerMessage, busId: string): RunnerMessage {
  if (message.type !== 'events' || message.events.every((e) => e.key !== undefined)) return message;
  return { ...message, events: message.events.map((e, i) => (e.key === undefined ? { ...e, key: `bus:${busId}:${i}` } : e)) };
}

/**
 * Applies a batch and acks it (with the malformed messages); if it fails, run by run, each run's
 * messages acked once applied (what failed stays for redelivery).
 */
async function applyIsolating(ctx: LoopContext, parsed: Parsed[], malformed: string[]): Promise<void> {
  if (parsed.length === 0) return acknowledge(ctx, malformed);
  try {
    await apply(ctx, parsed.map((p) => p.message), [...parsed.map((p) => p.bus.id), ...malformed]);
    return;
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    ctx.logger.warn({ err: error, batch: parsed.length }, 'runner batch failed; applying it run by run');
  }
  await acknowledge(ctx, malformed);
  for (const group of groupByRun(parsed)) {
    const runId = group[0]!.message.runId;
    const ids = group.map((p) => p.bus.id);
    try {
      await apply(ctx, group.map((p) => p.message), ids);
    } catch (error) {
      if (Math.max(...group.map((p) => p.bus.deliveries)) < POISON_DELIVERIES) {
        ctx.logger.error({ err: error, runId }, 'could not apply the messages of a run; they will be redelivered');
        continue;
      }
      ctx.logger.error({ err: error, runId }, 'messages of a run keep failing; faulting the run');
      await faultStuckRun(ctx, runId, group.map((p) => p.message), error);
      await acknowledge(ctx, ids);
    }
  }
}

/**
 * Commits a batch, then relays its effects and acks its messages at once: the commit stands
 * whatever follows (a copy delivered again is applied once, dedupe.ts), and the relay's writes and
 * the ack leave in the same turn — one write to the transport.
 */
async function apply(ctx: LoopContext, messages: RunnerMessage[], ids: string[]): Promise<void> {
  const end = ctx.metrics.batchSeconds.startTimer();
  const outcome = await applyBatch(ctx.apply, messages);
  await Promise.all([afterCommit(ctx, outcome), acknowledge(ctx, ids)]);
  end();
}

/** Acks applied messages. A failed ack is only logged: the messages come back and are applied once. */
function acknowledge(ctx: LoopContext, ids: string[]): Promise<void> {
  if (ids.length === 0) return Promise.resolve();
  return ctx.bus.ack(Queues.runner, ids).catch((error: unknown) => {
    if (!ctx.signal.aborted) ctx.logger.warn({ err: error, messages: ids.length }, 'could not ack applied runner messages; they will be redelivered and applied once');
  });
}

/**
 * Faults a run that cannot be advanced (a row the database refuses, an interpreter bug): the same
 * engine fault as any other (timers, listens, attempts, child runs released; the parent told), and
 * the outbox rows of the failing messages are dropped with them. When that fault fails too (it
 * saves the run's state, which may be what cannot be saved), the run is faulted without its state
 * (fault-without-state.ts), with the same releases: it ends either way.
 */
async function faultStuckRun(ctx: LoopContext, runId: string, messages: RunnerMessage[], cause: unknown): Promise<void> {
  const detail = `the runner could not apply this run's messages after ${POISON_DELIVERIES} deliveries: ${(cause as Error)?.message ?? String(cause)}`;
  const error: WorkflowError = { type: ErrorTypes.runtime, status: 500, title: 'Run could not be advanced', detail };
  try {
    await afterCommit(ctx, await applyBatch(ctx.apply, [], [{ runId, error }]));
  } catch (failure) {
    ctx.logger.warn({ err: failure, runId }, 'could not fault a stuck run with its state; faulting it without');
    try {
      await afterCommit(ctx, await faultWithoutState(ctx.apply, [{ runId, error }]));
    } catch (last) {
      ctx.logger.error({ err: last, runId }, 'could not fault a stuck run; its messages are dropped');
    }
  }
  const rows = messages.flatMap((m) => (m.outboxId === undefined ? [] : [m.outboxId]));
  if (rows.length > 0) ctx.background(ctx.store.deleteOutbox(rows));
}

function groupByRun(messages: readonly Parsed[]): Parsed[][] {
  const groups = new Map<string, Parsed[]>();
  for (const m of messages) {
    const group = groups.get(m.message.runId);
    if (group) group.push(m);
    else groups.set(m.message.runId, [m]);
  }
  return [...groups.values()];
}
