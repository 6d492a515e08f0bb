import type {
  DeadLetter,
  DeadLetterQuery,
  DeadLetterStore,
  Limits,
  NewDeadLetter,
  ParkedAggregate,
  Position,
  StreamId,
} from '@evented/core';
import { EventedError } from '@evented/core';
import {
  assertValidId,
  closedError,
  prepareDeadLetterQuery,
  prepareDeadLetterRemoval,
  prepareDeadLetters,
  toDeadLetter,
} from '@evented/core/internal';
import type { RedisConnection } from './connection.js';
import { translateRedisError } from './errors.js';
import type { RedisKeys } from './schema.js';
import { RedisScript } from './scripts.js';

/** Digits of a position in an index member: 2^64-1 has 20. */
const POSITION_DIGITS = 20;
const MAX_POSITION = 2n ** 64n - 1n;

/**
 * Parks a batch in one script, all or nothing; a letter parked already is kept as it is.
 * KEYS: per letter the processor's dead-letters hash, log index, aggregate index and
 * parked-aggregates hash. ARGV: per letter event id, padded position, aggregate, the
 * letter's fields JSON and its event JSON. Reply: how many were new.
 */
const parkScript = new RedisScript(`#!lua
local time = redis.call('TIME')
local parked_at = string.format('%d', tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000))
local parked = 0
for i = 0, #KEYS / 4 - 1 do
  local letters, log, by_aggregate, counts = KEYS[i * 4 + 1], KEYS[i * 4 + 2], KEYS[i * 4 + 3], KEYS[i * 4 + 4]
  local id, position, aggregate = ARGV[i * 5 + 1], ARGV[i * 5 + 2], ARGV[i * 5 + 3]
  local value = position .. '\\0' .. aggregate .. '\\0' .. parked_at .. '\\0' .. ARGV[i * 5 + 4] .. '\\0' .. ARGV[i * 5 + 5]
  if redis.call('HSETNX', letters, id, value) == 1 then
    redis.call('ZADD', log, 0, position .. ':' .. id)
    redis.call('ZADD', by_aggregate, 0, aggregate .. '\\0' .. position .. ':' .. id)
    redis.call('HINCRBY', counts, aggregate, 1)
    parked = parked + 1
  end
end
return parked
`);

/**
 * One page of dead letters from an index, in its lexical order.
 * KEYS: dead-letters hash, index. ARGV: min, max, limit. Reply: the stored values.
 */
const listScript = new RedisScript(`#!lua flags=no-writes
local members = redis.call('ZRANGE', KEYS[2], ARGV[1], ARGV[2], 'BYLEX', 'LIMIT', 0, tonumber(ARGV[3]))
local values = {}
for _, member in ipairs(members) do
  local value = redis.call('HGET', KEYS[1], string.sub(member, -36))
  if value then values[#values + 1] = value end
end
return values
`);

/**
 * The parked aggregates with their counts and their first parked index member.
 * KEYS: parked-aggregates hash, aggregate index. Reply: {aggregate, count, first member}.
 */
const aggregatesScript = new RedisScript(`#!lua flags=no-writes
local all = redis.call('HGETALL', KEYS[1])
local out = {}
for i = 1, #all, 2 do
  local first = redis.call('ZRANGE', KEYS[2], '[' .. all[i] .. '\\0', '(' .. all[i] .. '\\1',
    'BYLEX', 'LIMIT', 0, 1)[1]
  out[#out + 1] = {all[i], all[i + 1], first or ''}
end
return out
`);

/**
 * Removes dead letters with their index entries and counts.
 * KEYS: dead-letters hash, log index, aggregate index, parked-aggregates hash.
 * ARGV: event ids. Reply: how many were there.
 */
const removeScript = new RedisScript(`#!lua
local removed = 0
for _, id in ipairs(ARGV) do
  local value = redis.call('HGET', KEYS[1], id)
  if value then
    local a = string.find(value, '\\0', 1, true)
    local b = string.find(value, '\\0', a + 1, true)
    local position, aggregate = string.sub(value, 1, a - 1), string.sub(value, a + 1, b - 1)
    redis.call('HDEL', KEYS[1], id)
    redis.call('ZREM', KEYS[2], position .. ':' .. id)
    redis.call('ZREM', KEYS[3], aggregate .. '\\0' .. position .. ':' .. id)
    if redis.call('HINCRBY', KEYS[4], aggregate, -1) <= 0 then redis.call('HDEL', KEYS[4], aggregate) end
    removed = removed + 1
  end
end
return removed
`);

function padded(position: Position): string {
  return position.toString().padStart(POSITION_DIGITS, '0');
}

function aggregateOf({ domain, aggregateId }: StreamId): string {
  return `${domain.length}:${domain}:${aggregateId}`;
}

function parseAggregate(aggregate: string): StreamId {
  const colon = aggregate.indexOf(':');
  const start = colon + 1;
  const end = start + Number(aggregate.slice(0, colon));
  return { domain: aggregate.slice(start, end), aggregateId: aggregate.slice(end + 1) };
}

