import type { Database } from 'better-sqlite3';
import type { EventFilter, Projector, RecordedEvent, Storage } from '@evented/core';
import { EventedError } from '@evented/core';

/** Options of {@link sqliteProjector}. */
export interface SqliteProjectorOptions {
  readonly name: string;
  readonly filter?: EventFilter;
  /** SQL run once at start, e.g. `CREATE TABLE IF NOT EXISTS ...` for the read model. */
  readonly schema?: string;
  /** Writes one event into the read model; synchronous, inside the checkpoint's transaction. */
  handle(event: RecordedEvent, db: Database): void;
}

/** A projector whose read model lives in evented's own SQLite database. */
export interface SqliteProjector extends Projector {
  /** The database of the read model, to query it; available once the application is built. */
  readonly database: Database;
}

/**
 * A projector whose read model is in the same SQLite database as the events: each page
 * of events and the checkpoint commit in one transaction, so every event takes effect
 * exactly once, even across crashes.
 *
 * ```ts
 * const balances = sqliteProjector({
 *   name: 'balances',
 *   schema: 'CREATE TABLE IF NOT EXISTS balances (id TEXT PRIMARY KEY, balance INTEGER NOT NULL)',
 *   handle(event, db) {
 *     if (event.type === 'Deposited') db.prepare('UPDATE balances SET balance = balance + ? WHERE id = ?')
 *       .run(event.data.amount, event.aggregateId);
 *   },
 * });
 * ```
 */
export function sqliteProjector(options: SqliteProjectorOptions): SqliteProjector {
  let database: Database | undefined;
  return {
    name: options.name,
    ...(options.filter && { filter: options.filter }),
    delivery: 'transactional',
    get database(): Database {
      if (!database) {
        throw new EventedError(
          'CLOSED',
          `projector ${options.name} has not started: build the application first`,
        );
      }
      return database;
    },
    start(storage: Storage): void {
      const db = (storage as { database?: Database }).database;
      if (!db) {
        throw new EventedError(
          'CONFIGURATION',
          `projector ${options.name} needs evented's SQLite storage`,
          {
            processor: options.name,
          },
        );
      }
      if (options.schema) db.exec(options.schema);
      database = db;
    },
    handle(event, context): void {
      options.handle(event, context.transaction as Database);
    },
  };
}
