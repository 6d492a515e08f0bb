import { EventedError } from '@evented/core';
import type { PostgresClient, PostgresPool } from './connection.js';
import { inTransaction, quoteSchema } from './connection.js';
import { isSqlState } from './errors.js';

/** One step of the schema. Never edit a released migration: add the next one. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  /** The DDL, for the schema given quoted. */
  sql(schema: string): string;
}

/**
 * The schema, as numbered migrations. The table `schema_migrations` in the schema records
 * which ran; a schema from a newer evented is refused rather than guessed at.
 *
 * Events are ordered by `(transaction_id, idx)`: the id of the transaction that wrote the
 * event (assigned by PostgreSQL, `xid8`, never reused) and the event's index among those it
 * wrote. Payloads are `json`, not `jsonb`: stored as sent, so that they read back exactly
 * (key order, number spelling, and `\u0000`, which `jsonb` refuses).
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'events, commands, snapshots and checkpoints',
    sql: (s) => `
      CREATE TABLE ${s}.events (
        transaction_id xid8    NOT NULL DEFAULT pg_current_xact_id(),
        idx            integer NOT NULL CHECK (idx >= 0 AND idx < 1048576),
        id             uuid    NOT NULL,
        domain         text    NOT NULL,
        aggregate_id   text    NOT NULL,
        version        bigint  NOT NULL CHECK (version > 0),
        type           text    NOT NULL,
        data           json    NOT NULL,
        metadata       json    NOT NULL,
        schema_version bigint  NOT NULL,
        recorded_at    timestamptz NOT NULL,
        correlation_id text,
        causation_id   text,
        CONSTRAINT events_pkey PRIMARY KEY (transaction_id, idx),
        CONSTRAINT events_id_unique UNIQUE (id),
        CONSTRAINT events_stream_version_unique UNIQUE (domain, aggregate_id, version)
      );
      CREATE INDEX events_by_domain ON ${s}.events (domain, transaction_id, idx);
      CREATE INDEX events_by_type ON ${s}.events (type, transaction_id, idx);

      CREATE TABLE ${s}.commands (
        command_id   text   NOT NULL,
        domain       text   NOT NULL,
        aggregate_id text   NOT NULL,
        from_version bigint NOT NULL,
        to_version   bigint NOT NULL,
        recorded_at  timestamptz NOT NULL,
        CONSTRAINT commands_pkey PRIMARY KEY (command_id)
      );

      CREATE TABLE ${s}.snapshots (
        domain         text   NOT NULL,
        aggregate_id   text   NOT NULL,
        version        bigint NOT NULL,
        state          json   NOT NULL,
        schema_version bigint NOT NULL,
        recorded_at    timestamptz NOT NULL,
        CONSTRAINT snapshots_pkey PRIMARY KEY (domain, aggregate_id, version)
      );

      CREATE TABLE ${s}.checkpoints (
        processor      text    NOT NULL,
        transaction_id xid8    NOT NULL,
        idx            integer NOT NULL,
        updated_at     timestamptz NOT NULL,
        CONSTRAINT checkpoints_pkey PRIMARY KEY (processor)
      );
    `,
  },
  {
    version: 2,
    name: 'segment claims, node heartbeats and dead letters',
    sql: (s) => `
      CREATE TABLE ${s}.processor_nodes (
        processor  text        NOT NULL,
        node       text        NOT NULL,
        expires_at timestamptz NOT NULL,
        CONSTRAINT processor_nodes_pkey PRIMARY KEY (processor, node)
      );

      -- owner is null once released; token only grows, so a stale holder is always refused.
      CREATE TABLE ${s}.segment_claims (
        processor  text        NOT NULL,
        segment    integer     NOT NULL CHECK (segment >= 0),
        owner      text,
        token      bigint      NOT NULL,
        expires_at timestamptz NOT NULL,
        CONSTRAINT segment_claims_pkey PRIMARY KEY (processor, segment)
      );

      -- position is the event's (transaction_id, idx) sort key; event is the recorded event as JSON.
      CREATE TABLE ${s}.dead_letters (
        processor      text        NOT NULL,
        event_id       uuid        NOT NULL,
        transaction_id xid8        NOT NULL,
        idx            integer     NOT NULL,
        domain         text        NOT NULL,
        aggregate_id   text        NOT NULL,
        event          json        NOT NULL,
        reason         text        NOT NULL,
        message        text        NOT NULL,
        code           text,
        attempts       integer     NOT NULL,
        parked_at      timestamptz NOT NULL,
        CONSTRAINT dead_letters_pkey PRIMARY KEY (processor, event_id)
      );
      CREATE INDEX dead_letters_by_position ON ${s}.dead_letters (processor, transaction_id, idx);
      CREATE INDEX dead_letters_by_aggregate
        ON ${s}.dead_letters (processor, domain, aggregate_id, transaction_id, idx);
    `,
  },
];

/** The schema version this package writes and reads. */
export const SCHEMA_VERSION = migrations.at(-1)!.version;

