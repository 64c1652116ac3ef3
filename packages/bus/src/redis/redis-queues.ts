import type { BusMessage, ConsumeOptions, QueueInspection } from '@baton/core';
import { decodeBody, encodeBody } from '../codec.ts';
import { BLOCK_SLICE_MS, BlockingConnections } from './blocking-connections.ts';
import { inspectStream } from './redis-inspect.ts';
import { bodyText, entriesOfRead, isBusyGroupError, isNoGroupError, pendingCount, throwFirstError, type RawEntry } from './replies.ts';
import { appendAndAck, appendInSlices, type WithScripts } from './scripts.ts';

// Queues on Redis Streams: one stream per queue and one consumer group ("baton") on it. Acked
// entries are deleted, so the stream holds only waiting and in-flight messages.

export const GROUP = 'baton';

/**
 * How often a consumer scans for expired leases (the take script) at most: a tenth of the lease,
 * at most once a second. In between, a consume that finds nothing waiting goes straight to the
 * blocking read (which answers at once when there are new messages): one round trip, not two.
 */
const RECLAIM_SCAN_MAX_MS = 1_000;

export class RedisQueues {
  /** Stream keys whose consumer group is known to exist (forgotten on NOGROUP). */
  private readonly groups = new Set<string>();
  /** Where the next XAUTOCLAIM scan of each stream starts, so long pending lists are covered. */
  private readonly reclaimCursors = new Map<string, string>();
  private readonly reclaimedByQueue = new Map<string, number>();
  /** When each consumer of each stream last ran the take script (reclaim scan, seen time). */
  private readonly lastTake = new Map<string, number>();
  private readonly blocking: BlockingConnections;

  constructor(
    /** The command connection, with the adapter's scripts (defineScripts). */
    private readonly commands: WithScripts,
    private readonly keyOf: (queue: string) => string,
    /** The sorted set of the queue's consumers by last-seen time (scripts.ts SEEN). */
    private readonly seenKeyOf: (queue: string) => string,
    connectionName: string,
    onError: (error: unknown, context: string) => void,
  ) {
    this.blocking = new BlockingConnections(commands, connectionName, onError);
  }

  async enqueue(queue: string, bodies: readonly unknown[]): Promise<void> {
    if (bodies.length === 0) return;
    await appendInSlices(this.commands, this.keyOf(queue), '', bodies.map(encodeBody));
  }

  /** The bodies enqueued and the ids acked in one script: the ids only with the bodies (scripts.ts). */
  async enqueueAndAck(to: string, bodies: readonly unknown[], queue: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return this.enqueue(to, bodies);
    const texts = bodies.map(encodeBody);
    await appendAndAck(this.commands, this.keyOf(to), this.keyOf(queue), GROUP, ids, texts);
  }

  /**
   * One round trip takes reclaimed and new messages; only if there are none does it block. Between
   * two reclaim scans (see RECLAIM_SCAN_MAX_MS) only new messages can be there: the blocking read
   * alone takes them.
   */
  async consume<T>(queue: string, consumer: string, options: ConsumeOptions): Promise<BusMessage<T>[]> {
    const key = this.keyOf(queue);
    const scan = `${key}\n${consumer}`;
    const now = Date.now();
    const scanned = this.lastTake.get(scan);
    const blocking = options.blockMs > 0 && Math.floor(options.max) >= 1 && !options.signal?.aborted;
    if (blocking && scanned !== undefined && now - scanned < Math.min(RECLAIM_SCAN_MAX_MS, options.visibilityMs / 10)) {
      return this.withGroup(key, () => this.waitForNew<T>(key, consumer, options));
    }
    this.lastTake.set(scan, now);
    const { reclaimed, fresh } = await this.withGroup(key, () => this.take<T>(key, this.seenKeyOf(queue), consumer, options));
    if (reclaimed.length > 0) this.reclaimedByQueue.set(queue, (this.reclaimedByQueue.get(queue) ?? 0) + reclaimed.length);
    const messages = reclaimed.length === 0 ? fresh : reclaimed.concat(fresh);
    if (messages.length > 0 || options.blockMs <= 0 || options.signal?.aborted) return messages;
    return this.withGroup(key, () => this.waitForNew<T>(key, consumer, options));
  }

  async ack(queue: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const key = this.keyOf(queue);
    const results = await this.commands.pipeline().xack(key, GROUP, ...ids).xdel(key, ...ids).exec();
    // NOGROUP: the stream is gone (Redis lost it); there is nothing left to acknowledge.
    throwFirstError(results, isNoGroupError);
  }

