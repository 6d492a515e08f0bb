import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeEach, expect, it } from 'vitest';
import type { EventedErrorCode, JsonObject, JsonValue, StreamId } from '@evented/core';
import { isEventedError } from '@evented/core';
import { describeWithService, expectCode } from '@evented/conformance';
import { openRedisStorage } from '@evented/redis';
import type { RedisStorage } from '@evented/redis';
import { keysOf, probeRedis, TestStorages, uniquePrefix } from './redis-test.fixture.js';

const MB = 1024 * 1024;

/** Valid ids aimed at Lua, at the Redis protocol and at key and pattern syntax. */
const hostileIds: readonly string[] = [
  "]]..redis.call('FLUSHALL')..[[",
  "'); redis.call('FLUSHALL'); --",
  '" .. redis.call("DEL", KEYS[1]) .. "',
  'KEYS[1] ARGV[1] redis.pcall',
  '--[[ comment ]] return 1',
  '\\0 \\r\\n \\x00',
  '*1 $8 FLUSHALL',
  '{evented:}log',
  '}{',
  'a*b?[c]\\',
  'FLUSHALL',
  '0-0',
  '%s%d%n',
  '😀 עברית e\u0301 \u00e9 \u2028 \ufeff',
  'x'.repeat(256),
];

/** Payloads aimed at the same places, which must come back exactly. */
const hostileData: readonly [string, JsonValue][] = [
  ['a Redis command in the protocol', '*1\r\n$8\r\nFLUSHALL\r\n'],
  ['a pipelined protocol fragment', { cmd: '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\ny\r\n+OK\r\n' }],
  ['Lua long brackets', { "]]..redis.call('FLUSHALL')..[[": ']==]..os.exit()..[==[' }],
  ['NUL bytes', { '\u0000': 'a\u0000b', list: ['\u0000\u0000'] }],
  ['a separator the command records use', 'from\u0000to\u0000domain'],
  ['a JSON-in-JSON string', '{"__proto__":{"polluted":true}}'],
  ['unicode', { text: '日本語 👩‍👩‍👧 \u0301\u200b' }],
  ['a 1 MB string, the most data allows', 'x'.repeat(MB - 2)],
];

/** An append of one event, to refuse: what differs from a valid one is given. */
interface Refused {
  readonly stream?: StreamId;
  readonly data?: JsonValue;
  readonly metadata?: JsonObject;
  readonly commandId?: string;
}

/** Input the store must refuse, with the code it must refuse it with. */
const refusals: readonly [string, Refused, EventedErrorCode][] = [
  [
    'an id with CR LF',
    { stream: { domain: 'o', aggregateId: '*1\r\n$8\r\nFLUSHALL\r\n' } },
    'INVALID_ARGUMENT',
  ],
  ['an id with NUL', { stream: { domain: 'o\u0000x', aggregateId: 'a' } }, 'INVALID_ARGUMENT'],
  ['a command id with CR LF', { commandId: 'c\r\nFLUSHALL' }, 'INVALID_ARGUMENT'],
  ['a 1 MB id', { stream: { domain: 'o', aggregateId: 'x'.repeat(MB) } }, 'LIMIT_EXCEEDED'],
  ['data over 1 MB', { data: 'x'.repeat(MB) }, 'LIMIT_EXCEEDED'],
  ['1 MB of metadata', { metadata: { m: 'x'.repeat(MB) } }, 'LIMIT_EXCEEDED'],
];

const storages = new TestStorages();
afterAll(() => storages.dispose());

const KEY_LAYOUT =
  /^\{evented-test:hostile:[0-9a-f-]+:\}(position|log|event-ids|commands|checkpoints|(stream|snapshot):\d+:[\s\S]*)$/;

