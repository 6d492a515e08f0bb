import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { AccountEvent } from '@evented/example-bank';
import { decideAccount, foldAccount } from '../bank.js';
import { dropSchema, postgresAdmin, postgresUrl, uniqueName } from './servers.js';
import { ConflictError } from './target.js';
import type { ReadBackEvent, StoreTargetInfo, StreamRef, Target } from './target.js';

/** evented's `events` table and indexes (packages/postgres/src/schema.ts, migration 1). */
const tableSql = (s: string): string => `
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
  CREATE INDEX events_by_type ON ${s}.events (type, transaction_id, idx);`;

/** A row of `columns`, as an array: pg's default parsers (json parsed, int8 as text). */
type Row = [string, number, string, string, string, string, string, unknown, ...unknown[]];

// A position is evented's: the transaction id above 20 bits of index.
const INDEX_BITS = 20n;
const toReadBack = (row: Row): ReadBackEvent => ({
  type: row[6],
  version: Number(row[5]),
  data: row[7],
});

/**
 * `pg` alone on evented's table: one transaction per append (BEGIN; SELECT the stream's
 * version; INSERT the events, the unique (domain, aggregate_id, version) constraint catching
 * a racing writer; COMMIT), the closest plain equivalent of evented's append. Reads are
 * plain SELECTs of the same columns, JSON parsed by pg's type parser.
 */
export const rawPostgres: StoreTargetInfo = {
  name: 'raw-postgres',
  database: 'postgres',
  role: 'raw',
  kind: 'store',
  async open() {
    const schema = uniqueName('bench_raw');
    const s = `"${schema}"`;
    const admin = await postgresAdmin();
    try {
      await admin.query(`CREATE SCHEMA ${s}`);
      await admin.query(tableSql(s));
    } finally {
      await admin.end();
    }
    // Named (prepared) statements, planned for each execution's values: a generic plan made
    // while the table was nearly empty scans every row of the domain to find a stream's
    // version, which made appends grow from 0.9 ms to 2.9 ms over W1.
    const pool = new pg.Pool({
      connectionString: postgresUrl,
      max: 10,
      options: '-c plan_cache_mode=force_custom_plan',
    });
    // evented's columns (packages/postgres/src/rows.ts). `tx`, not `transaction_id`: ORDER BY
    // would sort by the text column of that name.
    const columns = `transaction_id::text AS tx, idx, id, domain, aggregate_id, version, type, data,
      metadata, schema_version, round(date_part('epoch', recorded_at) * 1000)::int8, correlation_id,
      causation_id`;
    const insert = {
      name: 'insert',
      text: `INSERT INTO ${s}.events (idx, id, domain, aggregate_id, version, type, data, metadata,
          schema_version, recorded_at)
        SELECT e.n::integer - 1, e.id, $1, $2, $3::bigint + e.n, e.type, e.data, '{}', 1, now()
        FROM unnest($4::uuid[], $5::text[], $6::json[]) WITH ORDINALITY AS e(id, type, data, n)`,
    };
    /** The append in one statement: inserted only if the stream is at $3; the unique key settles races. */
    const guardedInsert = {
      name: 'guarded-insert',
      text: `${insert.text}
        WHERE (SELECT coalesce(max(version), 0) FROM ${s}.events WHERE domain = $1 AND aggregate_id = $2) = $3::bigint`,
    };
    const streamRows = {
      name: 'stream',
      rowMode: 'array',
      text: `SELECT ${columns} FROM ${s}.events WHERE domain = $1 AND aggregate_id = $2 ORDER BY version`,
    };
    const page = {
      name: 'page',
      rowMode: 'array',
      text: `SELECT ${columns} FROM ${s}.events WHERE (transaction_id, idx) > ($1::text::xid8, $2)
        ORDER BY transaction_id, idx LIMIT $3`,
    };

    const insertValues = (
      st: StreamRef,
      events: readonly { type: string; data: unknown }[],
      from: number,
    ) => [
      st.domain,
      st.aggregateId,
      from,
      events.map(() => randomUUID()),
      events.map((e) => e.type),
      events.map((e) => JSON.stringify(e.data)),
    ];
    /** Runs `work` in one transaction on one pooled connection; a lost version race is a conflict. */
    async function inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK');
        const constraint = (error as { constraint?: string }).constraint;
        if (constraint === 'events_stream_version_unique') {
          throw new ConflictError('conflict: another writer took the version');
        }
        throw error;
      } finally {
        client.release();
      }
    }
    const target: Target = {
      async appendToStream(st, events, expected) {
        try {
          const { rowCount } = await pool.query({
            ...guardedInsert,
            values: insertValues(st, events, expected),
          });
          if (rowCount === 0) throw new ConflictError(`conflict: the stream is not at ${expected}`);
          return expected + events.length;
        } catch (error) {
          const constraint = (error as { constraint?: string }).constraint;
          if (constraint === 'events_stream_version_unique') {
            throw new ConflictError('conflict: another writer took the version');
          }
          throw error;
        }
      },
      async readStream(st) {
        const { rows } = await pool.query<Row>({
          ...streamRows,
          values: [st.domain, st.aggregateId],
        });
        return rows.map(toReadBack);
      },
      async readAll(after, limit) {
        const mask = (1n << INDEX_BITS) - 1n;
        const values = [String(after >> INDEX_BITS), Number(after & mask), limit];
        const { rows } = await pool.query<Row>({ ...page, values });
        const last = rows.at(-1);
        return {
          events: rows.map(toReadBack),
          position: last ? (BigInt(last[0]) << INDEX_BITS) | BigInt(last[1]) : after,
          isEnd: rows.length < limit,
        };
      },
      handleCommand: (cmd) =>
        inTransaction(async (client) => {
          const { rows } = await client.query<Row>({
            ...streamRows,
            values: [cmd.domain, cmd.aggregateId],
          });
          const history = rows.map(toReadBack) as unknown as AccountEvent[];
          const decided = decideAccount(cmd, foldAccount(history));
          await client.query({ ...insert, values: insertValues(cmd, decided, rows.length) });
        }),
      async analyze() {
        await pool.query(`ANALYZE ${s}.events`);
      },
      notes:
        'a pool of 10 pg connections; one statement per append (an INSERT guarded by the ' +
        "stream's version, the unique key settling races), as evented does",
      async close() {
        await pool.end();
        await dropSchema(schema);
      },
    };
    return target;
  },
};
