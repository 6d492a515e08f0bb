import { randomUUID } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import type { AccountEvent } from '@evented/example-bank';
import { decideAccount, foldAccount } from '../bank.js';
import { ConflictError } from './target.js';
import type { BenchEvent, ReadBackEvent, StreamRef, StoreTargetInfo, Target } from './target.js';

/** evented's `events` table and indexes, so the raw target pays for the same writes. */
const schema = `
  CREATE TABLE events (
    position INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
    domain TEXT NOT NULL, aggregate_id TEXT NOT NULL, version INTEGER NOT NULL,
    type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL,
    schema_version INTEGER NOT NULL, recorded_at INTEGER NOT NULL,
    correlation_id TEXT, causation_id TEXT, UNIQUE (domain, aggregate_id, version));
  CREATE INDEX events_by_domain ON events (domain, position);
  CREATE INDEX events_by_type ON events (type, position);`;

interface Row {
  position: number;
  version: number;
  type: string;
  data: string;
}

const parse = (row: Row): ReadBackEvent => ({ ...row, data: JSON.parse(row.data) as unknown });

/** better-sqlite3 alone: prepared statements, WAL, `synchronous=FULL`, one transaction per append. */
export const rawSqlite: StoreTargetInfo = {
  name: 'raw-sqlite',
  database: 'sqlite',
  role: 'raw',
  kind: 'store',
  async open(path) {
    const db = new BetterSqlite3(path);
    db.pragma('journal_mode = WAL');
    // better-sqlite3 is compiled with SQLITE_DEFAULT_WAL_SYNCHRONOUS=1 (NORMAL): set FULL.
    db.pragma('synchronous = FULL');
    db.exec(schema);
    const version = db
      .prepare('SELECT coalesce(max(version), 0) FROM events WHERE domain = ? AND aggregate_id = ?')
      .pluck();
    const insert = db.prepare(
      `INSERT INTO events (id, domain, aggregate_id, version, type, data, metadata, schema_version,
         recorded_at, correlation_id, causation_id) VALUES (?, ?, ?, ?, ?, ?, '{}', 1, ?, NULL, NULL)`,
    );
    const stream = db.prepare(
      `SELECT position, version, type, data, metadata, id, recorded_at FROM events
       WHERE domain = ? AND aggregate_id = ? ORDER BY version`,
    );
    const page = db.prepare(
      `SELECT position, version, type, data, metadata, id, recorded_at FROM events
       WHERE position > ? ORDER BY position LIMIT ?`,
    );
    const insertAll = (s: StreamRef, events: readonly BenchEvent[], from: number): number => {
      const now = Date.now();
      events.forEach((e, i) => {
        const data = JSON.stringify(e.data);
        insert.run(randomUUID(), s.domain, s.aggregateId, from + i + 1, e.type, data, now);
      });
      return from + events.length;
    };
    const append = db.transaction(
      (s: StreamRef, events: readonly BenchEvent[], expected: number) => {
        const current = version.get(s.domain, s.aggregateId) as number;
        if (current !== expected)
          throw new ConflictError(`conflict: expected ${expected}, at ${current}`);
        return insertAll(s, events, current);
      },
    );
    const command = db.transaction(
      (s: StreamRef, decide: (events: AccountEvent[]) => AccountEvent[]) => {
        const rows = (stream.all(s.domain, s.aggregateId) as Row[]).map(parse);
        insertAll(s, decide(rows as unknown as AccountEvent[]), rows.length);
      },
    );
    const target: Target = {
      appendToStream: async (s, events, expected) => append.immediate(s, events, expected),
      readStream: async (s) => (stream.all(s.domain, s.aggregateId) as Row[]).map(parse),
      async readAll(after, limit) {
        const rows = page.all(Number(after), limit) as Row[];
        const last = rows.at(-1);
        return {
          events: rows.map(parse),
          position: last ? BigInt(last.position) : after,
          isEnd: rows.length < limit,
        };
      },
      async handleCommand(cmd) {
        command.immediate(cmd, (events) => decideAccount(cmd, foldAccount(events)));
      },
      close: async () => void db.close(),
    };
    return target;
  },
};
