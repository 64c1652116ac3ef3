// Publishes a turn's tokens while they arrive: chunks are gathered for `flushMs` and sent as one
// dev.baton.agent.token.v1 event (RunnerMessage 'events', appended to the run's log by the
// runner), so the write rate is bounded however fast the model streams. Flushes of one turn are
// sequential, and close() resolves after the last one, before the turn's result is published.
import { AgentEventTypes } from '@baton/core/agent';
import { Queues, type Bus } from '@baton/core';
import type { Logger } from 'pino';

export interface TokenStreamTarget {
  runId: string;
  /** Reference of the agent task. */
  task: string;
  turn: number;
}

export class TokenStream {
  private buffer = '';
  private attempt = 1;
  private index = 0;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  /** Events published (for metrics). */
  published = 0;

  constructor(
    private readonly bus: Bus,
    private readonly target: TokenStreamTarget,
    private readonly flushMs: number,
    private readonly logger: Logger,
  ) {}

  push(text: string, attempt: number): void {
    if (attempt !== this.attempt) {
      // A retried request streams its answer again: flush what belongs to the previous attempt.
      this.flush();
      this.attempt = attempt;
    }
    this.buffer += text;
    this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  async close(): Promise<void> {
    this.flush();
    await this.chain;
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer === '') return;
    const data = { task: this.target.task, turn: this.target.turn, index: this.index, text: this.buffer, ...(this.attempt > 1 ? { attempt: this.attempt } : {}) };
    this.index += 1;
    this.buffer = '';
    const message = { type: 'events' as const, runId: this.target.runId, events: [{ type: AgentEventTypes.token, data }] };
    this.chain = this.chain.then(async () => {
      try {
        await this.bus.enqueue(Queues.runner, [message]);
        this.published += 1;
      } catch (error) {
        // Tokens are a live view, not the record (the turn's result is): losing some is logged, not fatal.
        this.logger.warn({ err: error, runId: this.target.runId }, 'could not publish token events');
      }
    });
  }
}
