import type { AppendResult, CommandRecord, RecordedEvent } from '@evented/core';
import { EventedError } from '@evented/core';
import {
  concurrencyConflict,
  expectedVersionNumber,
  parseJson,
  parseMetadata,
} from '@evented/core/internal';
import type { PreparedAppend } from '@evented/core/internal';
import type { Cell, PostgresPool, Statement } from './connection.js';
import { quoteSchema, read, run, statement } from './connection.js';
import { isSqlState, UNIQUE_VIOLATION } from './errors.js';
import { encodePosition, EVENT_COLUMNS, toRecordedEvent } from './rows.js';

/** Retries of an append that lost a race for a version or a command id to another append. */
const MAX_ATTEMPTS = 100;

/**
 * The append as one statement, so one round trip and one implicit transaction: it finds a
 * repeated command, reads the stream's version, and only if the command is new and the
 * version is the expected one inserts the events and records the command. Two appends
 * racing for the same version both pass the
 * check; the unique constraint on `(domain, aggregate_id, version)` then fails the later
 * one, which is retried and so finds the version moved. `idx` continues after the events
 * the transaction wrote already, so several appends may share a transaction.
 */
function appendSql(schema: string): string {
  const s = quoteSchema(schema);
  return `WITH command AS (
      SELECT domain, aggregate_id, from_version, to_version FROM ${s}.commands WHERE command_id = $3
    ), stream AS (
      SELECT coalesce(max(version), 0) AS version FROM ${s}.events WHERE domain = $1 AND aggregate_id = $2
    ), accepted AS (
      SELECT stream.version FROM stream
      WHERE NOT EXISTS (SELECT FROM command) AND ($4::bigint IS NULL OR stream.version = $4::bigint)
    ), base AS (
      SELECT coalesce(max(idx) + 1, 0) AS idx FROM ${s}.events
      WHERE transaction_id = pg_current_xact_id_if_assigned()
    ), inserted AS (
      INSERT INTO ${s}.events (idx, id, domain, aggregate_id, version, type, data, metadata,
        schema_version, recorded_at, correlation_id, causation_id)
      SELECT base.idx + e.n::integer - 1, e.id, $1, $2, accepted.version + e.n, e.type, e.data,
        e.metadata, e.schema_version, $10, $11, $12
      FROM accepted, base,
        unnest($5::uuid[], $6::text[], $7::json[], $8::json[], $9::bigint[])
          WITH ORDINALITY AS e(id, type, data, metadata, schema_version, n)
      RETURNING transaction_id
    ), recorded_command AS (
      INSERT INTO ${s}.commands (command_id, domain, aggregate_id, from_version, to_version, recorded_at)
      SELECT $3, $1, $2, accepted.version, accepted.version + cardinality($5::uuid[]), $10
      FROM accepted WHERE $3::text IS NOT NULL
    )
    SELECT EXISTS (SELECT FROM accepted), (SELECT version FROM stream),
      (SELECT transaction_id::text FROM inserted LIMIT 1), (SELECT idx FROM base),
      command.domain, command.aggregate_id, command.from_version, command.to_version
    FROM (SELECT 1) AS one LEFT JOIN command ON true`;
}

/** The statements of an append and of the lookups its slow paths need. */
export interface AppendStatements {
  readonly append: Statement;
  readonly streamRange: Statement;
  readonly takenIds: Statement;
}

/** Builds the statements of {@link appendToStream} for a schema. */
export function appendStatements(schema: string): AppendStatements {
  const s = quoteSchema(schema);
  return {
    append: statement(appendSql(schema)),
    streamRange: statement(
      `SELECT ${EVENT_COLUMNS} FROM ${s}.events WHERE domain = $1 AND aggregate_id = $2
       AND version >= $3 ORDER BY version LIMIT $4`,
    ),
    takenIds: statement(
      `SELECT id, domain, aggregate_id, version FROM ${s}.events WHERE id = ANY($1::uuid[])`,
    ),
  };
}

/**
 * Appends a prepared (validated, serialised) append: the events, or the original result of
 * a repeated command or re-sent batch, or a `CONCURRENCY_CONFLICT` naming the actual
 * version, or `ALREADY_EXISTS` for an event id recorded elsewhere. Driver errors are left
 * for the caller to translate.
 */
