import type { Limits, NewSnapshot, Snapshot, SnapshotStore, StreamId } from '@evented/core';
import {
  assertPositiveInteger,
  assertStreamId,
  closedError,
  parseJson,
  prepareSnapshot,
} from '@evented/core/internal';
import type { PostgresPool } from './connection.js';
import { execute, quoteSchema, read, statement } from './connection.js';
import { translatePostgresError } from './errors.js';

/** The snapshot store on PostgreSQL. Obtain it from `openPostgresStorage`. */
export class PostgresSnapshotStore implements SnapshotStore {
  readonly #pool: PostgresPool;
  readonly #limits: Limits;
  readonly #isOpen: () => boolean;
  readonly #sql;

  constructor(pool: PostgresPool, schema: string, limits: Limits, isOpen: () => boolean) {
    this.#pool = pool;
    this.#limits = limits;
    this.#isOpen = isOpen;
    const s = quoteSchema(schema);
    this.#sql = {
      save: statement(
        `INSERT INTO ${s}.snapshots (domain, aggregate_id, version, state, schema_version, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (domain, aggregate_id, version) DO UPDATE SET
           state = excluded.state, schema_version = excluded.schema_version, recorded_at = excluded.recorded_at`,
      ),
      latest: statement(
        `SELECT version, state, schema_version, round(date_part('epoch', recorded_at) * 1000)::int8
         FROM ${s}.snapshots WHERE domain = $1 AND aggregate_id = $2 ORDER BY version DESC LIMIT 1`,
      ),
      // Below the keep-th latest version; with fewer snapshots the subquery is NULL: none.
      prune: statement(
        `WITH removed AS (
           DELETE FROM ${s}.snapshots WHERE domain = $1 AND aggregate_id = $2 AND version < (
             SELECT version FROM ${s}.snapshots WHERE domain = $1 AND aggregate_id = $2
             ORDER BY version DESC LIMIT 1 OFFSET $3::int8 - 1)
           RETURNING 1)
         SELECT count(*)::int8 FROM removed`,
      ),
    };
  }

  async saveSnapshot(snapshot: NewSnapshot): Promise<void> {
    if (!this.#isOpen()) throw closedError('the PostgreSQL snapshot store');
    const s = prepareSnapshot(snapshot, this.#limits);
    try {
      await execute(this.#pool, this.#sql.save, [
        s.domain,
        s.aggregateId,
        s.version,
        s.stateJson,
        s.schemaVersion,
        new Date(),
      ]);
    } catch (error) {
      throw translatePostgresError(error, `saving a snapshot of ${s.domain}/${s.aggregateId}`);
    }
  }

  async latestSnapshot(stream: StreamId): Promise<Snapshot | undefined> {
    if (!this.#isOpen()) throw closedError('the PostgreSQL snapshot store');
    assertStreamId(stream, this.#limits);
    let row;
    try {
      [row] = await read(this.#pool, this.#sql.latest, [stream.domain, stream.aggregateId]);
    } catch (error) {
      throw translatePostgresError(
        error,
        `reading the snapshot of ${stream.domain}/${stream.aggregateId}`,
      );
    }
    if (!row) return undefined;
    return {
      domain: stream.domain,
      aggregateId: stream.aggregateId,
      version: Number(row[0]),
      state: parseJson(row[1]!),
      schemaVersion: Number(row[2]),
      recordedAt: new Date(Number(row[3])),
    };
  }

  async pruneSnapshots(stream: StreamId, keep: number): Promise<number> {
    if (!this.#isOpen()) throw closedError('the PostgreSQL snapshot store');
    assertStreamId(stream, this.#limits);
    assertPositiveInteger('keep', keep);
    try {
      const [row] = await read(this.#pool, this.#sql.prune, [
        stream.domain,
        stream.aggregateId,
        keep,
      ]);
      return Number(row?.[0] ?? 0);
    } catch (error) {
      throw translatePostgresError(
        error,
        `pruning the snapshots of ${stream.domain}/${stream.aggregateId}`,
      );
    }
  }
}
