import type { Redis } from 'ioredis';
import type { AccountEvent } from '@evented/example-bank';
import { decideAccount, foldAccount } from '../bank.js';
import { deleteKeys, redisClient, redisDurability, uniqueName } from './servers.js';
import { ConflictError } from './target.js';
import type { ReadBackEvent, StoreTargetInfo, StreamRef, Target } from './target.js';

/**
 * The append: if the stream's list is as long as the expected version, push the events to
 * it and XADD each to the global log with the next position as its id.
 * KEYS: stream list, log, position counter. ARGV: expected version, stream key, events (JSON).
 * Reply: {1, new version} or {0, actual version}.
 */
const appendLua = `
local current = redis.call('LLEN', KEYS[1])
if current ~= tonumber(ARGV[1]) then return {0, current} end
local count = #ARGV - 2
local last = redis.call('INCRBY', KEYS[3], count) - count
for i = 1, count do
  redis.call('RPUSH', KEYS[1], ARGV[i + 2])
  redis.call('XADD', KEYS[2], string.format('%d-0', last + i), 's', ARGV[2], 'e', ARGV[i + 2])
end
return {1, current + count}`;

type AppendCommand = (
  list: string,
  log: string,
  counter: string,
  ...args: (string | number)[]
) => Promise<[number, number]>;

interface Stored {
  type: string;
  version: number;
  data: unknown;
}

/**
 * ioredis alone: one Lua script (EVALSHA through `defineCommand`) that checks the version and
 * appends, a list per stream holding the events as JSON plus a global log stream. Reads are
 * LRANGE and XRANGE with JSON.parse.
 */
export const rawRedis: StoreTargetInfo = {
  name: 'raw-redis',
  database: 'redis',
  role: 'raw',
  kind: 'store',
  async open() {
    const redis: Redis = await redisClient();
    const durability = await redisDurability(redis);
    const tag = `{${uniqueName('bench-raw')}}`;
    const log = `${tag}log`;
    const counter = `${tag}position`;
    const listOf = (s: StreamRef): string =>
      `${tag}stream:${s.domain.length}:${s.domain}:${s.aggregateId}`;
    redis.defineCommand('benchAppend', { numberOfKeys: 3, lua: appendLua });
    const appendCommand = (redis as unknown as { benchAppend: AppendCommand }).benchAppend.bind(
      redis,
    );

    async function append(
      s: StreamRef,
      events: readonly { type: string; data: unknown }[],
      expected: number,
    ): Promise<number> {
      const list = listOf(s);
      const records = events.map((e, i) =>
        JSON.stringify({ type: e.type, version: expected + i + 1, data: e.data }),
      );
      const [ok, version] = await appendCommand(list, log, counter, expected, list, ...records);
      if (ok !== 1) throw new ConflictError(`conflict: expected ${expected}, at ${version}`);
      return version;
    }
    const readStream = async (s: StreamRef): Promise<ReadBackEvent[]> =>
      (await redis.lrange(listOf(s), 0, -1)).map((json) => JSON.parse(json) as Stored);

    const target: Target = {
      appendToStream: append,
      readStream,
      async readAll(after, limit) {
        const entries = await redis.xrange(log, `${after + 1n}-0`, '+', 'COUNT', limit);
        const events = entries.map(([, fields]) => JSON.parse(fields[3]!) as Stored);
        const last = entries.at(-1);
        return {
          events,
          position: last ? BigInt(last[0].split('-')[0]!) : after,
          isEnd: entries.length < limit,
        };
      },
      async handleCommand(cmd) {
        const history = (await readStream(cmd)) as unknown as AccountEvent[];
        await append(cmd, decideAccount(cmd, foldAccount(history)), history.length);
      },
      notes: `one ioredis connection; ${durability}`,
      async close() {
        await deleteKeys(redis, `${tag}*`);
        redis.disconnect();
      },
    };
    return target;
  },
};