/**
 * The dead-letter store on a Redis client: per processor a hash of dead letters by event
 * id, two lexically ordered sorted sets (the log's order, and each aggregate's) and a hash
 * of counts per aggregate; see `RedisKeys`. Every change of several keys is one script.
 * There is no `removeWith`: Redis has no transaction that spans a caller's own work.
 */
export class RedisDeadLetterStore implements DeadLetterStore {
  readonly #client: RedisConnection;
  readonly #keys: RedisKeys;
  readonly #limits: Limits;
  readonly #isOpen: () => boolean;

  constructor(client: RedisConnection, keys: RedisKeys, limits: Limits, isOpen: () => boolean) {
    this.#client = client;
    this.#keys = keys;
    this.#limits = limits;
    this.#isOpen = isOpen;
  }

  async park(letters: readonly NewDeadLetter[]): Promise<void> {
    this.#assertOpen();
    const prepared = prepareDeadLetters(letters, this.#limits);
    if (prepared.length === 0) return;
    const keys = prepared.flatMap((l) => this.#keysOf(l.processor));
    const args = prepared.flatMap((l) => [
      l.eventId,
      padded(l.position),
      aggregateOf(l),
      JSON.stringify({ reason: l.reason, message: l.message, code: l.code, attempts: l.attempts }),
      l.eventJson,
    ]);
    try {
      await parkScript.run(this.#client, keys, args);
    } catch (error) {
      throw translateRedisError(error, `parking ${prepared.length} dead letters`);
    }
  }

  async list(processor: string, query?: DeadLetterQuery): Promise<DeadLetter[]> {
    this.#assertOpen();
    const q = prepareDeadLetterQuery(processor, query, this.#limits);
    if (q.after >= MAX_POSITION) return [];
    // ';' sorts right after ':', so a range starting there skips the position `after` itself.
    const from = q.after > 0n ? `${padded(q.after)};` : '';
    const [index, min, max] = q.stream
      ? [
          this.#keys.deadLettersByAggregate(q.processor),
          `[${aggregateOf(q.stream)}\u0000${from}`,
          `(${aggregateOf(q.stream)}\u0001`,
        ]
      : [this.#keys.deadLetterLog(q.processor), from === '' ? '-' : `[${from}`, '+'];
    let values: unknown;
    try {
      values = await listScript.run(
        this.#client,
        [this.#keys.deadLetters(q.processor), index],
        [min, max, q.limit],
      );
    } catch (error) {
      throw translateRedisError(error, `listing the dead letters of ${q.processor}`);
    }
    return (values as string[]).map((value) => parseLetter(q.processor, value));
  }

  async parkedAggregates(processor: string): Promise<ParkedAggregate[]> {
    this.#assertOpen();
    assertValidId('processor', processor, this.#limits.maxIdBytes);
    let rows: unknown;
    try {
      rows = await aggregatesScript.run(
        this.#client,
        [this.#keys.parkedAggregates(processor), this.#keys.deadLettersByAggregate(processor)],
        [],
      );
    } catch (error) {
      throw translateRedisError(error, `listing the parked aggregates of ${processor}`);
    }
    return (rows as [string, string, string][])
      .map(([aggregate, count, first]) => {
        const start = aggregate.length + 1;
        return {
          first: BigInt(first.slice(start, start + POSITION_DIGITS) || '0'),
          aggregate: { ...parseAggregate(aggregate), count: Number(count) },
        };
      })
      .sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0))
      .map(({ aggregate }) => aggregate);
  }

  async remove(processor: string, eventIds: readonly string[]): Promise<number> {
    this.#assertOpen();
    const ids = prepareDeadLetterRemoval(processor, eventIds, this.#limits);
    if (ids.length === 0) return 0;
    try {
      return Number(await removeScript.run(this.#client, this.#keysOf(processor), ids));
    } catch (error) {
      throw translateRedisError(error, `removing dead letters of ${processor}`);
    }
  }

  #keysOf(processor: string): string[] {
    return [
      this.#keys.deadLetters(processor),
      this.#keys.deadLetterLog(processor),
      this.#keys.deadLettersByAggregate(processor),
      this.#keys.parkedAggregates(processor),
    ];
  }

  #assertOpen(): void {
    if (!this.#isOpen()) throw closedError('the Redis dead-letter store');
  }
}

/** A stored dead letter: position, aggregate, parkedAt, fields JSON and event JSON, NUL-separated. */
function parseLetter(processor: string, value: string): DeadLetter {
  let at = -1;
  const parts: string[] = [];
  for (let i = 0; i < 4; i++) {
    const next = value.indexOf('\u0000', at + 1);
    if (next < 0) throw malformed(processor);
    parts.push(value.slice(at + 1, next));
    at = next;
  }
  const fields = JSON.parse(parts[3]!) as {
    reason: string;
    message: string;
    code: string | null;
    attempts: number;
  };
  return toDeadLetter(processor, value.slice(at + 1), {
    ...fields,
    parkedAt: Number(parts[2]),
  });
}

function malformed(processor: string): EventedError {
  return new EventedError(
    'INTERNAL',
    `a dead letter of ${processor} is not in the form evented writes; does something else write under its prefix?`,
    { processor },
  );
}
