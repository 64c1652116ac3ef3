// One stream connection, whatever its transport (WebSocket or SSE): its principal, its
// subscriptions, and the per-connection memory bound. Live events reach it through the hub,
// at most once per event even when several of its subscriptions match.
import type { Store } from '@baton/core';
import type { Logger } from 'pino';
import { allows, type Principal } from './auth.ts';
import type { FanoutConfig } from './config.ts';
import { Frame } from './frame.ts';
import type { Hub } from './hub.ts';
import type { FanoutMetrics } from './metrics.ts';
import { CloseCodes, MAX_SEQ, StreamProblemError, controlMessage, fail, isRunId, isRunSelector, isWorkflowSelector, problem, type RequestIdValue, type Selector } from './protocol.ts';
import { RunFeed, type FeedHost, type FeedRun } from './run-feed.ts';
import type { SharedReads } from './shared-reads.ts';

/** The transport under a client. */
export interface Sink {
  readonly transport: 'websocket' | 'sse';
  /** Queue one message (an event, with its seq, or a control message). */
  write(frame: Frame, seq?: number): void;
  /** Bytes queued in this process and not yet written to the socket. */
  buffered(): number;
  /** Sends a close (code and reason where the transport has them), then ends the connection. */
  close(code: number, reason: string): void;
  /** Hold writes until uncork (one system call for all the events of a topic batch). */
  cork(): void;
  uncork(): void;
  /** Keep-alive: false when the previous probe got no answer (the connection is dead). */
  probe(): boolean;
  /** Drops the connection at once. */
  terminate(): void;
}

export interface ClientDeps {
  store: Pick<Store, 'getRun' | 'listEvents'>;
  /** Replays of this replica's feeds share their store reads. */
  reads: SharedReads;
  hub: Hub;
  config: FanoutConfig;
  metrics: FanoutMetrics;
  logger: Logger;
  now?: () => number;
}

export const workflowKey = (namespace: string, name: string) => `${namespace}\u0000${name}`;

export class StreamClient {
  readonly feeds = new Map<string, RunFeed>();
  readonly workflows = new Set<string>();
  readonly namespaces = new Set<string>();
  /** Dispatch number of the last event delivered (the hub's once-per-event check). */
  stamp = 0;
  /** Topic batch in which the hub corked this client's socket. */
  corkedIn = 0;
  closed = false;
  /** Since when the connection has had no subscription (idle reaping). */
  idleSince: number | undefined;
  private heldBytes = 0;
  /** Inside a topic batch: the limit is checked once at its end, when the writes are flushed. */
  private corked = false;
  /** Replay writes are held until the next tick. */
  private replayCorked = false;
  /** Client messages are handled one after the other (a subscribe finishes before the next unsubscribe). */
  private queue: Promise<void> = Promise.resolve();
  private readonly now: () => number;

  constructor(
    private readonly deps: ClientDeps,
    readonly principal: Principal,
    readonly sink: Sink,
  ) {
    this.now = deps.now ?? Date.now;
    this.idleSince = this.now();
  }

  get subscriptionCount(): number {
    return this.feeds.size + this.workflows.size + this.namespaces.size;
  }

  /** A live event (the hub calls this once per event per client). */
  deliver(runId: string, seq: number, type: string, frame: Frame): void {
    if (this.closed) return;
    const feed = this.feeds.get(runId);
    if (feed) feed.offer(seq, type, frame);
    else this.sendEvent(frame, seq, 'live');
  }

  /** The hub holds this client's writes for one topic batch (see Sink.cork). */
  cork(): void {
    this.corked = true;
    this.sink.cork();
  }

  uncork(): void {
    this.corked = false;
    this.sink.uncork();
    if (!this.closed) this.enforceLimit();
  }

  /** Handle a validated client message in order with the previous ones. */
  enqueue(action: () => Promise<void>): void {
    this.queue = this.queue.then(action).catch((error: unknown) => this.report(error, undefined));
  }

