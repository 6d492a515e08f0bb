// Test support, type-checked with the tests and not built into dist: how the tests reach
// Redis, and how each keeps to its own keys on a server that other tests share.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { probeService } from '@evented/conformance';
import type { ServiceAvailability } from '@evented/conformance';
import { openRedisStorage } from '@evented/redis';
import type { RedisLike, RedisStorage, RedisStorageOptions } from '@evented/redis';

/** The shared test server; `EVENTED_REDIS_URL` points the tests elsewhere. */
export const REDIS_URL = process.env['EVENTED_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** Connects once and pings, for `describeWithService`. */
export function probeRedis(url: string = REDIS_URL): Promise<ServiceAvailability> {
  return probeService('Redis', async () => {
    const client = new Redis(url, {
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
    } finally {
      client.disconnect();
    }
  });
}

/** A prefix no other test uses. */
export function uniquePrefix(label = 'test'): string {
  return `evented-test:${label}:${randomUUID()}:`;
}

/** Deletes every key of one prefix with SCAN and UNLINK; never FLUSHDB, the server is shared. */
export async function deleteKeys(client: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `{${prefix}}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await client.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** The keys of one prefix, sorted. */
export async function keysOf(client: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await client.scan(cursor, 'MATCH', `{${prefix}}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  return keys.sort();
}

/**
 * Opens storages on the test server under fresh prefixes; closing one deletes its keys.
 * `dispose()` in `afterAll` closes the admin connection used for the clean-up.
 */
export class TestStorages {
  readonly url: string;
  #admin: Redis | undefined;

  constructor(url: string = REDIS_URL) {
    this.url = url;
  }

  /** A plain client for looking at the server from outside the stores. */
  get admin(): Redis {
    if (!this.#admin) {
      this.#admin = new Redis(this.url);
      this.#admin.on('error', () => undefined);
    }
    return this.#admin;
  }

  /** Opens a storage from the URL, or on `client` (which it then does not own). */
  async open(options: RedisStorageOptions = {}, client?: RedisLike): Promise<RedisStorage> {
    const prefix = options.prefix ?? uniquePrefix();
    const storage = await openRedisStorage(client ?? this.url, { ...options, prefix });
    const close = storage.close.bind(storage);
    let cleaned = false;
    storage.close = async () => {
      await close();
      if (cleaned) return;
      cleaned = true;
      await deleteKeys(this.admin, prefix);
    };
    return storage;
  }

  async dispose(): Promise<void> {
    this.#admin?.disconnect();
    this.#admin = undefined;
  }
}
