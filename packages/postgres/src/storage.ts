import type { Limits, Storage, StorageCapabilities } from '@evented/core';
import { EventedError, resolveLimits } from '@evented/core';
import { ChangeNotifier } from './change-notifier.js';
import { PostgresCheckpointStore } from './checkpoint-store.js';
import { PostgresClaimStore } from './claim-store.js';
import type { PostgresPool, PostgresPoolClient } from './connection.js';
import {
  assertSchemaName,
  channelOf,
  createPool,
  dedicatedListener,
  pooledListener,
} from './connection.js';
import { PostgresDeadLetterStore } from './dead-letter-store.js';
import { translatePostgresError } from './errors.js';
import { PostgresEventStore } from './event-store.js';
import { MAX_EVENTS_PER_TRANSACTION } from './rows.js';
import type { MigrationOutcome } from './schema.js';
import { assertMigrated, migrate } from './schema.js';
import { PostgresSnapshotStore } from './snapshot-store.js';
import { Visibility } from './visibility.js';

/** Options of {@link openPostgresStorage}. */
export interface PostgresStorageOptions {
  /** The schema of evented's tables; default `evented`. Several applications can share a database. */
  readonly schema?: string;
  /**
   * Bring the schema up to date on open (default `true`). With `false`, a schema that is not
   * at this package's version is refused with `CONFIGURATION`: run `evented store migrate`.
   */
  readonly migrate?: boolean;
  /** Limits on ids and payloads; defaults from `defaultLimits` of `@evented/core`. */
  readonly limits?: Partial<Limits>;
  /** Connections of the pool opened for a connection string (default 10); ignored for a pool. */
  readonly maxConnections?: number;
  /**
   * How often a waiting reader re-checks the log even without a notification (default
   * 1000 ms). Notifications are missed while the listening connection reconnects and when
   * an appending process dies between its commit and its notification, and an event becomes
   * visible without one when an older transaction that wrote no events ends.
   */
  readonly pollIntervalMs?: number;
  /**
   * How long reads of this storage wait for its own appends to become visible (default
   * 5000 ms); after that they report the log as it is. See the package README.
   */
  readonly readYourWritesTimeoutMs?: number;
}

/** Defaults of {@link PostgresStorageOptions}. */
export const defaultPostgresStorageOptions = {
  schema: 'evented',
  migrate: true,
  maxConnections: 10,
  pollIntervalMs: 1000,
  readYourWritesTimeoutMs: 5000,
} as const;

/** The event, snapshot and checkpoint stores of one PostgreSQL schema. */
export class PostgresStorage implements Storage {
  readonly eventStore: PostgresEventStore;
  readonly snapshotStore: PostgresSnapshotStore;
  readonly checkpointStore: PostgresCheckpointStore;
  readonly claimStore: PostgresClaimStore;
  readonly deadLetterStore: PostgresDeadLetterStore;
  readonly capabilities: StorageCapabilities = {
    transactionalCheckpoints: true,
    sharedAcrossProcesses: true,
  };
  /** The schema of evented's tables. */
  readonly schema: string;
  readonly #pool: PostgresPool;
  readonly #endPool: (() => Promise<void>) | undefined;
  readonly #notifier: ChangeNotifier;
  #open = true;

  /**
   * Use {@link openPostgresStorage}, which checks the options and migrates the schema.
   * `endPool`, when given, is called on close: the storage owns the pool.
   */
  constructor(
    pool: PostgresPool,
    schema: string,
    options: {
      limits: Limits;
      pollIntervalMs: number;
      readYourWritesTimeoutMs: number;
      endPool?: () => Promise<void>;
      openListener?: () => Promise<PostgresPoolClient>;
    },
  ) {
    const isOpen = (): boolean => this.#open;
    this.#pool = pool;
    this.#endPool = options.endPool;
    this.schema = schema;
    const visibility = new Visibility(pool, schema, options.readYourWritesTimeoutMs);
    this.#notifier = new ChangeNotifier(
      pool,
      options.openListener ?? pooledListener(pool),
      channelOf(schema),
      () => visibility.head(),
      options.pollIntervalMs,
    );
    const { limits } = options;
    this.eventStore = new PostgresEventStore(
      pool,
      schema,
      limits,
      this.#notifier,
      visibility,
      isOpen,
    );
    this.snapshotStore = new PostgresSnapshotStore(pool, schema, limits, isOpen);
    this.checkpointStore = new PostgresCheckpointStore(pool, schema, limits, visibility, isOpen);
    this.claimStore = new PostgresClaimStore(pool, schema, limits, isOpen);
    this.deadLetterStore = new PostgresDeadLetterStore(pool, schema, limits, isOpen);
  }

  /** The pool, for read models kept in the same database. */
  get pool(): PostgresPool {
    return this.#pool;
  }

  async close(): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    this.#notifier.close();
    try {
      await this.#endPool?.();
    } catch (error) {
      throw translatePostgresError(error, `closing the pool of schema ${this.schema}`);
    }
  }
}

