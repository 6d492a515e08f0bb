import { createHash } from 'node:crypto';
import pg from 'pg';
import { EventedError } from '@evented/core';
import { isConnectionLoss } from './errors.js';

/** A value as evented reads it: the text PostgreSQL sends, or null. */
export type Cell = string | null;

/** The query config evented sends: array rows, its own (text) type parsers, a statement name. */
export interface PostgresQueryConfig {
  readonly text: string;
  readonly values?: unknown[];
  /** The name of a prepared statement, so that it is parsed once per connection. */
  readonly name?: string;
  readonly rowMode?: 'array';
  readonly types?: { getTypeParser(oid: number, format?: string): (value: string) => unknown };
}

/** What a query resolves to; `rows` are arrays with `rowMode: 'array'`. */
export interface PostgresQueryResult<Row = Record<string, unknown>> {
  readonly rows: Row[];
  readonly rowCount: number | null;
}

/** A notification received on a `LISTEN`ing connection. */
export interface PostgresNotification {
  readonly channel: string;
  readonly payload?: string | undefined;
}

/**
 * A connection as evented uses it: a `pg` `Client` or `PoolClient` satisfies it. Projection
 * work of `saveCheckpointWith` and `postgresProjector` receives one, inside the transaction.
 */
export interface PostgresClient {
  query<Row = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<PostgresQueryResult<Row>>;
  query(config: PostgresQueryConfig): Promise<PostgresQueryResult<unknown>>;
}

/** A connection checked out of a pool: a `pg` `PoolClient` satisfies it. */
export interface PostgresPoolClient extends PostgresClient {
  release(destroy?: boolean | Error): void;
  on(event: 'notification', listener: (message: PostgresNotification) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  removeListener(event: 'notification', listener: (message: PostgresNotification) => void): unknown;
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: 'end', listener: () => void): unknown;
}

/**
 * The pool evented runs on: a `pg.Pool` satisfies it, so that an application passes its
 * own pool (kysely's `PostgresPool` does the same). evented never ends a pool it was given.
 */
export interface PostgresPool {
  query(config: PostgresQueryConfig): Promise<PostgresQueryResult<unknown>>;
  connect(): Promise<PostgresPoolClient>;
}

/** One SQL statement, named after its text so that each connection prepares it once. */
export interface Statement {
  readonly name: string;
  readonly text: string;
}

/** Names a statement by a digest of its text: equal texts share a name, different ones never do. */
export function statement(text: string): Statement {
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 32);
  return { name: `evented_${digest}`, text };
}

// Every value arrives as the text PostgreSQL sent: evented parses it itself, so that type
// parsers an application installed globally (dates as strings, int8 as numbers) change nothing.
const TEXT_VALUES: NonNullable<PostgresQueryConfig['types']> = {
  getTypeParser: () => (value: string) => value,
};

/** Runs a prepared statement and returns its rows as arrays of text. */
export async function run(
  on: Pick<PostgresPool, 'query'> | PostgresClient,
  sql: Statement,
  values: unknown[],
): Promise<Cell[][]> {
  const result = await on.query({
    name: sql.name,
    text: sql.text,
    values,
    rowMode: 'array',
    types: TEXT_VALUES,
  });
  return result.rows as Cell[][];
}

/** How often a read is sent in all when the connection it went out on turns out lost. */
const READ_ATTEMPTS = 3;

/**
 * Runs a statement that only reads, sending it again on a lost connection: after a server
 * restart or a terminated backend the pool may still hold dead idle connections, and a read
 * can safely be repeated on the next one.
 */
export async function read(
  pool: Pick<PostgresPool, 'query'>,
  sql: Statement,
  values: unknown[],
): Promise<Cell[][]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run(pool, sql, values);
    } catch (error) {
      if (attempt >= READ_ATTEMPTS || !isConnectionLoss(error)) throw error;
    }
  }
}

