import type { BusMessage, ConsumeOptions, ConsumerInspection, HeldMessage, QueueInspection } from '@baton/core';
import { decodeBody } from '../codec.ts';
import { compareStreamIds, formatStreamId, parseStreamId, type StreamIdGenerator } from './stream-ids.ts';

// One in-memory queue with the Redis adapter's semantics: FIFO, leases that expire after
// `visibilityMs` (one timer per consume, no polling), reclaim of expired leases before new messages,
// and blocked consumers woken directly by enqueue or by an expiring lease.

interface StoredMessage {
  readonly id: string;
  /** JSON text: every delivery parses its own copy. */
  readonly text: string;
  deliveries: number;
}

interface Lease {
  readonly message: StoredMessage;
  readonly consumer: string;
  readonly visibilityMs: number;
  /** Shared by the leases of one consume (they expire together, as one XAUTOCLAIM takes them);
   *  an extended lease gets a timer of its own. A lease is current while its timer is. */
  timer: NodeJS.Timeout;
  /** The timer serves this lease alone (it may be cleared on ack or extend). */
  own: boolean;
  /** When it was delivered or last renewed (Redis: the pending entry's idle time starts). */
  leasedAt: number;
}

interface Waiter {
  readonly consumer: string;
  readonly max: number;
  readonly visibilityMs: number;
  finish(messages: BusMessage<unknown>[]): void;
}

export class MemoryQueue {
  /** Never delivered, in enqueue order (a Map keeps insertion order and deletes in O(1)). */
  private readonly waiting = new Map<string, StoredMessage>();
  /** Lease ran out and nobody reclaimed it yet; handed out before `waiting`, in expiry order.
   *  Its holder may still extend it (as in Redis, where it stays in the holder's pending list). */
  private readonly expired = new Map<string, Lease>();
  private readonly leases = new Map<string, Lease>();
  private readonly waiters: Waiter[] = [];
  /** Set while expired leases wait to be handed to blocked consumers (see expire()). */
  private serveAfterExpiry: NodeJS.Immediate | undefined;
  reclaimed = 0;
  /** When each consumer last consumed or renewed (Redis keeps a consumer's seen-time the same way). */
  private readonly seen = new Map<string, number>();

  constructor(private readonly ids: StreamIdGenerator) {}

  enqueue(texts: readonly string[]): void {
    for (const text of texts) {
      const id = formatStreamId(this.ids.next());
      this.waiting.set(id, { id, text, deliveries: 0 });
    }
    this.serveWaiters();
  }

