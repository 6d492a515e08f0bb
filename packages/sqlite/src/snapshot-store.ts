import type { Database } from 'better-sqlite3';
import type { Limits, NewSnapshot, Snapshot, SnapshotStore, StreamId } from '@evented/core';
import {
  assertPositiveInteger,
  assertStreamId,
  closedError,
  parseJson,
  prepareSnapshot,
} from '@evented/core/internal';
import { translateSqliteError } from './errors.js';

interface SnapshotRow {
  version: number;
  state: string;
  schemaVersion: number;
  recordedAt: number;
}

/** The snapshot store on a better-sqlite3 connection. Obtain it from `openSqliteStorage`. */
export class SqliteSnapshotStore implements SnapshotStore {
  readonly #limits: Limits;
  readonly #isOpen: () => boolean;
  readonly #sql;

  constructor(db: Database, limits: Limits, isOpen: () => boolean) {
    this.#limits = limits;
    this.#isOpen = isOpen;
    this.#sql = {
      save: db.prepare(
        `INSERT INTO snapshots (domain, aggregate_id, version, state, schema_version, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (domain, aggregate_id, version) DO UPDATE SET
           state = excluded.state, schema_version = excluded.schema_version, recorded_at = excluded.recorded_at`,
      ),
      latest: db.prepare(
        `SELECT version, state, schema_version AS schemaVersion, recorded_at AS recordedAt FROM snapshots
         WHERE domain = ? AND aggregate_id = ? ORDER BY version DESC LIMIT 1`,
      ),
      // Below the keep-th latest version; with fewer snapshots the subquery is NULL: none.
      prune: db.prepare(
        `DELETE FROM snapshots WHERE domain = @domain AND aggregate_id = @aggregateId AND version < (
           SELECT version FROM snapshots WHERE domain = @domain AND aggregate_id = @aggregateId
           ORDER BY version DESC LIMIT 1 OFFSET @keep - 1)`,
      ),
    };
  }

  async saveSnapshot(snapshot: NewSnapshot): Promise<void> {
    if (!this.#isOpen()) throw closedError('the SQLite snapshot store');
    const s = prepareSnapshot(snapshot, this.#limits);
    try {
      this.#sql.save.run(
        s.domain,
        s.aggregateId,
        s.version,
        s.stateJson,
        s.schemaVersion,
        Date.now(),
      );
    } catch (error) {
      throw translateSqliteError(error, `saving a snapshot of ${s.domain}/${s.aggregateId}`);
    }
  }

  async latestSnapshot(stream: StreamId): Promise<Snapshot | undefined> {
    if (!this.#isOpen()) throw closedError('the SQLite snapshot store');
    assertStreamId(stream, this.#limits);
    const row = this.#sql.latest.get(stream.domain, stream.aggregateId) as SnapshotRow | undefined;
    if (!row) return undefined;
    return {
      domain: stream.domain,
      aggregateId: stream.aggregateId,
      version: row.version,
      state: parseJson(row.state),
      schemaVersion: row.schemaVersion,
      recordedAt: new Date(row.recordedAt),
    };
  }

  async pruneSnapshots(stream: StreamId, keep: number): Promise<number> {
    if (!this.#isOpen()) throw closedError('the SQLite snapshot store');
    assertStreamId(stream, this.#limits);
    assertPositiveInteger('keep', keep);
    try {
      const { domain, aggregateId } = stream;
      return this.#sql.prune.run({ domain, aggregateId, keep }).changes;
    } catch (error) {
      throw translateSqliteError(
        error,
        `pruning the snapshots of ${stream.domain}/${stream.aggregateId}`,
      );
    }
  }
}
