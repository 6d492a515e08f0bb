import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';
import { TargetUnavailable } from './target.js';

/** The PostgreSQL server the postgres targets use; `EVENTED_BENCH_POSTGRES_URL` overrides it. */
export const postgresUrl =
  process.env['EVENTED_BENCH_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The Redis server the redis targets use; `EVENTED_BENCH_REDIS_URL` overrides it. */
export const redisUrl = process.env['EVENTED_BENCH_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** A name no other run uses: `<prefix>_<time>_<random>`, lower case, valid as a schema name. */
export const uniqueName = (prefix: string): string =>
  `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;

const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** A connection to PostgreSQL for setting up and dropping a run's schema; unreachable: skipped. */
export async function postgresAdmin(url: string = postgresUrl): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new TargetUnavailable(`PostgreSQL at ${url} unreachable: ${reason(error)}`);
  }
}

/** Drops `schema` with everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  const client = await postgresAdmin();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** A connection to Redis; an unreachable server makes the target skipped. */
export async function redisClient(url: string = redisUrl): Promise<Redis> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 5_000,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  // The failure reaches connect()'s rejection; without a listener ioredis also logs it.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return client;
  } catch (error) {
    client.disconnect();
    throw new TargetUnavailable(`Redis at ${url} unreachable: ${reason(error)}`);
  }
}

/** Deletes every key matching `pattern` with SCAN and UNLINK (never FLUSHALL). */
export async function deleteKeys(client: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await client.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** Redis's persistence settings, for the notes: the same server serves both redis targets. */
export async function redisDurability(client: Redis): Promise<string> {
  const [, aof] = (await client.config('GET', 'appendonly')) as string[];
  const [, fsync] = (await client.config('GET', 'appendfsync')) as string[];
  return aof === 'yes' ? `server AOF on, appendfsync ${fsync}` : 'server AOF off (RDB only)';
}
