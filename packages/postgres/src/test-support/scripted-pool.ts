// A pool that runs some of the store's appends inside an explicit transaction the test
// controls: the transaction takes its id first, may wait before and after the append's
// statement (pg_sleep or a promise), then commits or rolls back. This is how a slow
// appender looks to PostgreSQL, with the adapter's own code and SQL unchanged.
import type pg from 'pg';
import type {
  PostgresPool,
  PostgresPoolClient,
  PostgresQueryConfig,
  PostgresQueryResult,
} from '@evented/postgres';

/** What to do with one append. */
export interface AppendScript {
  /** Runs inside the transaction, after it took its id and before the append's statement. */
  readonly before?: (client: pg.PoolClient) => Promise<void>;
  /** Runs after the append's statement, before COMMIT (or ROLLBACK). */
  readonly after?: (client: pg.PoolClient) => Promise<void>;
  /** Roll back instead of committing; the store then sees the append fail. */
  readonly rollback?: boolean;
}

/** Sleeps inside the transaction, on the server, for `ms` milliseconds. */
export function pgSleep(ms: number): (client: pg.PoolClient) => Promise<void> {
  return async (client) => {
    await client.query('SELECT pg_sleep($1)', [ms / 1000]);
  };
}

/** Thrown to the store for an append the script rolled back. */
export class RolledBack extends Error {
  override readonly name = 'RolledBack';
}

/** True for the append statement of `@evented/postgres` (the only INSERT into events). */
export function isAppend(config: PostgresQueryConfig): boolean {
  return /INSERT INTO "[^"]+"\.events/.test(config.text);
}

/**
 * Wraps a `pg.Pool`: each append asks `script` what to do; `undefined` runs it as usual.
 * Everything else passes through.
 */
export class ScriptedPool implements PostgresPool {
  readonly #inner: pg.Pool;
  readonly #script: (config: PostgresQueryConfig) => AppendScript | undefined;

  constructor(inner: pg.Pool, script: (config: PostgresQueryConfig) => AppendScript | undefined) {
    this.#inner = inner;
    this.#script = script;
  }

  async query(config: PostgresQueryConfig): Promise<PostgresQueryResult<unknown>> {
    const script = isAppend(config) ? this.#script(config) : undefined;
    if (!script) return this.#inner.query(config as pg.QueryConfig);
    const client = await this.#inner.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_current_xact_id()');
      await script.before?.(client);
      const result = await client.query(config as pg.QueryConfig);
      await script.after?.(client);
      if (script.rollback) {
        await client.query('ROLLBACK');
        throw new RolledBack('rolled back by the test');
      }
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  connect(): Promise<PostgresPoolClient> {
    return this.#inner.connect();
  }
}
