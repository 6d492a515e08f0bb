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
import { oneHandler } from '@evented/core/internal';

/** What every {@link sqliteProjector} has, whichever way it takes its events. */
interface SqliteProjectorBase {
  readonly name: string;
  readonly filter?: EventFilter;
  /** SQL run once at start, e.g. `CREATE TABLE IF NOT EXISTS ...` for the read model. */
  readonly schema?: string;
  /** Overrides the application's processor options; `batchSize` is the size of a page. */
  readonly processorOptions?: ProcessorOptions;
  /**
   * Clears the read model for a rebuild (`Evented.rebuildProjector`): SQL such as
   * `DELETE FROM balances`, or a function of the database. It runs inside the transaction
   * that moves the checkpoint back to the start, so a crash keeps both or neither.
   */
  readonly reset?: string | ((db: Database) => void);
  /**
   * The read model's version (default 1). Give a new version its own tables (say
   * `balances_v2`): it runs as processor `name@v2` beside the old one, and once it has
   * caught up it becomes the version {@link SqliteProjector.activeVersion} returns, which
   * is what queries should read. The old version's tables can be dropped once no node
   * runs it any more.
   */
  readonly version?: number;
}

/** The table that says which version of each versioned read model queries read. */
const READ_MODEL_VERSIONS_TABLE = 'evented_read_model_versions';

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
  /**
   * The version of this projector's read model that queries should read: the newest one
   * that caught up and was promoted, or undefined while none was (read the version you had).
   * Read it and the tables in one synchronous function, so no promotion falls between.
   */
  activeVersion(): number | undefined;
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
  const { reset, version } = options;
  let database: Database | undefined;
  const opened = (): Database => {
    if (!database) {
      throw new EventedError(
        'CLOSED',
        `projector ${options.name} has not started: build the application first`,
      );
    }
    return database;
  };
  return {
    name: options.name,
    ...(options.filter && { filter: options.filter }),
    ...(options.processorOptions && { processorOptions: options.processorOptions }),
    ...(version !== undefined && { version }),
    delivery: 'transactional',
    get database(): Database {
      return opened();
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
      if (version !== undefined) {
        db.exec(`CREATE TABLE IF NOT EXISTS ${READ_MODEL_VERSIONS_TABLE} (
          projector TEXT PRIMARY KEY, version INTEGER NOT NULL)`);
      }
      database = db;
    },
    activeVersion(): number | undefined {
      const db = opened();
      const table = db
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
        .get(READ_MODEL_VERSIONS_TABLE);
      if (!table) return undefined;
      const row = db
        .prepare(`SELECT version FROM ${READ_MODEL_VERSIONS_TABLE} WHERE projector = ?`)
        .get(options.name) as { version: number } | undefined;
      return row?.version;
    },
    ...(reset !== undefined && {
      reset(_storage: Storage, transaction: unknown): void {
        const db = transaction as Database;
        if (typeof reset === 'string') db.exec(reset);
        else reset(db);
      },
    }),
    ...(version !== undefined && {
      promote(): void {
        // Never demotes: an older version that catches up after a newer one changes nothing.
        opened()
          .prepare(
            `INSERT INTO ${READ_MODEL_VERSIONS_TABLE} (projector, version) VALUES (?, ?)
             ON CONFLICT (projector) DO UPDATE SET version = excluded.version
             WHERE excluded.version > ${READ_MODEL_VERSIONS_TABLE}.version`,
          )
          .run(options.name, version);
      },
    }),
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