export async function appendToStream(
  pool: PostgresPool,
  sql: AppendStatements,
  append: PreparedAppend,
): Promise<AppendResult> {
  const { domain, aggregateId, events } = append;
  const recordedAt = new Date();
  const values = [
    domain,
    aggregateId,
    append.commandId,
    expectedVersionNumber(append.expectedVersion) ?? null,
    events.map((e) => e.id),
    events.map((e) => e.type),
    events.map((e) => e.dataJson),
    events.map((e) => e.metadataJson),
    events.map((e) => e.schemaVersion),
    recordedAt,
    append.correlationId,
    append.causationId,
  ];
  for (let attempt = 1; ; attempt++) {
    let row: Cell[];
    try {
      [row] = (await run(pool, sql.append, values)) as [Cell[]];
    } catch (error) {
      if (isSqlState(error, UNIQUE_VIOLATION, 'events_id_unique')) {
        return (await findResentBatch(pool, sql, append)) ?? throwTakenId(pool, sql, append, error);
      }
      const lostRace =
        isSqlState(error, UNIQUE_VIOLATION, 'events_stream_version_unique') ||
        isSqlState(error, UNIQUE_VIOLATION, 'commands_pkey');
      if (lostRace && attempt < MAX_ATTEMPTS) continue;
      if (lostRace) {
        throw new EventedError(
          'UNAVAILABLE',
          `appending to ${domain}/${aggregateId}: lost the race for the stream ${MAX_ATTEMPTS} times; try again`,
          { domain, aggregateId },
          { cause: error },
        );
      }
      throw error;
    }
    const [accepted, current, transactionId, baseIdx, commandDomain] = row;
    if (commandDomain !== null) {
      return commandResult(pool, sql, {
        commandId: append.commandId!,
        domain: commandDomain!,
        aggregateId: row[5]!,
        fromVersion: Number(row[6]),
        toVersion: Number(row[7]),
      });
    }
    const version = Number(current);
    if (accepted === 't') {
      const recorded = events.map((event, i): RecordedEvent => ({
        id: event.id,
        domain,
        aggregateId,
        version: version + i + 1,
        position: encodePosition(transactionId!, Number(baseIdx) + i),
        type: event.type,
        data: parseJson(event.dataJson),
        metadata: parseMetadata(event.metadataJson),
        schemaVersion: event.schemaVersion,
        recordedAt,
        correlationId: append.correlationId,
        causationId: append.causationId,
      }));
      return {
        domain,
        aggregateId,
        events: recorded,
        version: version + events.length,
        duplicate: false,
      };
    }
    const resent = await findResentBatch(pool, sql, append);
    if (resent) return resent;
    throw concurrencyConflict(domain, aggregateId, append.expectedVersion, version);
  }
}

async function readRange(
  pool: PostgresPool,
  sql: AppendStatements,
  domain: string,
  aggregateId: string,
  fromVersion: number,
  count: number,
): Promise<RecordedEvent[]> {
  if (count === 0) return [];
  const rows = await read(pool, sql.streamRange, [domain, aggregateId, fromVersion, count]);
  return rows.map(toRecordedEvent);
}

/** The original result of a repeated command: the events it recorded, read back. */
async function commandResult(
  pool: PostgresPool,
  sql: AppendStatements,
  command: CommandRecord,
): Promise<AppendResult> {
  const count = command.toVersion - command.fromVersion;
  const events = await readRange(
    pool,
    sql,
    command.domain,
    command.aggregateId,
    command.fromVersion + 1,
    count,
  );
  return {
    domain: command.domain,
    aggregateId: command.aggregateId,
    events,
    version: command.toVersion,
    duplicate: true,
  };
}

/**
 * The original result of a batch whose event ids are recorded already, in this stream,
 * in the same order and (unless `'any'`) after the same expected version.
 */
async function findResentBatch(
  pool: PostgresPool,
  sql: AppendStatements,
  append: PreparedAppend,
): Promise<AppendResult | undefined> {
  const first = append.events[0];
  if (!first?.idGiven) return undefined;
  const [stored] = await read(pool, sql.takenIds, [[first.id]]);
  if (!stored || stored[1] !== append.domain || stored[2] !== append.aggregateId) return undefined;
  const storedVersion = Number(stored[3]);
  const expected = expectedVersionNumber(append.expectedVersion);
  if (expected !== undefined && expected !== storedVersion - 1) return undefined;
  const { domain, aggregateId } = append;
  const events = await readRange(
    pool,
    sql,
    domain,
    aggregateId,
    storedVersion,
    append.events.length,
  );
  const same =
    events.length === append.events.length &&
    events.every((event, i) => event.id === append.events[i]!.id);
  if (!same) return undefined;
  return { domain, aggregateId, events, version: events.at(-1)!.version, duplicate: true };
}

/** Refuses an append one of whose event ids another append recorded, naming where. */
async function throwTakenId(
  pool: PostgresPool,
  sql: AppendStatements,
  append: PreparedAppend,
  cause: unknown,
): Promise<never> {
  const [taken] = await read(pool, sql.takenIds, [append.events.map((e) => e.id)]);
  if (!taken) throw cause;
  const [eventId, domain, aggregateId] = taken;
  throw new EventedError(
    'ALREADY_EXISTS',
    `event id ${eventId} is recorded already, in stream ${domain}/${aggregateId}`,
    { eventId, domain, aggregateId },
    { cause },
  );
}
