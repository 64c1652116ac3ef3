// The deadline schedule: approval deadlines waiting to fire. Distributed mode keeps it in Redis
// (a sorted set scored by the deadline, shared by every hitl-worker): a worker killed mid-wait
// loses nothing, another one (or the restarted one) claims the entry when it is due. A claim
// pushes the entry `claimMs` into the future before returning it, so a worker that dies between
// the claim and its runner message has the entry fire again later; `done` removes it. The
// all-in-one process keeps it in memory: on a restart the workflow-runner's sweeper re-sends
// deadlines from Postgres, which always holds them too.
import { Redis } from 'ioredis';

export interface DueDeadline {
  runId: string;
  approvalId: string;
  level: number;
  /** Opaque entry id, to pass back to done(). */
  member: string;
}

export interface DeadlineSchedule {
  /** Idempotent: the same approval and level scheduled twice is one entry. */
  schedule(entry: { runId: string; approvalId: string; level: number; at: number }): Promise<void>;
  /** Entries due at `now`, claimed for `claimMs`. */
  claimDue(now: number, max: number, claimMs: number): Promise<DueDeadline[]>;
  done(members: readonly string[]): Promise<void>;
  /** Entries scheduled (for tests and metrics). */
  size(): Promise<number>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

const memberOf = (e: { runId: string; approvalId: string; level: number }) => JSON.stringify({ r: e.runId, a: e.approvalId, l: e.level });

function parseMember(member: string): DueDeadline | undefined {
  try {
    const m = JSON.parse(member) as { r?: unknown; a?: unknown; l?: unknown };
    if (typeof m.r === 'string' && typeof m.a === 'string' && typeof m.l === 'number') return { runId: m.r, approvalId: m.a, level: m.l, member };
  } catch {
    // not ours: dropped by the caller
  }
  return undefined;
}

// Due members are re-scored to now + claimMs in the same script: no two workers claim one entry.
const CLAIM = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, member in ipairs(due) do redis.call('ZADD', KEYS[1], 'XX', ARGV[3], member) end
return due`;

export class RedisDeadlines implements DeadlineSchedule {
  private readonly redis: Redis;
  readonly key: string;

  constructor(url: string, prefix = 'baton:') {
    this.redis = new Redis(url, { protocol: 2, connectionName: `${prefix}hitl-deadlines`, maxRetriesPerRequest: 3 });
    this.redis.on('error', () => undefined); // reported by failing calls and /ready
    this.key = `${prefix}hitl:deadlines`;
  }

  async schedule(entry: { runId: string; approvalId: string; level: number; at: number }): Promise<void> {
    // NX: a redelivered request does not postpone an entry that is already claimed.
    await this.redis.zadd(this.key, 'NX', entry.at, memberOf(entry));
  }

  async claimDue(now: number, max: number, claimMs: number): Promise<DueDeadline[]> {
    const members = (await this.redis.eval(CLAIM, 1, this.key, now, max, now + claimMs)) as string[];
    const due = members.map(parseMember);
    const bad = members.filter((_, i) => due[i] === undefined);
    if (bad.length > 0) await this.done(bad);
    return due.filter((d): d is DueDeadline => d !== undefined);
  }

  async done(members: readonly string[]): Promise<void> {
    if (members.length > 0) await this.redis.zrem(this.key, ...members);
  }

  async size(): Promise<number> {
    return this.redis.zcard(this.key);
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

export class MemoryDeadlines implements DeadlineSchedule {
  private readonly entries = new Map<string, number>();

  async schedule(entry: { runId: string; approvalId: string; level: number; at: number }): Promise<void> {
    const member = memberOf(entry);
    if (!this.entries.has(member)) this.entries.set(member, entry.at);
  }

  async claimDue(now: number, max: number, claimMs: number): Promise<DueDeadline[]> {
    const due: DueDeadline[] = [];
    for (const [member, at] of this.entries) {
      if (due.length >= max) break;
      if (at > now) continue;
      this.entries.set(member, now + claimMs);
      const parsed = parseMember(member);
      if (parsed) due.push(parsed);
    }
    return due;
  }

  async done(members: readonly string[]): Promise<void> {
    for (const member of members) this.entries.delete(member);
  }

  async size(): Promise<number> {
    return this.entries.size;
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}