function positiveInteger(field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new EventedError('CONFIGURATION', `${field} must be a positive integer, found ${value}`, {
      field,
    });
  }
  return value;
}

/** The pool to use: a new one for a connection string (with its `end`), or the one given. */
function poolFor(
  connection: unknown,
  size: () => number,
): { pool: PostgresPool; endPool?: () => Promise<void> } {
  if (typeof connection === 'string') {
    const pool = createPool(connection, size());
    return { pool, endPool: () => pool.end() };
  }
  const pool = connection as Partial<PostgresPool> | null;
  if (typeof pool?.query !== 'function' || typeof pool.connect !== 'function') {
    throw new EventedError(
      'CONFIGURATION',
      'connection must be a postgres:// connection string or a pg.Pool',
      { field: 'connection' },
    );
  }
  return { pool: pool as PostgresPool };
}

/**
 * Opens evented's stores on PostgreSQL, from a connection string (the storage opens and
 * closes its own pool) or from an application's `pg.Pool` (left open on close). The schema
 * is created and migrated unless `migrate: false`.
 *
 * ```ts
 * const storage = await openPostgresStorage('postgres://app@db:5432/app', { schema: 'billing' });
 * await storage.eventStore.appendToStream({ domain: 'account', aggregateId: 'a-1' },
 *   [{ type: 'Deposited', data: { amount: 10 } }], { expectedVersion: 'no-stream' });
 * ```
 */
export async function openPostgresStorage(
  connection: string | PostgresPool,
  options: PostgresStorageOptions = {},
): Promise<PostgresStorage> {
  const d = defaultPostgresStorageOptions;
  const schema = options.schema ?? d.schema;
  assertSchemaName(schema);
  const limits = resolveLimits(options.limits);
  if (limits.maxEventsPerAppend > MAX_EVENTS_PER_TRANSACTION) {
    throw new EventedError(
      'CONFIGURATION',
      `limits.maxEventsPerAppend must be at most ${MAX_EVENTS_PER_TRANSACTION} on PostgreSQL, found ${limits.maxEventsPerAppend}`,
      { field: 'limits.maxEventsPerAppend' },
    );
  }
  const settings = {
    limits,
    pollIntervalMs: positiveInteger('pollIntervalMs', options.pollIntervalMs ?? d.pollIntervalMs),
    readYourWritesTimeoutMs: positiveInteger(
      'readYourWritesTimeoutMs',
      options.readYourWritesTimeoutMs ?? d.readYourWritesTimeoutMs,
    ),
  };
  const { pool, endPool } = poolFor(connection, () =>
    positiveInteger('maxConnections', options.maxConnections ?? d.maxConnections),
  );
  const openListener = typeof connection === 'string' ? dedicatedListener(connection) : undefined;
  try {
    if (options.migrate ?? d.migrate) await migrate(pool, schema);
    else await assertMigrated(pool, schema);
  } catch (error) {
    await endPool?.().catch(() => undefined);
    throw translatePostgresError(error, `opening schema ${schema}`);
  }
  return new PostgresStorage(pool, schema, {
    ...settings,
    ...(endPool && { endPool }),
    ...(openListener && { openListener }),
  });
}

/**
 * Creates or upgrades evented's schema, for `evented store migrate` and deployments that
 * open storages with `migrate: false`. Safe to run from several processes at once.
 *
 * ```ts
 * const { fromVersion, toVersion } = await migratePostgres(process.env.DATABASE_URL!, { schema: 'billing' });
 * ```
 */
export async function migratePostgres(
  connection: string | PostgresPool,
  options: { readonly schema?: string } = {},
): Promise<MigrationOutcome> {
  const schema = options.schema ?? defaultPostgresStorageOptions.schema;
  assertSchemaName(schema);
  const { pool, endPool } = poolFor(connection, () => 1);
  try {
    return await migrate(pool, schema);
  } catch (error) {
    throw translatePostgresError(error, `migrating schema ${schema}`);
  } finally {
    await endPool?.().catch(() => undefined);
  }
}
