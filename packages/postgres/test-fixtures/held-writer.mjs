// A child of crash.int.test.ts: appends batches to a PostgreSQL schema until it is killed.
// argv: <url> <schema> <streams> <first>. Append number n writes 1 + n % 3 events to stream
// `s-<n % streams>` with command id `append-<n>` and the stream's current version as the
// expected one. Every fourth append runs in a transaction held open for 0.3 s, like a
// slow appender: after its statement and before COMMIT it writes {"holding": n} to stdout.
// After each acknowledged append it writes one JSON line with what was recorded (a
// synchronous write on a pipe).
import pg from 'pg';
import { openPostgresStorage } from '@evented/postgres';

const [url, schema, streamsArg, firstArg] = process.argv.slice(2);
const streams = Number(streamsArg);
let current = Number(firstArg);

const inner = new pg.Pool({
  connectionString: url,
  max: 3,
  application_name: 'evented-crash-writer',
});
inner.on('error', () => undefined);

/** Runs every fourth append in a transaction that stays open 0.3 s before COMMIT. */
const pool = {
  connect: () => inner.connect(),
  async query(config) {
    const isAppend = /INSERT INTO "[^"]+"\.events/.test(config.text);
    if (!isAppend || current % 4 !== 3) return inner.query(config);
    const client = await inner.connect();
    try {
      await client.query('BEGIN');
      // Notice the killed client within 20 ms, not only when the sleep ends.
      await client.query("SET LOCAL client_connection_check_interval = '20ms'");
      const result = await client.query(config);
      process.stdout.write(`${JSON.stringify({ holding: current })}\n`);
      await client.query('SELECT pg_sleep(0.3)');
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  },
};

const storage = await openPostgresStorage(pool, { schema, migrate: false });
const { eventStore } = storage;
const versions = [];
for (let s = 0; s < streams; s++) {
  versions.push(await eventStore.streamVersion({ domain: 'crash', aggregateId: `s-${s}` }));
}

for (; ; current++) {
  const n = current;
  const s = n % streams;
  const count = 1 + (n % 3);
  const result = await eventStore.appendToStream(
    { domain: 'crash', aggregateId: `s-${s}` },
    Array.from({ length: count }, (_, i) => ({ type: 'Written', data: { n, i, count } })),
    { expectedVersion: versions[s], commandId: `append-${n}` },
  );
  versions[s] = result.version;
  const events = result.events.map((e) => ({
    id: e.id,
    version: e.version,
    position: String(e.position),
  }));
  process.stdout.write(`${JSON.stringify({ n, duplicate: result.duplicate, events })}\n`);
}