  async subscribe(selector: Selector, id?: RequestIdValue): Promise<void> {
    if (this.closed) return;
    const replacing = isRunSelector(selector) && this.feeds.has(selector.run);
    if (!replacing && this.subscriptionCount >= this.deps.config.maxSubscriptionsPerConnection) {
      throw fail(429, `this connection already has ${this.subscriptionCount} subscriptions (FANOUT_MAX_SUBSCRIPTIONS); unsubscribe first or open another connection`);
    }
    if (isRunSelector(selector)) return this.subscribeRun(selector.run, selector.after ?? 0, id);
    const namespace = isWorkflowSelector(selector) ? selector.workflow.namespace : selector.namespace;
    this.requireNamespace(namespace);
    if (isWorkflowSelector(selector)) this.deps.hub.indexWorkflow(this, workflowKey(namespace, selector.workflow.name));
    else this.deps.hub.indexNamespace(this, namespace);
    this.idleSince = undefined;
    this.control('subscribed', selector, id);
  }

  async unsubscribe(selector: Selector, id?: RequestIdValue): Promise<void> {
    if (this.closed) return;
    let found: boolean;
    if (isRunSelector(selector)) {
      const feed = this.feeds.get(selector.run);
      found = feed !== undefined;
      if (feed) this.dropFeed(feed);
    } else if (isWorkflowSelector(selector)) {
      found = this.deps.hub.unindexWorkflow(this, workflowKey(selector.workflow.namespace, selector.workflow.name));
    } else {
      found = this.deps.hub.unindexNamespace(this, selector.namespace);
    }
    if (!found) throw fail(404, 'no such subscription on this connection');
    if (this.subscriptionCount === 0) this.idleSince = this.now();
    this.control('unsubscribed', isRunSelector(selector) ? { run: selector.run } : selector, id);
  }

  /** Sends an `error` message for a failed request (the connection stays open). */
  report(error: unknown, id: RequestIdValue, extra: Record<string, unknown> = {}): void {
    if (error instanceof StreamProblemError) return this.control('error', { ...error.problem, ...extra }, id);
    this.deps.logger.error({ err: error, key: this.principal.keyName }, 'stream request failed');
    this.control('error', problem(500, 'internal error; the fanout log has the details', extra), id);
  }

  /** Closes the connection (code and reason as in docs/STREAMING.md) and forgets its subscriptions. */
  close(code: number, reason: string, metricReason: string): void {
    if (this.closed) return;
    this.deps.metrics.closes.inc({ reason: metricReason });
    this.dispose();
    this.sink.close(code, reason);
  }

