import type { Database } from 'better-sqlite3';
import type {
  EventFilter,
  ProcessorOptions,
  ProjectionContext,
  Projector,
  RecordedEvent,
  Storage,
} from '@evented/core';
import { EventedError } from '@evented/core';

/** What every {@link sqliteProjector} has, whichever way it takes its events. */
interface SqliteProjectorBase {
  readonly name: string;
  readonly filter?: EventFilter;
  /** SQL run once at start, e.g. `CREATE TABLE IF NOT EXISTS ...` for the read model. */
  readonly schema?: string;
  /** Overrides the application's processor options; `batchSize` is the size of a page. */
  readonly processorOptions?: ProcessorOptions;
}

/**
 * Options of {@link sqliteProjector}: exactly one of `handle` (one event at a time) and
 * `handleBatch` (a page at once). Either is synchronous and runs inside the transaction that
 * saves the checkpoint.
 */
export type SqliteProjectorOptions = SqliteProjectorBase &
  (
    | {
        /** Writes one event into the read model. */
        handle(event: RecordedEvent, db: Database): void;
        readonly handleBatch?: never;
      }
    | {
        readonly handle?: never;
        /**
         * Writes a page of events into the read model in one call, e.g. one write per row
         * the page touches. A page that fails is retried one event at a time, each a page of one.
         */
        handleBatch(events: readonly RecordedEvent[], db: Database): void;
      }
  );

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
 *
 * With `handleBatch` instead of `handle`, a page of events (`processorOptions.batchSize`,
 * default 500) arrives in one call, still inside the checkpoint's transaction: fold it in
 * memory and write each row it touches once, which is where catching up gets its speed.
 *
 * ```ts
 * const totals = sqliteProjector({
 *   name: 'totals',
 *   schema: 'CREATE TABLE IF NOT EXISTS totals (id TEXT PRIMARY KEY, total INTEGER NOT NULL)',
 *   handleBatch(events, db) {
 *     const sums = new Map<string, number>();
 *     for (const e of events) sums.set(e.aggregateId, (sums.get(e.aggregateId) ?? 0) + 1);
 *     const add = db.prepare(`INSERT INTO totals (id, total) VALUES (?, ?)
 *       ON CONFLICT (id) DO UPDATE SET total = total + excluded.total`);
 *     for (const [id, sum] of sums) add.run(id, sum);
 *   },
 * });
 * ```
 */
export function sqliteProjector(options: SqliteProjectorOptions): SqliteProjector {
  const handleBatch = oneHandler(options);
  let database: Database | undefined;
  return {
    name: options.name,
    ...(options.filter && { filter: options.filter }),
    ...(options.processorOptions && { processorOptions: options.processorOptions }),
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
    // What the handler returns is passed on: a promise (an async handler) must reach the
    // checkpoint store, which refuses it rather than commit before the work is done.
    handle(event, context): void {
      const db = context.transaction as Database;
      return handleBatch ? handleBatch([event], db) : options.handle!(event, db);
    },
    ...(handleBatch && {
      handleBatch(events: readonly RecordedEvent[], context: ProjectionContext): void {
        return handleBatch(events, context.transaction as Database);
      },
    }),
  };
}

/** The batch handler, if the options chose it; fails unless exactly one handler is given. */
function oneHandler(options: SqliteProjectorOptions): SqliteProjectorOptions['handleBatch'] {
  const { handle, handleBatch } = options as Partial<Record<'handle' | 'handleBatch', unknown>>;
  const given = [handle, handleBatch].filter((h) => h !== undefined);
  if (given.length !== 1 || given.some((h) => typeof h !== 'function')) {
    const found = given.length === 0 ? 'neither' : given.length === 2 ? 'both' : 'a non-function';
    throw new EventedError(
      'CONFIGURATION',
      `projector ${String(options.name)} needs exactly one of handle and handleBatch, as a function; found ${found}`,
      { processor: String(options.name) },
    );
  }
  return options.handleBatch;
}
