import type { Database } from 'better-sqlite3';
import { EventedError } from '@evented/core';

/**
 * The schema, as numbered migrations. The database's `user_version` is the number of
 * migrations applied; a database from a newer evented is refused rather than guessed at.
 * Never edit a released migration: add the next one.
 */
export const migrations: readonly string[] = [
  `
  CREATE TABLE events (
    position       INTEGER PRIMARY KEY AUTOINCREMENT,
    id             TEXT    NOT NULL UNIQUE,
    domain         TEXT    NOT NULL,
    aggregate_id   TEXT    NOT NULL,
    version        INTEGER NOT NULL,
    type           TEXT    NOT NULL,
    data           TEXT    NOT NULL,
    metadata       TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    recorded_at    INTEGER NOT NULL,
    correlation_id TEXT,
    causation_id   TEXT,
    UNIQUE (domain, aggregate_id, version)
  );
  CREATE INDEX events_by_domain ON events (domain, position);
  CREATE INDEX events_by_type ON events (type, position);

  CREATE TABLE commands (
    command_id   TEXT    NOT NULL PRIMARY KEY,
    domain       TEXT    NOT NULL,
    aggregate_id TEXT    NOT NULL,
    from_version INTEGER NOT NULL,
    to_version   INTEGER NOT NULL,
    recorded_at  INTEGER NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE snapshots (
    domain         TEXT    NOT NULL,
    aggregate_id   TEXT    NOT NULL,
    version        INTEGER NOT NULL,
    state          TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    recorded_at    INTEGER NOT NULL,
    PRIMARY KEY (domain, aggregate_id, version)
  ) WITHOUT ROWID;

  CREATE TABLE checkpoints (
    processor  TEXT    NOT NULL PRIMARY KEY,
    position   INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  // 2: segment claims with leases and fencing tokens, node heartbeats, dead letters.
  // Times are milliseconds since the epoch, by the clock of the machine (one file, one machine).
  `
  CREATE TABLE processor_nodes (
    processor  TEXT    NOT NULL,
    node       TEXT    NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (processor, node)
  ) WITHOUT ROWID;

  CREATE TABLE segment_claims (
    processor  TEXT    NOT NULL,
    segment    INTEGER NOT NULL,
    owner      TEXT,
    token      INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (processor, segment)
  ) WITHOUT ROWID;

  CREATE TABLE dead_letters (
    processor    TEXT    NOT NULL,
    event_id     TEXT    NOT NULL,
    position     INTEGER NOT NULL,
    domain       TEXT    NOT NULL,
    aggregate_id TEXT    NOT NULL,
    event        TEXT    NOT NULL,
    reason       TEXT    NOT NULL,
    message      TEXT    NOT NULL,
    code         TEXT,
    attempts     INTEGER NOT NULL,
    parked_at    INTEGER NOT NULL,
    PRIMARY KEY (processor, event_id)
  ) WITHOUT ROWID;
  CREATE INDEX dead_letters_by_position ON dead_letters (processor, position);
  CREATE INDEX dead_letters_by_aggregate ON dead_letters (processor, domain, aggregate_id, position);
  `,
];

/** Brings the schema up to date, in one write transaction so that concurrent openers agree. */
export function migrate(db: Database): void {
  db.transaction(() => {
    const applied = db.pragma('user_version', { simple: true }) as number;
    if (applied > migrations.length) {
      throw new EventedError(
        'CONFIGURATION',
        `the database has schema version ${applied}, newer than this evented knows (${migrations.length}); upgrade @evented/sqlite`,
        { found: applied, expected: migrations.length },
      );
    }
    for (let version = applied; version < migrations.length; version++) {
      db.exec(migrations[version]!);
    }
    if (applied < migrations.length) db.pragma(`user_version = ${migrations.length}`);
  }).immediate();
}