  /** The transport closed: stop every feed and leave the hub's indexes. */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const feed of this.feeds.values()) feed.stop();
    this.deps.hub.forget(this);
    this.feeds.clear();
    this.workflows.clear();
    this.namespaces.clear();
  }

  control(name: 'hello' | 'subscribed' | 'unsubscribed' | 'caughtUp' | 'error', body: unknown, id?: RequestIdValue): void {
    if (!this.closed) this.sink.write(new Frame(controlMessage(name, body, id)));
  }

  private async subscribeRun(runId: string, after: number, id: RequestIdValue): Promise<void> {
    const run = await this.checkRun(runId, after);
    if (!this.closed) this.startFeed(run, after, id);
  }

  /** The run, if it exists, the principal may read it, and `after` is a position in its log. */
  async checkRun(runId: string, after: number): Promise<FeedRun> {
    // A malformed id (U+0000, which PostgreSQL text refuses, or any other character no run id
    // has) names no run: answered without a query.
    const run = isRunId(runId) ? await this.deps.store.getRun(runId) : undefined;
    if (!run) throw fail(404, `no run ${JSON.stringify(runId)}`, { run: runId });
    this.requireNamespace(run.namespace);
    // The position a client resumes from is the seq of an event it received: one past the
    // run's last event cannot be, so it is refused rather than silently waiting forever (and a
    // seq beyond the store's integer range is beyond every run's end, without a query).
    if (after > MAX_SEQ || (after > 0 && (await this.deps.store.listEvents(run.id, after - 1, 1)).length === 0)) {
      throw fail(400, `after=${after} is beyond the last event of run ${run.id}: resume with the seq of the last event you received (0 = from the start)`, { run: run.id, after });
    }
    return { id: run.id, namespace: run.namespace, name: run.name };
  }

  /** Index the feed (live events are held from now on), acknowledge, then replay. */
  startFeed(run: FeedRun, after: number, id?: RequestIdValue): void {
    const previous = this.feeds.get(run.id);
    if (previous) this.dropFeed(previous);
    const feed = new RunFeed(this.feedHost(id), run, after, this.now);
    this.feeds.set(run.id, feed);
    this.deps.hub.indexRun(this, run.id); // before the first store read: see run-feed.ts
    this.idleSince = undefined;
    this.control('subscribed', { run: run.id, after }, id);
    feed.start();
  }

  private dropFeed(feed: RunFeed): void {
    feed.stop();
    this.feeds.delete(feed.run.id);
    this.deps.hub.unindexRun(this, feed.run.id);
  }

  private requireNamespace(namespace: string): void {
    if (!allows(this.principal, namespace)) {
      throw fail(403, `key "${this.principal.keyName}" is restricted to namespace "${this.principal.namespace}" and cannot read namespace "${namespace}"`, { namespace });
    }
  }

  private sendEvent(frame: Frame, seq: number | undefined, source: 'live' | 'replay'): void {
    if (this.closed) return;
    if (source === 'replay') this.corkUntilNextTick();
    this.sink.write(frame, seq);
    (source === 'live' ? this.deps.metrics.liveDeliveries : this.deps.metrics.replayDeliveries).inc();
    if (source === 'live' && !this.corked) this.enforceLimit();
  }

  /** A replay page goes out in one system call, not one per event (live batches are corked by the hub). */
  private corkUntilNextTick(): void {
    if (this.replayCorked) return;
    this.replayCorked = true;
    this.sink.cork();
    process.nextTick(() => {
      this.replayCorked = false;
      this.sink.uncork();
    });
  }

  /** The memory bound: unsent bytes plus live events held during a replay. */
  private enforceLimit(): void {
    const limit = this.deps.config.bufferLimitBytes;
    const used = this.sink.buffered() + this.heldBytes;
    if (used <= limit) return;
    this.close(CloseCodes.slowConsumer, `slow consumer: ${used} bytes queued > ${limit}; reconnect and resume with after`, 'slow-consumer');
  }

  private feedHost(id: RequestIdValue): FeedHost {
    const lowWater = this.deps.config.bufferLimitBytes / 2;
    return {
      mark: () => this.deps.reads.mark(),
      page: (run, after, since) => this.deps.reads.page(run, after, since),
      send: (frame, seq, source) => this.sendEvent(frame, seq, source),
      hold: (bytes) => {
        this.heldBytes += bytes;
        if (!this.corked) this.enforceLimit();
        return !this.closed;
      },
      release: (bytes) => {
        this.heldBytes -= bytes;
      },
      behind: () => this.sink.buffered() > lowWater,
      room: () => this.waitForRoom(lowWater / 2),
      caughtUp: (feed) => this.control('caughtUp', { run: feed.run.id, seq: feed.lastSent }, id),
      regressed: () => this.deps.metrics.gapReplays.inc(),
      failed: (feed, error) => {
        if (this.feeds.get(feed.run.id) === feed) this.dropFeed(feed);
        this.report(error, id, { run: feed.run.id });
      },
    };
  }

  private async waitForRoom(bytes: number): Promise<void> {
    while (!this.closed && this.sink.buffered() > bytes) await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
