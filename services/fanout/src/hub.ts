// The hub of one fanout replica: it reads the Bus topic `events` (every replica reads it on its
// own, so replicas need no coordination), finds the clients interested in each event through
// three indexes (run, workflow, namespace), serialises the event ONCE and hands the same string
// to every one of them. No store query happens per live event; the store is read only to replay
// (a subscription with `after`, a gap, a quiet run).
//
// A keep-alive tick also probes every connection (ping/pong), reaps dead and idle ones, closes
// those whose key was revoked, and resyncs quiet run feeds.
import { Topics, toCloudEvent, type Bus, type TopicEntry } from '@baton/core';
import type { Logger } from 'pino';
import type { Authenticator } from './auth.ts';
import { workflowKey, type StreamClient } from './client.ts';
import type { FanoutConfig } from './config.ts';
import { Frame } from './frame.ts';
import type { FanoutMetrics } from './metrics.ts';
import { CloseCodes } from './protocol.ts';

/** A run event as the workflow-runner publishes it (@baton/engine PublishedEvent). */
export interface TopicEvent {
  runId: string;
  seq: number;
  id: string;
  type: string;
  time: string;
  data: unknown;
  namespace: string;
  name: string;
  version?: string;
}

function isTopicEvent(body: unknown): body is TopicEvent {
  const event = body as Partial<TopicEvent> | null;
  return typeof event === 'object' && event !== null && typeof event.runId === 'string' && typeof event.seq === 'number' && typeof event.type === 'string' && typeof event.namespace === 'string' && typeof event.name === 'string';
}

export interface HubDeps {
  bus: Bus;
  config: FanoutConfig;
  metrics: FanoutMetrics;
  logger: Logger;
  auth: Authenticator;
  now?: () => number;
}

export class Hub {
  private readonly byRun = new Map<string, Set<StreamClient>>();
  private readonly byWorkflow = new Map<string, Set<StreamClient>>();
  private readonly byNamespace = new Map<string, Set<StreamClient>>();
  readonly clients = new Set<StreamClient>();
  private dispatches = 0;
  private batches = 0;
  private unsubscribe: (() => Promise<void>) | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly deps: HubDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Starts reading the topic from now on (replays come from the store, not the topic). */
  async start(): Promise<void> {
    this.unsubscribe = await this.deps.bus.subscribe<unknown>(Topics.events, (entries) => this.dispatch(entries));
    // A tick that fails is logged, never left as an unhandled rejection (which ends the process).
    this.ticker = setInterval(() => void this.tick().catch((error: unknown) => this.deps.logger.error({ err: error }, 'keep-alive tick failed')), this.deps.config.pingIntervalMs);
    this.ticker.unref();
  }

  async stop(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    await this.unsubscribe?.();
    for (const client of [...this.clients]) client.close(CloseCodes.goingAway, 'server shutting down; reconnect and resume with after', 'shutdown');
  }

  add(client: StreamClient): void {
    this.clients.add(client);
    this.deps.metrics.connections.inc({ transport: client.sink.transport });
  }

  forget(client: StreamClient): void {
    if (!this.clients.delete(client)) return;
    this.deps.metrics.connections.dec({ transport: client.sink.transport });
    for (const runId of client.feeds.keys()) this.unindexRun(client, runId);
    for (const key of client.workflows) this.unindexWorkflow(client, key);
    for (const namespace of client.namespaces) this.unindexNamespace(client, namespace);
  }

  indexRun(client: StreamClient, runId: string): void {
    if (add(this.byRun, runId, client)) this.deps.metrics.subscriptions.inc({ kind: 'run' });
  }
  unindexRun(client: StreamClient, runId: string): boolean {
    return this.removed(remove(this.byRun, runId, client), 'run');
  }
  indexWorkflow(client: StreamClient, key: string): void {
    client.workflows.add(key);
    if (add(this.byWorkflow, key, client)) this.deps.metrics.subscriptions.inc({ kind: 'workflow' });
  }
  unindexWorkflow(client: StreamClient, key: string): boolean {
    client.workflows.delete(key);
    return this.removed(remove(this.byWorkflow, key, client), 'workflow');
  }
  indexNamespace(client: StreamClient, namespace: string): void {
    client.namespaces.add(namespace);
    if (add(this.byNamespace, namespace, client)) this.deps.metrics.subscriptions.inc({ kind: 'namespace' });
  }
  unindexNamespace(client: StreamClient, namespace: string): boolean {
    client.namespaces.delete(namespace);
    return this.removed(remove(this.byNamespace, namespace, client), 'namespace');
  }