  consume<T>(consumer: string, options: ConsumeOptions): Promise<BusMessage<T>[]> {
    this.seen.set(consumer, Date.now());
    const ready = this.take(consumer, options.max, options.visibilityMs);
    const { signal, blockMs } = options;
    if (ready.length > 0 || blockMs <= 0 || signal?.aborted) return Promise.resolve(ready as BusMessage<T>[]);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        consumer,
        max: options.max,
        visibilityMs: options.visibilityMs,
        finish: (messages) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          resolve(messages as BusMessage<T>[]);
        },
      };
      const onAbort = (): void => waiter.finish([]);
      const timer = setTimeout(onAbort, blockMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  ack(ids: readonly string[]): void {
    for (const id of ids) {
      const lease = this.leases.get(id);
      if (lease?.own) clearTimeout(lease.timer);
      this.leases.delete(id);
      this.expired.delete(id);
      this.waiting.delete(id); // as XDEL would
    }
  }

  extend(consumer: string, ids: readonly string[]): string[] {
    if (ids.length > 0) this.seen.set(consumer, Date.now());
    const renewed: string[] = [];
    for (const id of ids) {
      const lease = this.leases.get(id) ?? this.expired.get(id);
      if (!lease || lease.consumer !== consumer) continue;
      if (lease.own) clearTimeout(lease.timer);
      lease.timer = this.expiryTimer([id], lease.visibilityMs);
      lease.own = true;
      lease.leasedAt = Date.now();
      this.expired.delete(id);
      this.leases.set(id, lease);
      renewed.push(id);
    }
    return renewed;
  }

  /** Expired-but-not-yet-reclaimed messages count as in flight, as in Redis' pending list. */
  depth(): { waiting: number; inFlight: number } {
    return { waiting: this.waiting.size, inFlight: this.leases.size + this.expired.size };
  }

  /** The same report as the Redis adapter's: see Bus.inspect. */
  inspect(queue: string, heldLimit: number): QueueInspection {
    const now = Date.now();
    const held = [...this.leases.values(), ...this.expired.values()];
    const ageOf = (id: string) => now - (parseStreamId(id)?.ms ?? now);
    const firstWaiting = this.waiting.values().next().value;
    const inspection: QueueInspection = { queue, ...this.depth(), consumers: [] };
    if (firstWaiting) inspection.oldestWaitingAgeMs = ageOf(firstWaiting.id);
    const oldest = Math.max(inspection.oldestWaitingAgeMs ?? -1, ...held.map((lease) => ageOf(lease.message.id)));
    if (oldest >= 0) inspection.oldestAgeMs = oldest;
    const byConsumer = new Map<string, Lease[]>();
    for (const lease of held) byConsumer.set(lease.consumer, [...(byConsumer.get(lease.consumer) ?? []), lease]);
    for (const [name, seenAt] of [...this.seen].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const leases = (byConsumer.get(name) ?? []).sort((a, b) => compareStreamIds(parseStreamId(a.message.id)!, parseStreamId(b.message.id)!));
      const messages: HeldMessage[] = leases.slice(0, heldLimit).map(({ message, leasedAt }) => ({
        id: message.id,
        body: decodeBody(message.text),
        deliveries: message.deliveries,
        ageMs: ageOf(message.id),
        idleMs: now - leasedAt,
      }));
      const consumer: ConsumerInspection = { name, pending: leases.length, idleMs: now - seenAt, held: messages };
      inspection.consumers.push(consumer);
    }
    return inspection;
  }

  /** See Bus.held: waiting, leased and expired messages alike, in id order, after `after`. */
  held(after: string | undefined, limit: number): { id: string; body: unknown }[] {
    const count = Math.floor(limit);
    if (!(count >= 1)) return [];
    const from = after === undefined ? undefined : parseStreamId(after);
    if (after !== undefined && !from) throw new Error(`not a stream id: ${after}`);
    const messages = [...this.waiting.values(), ...[...this.leases.values(), ...this.expired.values()].map((lease) => lease.message)]
      .map((message) => ({ message, at: parseStreamId(message.id)! }))
      .filter(({ at }) => !from || compareStreamIds(at, from) > 0)
      .sort((a, b) => compareStreamIds(a.at, b.at));
    return messages.slice(0, count).map(({ message }) => ({ id: message.id, body: decodeBody(message.text) }));
  }

  /** Wake every blocked consume with nothing and drop all timers. */
  close(): void {
    for (const waiter of [...this.waiters]) waiter.finish([]);
    for (const lease of this.leases.values()) clearTimeout(lease.timer);
    clearImmediate(this.serveAfterExpiry);
  }

  private take(consumer: string, max: number, visibilityMs: number): BusMessage<unknown>[] {
    const messages: StoredMessage[] = [];
    for (const { message } of this.expired.values()) {
      if (messages.length >= max) break;
      this.expired.delete(message.id);
      this.reclaimed += 1;
      messages.push(message);
    }
    for (const message of this.waiting.values()) {
      if (messages.length >= max) break;
      this.waiting.delete(message.id);
      messages.push(message);
    }
    if (messages.length === 0) return [];
    const ids = messages.map((message) => message.id);
    const timer = this.expiryTimer(ids, visibilityMs);
    return messages.map((message) => {
      message.deliveries += 1;
      this.leases.set(message.id, { message, consumer, visibilityMs, timer, own: messages.length === 1, leasedAt: Date.now() });
      return { id: message.id, body: decodeBody(message.text), deliveries: message.deliveries };
    });
  }

  private expiryTimer(ids: readonly string[], visibilityMs: number): NodeJS.Timeout {
    // Unref'd: a forgotten lease must not keep the process alive.
    const timer: NodeJS.Timeout = setTimeout(() => {
      for (const id of ids) this.expire(id, timer);
    }, visibilityMs).unref();
    return timer;
  }

  private expire(id: string, timer: NodeJS.Timeout): void {
    const lease = this.leases.get(id);
    if (!lease || lease.timer !== timer) return; // acked, or re-leased / extended since
    this.leases.delete(id);
    this.expired.set(id, lease);
    // Leases of one consume expire together; serving blocked consumers after the timers phase
    // hands them out together, as one XAUTOCLAIM would.
    this.serveAfterExpiry ??= setImmediate(() => {
      this.serveAfterExpiry = undefined;
      this.serveWaiters();
    });
  }

  private serveWaiters(): void {
    while (this.waiters.length > 0 && this.waiting.size + this.expired.size > 0) {
      const waiter = this.waiters[0]!;
      this.seen.set(waiter.consumer, Date.now());
      waiter.finish(this.take(waiter.consumer, waiter.max, waiter.visibilityMs));
    }
  }
}