/** What {@link migrate} did. */
export interface MigrationOutcome {
  readonly schema: string;
  /** The version before; 0 for a schema that did not exist. */
  readonly fromVersion: number;
  /** The version after: {@link SCHEMA_VERSION}. */
  readonly toVersion: number;
}

/** The schema's version: 0 when it or its migrations table does not exist. */
export async function schemaVersion(on: PostgresPool | PostgresClient, schema: string) {
  try {
    const result = await on.query({
      text: `SELECT coalesce(max(version), 0)::text FROM ${quoteSchema(schema)}.schema_migrations`,
      rowMode: 'array',
    });
    return Number((result.rows as string[][])[0]![0]);
  } catch (error) {
    if (isSqlState(error, '42P01') || isSqlState(error, '3F000')) return 0;
    throw error;
  }
}

function tooNew(schema: string, found: number): EventedError {
  return new EventedError(
    'CONFIGURATION',
    `schema ${schema} is at version ${found}, newer than this evented knows (${SCHEMA_VERSION}); upgrade @evented/postgres`,
    { schema, found, expected: SCHEMA_VERSION },
  );
}

/**
 * Brings the schema up to date: each pending migration in its own transaction, under a
 * transaction-scoped advisory lock on the schema's name, so that processes opening the same
 * schema at once apply each migration exactly once.
 */
export async function migrate(pool: PostgresPool, schema: string): Promise<MigrationOutcome> {
  const current = await schemaVersion(pool, schema);
  if (current > SCHEMA_VERSION) throw tooNew(schema, current);
  if (current === SCHEMA_VERSION) {
    return { schema, fromVersion: current, toVersion: current };
  }
  let fromVersion: number | undefined;
  for (;;) {
    const applied = await inTransaction(pool, async (client) => {
      await client.query({
        text: `SELECT pg_advisory_xact_lock(hashtext('evented.migrate'), hashtext($1))`,
        values: [schema],
      });
      const version = await prepareMigrationsTable(client, schema);
      fromVersion ??= version;
      if (version > SCHEMA_VERSION) throw tooNew(schema, version);
      const next = migrations.find((m) => m.version === version + 1);
      if (!next) return version;
      await client.query(next.sql(quoteSchema(schema)));
      await client.query({
        text: `INSERT INTO ${quoteSchema(schema)}.schema_migrations (version, name) VALUES ($1, $2)`,
        values: [next.version, next.name],
      });
      return next.version;
    });
    if (applied >= SCHEMA_VERSION) return { schema, fromVersion: fromVersion!, toVersion: applied };
  }
}

/** Creates the schema and its migrations table if missing; returns the version applied. */
async function prepareMigrationsTable(client: PostgresClient, schema: string): Promise<number> {
  const s = quoteSchema(schema);
  // CREATE SCHEMA IF NOT EXISTS checks the privilege to create first: a schema that an
  // administrator created must open for a user who may not create schemas.
  const exists = await client.query({
    text: 'SELECT 1 FROM pg_namespace WHERE nspname = $1',
    values: [schema],
    rowMode: 'array',
  });
  if (exists.rows.length === 0) await client.query(`CREATE SCHEMA ${s}`);
  await client.query(`CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
      version    integer     NOT NULL PRIMARY KEY,
      name       text        NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  return schemaVersion(client, schema);
}

/** Refuses a schema that is not at {@link SCHEMA_VERSION}; for storages opened with `migrate: false`. */
export async function assertMigrated(pool: PostgresPool, schema: string): Promise<void> {
  const found = await schemaVersion(pool, schema);
  if (found > SCHEMA_VERSION) throw tooNew(schema, found);
  if (found < SCHEMA_VERSION) {
    throw new EventedError(
      'CONFIGURATION',
      `schema ${schema} is at version ${found}, this evented needs ${SCHEMA_VERSION}: run \`evented store migrate\` or open with migrate: true`,
      { schema, found, expected: SCHEMA_VERSION },
    );
  }
}
