// Workers' results go to the `runner` queue in batches: the results are enqueued and their tasks
// acked in one round trip per flush (Bus.enqueueAndAck: all or nothing, so a task is never acked
// without its result; a crash before it only redelivers the task, and the runner applies a result
// once per attempt id). A result is sent at once
// when no flush is under way; those that come while one is form the next batch (no window: an idle
// worker's result does not wait, a busy worker's results still go in batches).
import type { Bus, RunnerMessage } from '@baton/core';
import { Queues } from '@baton/core';
import type { Logger } from 'pino';

const MAX_BATCH = 512;

export class ResultPublisher {
  private pending: Array<{ messageId: string; result: RunnerMessage }> = [];
  private flushing = false;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly bus: Bus,
    private readonly queue: string,
    private readonly logger: Logger,
  ) {}

  /** Ids whose result is written but not yet acked (their lease must be kept). */
  pendingIds(): string[] {
    return this.pending.map((entry) => entry.messageId);
  }

  push(messageId: string, result: RunnerMessage): void {
    this.pending.push({ messageId, result });
    if (this.flushing) return; // the flush under way takes it next
    this.flushing = true;
    this.chain = this.flushAll();
  }

  /** Resolves when everything pushed so far was published (or failed and logged). */
  async drain(): Promise<void> {
    while (this.flushing || this.pending.length > 0) {
      if (!this.flushing) {
        this.flushing = true;
        this.chain = this.flushAll();
      }
      await this.chain;
    }
  }

  private async flushAll(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, MAX_BATCH);
        try {
          await this.bus.enqueueAndAck(Queues.runner, batch.map((entry) => entry.result), this.queue, batch.map((entry) => entry.messageId));
        } catch (error) {
          // Left unacked: the tasks are redelivered after their lease and executed again.
          this.logger.error({ err: error, count: batch.length }, 'could not publish results; tasks will be redelivered');
        }
      }
    } finally {
      // In the same turn as the last look at `pending`: a push after it starts a flush of its own.
      this.flushing = false;
    }
  }
}
