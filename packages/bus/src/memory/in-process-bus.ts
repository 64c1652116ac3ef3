import { randomUUID } from 'node:crypto';
import { topicMaxLen, type BusMessage, type ConsumeOptions, type QueueInspection, type RateLimiter, type TopicEntry } from '@baton/core';
import { MemoryRateLimiter } from '../limiter/memory-limiter.ts';
import { encodeBody } from '../codec.ts';
import { BusClosedError } from '../errors.ts';
import { DEFAULT_HELD_LIMIT, DEFAULT_TOPIC_MAX_LEN, reportToStderr, type BusErrorReporter, type BusStats, type ObservableBus } from '../types.ts';
import { MemoryQueue } from './memory-queue.ts';
import { MemoryTopic } from './memory-topic.ts';
import { StreamIdGenerator } from './stream-ids.ts';

export interface InProcessBusOptions {
  /** Entries a topic keeps for replay, unless it keeps fewer (@baton/core TOPIC_MAX_LENS). Default 10 000. */
  topicMaxLen?: number;
  onError?: BusErrorReporter;
}

/**
 * The Bus inside one process (embedded mode). Same semantics as RedisBus: bodies travel as JSON
 * text, leases expire and are reclaimed, topics replay a capped buffer. Nothing survives the
 * process, which is fine: Postgres is the truth and the runner re-dispatches from it.
 */
export class InProcessBus implements ObservableBus {
  private readonly queues = new Map<string, MemoryQueue>();
  private readonly topics = new Map<string, MemoryTopic>();
  private readonly ids = new StreamIdGenerator();
  private readonly topicMaxLen: number;
  private readonly onError: BusErrorReporter;
  private closed = false;
  private readonly limiter = new MemoryRateLimiter();
  private readonly epochId = `in-process:${randomUUID()}`;

  rateLimiter(): RateLimiter {
    return this.limiter;
  }

  constructor(options: InProcessBusOptions = {}) {
    this.topicMaxLen = options.topicMaxLen ?? DEFAULT_TOPIC_MAX_LEN;
    this.onError = options.onError ?? reportToStderr;
  }

  async enqueue(queue: string, bodies: readonly unknown[]): Promise<void> {
    this.assertOpen();
    const texts = bodies.map(encodeBody); // all or nothing, as one Redis pipeline of valid XADDs
    this.queue(queue).enqueue(texts);
  }

  async consume<T = unknown>(queue: string, consumer: string, options: ConsumeOptions): Promise<BusMessage<T>[]> {
    this.assertOpen();
    if (options.max < 1) return []; // no room: take nothing, as the Redis adapter
    return this.queue(queue).consume<T>(consumer, { ...options, max: Math.floor(options.max) });
  }

  async ack(queue: string, ids: readonly string[]): Promise<void> {
    this.assertOpen();
    this.queues.get(queue)?.ack(ids);
  }

  async enqueueAndAck(to: string, bodies: readonly unknown[], queue: string, ids: readonly string[]): Promise<void> {
    await this.enqueue(to, bodies); // throws before the ack when a body cannot be encoded
    await this.ack(queue, ids);
  }

  async extend(queue: string, consumer: string, ids: readonly string[]): Promise<string[]> {
    this.assertOpen();
    return this.queues.get(queue)?.extend(consumer, ids) ?? [];
  }

  async depth(queue: string): Promise<{ waiting: number; inFlight: number }> {
    this.assertOpen();
    return this.queues.get(queue)?.depth() ?? { waiting: 0, inFlight: 0 };
  }

  async inspect(queue: string, options: { heldLimit?: number } = {}): Promise<QueueInspection> {
    this.assertOpen();
    const heldLimit = options.heldLimit ?? DEFAULT_HELD_LIMIT;
    return this.queues.get(queue)?.inspect(queue, heldLimit) ?? { queue, waiting: 0, inFlight: 0, consumers: [] };
  }

  async held(queue: string, after: string | undefined, limit: number): Promise<{ id: string; body: unknown }[]> {
    this.assertOpen();
    return this.queues.get(queue)?.held(after, limit) ?? [];
  }

  async publish(topic: string, bodies: readonly unknown[]): Promise<void> {
    this.assertOpen();
    const texts = bodies.map(encodeBody);
    this.topic(topic).publish(texts);
  }

  async subscribe<T = unknown>(topic: string, handler: (entries: TopicEntry<T>[]) => void | Promise<void>, after?: string): Promise<() => Promise<void>> {
    this.assertOpen();
    return this.topic(topic).subscribe<T>(handler, after);
  }

  async ping(): Promise<boolean> {
    return !this.closed;
  }

  /** Nothing outlives the process: every bus is an epoch of its own. */
  async epoch(): Promise<string> {
    this.assertOpen();
    return this.epochId;
  }

  stats(): BusStats {
    const reclaimed: Record<string, number> = {};
    for (const [name, queue] of this.queues) if (queue.reclaimed > 0) reclaimed[name] = queue.reclaimed;
    return { reclaimed };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const queue of this.queues.values()) queue.close();
    await Promise.all([...this.topics.values()].map((topic) => topic.closeAll()));
  }

  private queue(name: string): MemoryQueue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new MemoryQueue(this.ids);
      this.queues.set(name, queue);
    }
    return queue;
  }

  private topic(name: string): MemoryTopic {
    let topic = this.topics.get(name);
    if (!topic) {
      topic = new MemoryTopic(name, topicMaxLen(name, this.topicMaxLen), this.ids, this.onError);
      this.topics.set(name, topic);
    }
    return topic;
  }

  private assertOpen(): void {
    if (this.closed) throw new BusClosedError();
  }
}
