import { createHash } from 'node:crypto';
import type { RedisConnection } from './connection.js';

/**
 * One Lua script, run by EVALSHA and loaded by EVAL when the server does not know it yet
 * (after a restart or SCRIPT FLUSH). Keys and values go in KEYS and ARGV, never into the
 * script's text, so nothing a caller sends can change what the script does.
 */
export class RedisScript {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  async run(
    client: RedisConnection,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    const tail = [keys.length, ...keys, ...args];
    try {
      return await client.call('EVALSHA', [this.#sha, ...tail]);
    } catch (error) {
      if (!String((error as Error | undefined)?.message).startsWith('NOSCRIPT')) throw error;
      return client.call('EVAL', [this.#source, ...tail]);
    }
  }
}

/** The ARGV slots of each event after the eight of the append itself. */
export const APPEND_EVENT_FIELDS = 5;

/**
 * The append, atomic because Redis runs one script at a time. Every check and every read
 * that can fail (a key of the wrong type) comes before the first write, and the first
 * write is the only one that can still fail (XADD refuses an id at or below the log's
 * last), so an append writes all or nothing. The `#!lua` line makes Redis refuse the
 * script up front when it is out of memory instead of failing part-way.
 *
 * KEYS: position, log, event-ids, commands, stream.
 * ARGV: domain, aggregateId, expected version ('' for any), commandId ('' for none),
 * correlationId, causationId ('' for none), '1' when the first event's id was given,
 * event count, then per event: id, type, schemaVersion, metadata JSON, data JSON.
 *
 * Replies: {'ok', first position, version before, recordedAt ms} | {'command', record} |
 * {'duplicate', log entries} | {'conflict', actual version} |
 * {'exists', event id, domain, aggregateId}.
 */
export const appendScript = new RedisScript(`#!lua
local position_key, log, event_ids, commands, stream = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local domain, aggregate_id, expected, command_id = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local count = tonumber(ARGV[8])
local FIELDS = ${APPEND_EVENT_FIELDS}
local function int(n) return string.format('%d', n) end
local function entry_at(position)
  return redis.call('XRANGE', log, position .. '-0', position .. '-0')[1]
end

if command_id ~= '' then
  local record = redis.call('HGET', commands, command_id)
  if record then return {'command', record} end
end

local current = redis.call('LLEN', stream)
local wanted = tonumber(expected)
if wanted ~= current then
  -- A re-sent batch: its first id is recorded, in this stream, followed by the same ids.
  if ARGV[7] == '1' and count > 0 then
    local at = redis.call('HGET', event_ids, ARGV[9])
    local entry = at and entry_at(at)
    if entry and entry[2][4] == domain and entry[2][6] == aggregate_id then
      local version = tonumber(entry[2][8])
      if wanted == nil or wanted == version - 1 then
        local positions = redis.call('LRANGE', stream, version - 1, version + count - 2)
        local entries = {}
        for i = 1, count do
          local found = positions[i] and entry_at(positions[i])
          if not found or found[2][2] ~= ARGV[8 + (i - 1) * FIELDS + 1] then
            entries = nil
            break
          end
          entries[i] = found
        end
        if entries then return {'duplicate', entries} end
      end
    end
  end
  if wanted ~= nil then return {'conflict', current} end
end

for i = 1, count do
  local id = ARGV[8 + (i - 1) * FIELDS + 1]
  local at = redis.call('HGET', event_ids, id)
  if at then
    local entry = entry_at(at)
    return {'exists', id, entry and entry[2][4] or '', entry and entry[2][6] or ''}
  end
end

local time = redis.call('TIME')
local recorded_at = int(tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000))
local last = tonumber(redis.call('GET', position_key) or '0')
for i = 1, count do
  local base = 8 + (i - 1) * FIELDS
  local position = int(last + i)
  redis.call('XADD', log, position .. '-0',
    'i', ARGV[base + 1], 'd', domain, 'a', aggregate_id, 'v', int(current + i),
    't', ARGV[base + 2], 's', ARGV[base + 3], 'r', recorded_at,
    'c', ARGV[5], 'k', ARGV[6], 'm', ARGV[base + 4], 'j', ARGV[base + 5])
  redis.call('RPUSH', stream, position)
  redis.call('HSET', event_ids, ARGV[base + 1], position)
end
if count > 0 then redis.call('SET', position_key, int(last + count)) end
if command_id ~= '' then
  redis.call('HSET', commands, command_id,
    int(current) .. '\\0' .. int(current + count) .. '\\0' .. domain .. '\\0' .. aggregate_id)
end
return {'ok', int(last + 1), current, recorded_at}
`);

/**
 * Reads a stream: its positions from the list, then each entry from the log.
 * KEYS: stream, log. ARGV: 'forwards' or 'backwards', fromVersion ('' for the default),
 * limit ('' for all). Reply: log entries in the order asked for.
 */
export const readStreamScript = new RedisScript(`#!lua flags=no-writes
local length = redis.call('LLEN', KEYS[1])
local forwards = ARGV[1] == 'forwards'
local from, limit = tonumber(ARGV[2]), tonumber(ARGV[3])
local start, stop
if forwards then
  start = math.max(from or 1, 1) - 1
  stop = limit and start + limit - 1 or length - 1
else
  stop = math.min(from or length, length) - 1
  start = limit and math.max(stop - limit + 1, 0) or 0
end
stop = math.min(stop, length - 1)
if limit == 0 or start > stop then return {} end
local positions = redis.call('LRANGE', KEYS[1], start, stop)
local entries = {}
local n = #positions
for i = 1, n do
  local position = positions[forwards and i or n - i + 1]
  entries[i] = redis.call('XRANGE', KEYS[2], position .. '-0', position .. '-0')[1]
end
return entries
`);

/**
 * A filtered page of the log, filtered inside Redis so that only matching events travel.
 * It examines at most `budget` entries and `byteBudget` bytes of payload per call, so one
 * call never holds the server long; a reader continues from the position it returns.
 * KEYS: log, position. ARGV: after, limit, budget, byteBudget, then the domains (a count,
 * -1 for any, and the names) and the types likewise.
 * Reply: {entries, last position examined or the head, 1 when the end was reached else 0}.
 */
export const readAllFilteredScript = new RedisScript(`#!lua flags=no-writes
local after, limit, budget, byte_budget = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local at = 5
local function read_set()
  local n = tonumber(ARGV[at])
  at = at + 1
  if n < 0 then return nil end
  local set = {}
  for _ = 1, n do
    set[ARGV[at]] = true
    at = at + 1
  end
  return set
end
local domains = read_set()
local types = read_set()
local chunk = math.min(math.max(limit, 16), 256)
local events, cursor, examined, bytes = {}, after .. '-0', 0, 0
while true do
  local entries = redis.call('XRANGE', KEYS[1], '(' .. cursor, '+', 'COUNT', chunk)
  for _, entry in ipairs(entries) do
    local fields = entry[2]
    cursor = entry[1]
    examined = examined + 1
    bytes = bytes + #fields[20] + #fields[22]
    if (not domains or domains[fields[4]]) and (not types or types[fields[10]]) then
      events[#events + 1] = entry
      if #events == limit then return {events, cursor, 0} end
    end
    if examined >= budget or bytes >= byte_budget then return {events, cursor, 0} end
  end
  if #entries < chunk then break end
end
return {events, redis.call('GET', KEYS[2]) or '0', 1}
`);

/**
 * Saves a snapshot unless a later one is stored: only the latest is ever read.
 * KEYS: snapshot. ARGV: version, schemaVersion, state JSON.
 */
export const saveSnapshotScript = new RedisScript(`#!lua
local stored = redis.call('HGET', KEYS[1], 'version')
if stored and tonumber(stored) > tonumber(ARGV[1]) then return 0 end
local time = redis.call('TIME')
local recorded_at = string.format('%d', tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000))
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'schemaVersion', ARGV[2],
  'recordedAt', recorded_at, 'state', ARGV[3])
return 1
`);

// Lua helpers of the claim scripts. A claim is stored as `<token>:<expiresAt ms>:<owner>`,
// the owner empty once released; times are the server's (TIME), never a node's.
const CLAIM_LUA = `
local function now_ms()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local function parse_claim(raw)
  return string.match(raw, '^(%d+):(%d+):(.*)$')
end
`;

/**
 * Saves a checkpoint if it is not beyond the head and, when a fence is given, if it is still
 * its segment's claim (same owner and token). Positions are compared as decimal strings
 * (length, then text), which is exact at any size.
 * KEYS: checkpoints, position[, claims of the fence's processor].
 * ARGV: processor, position[, the fence's segment, owner and token].
 * Reply: {'ok'} | {'beyond', head} | {'fenced'} (never claimed) | {'fenced', token, owner}
 * (owner empty when released).
 */
export const saveCheckpointScript = new RedisScript(`#!lua
${CLAIM_LUA}
if KEYS[3] then
  local raw = redis.call('HGET', KEYS[3], ARGV[3])
  if not raw then return {'fenced'} end
  local token, _, owner = parse_claim(raw)
  if owner ~= ARGV[4] or token ~= ARGV[5] then return {'fenced', token, owner} end
end
local head = redis.call('GET', KEYS[2]) or '0'
local position = ARGV[2]
if #position > #head or (#position == #head and position > head) then
  return {'beyond', head}
end
redis.call('HSET', KEYS[1], ARGV[1], position)
return {'ok'}
`);

/**
 * Claims a segment: takes it when unclaimed (token 1), released or expired (token + 1),
 * renews it for its owner (token kept); refuses it while another node's lease is live.
 * KEYS: claims. ARGV: segment, node, leaseMs. Reply: the token, or nil when refused.
 */
export const claimScript = new RedisScript(`#!lua
${CLAIM_LUA}
local now, node = now_ms(), ARGV[2]
local token = 1
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if raw then
  local stored, expires, owner = parse_claim(raw)
  token = tonumber(stored)
  if owner ~= node then
    if owner ~= '' and tonumber(expires) > now then return false end
    token = token + 1
  end
end
redis.call('HSET', KEYS[1], ARGV[1],
  string.format('%d:%d:%s', token, now + tonumber(ARGV[3]), node))
return string.format('%d', token)
`);

/**
 * Releases a claim if it is still the fence's (same owner and token); keeps the token.
 * KEYS: claims. ARGV: segment, owner, token. Reply: 1 when released, else 0.
 */
export const releaseScript = new RedisScript(`#!lua
${CLAIM_LUA}
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
local token, expires, owner = parse_claim(raw)
if owner ~= ARGV[2] or token ~= ARGV[3] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], token .. ':' .. expires .. ':')
return 1
`);

/**
 * Records a node's heartbeat, forgets nodes gone for an hour and lists the live ones.
 * KEYS: nodes. ARGV: node, leaseMs. Reply: the live nodes.
 */
export const heartbeatScript = new RedisScript(`#!lua
${CLAIM_LUA}
local now = now_ms()
redis.call('ZADD', KEYS[1], string.format('%d', now + tonumber(ARGV[2])), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('(%d', now - 3600000))
return redis.call('ZRANGE', KEYS[1], string.format('(%d', now), '+inf', 'BYSCORE')
`);

/**
 * Removes a node's heartbeat and releases its claims, keeping their tokens.
 * KEYS: nodes, claims. ARGV: node. Reply: how many claims were released.
 */
export const leaveScript = new RedisScript(`#!lua
${CLAIM_LUA}
redis.call('ZREM', KEYS[1], ARGV[1])
local all = redis.call('HGETALL', KEYS[2])
local released = 0
for i = 1, #all, 2 do
  local token, expires, owner = parse_claim(all[i + 1])
  if owner == ARGV[1] then
    redis.call('HSET', KEYS[2], all[i], token .. ':' .. expires .. ':')
    released = released + 1
  end
end
return released
`);
