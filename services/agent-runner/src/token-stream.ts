// Publishes a turn's tokens while they arrive, as dev.baton.agent.token.v1 events (RunnerMessage
// 'events', appended to the run's log by the workflow-runner). Chunks are gathered for at least
// `flushMs`, and only one message per turn is in flight until its commit is seen (see
// commit-watcher.ts), so events are in order in the log and the write rate is bounded however
// fast the model streams. close() resolves after the last one, before the turn's result goes out.
import { AgentEventTypes } from '@baton/core/agent';
import { Queues, type Bus } from '@baton/core';
import type { Logger } from 'pino';
import { CommitWatcher } from './commit-watcher.ts';

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
  private inFlight: Promise<void> | undefined;
  private closing = false;
  /** Events published (for logs). */
  published = 0;

  constructor(
    private readonly bus: Bus,
    private readonly watcher: CommitWatcher,
    private readonly target: TokenStreamTarget,
    private readonly flushMs: number,
    private readonly logger: Logger,
  ) {}

  push(text: string, attempt: number): void {
    if (attempt !== this.attempt) {
      // A retried request streams its answer again: its events carry the new attempt and restart at
      // index 0. What the failed request streamed but could not send yet (one message is in flight)
      // is dropped — it must not open the new attempt's text.
      this.send();
      this.buffer = '';
      this.attempt = attempt;
      this.index = 0;
    }
    this.buffer += text;
    this.timer ??= setTimeout(() => this.send(), this.flushMs);
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.inFlight || this.buffer !== '') {
      if (this.inFlight) await this.inFlight;
      else this.send();
    }
  }

  private send(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer === '' || this.inFlight) return;
    const data = { task: this.target.task, turn: this.target.turn, index: this.index, text: this.buffer, ...(this.attempt > 1 ? { attempt: this.attempt } : {}) };
    const key = CommitWatcher.key(this.target.runId, data.task, data.turn, data.index, this.attempt);
    this.index += 1;
    this.buffer = '';
    const message = { type: 'events' as const, runId: this.target.runId, events: [{ type: AgentEventTypes.token, data }] };
    const committed = this.watcher.committed(key);
    this.inFlight = this.bus
      .enqueue(Queues.runner, [message])
      .then(async () => {
        this.published += 1;
        await committed;
      })
      .catch((error: unknown) => {
        // Tokens are a live view, not the record (the turn's result is): a lost chunk is logged, not fatal.
        this.logger.warn({ err: error, runId: this.target.runId }, 'could not publish token events');
      })
      .finally(() => {
        this.inFlight = undefined;
        if (this.buffer !== '' && !this.closing) this.timer ??= setTimeout(() => this.send(), this.flushMs);
      });
  }
}
