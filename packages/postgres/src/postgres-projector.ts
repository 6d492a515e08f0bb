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
import type { PostgresClient, PostgresPool } from './connection.js';
import { translatePostgresError } from './errors.js';

/** What every {@link postgresProjector} has, whichever way it takes its events. */
interface PostgresProjectorBase {
  readonly name: string;
  readonly filter?: EventFilter;
  /** SQL run once at start, e.g. `CREATE TABLE IF NOT EXISTS ...` for the read model. */
  readonly schema?: string;
  /** Overrides the application's processor options; `batchSize` is the size of a page. */
  readonly processorOptions?: ProcessorOptions;
  /**
   * Clears the read model for a rebuild (`Evented.rebuildProjector`): SQL such as
   * `TRUNCATE balances`, or a function of the client. It runs inside the transaction that
   * moves the checkpoint back to the start, so a crash keeps both or neither.
   */
  readonly reset?: string | ((client: PostgresClient) => void | Promise<void>);
  /**
   * The read model's version (default 1). Give a new version its own tables (say
   * `balances_v2`): it runs as processor `name@v2` beside the old one, and once it has
   * caught up it becomes the version {@link PostgresProjector.activeVersion} returns, which
   * is what queries should read. The old version's tables can be dropped once no node
   * runs it any more.
   */
  readonly version?: number;
}

/** The table that says which version of each versioned read model queries read. */
const READ_MODEL_VERSIONS_TABLE = 'evented_read_model_versions';
const UNDEFINED_TABLE = '42P01';

/**
 * Options of {@link postgresProjector}: exactly one of `handle` (one event at a time) and
 * `handleBatch` (a page at once). Either writes through `client`, inside the transaction
 * that also saves the checkpoint; it may be asynchronous; use bind parameters for every value.
 */
export type PostgresProjectorOptions = PostgresProjectorBase &
  (
    | {
        /** Writes one event into the read model. */
        handle(event: RecordedEvent, client: PostgresClient): void | Promise<void>;
        readonly handleBatch?: never;
      }
    | {
        readonly handle?: never;
        /**
         * Writes a page of events into the read model in one call, e.g. one multi-row
         * statement for the rows the page touches. A page that fails is retried one event at
         * a time, each a page of one.
         */
        handleBatch(events: readonly RecordedEvent[], client: PostgresClient): void | Promise<void>;
      }
  );

/** A projector whose read model lives in evented's own PostgreSQL database. */
export interface PostgresProjector extends Projector {
  /** The pool of the read model's database, to query it; available once the application is built. */
  readonly pool: PostgresPool;
  /**
   * The version of this projector's read model that queries should read: the newest one
   * that caught up and was promoted, or undefined while none was (read the version you had).
   * Pass a client to read it inside the query's own transaction.
   */
  activeVersion(client?: Pick<PostgresPool, 'query'>): Promise<number | undefined>;
}

/**
 * A projector whose read model is in the same PostgreSQL database as the events: each page
 * of events and the checkpoint commit in one transaction, so every event takes effect
 * exactly once, even across crashes.
 *
 * ```ts
 * const balances = postgresProjector({
 *   name: 'balances',
 *   schema: 'CREATE TABLE IF NOT EXISTS balances (id text PRIMARY KEY, balance bigint NOT NULL)',
 *   async handle(event, client) {
 *     if (event.type === 'Deposited')
 *       await client.query('UPDATE balances SET balance = balance + $1 WHERE id = $2',
 *         [event.data.amount, event.aggregateId]);
 *   },
 * });
 * ```
 *
 * With `handleBatch` instead of `handle`, a page of events (`processorOptions.batchSize`,
 * default 500) arrives in one call, still inside the checkpoint's transaction: fold it in
 * memory and write the rows it touches in one statement, which is where catching up gets
 * its speed.
 *
 * ```ts
 * const totals = postgresProjector({
 *   name: 'totals',
 *   schema: 'CREATE TABLE IF NOT EXISTS totals (id text PRIMARY KEY, total bigint NOT NULL)',
 *   async handleBatch(events, client) {
 *     const sums = new Map<string, number>();
 *     for (const e of events) sums.set(e.aggregateId, (sums.get(e.aggregateId) ?? 0) + 1);
 *     await client.query(
 *       `INSERT INTO totals (id, total) SELECT * FROM unnest($1::text[], $2::bigint[])
 *        ON CONFLICT (id) DO UPDATE SET total = totals.total + excluded.total`,
 *       [[...sums.keys()], [...sums.values()]],
 *     );
 *   },
 * });
 * ```
 */
