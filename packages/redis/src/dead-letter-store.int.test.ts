import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, expect, it } from 'vitest';
import type { NewDeadLetter, RecordedEvent } from '@evented/core';
import { describeWithService, expectCode } from '@evented/conformance';
import { defaultRedisConnectionOptions } from '@evented/redis';
import type { RedisStorage } from '@evented/redis';
import { keysOf, probeRedis, TestStorages, uniquePrefix } from './redis-test.fixture.js';

const storages = new TestStorages();
const opened: RedisStorage[] = [];
afterEach(async () => {
  for (const storage of opened.splice(0)) await storage.close();
});
afterAll(() => storages.dispose());

async function open(prefix = uniquePrefix('dead-letters')): Promise<RedisStorage> {
  const storage = await storages.open({ prefix });
  opened.push(storage);
  return storage;
}

async function appended(storage: RedisStorage, count: number): Promise<RecordedEvent[]> {
  const { events } = await storage.eventStore.appendToStream(
    { domain: 'order', aggregateId: 'o-1' },
    Array.from({ length: count }, (_, n) => ({ type: 'ItemAdded', data: { n } })),
    { expectedVersion: 'any' },
  );
  return [...events];
}

function letter(event: RecordedEvent, extra: Partial<NewDeadLetter> = {}): NewDeadLetter {
  return {
    processor: 'projector',
    event,
    reason: 'failed',
    message: 'boom',
    code: undefined,
    attempts: 1,
    ...extra,
  };
}

describeWithService('Redis dead-letter store', await probeRedis(), () => {
  it('keeps dead letters under the storage’s prefix, in the documented keys', async () => {
    const prefix = uniquePrefix('dead-letters');
    const storage = await open(prefix);
    const before = await keysOf(storages.admin, prefix);
    const [event] = await appended(storage, 1);
    await storage.deadLetterStore.park([letter(event!, { processor: 'p:1' })]);
    const added = (await keysOf(storages.admin, prefix)).filter(
      (key) => !before.includes(key) && !key.endsWith('}log') && !key.includes('}stream:'),
    );
    const tag = `{${prefix}}`;
    expect(added.sort()).toEqual(
      [
        `${tag}dead-letter-log:p:1`,
        `${tag}dead-letters-by-aggregate:p:1`,
        `${tag}dead-letters:p:1`,
        `${tag}event-ids`,
        `${tag}parked-aggregates:p:1`,
        `${tag}position`,
      ].sort(),
    );
    // Removing the last letter leaves no dead-letter key behind.
    expect(await storage.deadLetterStore.remove('p:1', [event!.id])).toBe(1);
    const left = await keysOf(storages.admin, prefix);
    expect(left.map((key) => key.slice(tag.length))).toEqual(
      ['event-ids', 'log', 'position', 'stream:5:order:o-1'].sort(),
    );
  });

  it('orders positions beyond 2^53 exactly, up to 2^64-1', async () => {
    const storage = await open();
    const [event] = await appended(storage, 1);
    const positions = [2n ** 64n - 1n, 2n ** 53n + 2n, 2n ** 53n + 1n, 10n, 9n];
    await storage.deadLetterStore.park(
      positions.map((position) => letter({ ...event!, id: randomUUID(), position })),
    );
    const listed = await storage.deadLetterStore.list('projector');
    expect(listed.map((l) => l.event.position)).toEqual([...positions].reverse());
    const after = await storage.deadLetterStore.list('projector', { after: 2n ** 53n + 1n });
    expect(after.map((l) => l.event.position)).toEqual([2n ** 53n + 2n, 2n ** 64n - 1n]);
    const filtered = await storage.deadLetterStore.list('projector', {
      domain: 'order',
      aggregateId: 'o-1',
      after: 9n,
      limit: 2,
    });
    expect(filtered.map((l) => l.event.position)).toEqual([10n, 2n ** 53n + 1n]);
    expect(await storage.deadLetterStore.parkedAggregates('projector')).toEqual([
      { domain: 'order', aggregateId: 'o-1', count: 5 },
    ]);
  });

  it('fails with INTERNAL, not with a driver error, when a key holds another type', async () => {
    const prefix = uniquePrefix('dead-letters');
    const storage = await open(prefix);
    const [event] = await appended(storage, 1);
    await storages.admin.set(`{${prefix}}dead-letters:projector`, 'not a hash');
    await expectCode(storage.deadLetterStore.park([letter(event!)]), 'INTERNAL');
    await expectCode(storage.deadLetterStore.remove('projector', [event!.id]), 'INTERNAL');
  });

  it('fails every call with UNAVAILABLE when the server cannot be reached', async () => {
    // An application's client that neither reconnects nor queues commands while down.
    const client = new Redis(storages.url, {
      ...defaultRedisConnectionOptions,
      retryStrategy: () => null,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    });
    client.on('error', () => undefined);
    await new Promise((resolve) => client.once('ready', resolve));
    try {
      const storage = await storages.open({}, client);
      opened.push(storage);
      const [event] = await appended(storage, 1);
      client.disconnect();
      await expectCode(storage.deadLetterStore.park([letter(event!)]), 'UNAVAILABLE');
      await expectCode(storage.deadLetterStore.list('projector'), 'UNAVAILABLE');
      await expectCode(storage.deadLetterStore.parkedAggregates('projector'), 'UNAVAILABLE');
      await expectCode(storage.deadLetterStore.remove('projector', [event!.id]), 'UNAVAILABLE');
    } finally {
      client.disconnect();
    }
  });
});
