// A child of remote-projector-crash.e2e.test.ts and server-crash.e2e.test.ts: a remote
// projector in its own process, served with serveProjector on a fixed address, keeping its
// read model in its own SQLite file. argv: <host:port> <file> [stallAt].
//
// The read model is `applied`, one row per event keyed by its global position, and
// `progress`, the last position applied. Each Project call runs in one transaction: events
// at or below the last position are skipped (and counted in `progress.skipped`, so a test
// can see redeliveries), the others are inserted and the last position moves. A second
// insert of a position would break the primary key and fail the call: the table itself
// refuses a double application.
//
// With stallAt, once a call has committed a position at or above it, the process writes
// `stalled <position>` on stdout and never answers that call: the events are applied but
// the server has no acknowledgement, so it must deliver them again after a restart.
import Database from 'better-sqlite3';
import { serveProjector } from '@evented/grpc';

const [address, file, stallAtArg] = process.argv.slice(2);
if (!address || !file) throw new Error('usage: audit-projector.mjs <host:port> <file> [stallAt]');
const stallAt = stallAtArg === undefined ? undefined : BigInt(stallAtArg);

const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(`
  CREATE TABLE IF NOT EXISTS applied (
    position     INTEGER PRIMARY KEY,
    event_id     TEXT NOT NULL UNIQUE,
    domain       TEXT NOT NULL,
    aggregate_id TEXT NOT NULL,
    version      INTEGER NOT NULL,
    type         TEXT NOT NULL,
    data         TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS progress (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    last_position INTEGER NOT NULL,
    calls         INTEGER NOT NULL,
    skipped       INTEGER NOT NULL
  );
  INSERT OR IGNORE INTO progress (id, last_position, calls, skipped) VALUES (1, 0, 0, 0);
`);
const lastPosition = db.prepare('SELECT last_position FROM progress').pluck().safeIntegers();
const insert = db.prepare(
  'INSERT INTO applied (position, event_id, domain, aggregate_id, version, type, data) VALUES (?, ?, ?, ?, ?, ?, ?)',
);
const progress = db.prepare(
  'UPDATE progress SET last_position = ?, calls = calls + 1, skipped = skipped + ?',
);

/** Applies one call's events in one transaction; returns the last position applied. */
const apply = db.transaction((events) => {
  let last = lastPosition.get();
  let skipped = 0;
  for (const event of events) {
    if (event.position <= last) {
      skipped += 1;
      continue;
    }
    insert.run(
      event.position,
      event.id,
      event.domain,
      event.aggregateId,
      event.version,
      event.type,
      JSON.stringify(event.data),
    );
    last = event.position;
  }
  progress.run(last, skipped);
  return last;
});

let stalled = false;
const service = await serveProjector(
  async (events) => {
    const last = apply(events);
    if (stallAt !== undefined && !stalled && last >= stallAt) {
      stalled = true;
      process.stdout.write(`stalled ${last}\n`);
      await new Promise(() => {}); // applied, never acknowledged
    }
  },
  { address },
);
process.stdout.write(`listening ${service.address}\n`);
process.once('SIGTERM', () => {
  void service.close().then(() => {
    db.close();
    process.exit(0);
  });
});