export function postgresProjector(options: PostgresProjectorOptions): PostgresProjector {
  const handleBatch = oneHandler(options);
  const { reset, version } = options;
  let pool: PostgresPool | undefined;
  const opened = (): PostgresPool => {
    if (!pool) {
      throw new EventedError(
        'CLOSED',
        `projector ${options.name} has not started: build the application first`,
      );
    }
    return pool;
  };
  const query = async (
    client: Pick<PostgresPool, 'query'>,
    text: string,
    values: unknown[],
    doing: string,
  ) => {
    try {
      return await client.query({ text, values });
    } catch (error) {
      throw translatePostgresError(error, doing);
    }
  };
  return {
    name: options.name,
    ...(options.filter && { filter: options.filter }),
    ...(options.processorOptions && { processorOptions: options.processorOptions }),
    ...(version !== undefined && { version }),
    delivery: 'transactional',
    get pool(): PostgresPool {
      return opened();
    },
    async activeVersion(client = opened()): Promise<number | undefined> {
      let rows: unknown[];
      try {
        ({ rows } = await client.query({
          text: `SELECT version FROM ${READ_MODEL_VERSIONS_TABLE} WHERE projector = $1`,
          values: [options.name],
        }));
      } catch (error) {
        // Until a versioned projector has started, the table does not exist.
        if ((error as { code?: unknown }).code === UNDEFINED_TABLE) return undefined;
        throw translatePostgresError(error, `reading the active version of ${options.name}`);
      }
      const row = rows[0] as { version: number | string } | undefined;
      return row === undefined ? undefined : Number(row.version);
    },
    ...(reset !== undefined && {
      async reset(_storage: Storage, transaction: unknown): Promise<void> {
        const client = transaction as PostgresClient;
        if (typeof reset === 'string') await query(client, reset, [], `resetting ${options.name}`);
        else await reset(client);
      },
    }),
    ...(version !== undefined && {
      async promote(): Promise<void> {
        // Never demotes: an older version that catches up after a newer one changes nothing.
        await query(
          opened(),
          `INSERT INTO ${READ_MODEL_VERSIONS_TABLE} (projector, version) VALUES ($1, $2)
           ON CONFLICT (projector) DO UPDATE SET version = excluded.version
           WHERE excluded.version > ${READ_MODEL_VERSIONS_TABLE}.version`,
          [options.name, version],
          `promoting version ${version} of ${options.name}`,
        );
      },
    }),
    async start(storage: Storage): Promise<void> {
      const candidate = (storage as { pool?: PostgresPool }).pool;
      if (!candidate || typeof candidate.connect !== 'function') {
        throw new EventedError(
          'CONFIGURATION',
          `projector ${options.name} needs evented's PostgreSQL storage`,
          { processor: options.name },
        );
      }
      if (options.schema) {
        try {
          await candidate.query({ text: options.schema });
        } catch (error) {
          throw translatePostgresError(error, `creating the read model of ${options.name}`);
        }
      }
      if (version !== undefined) {
        await query(
          candidate,
          `CREATE TABLE IF NOT EXISTS ${READ_MODEL_VERSIONS_TABLE} (
             projector text PRIMARY KEY, version integer NOT NULL)`,
          [],
          `creating ${READ_MODEL_VERSIONS_TABLE}`,
        );
      }
      pool = candidate;
    },
    handle(event, context): void | Promise<void> {
      const client = context.transaction as PostgresClient;
      return handleBatch ? handleBatch([event], client) : options.handle!(event, client);
    },
    ...(handleBatch && {
      handleBatch(events: readonly RecordedEvent[], context: ProjectionContext) {
        return handleBatch(events, context.transaction as PostgresClient);
      },
    }),
  };
}
