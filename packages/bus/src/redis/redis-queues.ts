import type { Redis } from 'ioredis';
import type { BusMessage, ConsumeOptions } from '@baton/core';
import { decodeBody, encodeBody } from '../codec.ts';
import { BlockingConnections } from './blocking-connections.ts';
import {
  BODY_FIELD,
  bodyText,
  deliveriesOfPending,
  entriesOfRead,
  isBusyGroupError,
  isNoGroupError,
  parseAutoClaim,
  pendingCount,
  type RawEntry,
} from './replies.ts';

// Queues on Redis Streams: one stream per queue and one consumer group ("baton") on it. Acked
// entries are deleted, so the stream holds only waiting and in-flight messages.

export const GROUP = 'baton';

// Renews a lease only while `consumer` still owns the entry: a plain XCLAIM would take it back
// from a consumer that has already reclaimed it. JUSTID keeps the delivery count unchanged.
const EXTEND_SCRIPT = `
local renewed = {}
for i = 3, #ARGV do
  local id = ARGV[i]
  local row = redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1)[1]
  if row and row[2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, id, 'JUSTID')
    renewed[#renewed + 1] = id
  end
end
return renewed`;

type WithExtend = Redis & { batonExtend(key: string, group: string, consumer: string, ...ids: string[]): Promise<string[]> };

export class RedisQueues {
  /** Stream keys whose consumer group is known to exist (forgotten on NOGROUP). */
  private readonly groups = new Set<string>();
  /** Where the next XAUTOCLAIM scan of each stream starts, so long pending lists are covered. */
  private readonly reclaimCursors = new Map<string, string>();
  private readonly reclaimedByQueue = new Map<string, number>();
  private readonly blocking: BlockingConnections;

  constructor(
    private readonly commands: Redis,
    private readonly keyOf: (queue: string) => string,
    private readonly isClosed: () => boolean,
    onError: (error: unknown, context: string) => void,
  ) {
    this.blocking = new BlockingConnections(commands, onError);
    commands.defineCommand('batonExtend', { numberOfKeys: 1, lua: EXTEND_SCRIPT });
  }

  async enqueue(queue: string, bodies: readonly unknown[]): Promise<void> {
    if (bodies.length === 0) return;
    const key = this.keyOf(queue);
    const texts = bodies.map(encodeBody);
    const pipeline = this.commands.pipeline();
    for (const text of texts) pipeline.xadd(key, '*', BODY_FIELD, text);
    throwFirstError(await pipeline.exec());
  }

  async consume<T>(queue: string, consumer: string, options: ConsumeOptions): Promise<BusMessage<T>[]> {
    const key = this.keyOf(queue);
    const reclaimed = await this.withGroup(key, () => this.reclaim<T>(key, consumer, options));
    if (reclaimed.length > 0) this.reclaimedByQueue.set(queue, (this.reclaimedByQueue.get(queue) ?? 0) + reclaimed.length);
    if (reclaimed.length >= options.max) return reclaimed;
    // Block only when there is nothing to hand back yet.
    const blockMs = reclaimed.length === 0 && !options.signal?.aborted ? options.blockMs : 0;
    const fresh = await this.withGroup(key, () => this.readNew<T>(key, consumer, options.max - reclaimed.length, blockMs, options.signal));
    return reclaimed.length === 0 ? fresh : reclaimed.concat(fresh);
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
      return await (this.commands as WithExtend).batonExtend(key, GROUP, consumer, ...ids);
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

  reclaimedCounts(): Record<string, number> {
    return Object.fromEntries(this.reclaimedByQueue);
  }

  close(): void {
    this.blocking.closeAll();
  }

  /** Take over entries whose lease (idle time) exceeded `visibilityMs`, with their delivery counts. */
  private async reclaim<T>(key: string, consumer: string, options: ConsumeOptions): Promise<BusMessage<T>[]> {
    const start = this.reclaimCursors.get(key) ?? '0-0';
    const reply = await this.commands.call('XAUTOCLAIM', [key, GROUP, consumer, options.visibilityMs, start, 'COUNT', options.max]);
    const { cursor, entries } = parseAutoClaim(reply);
    this.reclaimCursors.set(key, cursor);
    const claimed = entries.filter((entry) => bodyText(entry) !== undefined);
    if (claimed.length === 0) return [];
    // XAUTOCLAIM does not report delivery counts; the pending list does (one round trip).
    const pipeline = this.commands.pipeline();
    for (const [id] of claimed) pipeline.xpending(key, GROUP, id, id, 1);
    const pending = await pipeline.exec();
    return claimed.map((entry, i) => toMessage<T>(entry, deliveriesOfPending(pending?.[i]?.[1]) ?? 2));
  }

  private async readNew<T>(key: string, consumer: string, count: number, blockMs: number, signal?: AbortSignal): Promise<BusMessage<T>[]> {
    const args: (string | number)[] = ['GROUP', GROUP, consumer, 'COUNT', count];
    if (blockMs <= 0) {
      const reply = await this.commands.call('XREADGROUP', [...args, 'STREAMS', key, '>']);
      return entriesOfRead(reply).map((entry) => toMessage<T>(entry, 1));
    }
    args.push('BLOCK', blockMs, 'STREAMS', key, '>');
    try {
      const reply = await this.blocking.run(signal, (redis) => redis.call('XREADGROUP', args));
      return entriesOfRead(reply).map((entry) => toMessage<T>(entry, 1));
    } catch (error) {
      if (this.isClosed()) return []; // close() woke the read by disconnecting it
      throw error;
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

type PipelineResults = [error: Error | null, result: unknown][] | null;

function throwFirstError(results: PipelineResults, ignore: (error: unknown) => boolean = () => false): void {
  for (const [error] of results ?? []) {
    if (error && !ignore(error)) throw error;
  }
}