/** Runs a statement and returns how many rows it changed. */
export async function execute(
  on: Pick<PostgresPool, 'query'> | PostgresClient,
  sql: Statement,
  values: unknown[],
): Promise<number> {
  const result = await on.query({
    name: sql.name,
    text: sql.text,
    values,
    rowMode: 'array',
    types: TEXT_VALUES,
  });
  return result.rowCount ?? 0;
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A schema name leaves room for the `_events` suffix of its channel in PostgreSQL's 63 bytes. */
export const MAX_SCHEMA_NAME_LENGTH = 56;

/**
 * Checks the schema option: letters, digits and underscores, not starting with a digit or
 * `pg_`, at most 56 characters. It is the only identifier evented puts into SQL text, and
 * it is quoted there as well, so upper-case letters are kept.
 */
export function assertSchemaName(schema: unknown): asserts schema is string {
  const valid =
    typeof schema === 'string' &&
    SCHEMA_NAME.test(schema) &&
    schema.length <= MAX_SCHEMA_NAME_LENGTH &&
    !/^pg_/i.test(schema);
  if (!valid) {
    const shown = typeof schema === 'string' ? JSON.stringify(schema.slice(0, 80)) : typeof schema;
    throw new EventedError(
      'CONFIGURATION',
      `schema must be an identifier of letters, digits and underscores, not starting with a digit or pg_, at most ${MAX_SCHEMA_NAME_LENGTH} characters; found ${shown}`,
      { field: 'schema' },
    );
  }
}

/** The schema as it appears in SQL text: quoted. Only for names {@link assertSchemaName} accepted. */
export function quoteSchema(schema: string): string {
  return `"${schema}"`;
}

/** The channel appends notify and waiting readers listen on; one per schema. */
export function channelOf(schema: string): string {
  return `${schema}_events`;
}

/** Opens a `pg.Pool` for a connection string; its owner ends it. */
export function createPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, application_name: 'evented' });
  // An idle connection that the server closed (a restart, a terminated backend) is dropped
  // by the pool, which opens another on the next checkout; without a listener the event
  // would crash the process.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Opens listening connections of their own for a connection string, outside the pool, so
 * that a long LISTEN never takes one of the pool's connections (a pool of one would starve).
 */
export function dedicatedListener(url: string): () => Promise<PostgresPoolClient> {
  return async () => {
    const client = new pg.Client({ connectionString: url, application_name: 'evented' });
    // Until the notifier attaches its own listener, an error must not crash the process.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    const release = (): void => {
      client.end().catch(() => undefined);
    };
    return Object.assign(client, { release });
  };
}

/** Checks listening connections out of an application's pool. */
export function pooledListener(pool: PostgresPool): () => Promise<PostgresPoolClient> {
  return () => pool.connect();
}

/**
 * Checks a connection out, runs `work` on it in one transaction and gives it back. A
 * connection that broke, or whose ROLLBACK failed, is destroyed rather than returned. A
 * connection lost between queries emits `error` on the client, which must not crash the
 * process: it is caught here, and the next query fails instead. What `work` throws is
 * rethrown unchanged.
 */
export async function inTransaction<T>(
  pool: PostgresPool,
  work: (client: PostgresPoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: unknown;
  const onError = (error: Error): void => {
    broken ??= error;
  };
  client.on('error', onError);
  const control = async (sql: string): Promise<void> => {
    try {
      await client.query(sql);
    } catch (error) {
      // A failed BEGIN, COMMIT or ROLLBACK may leave the connection in any state.
      broken ??= error;
      throw error;
    }
  };
  try {
    await control('BEGIN');
    let result: T;
    try {
      result = await work(client);
    } catch (error) {
      await control('ROLLBACK').catch(() => undefined);
      throw error;
    }
    await control('COMMIT');
    return result;
  } finally {
    client.removeListener('error', onError);
    client.release(broken === undefined ? false : true);
  }
}
