import type { Redis } from 'ioredis';
import type { Limits, Position, Storage, StorageCapabilities } from '@evented/core';
import { EventedError, resolveLimits, START } from '@evented/core';
import { ChangeNotifier } from './change-notifier.js';
import { RedisCheckpointStore } from './checkpoint-store.js';
import { RedisClaimStore } from './claim-store.js';
import { closeConnection, openConnection } from './connection.js';
import { RedisConnection } from './connection.js';
import type { RedisLike } from './connection.js';
import { RedisDeadLetterStore } from './dead-letter-store.js';
import { readDurability } from './durability.js';
import type { RedisDurability } from './durability.js';
import { translateRedisError } from './errors.js';
import { RedisEventStore } from './event-store.js';
import { DEFAULT_PREFIX, RedisKeys } from './schema.js';
import { RedisSnapshotStore } from './snapshot-store.js';

/** Options of {@link openRedisStorage}. */
export interface RedisStorageOptions {
  /**
   * The start of every key, inside a hash tag: `{evented:}log`. Give each application
   * its own. 1 to 128 printable ASCII characters without spaces, braces or `*?[]\`.
   */
  readonly prefix?: string;
  /** Limits on ids and payloads; defaults from `defaultLimits` of `@evented/core`. */
  readonly limits?: Partial<Limits>;
  /**
   * Refuse to open (`CONFIGURATION`) unless the server keeps every acknowledged append
   * through a crash: `appendonly yes`, `appendfsync always`, `maxmemory-policy
   * noeviction`. Default false; see {@link RedisStorage.durability}.
   */
  readonly requireDurability?: boolean;
}

/** Defaults of {@link RedisStorageOptions}. */
export const defaultRedisStorageOptions = {
  prefix: DEFAULT_PREFIX,
  requireDurability: false,
} as const;

/** The oldest Redis the stores run on: the scripts declare their flags, which 7.0 added. */
export const REDIS_MIN_VERSION = '7.0.0';

/** The event, snapshot and checkpoint stores under one key prefix of a Redis server. */
export class RedisStorage implements Storage {
  readonly eventStore: RedisEventStore;
  readonly snapshotStore: RedisSnapshotStore;
  readonly checkpointStore: RedisCheckpointStore;
  readonly claimStore: RedisClaimStore;
  readonly deadLetterStore: RedisDeadLetterStore;
  readonly capabilities: StorageCapabilities = {
    transactionalCheckpoints: false,
    sharedAcrossProcesses: true,
  };
  /** The prefix of this storage's keys. */
  readonly prefix: string;
  readonly #connection: RedisConnection;
  readonly #owned: Redis | undefined;
  readonly #notifier: ChangeNotifier;
  #open = true;

  /** Use {@link openRedisStorage}, which checks the server first. */
  constructor(
    connection: RedisConnection,
    owned: Redis | undefined,
    keys: RedisKeys,
    limits: Partial<Limits> = {},
  ) {
    const resolved = resolveLimits(limits);
    const isOpen = (): boolean => this.#open;
    const client = connection;
    this.prefix = keys.prefix;
    this.#connection = connection;
    this.#owned = owned;
    this.#notifier = new ChangeNotifier(client, keys.log, () => readHead(client, keys));
    this.eventStore = new RedisEventStore(client, keys, resolved, this.#notifier, isOpen);
    this.snapshotStore = new RedisSnapshotStore(client, keys, resolved, isOpen);
    this.checkpointStore = new RedisCheckpointStore(client, keys, resolved, isOpen);
    this.claimStore = new RedisClaimStore(client, keys, resolved, isOpen);
    this.deadLetterStore = new RedisDeadLetterStore(client, keys, resolved, isOpen);
  }

  /** The client the stores use, for read models kept in the same Redis. */
  get client(): RedisLike {
    return this.#connection.client;
  }

  /**
   * What the server's persistence settings promise an acknowledged append, and what
   * falls short of DESIGN.md's invariant 3; an empty `problems` list means nothing does.
   */
  async durability(): Promise<RedisDurability> {
    if (!this.#open) throw new EventedError('CLOSED', 'the Redis storage is closed');
    return readDurability(this.#connection);
  }

  /** Ends waits and the blocking connection; closes the client if the storage opened it. */
  async close(): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    this.#notifier.close();
    if (this.#owned) await closeConnection(this.#owned);
    else this.#connection.release();
  }
}

async function readHead(client: RedisConnection, keys: RedisKeys): Promise<Position> {
  const head = await client.call('GET', [keys.position]);
  return head === null ? START : BigInt(head as string);
}

/**
 * Opens evented's stores on Redis, from a `redis://` URL (the storage opens and closes its
 * own connections) or from your ioredis client (which it never closes). Redis keeps
 * appends only as well as it is configured to: see the package README on durability.
 *
 * ```ts
 * const storage = await openRedisStorage('redis://127.0.0.1:6379', { prefix: 'shop:' });
 * await storage.eventStore.appendToStream({ domain: 'account', aggregateId: 'a-1' },
 *   [{ type: 'Deposited', data: { amount: 10 } }], { expectedVersion: 'no-stream' });
 * ```
 */
export async function openRedisStorage(
  connection: string | RedisLike,
  options: RedisStorageOptions = {},
): Promise<RedisStorage> {
  const keys = new RedisKeys(options.prefix ?? defaultRedisStorageOptions.prefix);
  const owned = typeof connection === 'string' ? await openConnection(connection) : undefined;
  const client = new RedisConnection(owned ?? (connection as RedisLike));
  try {
    await assertServer(client, options.requireDurability ?? false);
  } catch (error) {
    if (owned) owned.disconnect();
    throw error;
  }
  return new RedisStorage(client, owned, keys, options.limits);
}

async function assertServer(client: RedisConnection, requireDurability: boolean): Promise<void> {
  let info: string;
  try {
    info = String(await client.call('INFO', ['server']));
  } catch (error) {
    throw translateRedisError(error, 'checking the Redis server');
  }
  const version = /^redis_version:(\S+)/m.exec(info)?.[1] ?? '0';
  if (compareVersions(version, REDIS_MIN_VERSION) < 0) {
    throw new EventedError(
      'CONFIGURATION',
      `Redis ${version} is older than ${REDIS_MIN_VERSION}, which the stores' scripts need`,
      { found: version, expected: REDIS_MIN_VERSION },
    );
  }
  if (!requireDurability) return;
  const { problems } = await readDurability(client);
  if (problems.length > 0) {
    throw new EventedError(
      'CONFIGURATION',
      `Redis would not keep acknowledged appends through a crash: ${problems.join('; ')}`,
      { problems },
    );
  }
}

function compareVersions(a: string, b: string): number {
  const [x, y] = [a, b].map((v) => v.split('.').map((n) => Number.parseInt(n, 10) || 0));
  for (let i = 0; i < 3; i++) {
    const d = (x![i] ?? 0) - (y![i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
