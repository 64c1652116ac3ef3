import type { Redis } from 'ioredis';
import { setImmediate, setTimeout as sleep } from 'node:timers/promises';
import { topicMaxLen, type TopicEntry } from '@baton/core';
import { decodeBody, encodeBody } from '../codec.ts';
import { BadTopicPositionError, BusClosedError } from '../errors.ts';
import { bodyText, entriesOfRead } from './replies.ts';
import { appendInSlices, type WithScripts } from './scripts.ts';

// Topics on Redis Streams: a stream capped with MAXLEN ~ (Redis trims whole nodes, so it keeps
// at least `maxLen` entries and a little more), read with XREAD by every subscriber — no group,
// so every subscriber sees every entry.

/** Most entries handed to one handler call. */
const READ_BATCH = 100;
/** Wait before reading again after a failed read (Redis down, reconnecting). */
const RETRY_MS = 500;
/** XREAD blocks in slices, so a connection that died silently is noticed by socketTimeout. */
const BLOCK_SLICE_MS = 5_000;
const SOCKET_TIMEOUT_MS = BLOCK_SLICE_MS + 10_000;

type Handler<T> = (entries: TopicEntry<T>[]) => void | Promise<void>;
type OnError = (error: unknown, context: string) => void;

/** Entry ids look like "1700000000000-0"; "0" means everything still buffered. */
const POSITION = /^\d+(-\d+)?$/;

export class RedisTopics {
  private readonly subscriptions = new Set<{ stop(): Promise<void> }>();
  private closed = false;

  constructor(
    /** The command connection, with the adapter's scripts (defineScripts). */
    private readonly commands: WithScripts,
    private readonly keyOf: (topic: string) => string,
    /** Entries a topic keeps, unless it keeps fewer (@baton/core TOPIC_MAX_LENS). */
    private readonly maxLen: number,
    /** CLIENT SETNAME of subscription connections. */
    private readonly connectionName: string,
    private readonly onError: OnError,
  ) {}

  async publish(topic: string, bodies: readonly unknown[]): Promise<void> {
    if (bodies.length === 0) return;
    await appendInSlices(this.commands, this.keyOf(topic), topicMaxLen(topic, this.maxLen), bodies.map(encodeBody));
  }

  async subscribe<T>(topic: string, handler: Handler<T>, after?: string): Promise<() => Promise<void>> {
    if (after !== undefined && after !== '$' && !POSITION.test(after)) throw new BadTopicPositionError(after);
    const key = this.keyOf(topic);
    // "$" is fixed to a concrete id now, so nothing published after subscribe() resolves is
    // missed, even while the handler is busy between two reads.
    const start = after === undefined || after === '$' ? await this.lastId(key) : after;
    if (this.closed) throw new BusClosedError(); // close() ran while the position was looked up
    const subscription = new TopicSubscription<T>(this.commands.duplicate({ connectionName: this.connectionName, socketTimeout: SOCKET_TIMEOUT_MS, enableAutoPipelining: false }), key, start, handler, this.onError);
    this.subscriptions.add(subscription);
    subscription.start();
    return async () => {
      this.subscriptions.delete(subscription);
      await subscription.stop();
    };
  }

  async closeAll(): Promise<void> {
    this.closed = true;
    const subscriptions = [...this.subscriptions];
    this.subscriptions.clear();
    await Promise.all(subscriptions.map((subscription) => subscription.stop()));
  }

  private async lastId(key: string): Promise<string> {
    const newest = (await this.commands.xrevrange(key, '+', '-', 'COUNT', 1)) as [string, string[]][];
    return newest[0]?.[0] ?? '0-0';
  }
}

/** One subscriber: a loop of blocking XREADs on a connection of its own. */
class TopicSubscription<T> {
  private stopped = false;
  private handling = false;
  private loop: Promise<void> | undefined;
  private readonly stopping = new AbortController();

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private position: string,
    private readonly handler: Handler<T>,
    private readonly onError: OnError,
  ) {
    redis.on('error', (error: unknown) => onError(error, `topic connection ${key}`));
  }

  start(): void {
    this.loop = this.run();
  }

  /** After this resolves no handler call starts. Called from inside the handler, it does not
   *  wait for that handler (which would wait for it). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopping.abort();
    this.redis.disconnect(); // wakes the blocked XREAD, which then rejects
    if (!this.handling) await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const { entries, lastId } = await this.read();
      if (lastId !== undefined) this.position = lastId;
      if (this.stopped || entries.length === 0) continue;
      this.handling = true;
      try {
        await this.handler(entries);
      } catch (error) {
        // A failing handler must not stall every later event: report it and move on.
        this.onError(error, `topic handler ${this.key}`);
      } finally {
        this.handling = false;
      }
      // What the handler set off — a waiter's HTTP answer, a fanout's frames — is written in this
      // turn's microtasks and ticks; the next XREAD waits for the turn's end, so it does not go
      // first (each write wakes its reader, and on a loaded machine the one woken first runs first).
      await setImmediate();
    }
  }

  private async read(): Promise<{ entries: TopicEntry<T>[]; lastId?: string }> {
    try {
      const reply = await this.redis.call('XREAD', ['COUNT', READ_BATCH, 'BLOCK', BLOCK_SLICE_MS, 'STREAMS', this.key, this.position]);
      const raw = entriesOfRead(reply);
      const entries = raw.flatMap((entry) => {
        const text = bodyText(entry);
        return text === undefined ? [] : [{ id: entry[0], body: decodeBody<T>(text) }];
      });
      return { entries, lastId: raw[raw.length - 1]?.[0] };
    } catch (error) {
      if (this.stopped) return { entries: [] };
      this.onError(error, `XREAD ${this.key}`);
      await sleep(RETRY_MS, undefined, { signal: this.stopping.signal }).catch(() => undefined);
      return { entries: [] };
    }
  }
}