  async extend(queue: string, consumer: string, ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const key = this.keyOf(queue);
    try {
      return await this.commands.batonExtend(key, this.seenKeyOf(queue), GROUP, consumer, ...ids);
    } catch (error) {
      if (isNoGroupError(error)) return [];
      throw error;
    }
  }

  async depth(queue: string): Promise<{ waiting: number; inFlight: number }> {
    const key = this.keyOf(queue);
    return this.withGroup(key, async () => {
      const results = await this.commands.pipeline().xlen(key).xpending(key, GROUP).exec();
      throwFirstError(results);
      const length = Number(results?.[0]?.[1] ?? 0);
      const inFlight = pendingCount(results?.[1]?.[1]);
      return { waiting: Math.max(0, length - inFlight), inFlight };
    });
  }

  async inspect(queue: string, heldLimit: number): Promise<QueueInspection> {
    const key = this.keyOf(queue);
    return this.withGroup(key, () => inspectStream(this.commands, { stream: key, seen: this.seenKeyOf(queue) }, GROUP, queue, heldLimit));
  }

  /** XRANGE from after `after` (exclusive): entries are only appended at the end and deleted, so a paged scan misses none that stays. */
  async held(queue: string, after: string | undefined, limit: number): Promise<{ id: string; body: unknown }[]> {
    const count = Math.floor(limit);
    if (!(count >= 1)) return [];
    const entries = (await this.commands.xrange(this.keyOf(queue), after === undefined ? '-' : `(${after}`, '+', 'COUNT', count)) as RawEntry[];
    return entries.map((entry) => ({ id: entry[0], body: decodeBody(bodyText(entry) ?? 'null') }));
  }

  reclaimedCounts(): Record<string, number> {
    return Object.fromEntries(this.reclaimedByQueue);
  }

  close(): void {
    this.blocking.closeAll();
  }

  private async take<T>(key: string, seenKey: string, consumer: string, options: ConsumeOptions): Promise<{ reclaimed: BusMessage<T>[]; fresh: BusMessage<T>[] }> {
    // The reclaim scan resumes where the last one stopped, so a long pending list is covered.
    const cursor = this.reclaimCursors.get(key) ?? '0-0';
    const reply = await this.commands.batonTake(key, seenKey, GROUP, consumer, Math.ceil(options.visibilityMs), cursor, Math.floor(options.max));
    const [nextCursor, claimed, deliveries, fresh] = reply;
    this.reclaimCursors.set(key, nextCursor);
    return {
      reclaimed: claimed.map((entry, i) => toMessage<T>(entry, Number(deliveries[i] ?? 2))),
      fresh: fresh.map((entry) => toMessage<T>(entry, 1)),
    };
  }

  private async waitForNew<T>(key: string, consumer: string, options: ConsumeOptions): Promise<BusMessage<T>[]> {
    const deadline = Date.now() + options.blockMs;
    for (let first = true; ; first = false) {
      // Redis wants whole ms. The first read always goes out (for at least 1 ms): a message already
      // there is taken even when the clock ticked past a sub-millisecond deadline before it.
      const slice = Math.ceil(Math.min(BLOCK_SLICE_MS, deadline - Date.now()));
      if (options.signal?.aborted || (slice <= 0 && !first)) return [];
      const args = ['GROUP', GROUP, consumer, 'COUNT', Math.floor(options.max), 'BLOCK', Math.max(1, slice), 'STREAMS', key, '>'];
      const reply = await this.blocking.run(options.signal, (redis) => redis.call('XREADGROUP', args));
      const messages = entriesOfRead(reply).map((entry) => toMessage<T>(entry, 1));
      if (messages.length > 0) return messages;
    }
  }

  /** Run `operation` with the group in place; recreate it once if Redis lost it (NOGROUP). */
  private async withGroup<R>(key: string, operation: () => Promise<R>): Promise<R> {
    if (!this.groups.has(key)) await this.createGroup(key);
    try {
      return await operation();
    } catch (error) {
      if (!isNoGroupError(error)) throw error;
      this.groups.delete(key);
      this.reclaimCursors.delete(key);
      await this.createGroup(key);
      return operation();
    }
  }

  private async createGroup(key: string): Promise<void> {
    try {
      // From id 0, not "$": messages enqueued before the first consumer showed up are kept.
      await this.commands.xgroup('CREATE', key, GROUP, '0', 'MKSTREAM');
    } catch (error) {
      if (!isBusyGroupError(error)) throw error;
    }
    this.groups.add(key);
  }
}

function toMessage<T>(entry: RawEntry, deliveries: number): BusMessage<T> {
  return { id: entry[0], body: decodeBody<T>(bodyText(entry) ?? 'null'), deliveries };
}
