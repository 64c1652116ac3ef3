// Lua scripts of the Redis adapter. Each runs atomically in one round trip.
import type { ChainableCommander, Redis } from 'ioredis';
import { BODY_FIELD, throwFirstError, type RawEntry } from './replies.ts';

/**
 * Every consume and renewal stamps its consumer in a sorted set (score = Redis time in ms), so
 * Bus.inspect can tell a live consumer from a gone one: XINFO CONSUMERS' idle time (before Redis
 * 7.2) moves only when a consumer gets messages, so an idle worker on an empty queue looks dead.
 * Names unseen for a day are dropped (each restart of a worker brings a new name).
 */
const SEEN = `
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZADD', KEYS[2], nowMs, ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', nowMs - 86400000)`;

/**
 * The non-blocking part of consume: reclaim expired leases (XAUTOCLAIM), look up their delivery
 * counts (XAUTOCLAIM does not report them), then fill the rest of `max` with new entries.
 * KEYS[1] stream, KEYS[2] the consumers' last-seen times; ARGV group, consumer, minIdleMs, cursor, max.
 * Returns { nextCursor, claimedEntries, claimedDeliveries, newEntries }.
 */
export const TAKE_SCRIPT = `
${SEEN}
local claim = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], 'COUNT', ARGV[5])
local claimed = {}
local deliveries = {}
for _, entry in ipairs(claim[2]) do
  if entry[2] then
    local row = redis.call('XPENDING', KEYS[1], ARGV[1], entry[1], entry[1], 1)[1]
    claimed[#claimed + 1] = entry
    deliveries[#deliveries + 1] = row and row[4] or 2
  end
end
local fresh = {}
local room = tonumber(ARGV[5]) - #claimed
if room > 0 then
  local read = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', room, 'STREAMS', KEYS[1], '>')
  if read then fresh = read[1][2] end
end
return { claim[1], claimed, deliveries, fresh }`;

/**
 * Renew leases only while `consumer` still owns them: a plain XCLAIM would take a message back
 * from a consumer that has already reclaimed it. JUSTID leaves the delivery count unchanged.
 * KEYS[1] stream, KEYS[2] the consumers' last-seen times; ARGV group, consumer, id… Returns the ids renewed.
 */
export const EXTEND_SCRIPT = `
${SEEN}
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

/**
 * XADD of every body to one stream, as one command. A pipeline of XADDs cost the client 2–3× the
 * CPU per entry (ioredis builds, encodes and settles a command for each); Redis spends about as
 * much per entry either way — less for a few entries, a fifth more for many (`appendCpuPerEntry`
 * of `npx tsx bench/bus.ts`).
 * KEYS[1] stream; ARGV[1] the MAXLEN ~ of a capped stream ('' for none), ARGV[2] the body field,
 * ARGV[3…] the bodies.
 */
export const APPEND_SCRIPT = `
local capped = ARGV[1] ~= ''
for i = 3, #ARGV do
  if capped then
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', ARGV[2], ARGV[i])
  else
    redis.call('XADD', KEYS[1], '*', ARGV[2], ARGV[i])
  end
end
return #ARGV - 2`;

/**
 * XADD of the bodies to KEYS[1], then XACK and XDEL of the ids on KEYS[2] — the ids acked only with
 * the bodies enqueued: a script Redis refuses (maxmemory) is refused at its first write, before
 * anything was done, as MULTI/EXEC refused the whole transaction. NOGROUP (Redis lost the acked
 * stream): nothing is left to acknowledge.
 * ARGV[1] group, ARGV[2] the body field, ARGV[3] the number of ids n, ARGV[4 … 3+n] the ids, then the bodies.
 */
export const APPEND_AND_ACK_SCRIPT = `
local n = tonumber(ARGV[3])
for i = 4 + n, #ARGV do
  redis.call('XADD', KEYS[1], '*', ARGV[2], ARGV[i])
end
-- XACK and XDEL in slices: unpack() puts its values on Lua's stack, which holds some thousands.
for first = 4, 3 + n, 1000 do
  local ids = {}
  for i = first, math.min(first + 999, 3 + n) do ids[#ids + 1] = ARGV[i] end
  local acked = redis.pcall('XACK', KEYS[2], ARGV[1], unpack(ids))
  if type(acked) == 'table' and acked.err and string.sub(acked.err, 1, 7) ~= 'NOGROUP' then return acked end
  redis.call('XDEL', KEYS[2], unpack(ids))
end
return #ARGV - 3 - n`;

/** The command connection with the adapter's scripts (defineScripts). */
export type WithScripts = Redis & {
  batonTake(key: string, seenKey: string, group: string, consumer: string, minIdleMs: number, cursor: string, max: number): Promise<[cursor: string, claimed: RawEntry[], deliveries: number[], fresh: RawEntry[]]>;
  batonExtend(key: string, seenKey: string, group: string, consumer: string, ...ids: string[]): Promise<string[]>;
};

/** A pipeline of the command connection, with the scripts that go out through one. */
type ScriptPipeline = ChainableCommander & {
  batonAppend(key: string, maxLen: number | '', field: string, ...bodies: string[]): ScriptPipeline;
  batonAppendAndAck(toKey: string, ackedKey: string, group: string, field: string, ids: number, ...idsThenBodies: string[]): ScriptPipeline;
};

/** Most bodies one append carries: a larger batch goes as several (one script holds Redis while it runs). */
export const APPEND_MAX_BODIES = 500;

/** The scripts as commands of `commands` (ioredis sends EVALSHA, and the script itself once per connection or after NOSCRIPT). */
export function defineScripts(commands: Redis): WithScripts {
  commands.defineCommand('batonTake', { numberOfKeys: 2, lua: TAKE_SCRIPT });
  commands.defineCommand('batonExtend', { numberOfKeys: 2, lua: EXTEND_SCRIPT });
  commands.defineCommand('batonAppend', { numberOfKeys: 1, lua: APPEND_SCRIPT });
  commands.defineCommand('batonAppendAndAck', { numberOfKeys: 2, lua: APPEND_AND_ACK_SCRIPT });
  return commands as WithScripts;
}

// The appends go out as an explicit pipeline, written at once: a single command is auto-pipelined,
// which ioredis sends from a setImmediate of its own (and not before the auto-pipeline in flight
// has its answer) — after the bus's cork of this turn (RedisBus.cork) has let the turn's other
// commands go, in a write of their own that wakes Redis once more.

/** The texts appended to `key` by the append script, at most APPEND_MAX_BODIES a call, in one pipeline. */
export async function appendInSlices(commands: WithScripts, key: string, maxLen: number | '', texts: readonly string[]): Promise<void> {
  const pipeline = commands.pipeline() as ScriptPipeline;
  for (let i = 0; i < texts.length; i += APPEND_MAX_BODIES) pipeline.batonAppend(key, maxLen, BODY_FIELD, ...texts.slice(i, i + APPEND_MAX_BODIES));
  throwFirstError(await pipeline.exec());
}

/** The bodies appended to `toKey` and the ids acked on `ackedKey` by one script (APPEND_AND_ACK_SCRIPT). */
export async function appendAndAck(commands: WithScripts, toKey: string, ackedKey: string, group: string, ids: readonly string[], texts: readonly string[]): Promise<void> {
  const pipeline = (commands.pipeline() as ScriptPipeline).batonAppendAndAck(toKey, ackedKey, group, BODY_FIELD, ids.length, ...ids, ...texts);
  throwFirstError(await pipeline.exec());
}
