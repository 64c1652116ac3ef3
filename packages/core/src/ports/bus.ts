// The Bus port: task transport between services. Adapters: Redis Streams (distributed) and
// in-process (embedded). Both pass one conformance suite (packages/bus/tests).
//
// Glossary
//   queue     a durable, competing-consumer work queue (Redis: a stream + one consumer group).
//             Names used by Baton: "runner" (inputs for the workflow-runner), "tasks.http",
//             "tasks.agent", "tasks.approval".
//   lease     a consumed message belongs to its consumer for `visibilityMs`; if it is neither
//             acked nor extended in time, another consumer's `consume` reclaims it
//             (Redis: XAUTOCLAIM), and `deliveries` grows.
//   topic     a broadcast channel with a short replay buffer (Redis: a capped stream read with
//             XREAD, no group). Used for run events ("events") so that every fanout / waiting
//             API call sees every event. Losing it loses nothing: Postgres holds the event log.

export interface BusMessage<T = unknown> {
  /** Transport id (Redis stream entry id); pass it back to ack/extend. */
  id: string;
  body: T;
  /** 1 on first delivery; more when the message was reclaimed from a dead consumer. */
  deliveries: number;
}

export interface ConsumeOptions {
  /** Most messages returned by one call. */
  max: number;
  /** How long to wait for a first message when the queue is empty (0 = do not wait). */
  blockMs: number;
  /** Lease length; unacked messages older than this are reclaimed by other consumers. */
  visibilityMs: number;
  /** Aborting wakes a blocked consume, which then returns what it has (possibly nothing). */
  signal?: AbortSignal;
}

export interface TopicEntry<T = unknown> {
  /** Position in the topic; pass it back as `after` to continue. */
  id: string;
  body: T;
}

/** A message a consumer holds (delivered, not acked), as Bus.inspect reports it. */
export interface HeldMessage {
  id: string;
  body: unknown;
  deliveries: number;
  /** Milliseconds since it was enqueued. */
  ageMs: number;
  /** Milliseconds since it was last delivered or its lease renewed (Redis: XPENDING idle). */
  idleMs: number;
}

/** One consumer of a queue (Redis: an entry of XINFO CONSUMERS). */
export interface ConsumerInspection {
  name: string;
  /** Messages it holds: delivered to it and not acked (an expired lease stays its own until reclaimed). */
  pending: number;
  /** Milliseconds since it last consumed (even nothing), reclaimed or renewed a lease. */
  idleMs: number;
  /** Up to `heldLimit` of the messages it holds, in queue order (oldest enqueued first). */
  held: HeldMessage[];
}

/** What a queue holds and who consumes it (for operators: GET /api/v1/system/queues). */
export interface QueueInspection {
  queue: string;
  /** Never delivered yet. */
  waiting: number;
  /** Delivered and not acked. */
  inFlight: number;
  /** Age in ms of the oldest message in the queue, waiting or in flight; absent when empty. */
  oldestAgeMs?: number;
  /** Age in ms of the oldest message not delivered yet; absent when none waits. */
  oldestWaitingAgeMs?: number;
  /** Every consumer that ever read the queue (dead ones too: their idleMs keeps growing), by name. */
  consumers: ConsumerInspection[];
}

export interface Bus {
  /** Append messages to a queue (one round trip for the whole batch). */
  enqueue(queue: string, bodies: readonly unknown[]): Promise<void>;
  /** Take up to `max` messages for `consumer`: reclaimed expired leases first, then new ones. */
  consume<T = unknown>(queue: string, consumer: string, options: ConsumeOptions): Promise<BusMessage<T>[]>;
  /** Acknowledge (and delete) processed messages. */
  ack(queue: string, ids: readonly string[]): Promise<void>;
  /**
   * Enqueue `bodies` on `to` and acknowledge `ids` on `queue`, in one round trip and all or
   * nothing: the ids stay unacked when the bodies could not be enqueued (a worker's results and
   * the task messages they finish).
   */
  enqueueAndAck(to: string, bodies: readonly unknown[], queue: string, ids: readonly string[]): Promise<void>;
  /**
   * Renew the lease of messages still being worked on. Returns the ids renewed; an id missing
   * from the result is no longer this consumer's (its lease expired and another consumer
   * reclaimed it, or it was acked): stop working on it, it will be finished elsewhere.
   */
  extend(queue: string, consumer: string, ids: readonly string[]): Promise<string[]>;
  /** Messages waiting or in flight (for metrics and benchmarks). */
  depth(queue: string): Promise<{ waiting: number; inFlight: number }>;
  /**
   * Depth, ages and consumers of a queue, with up to `heldLimit` (default 10) held messages per
   * consumer. Reads only; for operators, not for hot paths (Redis: XINFO, XPENDING, XRANGE).
   */
  inspect(queue: string, options?: { heldLimit?: number }): Promise<QueueInspection>;
  /**
   * The messages a queue holds now, waiting or in flight, in queue order: up to `limit` of them
   * after the id `after` (undefined: from the start), a page at a time. A message that stays in
   * the queue while pages are read is on one of them. Reads only; for a repair that must know
   * what the transport still holds (a new epoch, loops/epochs.ts), not for hot paths (Redis: XRANGE).
   */
  held(queue: string, after: string | undefined, limit: number): Promise<{ id: string; body: unknown }[]>;

  /** Broadcast to a topic; the topic keeps roughly the last `maxLen` entries. */
  publish(topic: string, bodies: readonly unknown[]): Promise<void>;
  /**
   * Receive entries published after `after` ("$" or undefined = only new ones; "0" = all still
   * buffered), in order, until the returned function is called. Entries published after the
   * returned promise resolves are never missed. The handler is not called concurrently.
   */
  subscribe<T = unknown>(topic: string, handler: (entries: TopicEntry<T>[]) => void | Promise<void>, after?: string): Promise<() => Promise<void>>;

  /** Whether the transport is reachable (for /ready). */
  ping(): Promise<boolean>;
  /**
   * The identity of the transport's current data: it changes when what was enqueued may have been
   * lost (a Redis that restarted — its AOF may lack the last second — or was wiped; an in-process
   * bus of a new process). The workflow-runner then re-sends what was in flight from PostgreSQL.
   */
  epoch(): Promise<string>;
  close(): Promise<void>;
}
