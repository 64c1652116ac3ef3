// Lua scripts of the Redis adapter. Each runs atomically in one round trip.

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
