import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { corkUntilImmediate, type RateLimiter } from '@baton/core';
import { RedisRateLimiter } from '../limiter/redis-limiter.ts';
import type { BusMessage, ConsumeOptions, QueueInspection, TopicEntry } from '@baton/core';
import { BusClosedError } from '../errors.ts';
import { DEFAULT_HELD_LIMIT, DEFAULT_TOPIC_MAX_LEN, reportToStderr, type BusErrorReporter, type BusStats, type ObservableBus } from '../types.ts';
import { RedisQueues } from './redis-queues.ts';
import { RedisTopics } from './redis-topics.ts';
import { defineScripts, type WithScripts } from './scripts.ts';

export interface RedisBusOptions {
  /** redis://[user:password@]host:port[/db] */
  url: string;
  /** Prepended to every key, so that tests and tenants keep to their own keys. Default "baton:". */
  prefix?: string;
  /** Entries a topic keeps for replay (roughly: MAXLEN ~), unless it keeps fewer (@baton/core TOPIC_MAX_LENS). Default 10 000. */
  topicMaxLen?: number;
  onError?: BusErrorReporter;
}

const COMMAND_SOCKET_TIMEOUT_MS = 30_000;
/** How long ping() waits for PONG before calling Redis unreachable. */
const PING_TIMEOUT_MS = 1_000;

/**
 * The Bus on Redis Streams. Keys: `<prefix>q:<queue>` (stream + group "baton") and
 * `<prefix>t:<topic>` (capped stream). One command connection, plus one connection per blocked
 * consume and per subscription.
 */
export class RedisBus implements ObservableBus {
  readonly prefix: string;
  private readonly commands: WithScripts;
  private readonly queues: RedisQueues;
  private readonly topics: RedisTopics;
  private closed = false;
  private limiter: RateLimiter | undefined;

  constructor(options: RedisBusOptions) {
    this.prefix = options.prefix ?? 'baton:';
    const onError = options.onError ?? reportToStderr;
    // RESP2: the reply shapes in replies.ts (RESP3 would turn XREAD replies into maps).
    // socketTimeout: a command connection that died silently fails its callers instead of
    // hanging them (a healthy Redis answers these non-blocking commands in milliseconds).
    // enableAutoPipelining: the single commands issued in one tick (lease renewals, the consume
    // script, the rate limiter's) go out in one write. Enqueue, publish, ack and a worker's results are
    // explicit pipelines, written at once (scripts.ts says why); cork() gathers a turn's into one
    // write. Blocking connections (their own duplicates) opt out: each holds one command at a time.
    this.commands = defineScripts(new Redis(options.url, { protocol: 2, connectionName: connectionName(this.prefix, 'commands'), socketTimeout: COMMAND_SOCKET_TIMEOUT_MS, enableAutoPipelining: true }));
    this.commands.on('error', (error: unknown) => onError(error, 'command connection'));
    this.queues = new RedisQueues(this.commands, (queue) => `${this.prefix}q:${queue}`, (queue) => `${this.prefix}seen:${queue}`, connectionName(this.prefix, 'consume'), onError);
    const topicMaxLen = options.topicMaxLen ?? DEFAULT_TOPIC_MAX_LEN;
    this.topics = new RedisTopics(this.commands, (topic) => `${this.prefix}t:${topic}`, topicMaxLen, connectionName(this.prefix, 'subscribe'), onError);
  }

  async enqueue(queue: string, bodies: readonly unknown[]): Promise<void> {
    this.assertOpen();
    this.cork();
    return this.queues.enqueue(queue, bodies);
  }

  /**
   * Written at once, not corked to the turn's end: a worker's result is what its run waits for, and
   * in the turn its response came in the worker's next blocking read would otherwise go first (a
   * write that wakes Redis ahead of it). A worker's results of one turn go together anyway (its
   * ResultPublisher sends what came meanwhile as the next batch).
   */
  async enqueueAndAck(to: string, bodies: readonly unknown[], queue: string, ids: readonly string[]): Promise<void> {
    this.assertOpen();
    return this.queues.enqueueAndAck(to, bodies, queue, ids);
  }

