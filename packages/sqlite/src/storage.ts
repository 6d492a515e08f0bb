import type { Database } from 'better-sqlite3';
import type { Limits, Storage, StorageCapabilities } from '@evented/core';
import { resolveLimits } from '@evented/core';
import { ChangeNotifier } from './change-notifier.js';
import { SqliteCheckpointStore } from './checkpoint-store.js';
import { SqliteClaimStore } from './claim-store.js';
import { openConnection, sqliteVersion } from './connection.js';
import type { SqliteConnectionOptions } from './connection.js';
import { SqliteDeadLetterStore } from './dead-letter-store.js';
import { flushAppends, SqliteEventStore } from './event-store.js';
import { SqliteSnapshotStore } from './snapshot-store.js';

/** Options of {@link openSqliteStorage}. */
export interface SqliteStorageOptions extends SqliteConnectionOptions {
  /** Limits on ids and payloads; defaults from `defaultLimits` of `@evented/core`. */
  readonly limits?: Partial<Limits>;
  /**
   * How often a waiting reader checks for appends by other processes on the same file;
   * appends through this connection wake readers at once. Default 100 ms.
   */
  readonly pollIntervalMs?: number;
}

/** Defaults of {@link SqliteStorageOptions} beyond the connection's. */
export const defaultSqliteStorageOptions = { pollIntervalMs: 100 } as const;

/** The event, snapshot and checkpoint stores of one SQLite database. */
export class SqliteStorage implements Storage {
  readonly eventStore: SqliteEventStore;
  readonly snapshotStore: SqliteSnapshotStore;
  readonly checkpointStore: SqliteCheckpointStore;
  readonly deadLetterStore: SqliteDeadLetterStore;
  readonly claimStore: SqliteClaimStore;
  readonly capabilities: StorageCapabilities;
  /** The version of the bundled SQLite library. */
  readonly sqliteVersion: string;
  readonly #db: Database;
  readonly #notifier: ChangeNotifier;
  #open = true;

  constructor(db: Database, options: SqliteStorageOptions = {}) {
    const limits = resolveLimits(options.limits);
    const isOpen = (): boolean => this.#open;
    this.#db = db;
    this.#notifier = new ChangeNotifier(
      db,
      options.pollIntervalMs ?? defaultSqliteStorageOptions.pollIntervalMs,
    );
    this.eventStore = new SqliteEventStore(db, limits, this.#notifier, isOpen);
    this.snapshotStore = new SqliteSnapshotStore(db, limits, isOpen);
    this.checkpointStore = new SqliteCheckpointStore(db, limits, isOpen);
    this.deadLetterStore = new SqliteDeadLetterStore(db, limits, isOpen);
    this.claimStore = new SqliteClaimStore(db, limits, isOpen);
    this.capabilities = { transactionalCheckpoints: true, sharedAcrossProcesses: !db.memory };
    this.sqliteVersion = sqliteVersion(db);
  }

  /** The underlying better-sqlite3 connection, for read models kept in the same database. */
  get database(): Database {
    return this.#db;
  }

  async close(): Promise<void> {
    if (!this.#open) return;
    this.eventStore[flushAppends]();
    this.#open = false;
    this.#notifier.close();
    this.#db.close();
  }
}

/**
 * Opens evented's stores on SQLite: `':memory:'` (the default) for tests and development,
 * or a file path for an embedded application. Files use WAL with `synchronous=FULL`.
 *
 * ```ts
 * const storage = await openSqliteStorage('./data/app.db');
 * await storage.eventStore.appendToStream({ domain: 'account', aggregateId: 'a-1' },
 *   [{ type: 'Deposited', data: { amount: 10 } }], { expectedVersion: 'no-stream' });
 * ```
 */
export async function openSqliteStorage(
  path: string = ':memory:',
  options: SqliteStorageOptions = {},
): Promise<SqliteStorage> {
  return new SqliteStorage(openConnection(path, options), options);
}
