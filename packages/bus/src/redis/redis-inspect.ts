// Bus.inspect on Redis Streams: what a queue's stream and its consumer group hold, in three
// pipelined round trips — (1) TIME, XLEN, XINFO GROUPS, XINFO CONSUMERS, the consumers' last-seen
// times (scripts.ts SEEN), the first entry;
// (2) the first entry after the group's last-delivered-id (the oldest waiting) and each consumer's
// oldest pending entries (XPENDING … consumer); (3) the bodies of those entries (XRANGE id id).
// Ages are measured on Redis' clock (TIME) against entry ids, which Redis stamps with that clock.
import type { Redis } from 'ioredis';
import type { ConsumerInspection, HeldMessage, QueueInspection } from '@baton/core';
import { decodeBody } from '../codec.ts';
import { bodyText, type RawEntry } from './replies.ts';

type Results = [error: Error | null, result: unknown][] | null;

export async function inspectStream(redis: Redis, keys: { stream: string; seen: string }, group: string, queue: string, heldLimit: number): Promise<QueueInspection> {
  const key = keys.stream;
  const [time, length, groups, consumerList, seenList, first] = resultsOf(
    await redis
      .pipeline()
      .time()
      .xlen(key)
      .call('XINFO', 'GROUPS', key)
      .call('XINFO', 'CONSUMERS', key, group)
      .zrange(keys.seen, '0', '-1', 'WITHSCORES')
      .xrange(key, '-', '+', 'COUNT', 1)
      .exec(),
  );
  const now = redisMillis(time);
  const info = (groups as unknown[][]).map(fields).find((g) => g.name === group) ?? {};
  const inFlight = Number(info.pending ?? 0);
  const lastDelivered = String(info['last-delivered-id'] ?? '0-0');
  // A consumer that never got a message is in the seen set only; one from before the set existed, in the group only.
  const seen = fields(seenList as unknown[]);
  const consumers = new Map<string, { name: string; pending: number; idleMs: number }>();
  for (const c of (consumerList as unknown[][]).map(fields)) consumers.set(String(c.name), { name: String(c.name), pending: Number(c.pending ?? 0), idleMs: Number(c.idle ?? 0) });
  for (const [name, seenAt] of Object.entries(seen)) {
    const idleMs = Math.max(0, now - Number(seenAt));
    consumers.set(name, { name, pending: consumers.get(name)?.pending ?? 0, idleMs });
  }
  const sorted = [...consumers.values()].sort((a, b) => compareText(a.name, b.name));
  const holding = heldLimit > 0 ? sorted.filter((c) => c.pending > 0) : [];

  const second = redis.pipeline().xrange(key, `(${lastDelivered}`, '+', 'COUNT', 1);
  for (const consumer of holding) second.xpending(key, group, '-', '+', heldLimit, consumer.name);
  const [firstWaiting, ...pendingLists] = resultsOf(await second.exec());
  const pendingOf = new Map(holding.map((c, i) => [c.name, (pendingLists[i] ?? []) as [string, string, number, number][]]));

  const ids = [...pendingOf.values()].flat().map(([id]) => id);
  const bodies = new Map<string, unknown>();
  if (ids.length > 0) {
    const third = redis.pipeline();
    for (const id of ids) third.xrange(key, id, id);
    resultsOf(await third.exec()).forEach((entries, i) => {
      const entry = (entries as RawEntry[])[0];
      const text = entry ? bodyText(entry) : undefined;
      bodies.set(ids[i]!, text === undefined ? null : decodeBody(text)); // null: deleted while pending
    });
  }

  const ageOf = (id: string) => Math.max(0, now - Number(id.split('-')[0]));
  const inspection: QueueInspection = {
    queue,
    waiting: Math.max(0, Number(length) - inFlight),
    inFlight,
    consumers: sorted.map((c): ConsumerInspection => ({
      ...c,
      held: (pendingOf.get(c.name) ?? []).map(([id, , idle, deliveries]): HeldMessage => ({ id, body: bodies.get(id) ?? null, deliveries: Number(deliveries), ageMs: ageOf(id), idleMs: Number(idle) })),
    })),
  };
  const oldest = (first as RawEntry[])[0];
  if (oldest) inspection.oldestAgeMs = ageOf(oldest[0]);
  const waiting = (firstWaiting as RawEntry[])[0];
  if (waiting) inspection.oldestWaitingAgeMs = ageOf(waiting[0]);
  return inspection;
}

/** The replies of a pipeline, or its first error. */
function resultsOf(results: Results): unknown[] {
  return (results ?? []).map(([error, result]) => {
    if (error) throw error;
    return result;
  });
}

/** XINFO's RESP2 replies are flat [name, value, name, value…] arrays. */
function fields(flat: unknown[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) record[String(flat[i])] = flat[i + 1];
  return record;
}

/** TIME → [seconds, microseconds] as strings. */
function redisMillis(reply: unknown): number {
  const [seconds, micros] = reply as [string, string];
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