  /** One topic batch: each event is serialised once, for all its subscribers, or not at all. */
  dispatch(entries: readonly TopicEntry<unknown>[]): void {
    const batch = ++this.batches;
    const corked: StreamClient[] = [];
    try {
      this.dispatchBatch(entries, batch, corked);
    } finally {
      for (const client of corked) client.uncork();
    }
  }

  private dispatchBatch(entries: readonly TopicEntry<unknown>[], batch: number, corked: StreamClient[]): void {
    const now = this.now();
    for (const { body } of entries) {
      if (!isTopicEvent(body)) {
        this.deps.logger.warn('ignoring a malformed message on the events topic');
        continue;
      }
      this.deps.metrics.topicEvents.inc();
      const time = Date.parse(body.time);
      if (Number.isFinite(time)) this.deps.metrics.dispatchLag.observe(Math.max(0, now - time) / 1000);
      const byRun = this.byRun.get(body.runId);
      const byWorkflow = this.byWorkflow.get(workflowKey(body.namespace, body.name));
      const byNamespace = this.byNamespace.get(body.namespace);
      if (!byRun && !byWorkflow && !byNamespace) continue;
      const frame = new Frame(JSON.stringify(toCloudEvent(body, body)));
      const stamp = ++this.dispatches;
      for (const group of [byRun, byWorkflow, byNamespace]) {
        if (!group) continue;
        for (const client of group) {
          if (client.stamp === stamp) continue; // matched by another of its subscriptions
          client.stamp = stamp;
          if (client.corkedIn !== batch) {
            client.corkedIn = batch;
            client.cork();
            corked.push(client);
          }
          this.deliverTo(client, body.runId, body.seq, body.type, frame);
        }
      }
    }
  }

  /** One client's failure closes that client (1011), not the batch of every other subscriber. */
  private deliverTo(client: StreamClient, runId: string, seq: number, type: string, frame: Frame): void {
    try {
      client.deliver(runId, seq, type, frame);
    } catch (error) {
      this.deps.logger.error({ err: error, key: client.principal.keyName, runId }, 'delivery failed; closing the connection');
      client.close(CloseCodes.internalError, 'internal error; reconnect and resume with after', 'error');
    }
  }

  /** Keep-alive, reaping and resync; runs every FANOUT_PING_INTERVAL_MS. */
  async tick(): Promise<void> {
    const { config } = this.deps;
    const now = this.now();
    for (const client of [...this.clients]) {
      if (!client.sink.probe()) {
        this.deps.metrics.closes.inc({ reason: 'dead' });
        client.dispose();
        client.sink.terminate();
        continue;
      }
      if (client.idleSince !== undefined && now - client.idleSince >= config.idleTimeoutMs) {
        client.close(CloseCodes.idle, `no subscription for ${config.idleTimeoutMs} ms`, 'idle');
        continue;
      }
      for (const feed of client.feeds.values()) feed.resyncIfQuiet(config.resyncAfterMs);
    }
    await this.closeRevoked();
  }

  private async closeRevoked(): Promise<void> {
    for (const client of [...this.clients]) {
      try {
        if (!(await this.deps.auth.stillActive(client.principal))) {
          client.close(CloseCodes.credentialsRevoked, `the API key "${client.principal.keyName}" was revoked`, 'revoked');
        }
      } catch (error) {
        this.deps.logger.warn({ err: error }, 'could not re-check API keys; will retry at the next tick');
        return;
      }
    }
  }

  private removed(found: boolean, kind: string): boolean {
    if (found) this.deps.metrics.subscriptions.dec({ kind });
    return found;
  }
}

function add(index: Map<string, Set<StreamClient>>, key: string, client: StreamClient): boolean {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  const before = set.size;
  set.add(client);
  return set.size > before;
}

function remove(index: Map<string, Set<StreamClient>>, key: string, client: StreamClient): boolean {
  const set = index.get(key);
  if (!set?.delete(client)) return false;
  if (set.size === 0) index.delete(key);
  return true;
}
