import { afterAll } from 'vitest';
import { describeStorage, describeWithService } from '@evented/conformance';
import { probeRedis, TestStorages } from './redis-test.fixture.js';

const storages = new TestStorages();
afterAll(() => storages.dispose());

// Each storage gets a fresh key prefix and deletes its keys when the suite closes it.
describeWithService('Redis', await probeRedis(), () => {
  describeStorage('Redis', () => storages.open());
});