  async consume<T = unknown>(queue: string, consumer: string, options: ConsumeOptions): Promise<BusMessage<T>[]> {
    this.assertOpen();
    if (options.max < 1) return []; // no room: take nothing (Redis refuses COUNT 0)
    try {
      return await this.queues.consume<T>(queue, consumer, options);
    } catch (error) {
      if (this.closed) return []; // close() came while this consume was under way
      throw error;
    }
  }

  async ack(queue: string, ids: readonly string[]): Promise<void> {
    this.assertOpen();
    this.cork();
    return this.queues.ack(queue, ids);
  }

  async extend(queue: string, consumer: string, ids: readonly string[]): Promise<string[]> {
    this.assertOpen();
    return this.queues.extend(queue, consumer, ids);
  }

  async depth(queue: string): Promise<{ waiting: number; inFlight: number }> {
    this.assertOpen();
    return this.queues.depth(queue);
  }

  async inspect(queue: string, options: { heldLimit?: number } = {}): Promise<QueueInspection> {
    this.assertOpen();
    return this.queues.inspect(queue, options.heldLimit ?? DEFAULT_HELD_LIMIT);
  }

  async held(queue: string, after: string | undefined, limit: number): Promise<{ id: string; body: unknown }[]> {
    this.assertOpen();
    return this.queues.held(queue, after, limit);
  }

  async publish(topic: string, bodies: readonly unknown[]): Promise<void> {
    this.assertOpen();
    this.cork();
    return this.topics.publish(topic, bodies);
  }

  async subscribe<T = unknown>(topic: string, handler: (entries: TopicEntry<T>[]) => void | Promise<void>, after?: string): Promise<() => Promise<void>> {
    this.assertOpen();
    return this.topics.subscribe<T>(topic, handler, after);
  }

  async ping(): Promise<boolean> {
    if (this.closed) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
    });
    const pong = this.commands.ping().then((reply) => reply === 'PONG', () => false);
    try {
      return await Promise.race([pong, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * `<run_id of the Redis process>/<marker>`: the run id changes when Redis restarts (its AOF may
   * have lost the last second of writes), the marker key when the data was wiped (FLUSHALL).
   */
  async epoch(): Promise<string> {
    this.assertOpen();
    const key = `${this.prefix}epoch`;
    // One round trip (a runner asks every 200 ms): the GET inside the MULTI sees the marker the SET
    // left, or the one it found.
    const [, info, got] = (await this.commands.multi().set(key, randomUUID(), 'NX').info('server').get(key).exec()) ?? [];
    if (got?.[0]) throw got[0];
    const marker = got?.[1] as string | null | undefined;
    const runId = /run_id:(\w+)/.exec(String(info?.[1] ?? ''))?.[1] ?? 'unknown';
    return `redis:${runId}/${marker ?? 'none'}`;
  }

  stats(): BusStats {
    return { reclaimed: this.queues.reclaimedCounts() };
  }

  rateLimiter(): RateLimiter {
    this.limiter ??= new RedisRateLimiter(this.commands, (key) => `${this.prefix}rl:${key}`);
    return this.limiter;
  }

  /** Stops subscriptions, wakes blocked consumes (they return []), closes every connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queues.close();
    await this.topics.closeAll();
    await this.commands.quit().catch(() => this.commands.disconnect());
  }

  /**
   * The command connection's pipelines of this turn (a runner's enqueues, publishes and ack after
   * a commit; a worker's results) go out in one write (corkUntilImmediate). ioredis's own
   * autopipelining covers single commands only, not pipelines.
   */
  private cork(): void {
    if (this.commands.status === 'ready') corkUntilImmediate(this.commands.stream);
  }

  private assertOpen(): void {
    if (this.closed) throw new BusClosedError();
  }
}

/** "<prefix>bus-<role>" (CLIENT SETNAME refuses spaces): tells connections apart in CLIENT LIST. */
export function connectionName(prefix: string, role: 'commands' | 'consume' | 'subscribe'): string {
  return `${prefix.replace(/\s/g, '_')}bus-${role}`;
}
