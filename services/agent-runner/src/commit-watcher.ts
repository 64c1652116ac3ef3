// Keeps a turn's token events in order in the run's log. The workflow-runner applies `runner`
// messages in several concurrent batches, so two token messages enqueued back to back may commit
// in either order. A turn therefore has at most ONE token message in flight: the next one is
// enqueued when the previous one is seen committed on the `events` topic (the runner publishes
// every appended event there after its commit). Text arriving meanwhile is gathered into that
// next message, so the write rate adapts to the commit latency. If a commit is not seen within
// `timeoutMs` (a topic entry lost), the turn goes on rather than stall.
import { AgentEventTypes } from '@baton/core/agent';
import { Topics, type Bus, type TopicEntry } from '@baton/core';
import type { Logger } from 'pino';

interface TokenEventBody {
  runId?: string;
  type?: string;
  data?: { task?: string; turn?: number; index?: number; attempt?: number };
}

export class CommitWatcher {
  private readonly waiting = new Map<string, () => void>();
  private unsubscribe: Promise<() => Promise<void>> | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly logger: Logger,
    private readonly timeoutMs = 2_000,
  ) {}

  static key(runId: string, task: string, turn: number, index: number, attempt: number): string {
    return `${runId}|${task}|${turn}|${attempt}|${index}`;
  }

  /** Subscribes once; entries published from then on are seen. */
  async start(): Promise<void> {
    this.unsubscribe ??= this.bus.subscribe<TokenEventBody>(Topics.events, (entries) => this.onEntries(entries));
    await this.unsubscribe;
  }

  /** Resolves when the event with this key was committed, or after the timeout (false). */
  committed(key: string): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(key);
        this.logger.debug({ key }, 'token event commit not seen in time; going on');
        resolve(false);
      }, this.timeoutMs);
      this.waiting.set(key, () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  async stop(): Promise<void> {
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = undefined;
    if (unsubscribe) await (await unsubscribe)();
  }

  private onEntries(entries: TopicEntry<TokenEventBody>[]): void {
    if (this.waiting.size === 0) return;
    for (const { body } of entries) {
      if (body?.type !== AgentEventTypes.token || !body.runId || !body.data) continue;
      const { task, turn, index, attempt } = body.data;
      const key = CommitWatcher.key(body.runId, task ?? '', turn ?? 0, index ?? 0, attempt ?? 1);
      const resolve = this.waiting.get(key);
      if (!resolve) continue;
      this.waiting.delete(key);
      resolve();
    }
  }
}
