import { Redis } from 'ioredis';
import { afterAll, expect } from 'vitest';
import { describeStorage, describeWithService } from '@evented/conformance';
import { defaultRedisConnectionOptions } from '@evented/redis';
import { probeRedis, TestStorages } from './redis-test.fixture.js';

const storages = new TestStorages();
// An application's own client, shared by every storage of the second run and never
// closed by them.
const client = new Redis(storages.url, { ...defaultRedisConnectionOptions, lazyConnect: true });
afterAll(async () => {
  // Each storage stopped listening to the client when it closed.
  expect(client.listenerCount('close')).toBe(0);
  client.disconnect();
  await storages.dispose();
});

// Each storage gets a fresh key prefix and deletes its keys when the suite closes it.
describeWithService('Redis', await probeRedis(), () => {
  // Each stream keeps only its latest snapshot: pruning has nothing to remove.
  const options = { keepsSnapshotHistory: false };
  describeStorage('Redis, from a URL', () => storages.open(), options);
  describeStorage('Redis, on the application’s client', () => storages.open({}, client), options);
});