describeWithService('Redis: hostile ids and payloads', await probeRedis(), () => {
  const sentinel = `evented-test:sentinel:${randomUUID()}`;
  let storage: RedisStorage;
  let prefix: string;

  beforeEach(async () => {
    const admin = storages.admin;
    await admin.set(`${sentinel}:string`, 'untouched');
    await admin.hset(`${sentinel}:hash`, 'field', 'untouched');
    await admin.rpush(`${sentinel}:list`, 'a', 'b');
    prefix = uniquePrefix('hostile');
    storage = await storages.open({ prefix });
  });

  afterEach(async () => {
    // Nothing outside the storage's prefix changed, and inside it only evented's keys exist.
    const admin = storages.admin;
    expect(await admin.get(`${sentinel}:string`)).toBe('untouched');
    expect(await admin.hgetall(`${sentinel}:hash`)).toEqual({ field: 'untouched' });
    expect(await admin.lrange(`${sentinel}:list`, 0, -1)).toEqual(['a', 'b']);
    for (const key of await keysOf(admin, prefix)) expect(key).toMatch(KEY_LAYOUT);
    await storage.close();
    expect(await keysOf(admin, prefix)).toEqual([]);
    await admin.unlink(`${sentinel}:string`, `${sentinel}:hash`, `${sentinel}:list`);
  });

  it('stores hostile ids in every field verbatim and keeps them apart', async () => {
    const store = storage.eventStore;
    for (const [i, value] of hostileIds.entries()) {
      const stream = { domain: value, aggregateId: value };
      const result = await store.appendToStream(
        stream,
        [{ type: value, data: { [value]: value }, metadata: { [value]: value } }],
        { expectedVersion: 0, commandId: value, correlationId: value, causationId: value },
      );
      expect(result.events[0]).toMatchObject({
        ...stream,
        type: value,
        version: 1,
        position: BigInt(i + 1),
        data: { [value]: value },
        metadata: { [value]: value },
        correlationId: value,
        causationId: value,
      });
      expect(await store.readStream(stream)).toEqual(result.events);
      const again = await store.appendToStream(stream, [], {
        expectedVersion: 5,
        commandId: value,
      });
      expect(again).toEqual({ ...result, duplicate: true });
      const filtered = await store.readAll({ filter: { domains: [value], types: [value] } });
      expect(filtered.events).toEqual(result.events);
      await storage.snapshotStore.saveSnapshot({ ...stream, version: 1, state: value });
      expect((await storage.snapshotStore.latestSnapshot(stream))!.state).toBe(value);
      await storage.checkpointStore.saveCheckpoint(value, BigInt(i + 1));
    }
    for (const [i, value] of hostileIds.entries()) {
      expect(await store.streamVersion({ domain: value, aggregateId: value })).toBe(1);
      expect(await store.findCommand(value)).toMatchObject({ domain: value, aggregateId: value });
      expect(await storage.checkpointStore.loadCheckpoint(value)).toBe(BigInt(i + 1));
    }
    expect(await store.headPosition()).toBe(BigInt(hostileIds.length));
  });

  it.each(hostileData)('stores %s as data and metadata exactly', async (_, value) => {
    const stream = { domain: 'order', aggregateId: 'o-1' };
    const small = JSON.stringify(value).length < 60_000;
    const result = await storage.eventStore.appendToStream(
      stream,
      [{ type: 'Sample', data: value, metadata: small ? { value } : {} }],
      { expectedVersion: 0 },
    );
    const [read] = await storage.eventStore.readStream(stream);
    expect(read!.data).toEqual(value);
    expect(read!.metadata).toEqual(small ? { value } : {});
    expect(read).toEqual(result.events[0]);
    expect((await storage.eventStore.readAll()).events).toEqual(result.events);
    await storage.snapshotStore.saveSnapshot({ ...stream, version: 1, state: value });
    expect((await storage.snapshotStore.latestSnapshot(stream))!.state).toEqual(value);
  });

  it.each(refusals)('refuses %s with a typed error and writes nothing', async (_, bad, code) => {
    const stream = bad.stream ?? { domain: 'order', aggregateId: 'o-1' };
    const event = { type: 'T', data: bad.data ?? {}, metadata: bad.metadata ?? {} };
    await expectCode(
      storage.eventStore.appendToStream(stream, [event], {
        expectedVersion: 0,
        commandId: bad.commandId ?? 'cmd',
      }),
      code,
    );
    expect(await storage.eventStore.headPosition()).toBe(0n);
    expect(await keysOf(storages.admin, prefix)).toEqual([]);
  });

  it.each([
    ['empty', ''],
    ['a space', 'app 1:'],
    ['CR LF and a command', 'x\r\nFLUSHALL\r\n'],
    ['a hash tag', '{app}:'],
    ['a glob', 'app*'],
    ['non-ASCII', 'äpp:'],
    ['too long', 'x'.repeat(129)],
  ])('refuses a prefix that is %s with CONFIGURATION', async (_, bad) => {
    const outcome = await openRedisStorage(storages.url, { prefix: bad }).then(
      async (opened) => {
        await opened.close();
        return 'opened';
      },
      (error: unknown) => error,
    );
    expect(isEventedError(outcome, 'CONFIGURATION'), String(outcome)).toBe(true);
  });
});
