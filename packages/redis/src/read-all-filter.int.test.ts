import { afterAll, afterEach, beforeEach, expect, it } from 'vitest';
import type { NewEvent } from '@evented/core';
import { describeWithService } from '@evented/conformance';
import type { RedisStorage } from '@evented/redis';
import { probeRedis, TestStorages } from './redis-test.fixture.js';

const storages = new TestStorages();
afterAll(() => storages.dispose());

const noise = (count: number, data: string | number = 0): NewEvent[] =>
  Array.from({ length: count }, () => ({ type: 'Noise', data }));
const signal: NewEvent = { type: 'Signal', data: 'found' };

// A filtered read runs inside Redis and examines at most 4096 entries or 8 MB of payload
// per call, so that one call never holds the server long; a reader goes on from the
// position it returns. These tests pin that paging down where the shared suites cannot
// reach (their logs are small).
describeWithService('Redis: filtered reads of a long log', await probeRedis(), () => {
  let storage: RedisStorage;
  beforeEach(async () => {
    storage = await storages.open();
  });
  afterEach(() => storage.close());

  it('stop after 4096 entries with the last one examined, then go on to the end', async () => {
    const store = storage.eventStore;
    const stream = { domain: 'log', aggregateId: 'long' };
    await store.appendToStream(stream, [signal, ...noise(4498)], { expectedVersion: 0 });
    await store.appendToStream(stream, [signal, ...noise(500), signal], { expectedVersion: 4499 });
    const filter = { types: ['Signal'] };

    const first = await store.readAll({ filter, limit: 10 });
    expect(first.events.map((e) => e.position)).toEqual([1n]);
    expect(first).toMatchObject({ position: 4096n, isEnd: false });
    const second = await store.readAll({ after: first.position, filter, limit: 10 });
    expect(second.events.map((e) => e.position)).toEqual([4500n, 5001n]);
    expect(second).toMatchObject({ position: 5001n, isEnd: true });

    // A full page ends at its last event.
    const page = await store.readAll({ filter: { types: ['Noise'] }, limit: 2 });
    expect(page.events.map((e) => e.position)).toEqual([2n, 3n]);
    expect(page).toMatchObject({ position: 3n, isEnd: false });
    // A reader asking for more than 4096 gets that many entries examined.
    const large = await store.readAll({ filter: { types: ['Noise'] }, limit: 5000 });
    expect(large.events).toHaveLength(4998);
    expect(large).toMatchObject({ position: 5000n, isEnd: false });
  });

  it('stop after 8 MB of payload examined', async () => {
    const store = storage.eventStore;
    const stream = { domain: 'log', aggregateId: 'heavy' };
    const megabyte = 'x'.repeat(1024 * 1024 - 2);
    for (let i = 0; i < 10; i++) {
      await store.appendToStream(stream, noise(1, megabyte), { expectedVersion: i });
    }
    await store.appendToStream(stream, [signal], { expectedVersion: 10 });
    const filter = { types: ['Signal'] };

    const first = await store.readAll({ filter });
    expect(first).toEqual({ events: [], position: 8n, isEnd: false });
    const second = await store.readAll({ after: first.position, filter });
    expect(second.events.map((e) => e.data)).toEqual(['found']);
    expect(second).toMatchObject({ position: 11n, isEnd: true });
  });
});
