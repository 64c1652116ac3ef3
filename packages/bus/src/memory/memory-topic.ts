import type { TopicEntry } from '@baton/core';
import { decodeBody } from '../codec.ts';
import { BadTopicPositionError } from '../errors.ts';
import { compareStreamIds, formatStreamId, parseStreamId, type StreamId, type StreamIdGenerator } from './stream-ids.ts';

// One in-memory topic: a ring buffer of the last `capacity` entries, and subscribers that each
// read it from their own position, one handler call at a time, woken by publish.

/** Most entries handed to one handler call (as the Redis adapter's XREAD COUNT). */
const READ_BATCH = 100;

interface BufferedEntry {
  readonly id: StreamId;
  readonly text: string;
}

type Handler<T> = (entries: TopicEntry<T>[]) => void | Promise<void>;
type OnError = (error: unknown, context: string) => void;

export class MemoryTopic {
  private readonly ring: (BufferedEntry | undefined)[];
  /** Ring index of the oldest entry, and how many entries the ring holds. */
  private start = 0;
  private size = 0;
  private readonly subscriptions = new Set<MemorySubscription<unknown>>();

  constructor(
    private readonly name: string,
    private readonly capacity: number,
    private readonly ids: StreamIdGenerator,
    private readonly onError: OnError,
  ) {
    this.ring = new Array<BufferedEntry | undefined>(capacity);
  }

  publish(texts: readonly string[]): void {
    for (const text of texts) {
      const entry = { id: this.ids.next(), text };
      if (this.size < this.capacity) {
        this.ring[(this.start + this.size) % this.capacity] = entry;
        this.size += 1;
      } else {
        this.ring[this.start] = entry; // overwrite the oldest
        this.start = (this.start + 1) % this.capacity;
      }
    }
    for (const subscription of this.subscriptions) subscription.wake();
  }

  subscribe<T>(handler: Handler<T>, after?: string): () => Promise<void> {
    const position = this.resolvePosition(after);
    const subscription = new MemorySubscription<T>(this, position, handler, (error) => this.onError(error, `topic handler ${this.name}`));
    this.subscriptions.add(subscription as MemorySubscription<unknown>);
    subscription.start();
    return async () => {
      this.subscriptions.delete(subscription as MemorySubscription<unknown>);
      await subscription.stop();
    };
  }

  /** Entries after `position`, oldest first, at most READ_BATCH. */
  read(position: StreamId): BufferedEntry[] {
    const entries: BufferedEntry[] = [];
    for (let i = this.firstIndexAfter(position); i < this.size && entries.length < READ_BATCH; i += 1) {
      entries.push(this.at(i));
    }
    return entries;
  }

  async closeAll(): Promise<void> {
    const subscriptions = [...this.subscriptions];
    this.subscriptions.clear();
    await Promise.all(subscriptions.map((subscription) => subscription.stop()));
  }

  private resolvePosition(after: string | undefined): StreamId {
    if (after === undefined || after === '$') return this.size > 0 ? this.at(this.size - 1).id : { ms: 0, seq: 0 };
    const position = parseStreamId(after);
    if (!position) throw new BadTopicPositionError(after);
    return position;
  }

  private at(logicalIndex: number): BufferedEntry {
    return this.ring[(this.start + logicalIndex) % this.capacity]!;
  }

  /** Binary search: the logical index of the first entry whose id is greater than `position`. */
  private firstIndexAfter(position: StreamId): number {
    let low = 0;
    let high = this.size;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareStreamIds(this.at(middle).id, position) <= 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

class MemorySubscription<T> {
  private stopped = false;
  private handling = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;

  constructor(
    private readonly topic: MemoryTopic,
    private position: StreamId,
    private readonly handler: Handler<T>,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  wake(): void {
    const wakeUp = this.wakeUp;
    this.wakeUp = undefined;
    wakeUp?.();
  }

  /** After this resolves no handler call starts (same contract as the Redis adapter). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.wake();
    if (!this.handling) await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const buffered = this.topic.read(this.position);
      if (buffered.length === 0) {
        await new Promise<void>((resolve) => {
          this.wakeUp = resolve;
        });
        continue;
      }
      this.position = buffered[buffered.length - 1]!.id;
      const entries = buffered.map((entry) => ({ id: formatStreamId(entry.id), body: decodeBody<T>(entry.text) }));
      this.handling = true;
      try {
        await this.handler(entries);
      } catch (error) {
        this.onError(error);
      } finally {
        this.handling = false;
      }
    }
  }
}
