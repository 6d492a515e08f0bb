import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { NewDeadLetter, RecordedEvent } from '@evented/core';
import { expectCode } from '@evented/conformance';
import { openSqliteStorage } from '@evented/sqlite';
import type { SqliteStorage } from '@evented/sqlite';

const opened: SqliteStorage[] = [];
const folders: string[] = [];
afterEach(async () => {
  for (const storage of opened.splice(0)) await storage.close();
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

async function open(path = ':memory:', busyTimeoutMs?: number): Promise<SqliteStorage> {
  const storage = await openSqliteStorage(path, busyTimeoutMs ? { busyTimeoutMs } : {});
  opened.push(storage);
  return storage;
}

async function appended(storage: SqliteStorage, count: number): Promise<RecordedEvent[]> {
  const { events } = await storage.eventStore.appendToStream(
    { domain: 'order', aggregateId: 'o-1' },
    Array.from({ length: count }, (_, n) => ({ type: 'ItemAdded', data: { n } })),
    { expectedVersion: 'any' },
  );
  return [...events];
}

function letter(event: RecordedEvent, extra: Partial<NewDeadLetter> = {}): NewDeadLetter {
  return {
    processor: 'projector',
    event,
    reason: 'failed',
    message: 'boom',
    code: undefined,
    attempts: 1,
    ...extra,
  };
}

describe('SQLite dead-letter store', () => {
  it('keeps the position, aggregate and event as JSON in the dead_letters table', async () => {
    const storage = await open();
    const [event] = await appended(storage, 1);
    await storage.deadLetterStore.park([letter(event!)]);
    const row = storage.database
      .prepare(
        'SELECT processor, event_id, position, domain, aggregate_id, event FROM dead_letters',
      )
      .get() as Record<string, unknown>;
    expect(row).toMatchObject({
      processor: 'projector',
      event_id: event!.id,
      position: Number(event!.position),
      domain: 'order',
      aggregate_id: 'o-1',
    });
    expect(JSON.parse(row['event'] as string)).toMatchObject({
      position: String(event!.position),
      recordedAt: event!.recordedAt.getTime(),
    });
  });

  it('refuses a position SQLite cannot hold with INVALID_ARGUMENT, parking none of the batch', async () => {
    const storage = await open();
    const [event] = await appended(storage, 1);
    await expectCode(
      storage.deadLetterStore.park([
        letter(event!),
        letter({ ...event!, id: randomUUID(), position: 2n ** 63n }),
      ]),
      'INVALID_ARGUMENT',
    );
    expect(await storage.deadLetterStore.list('projector')).toEqual([]);
  });

  it('lists past the largest SQLite position without failing', async () => {
    const storage = await open();
    const [event] = await appended(storage, 1);
    await storage.deadLetterStore.park([letter(event!)]);
    expect(await storage.deadLetterStore.list('projector', { after: 2n ** 64n - 1n })).toEqual([]);
  });

  describe('removeWith', () => {
    it('commits the read model’s write with the removal', async () => {
      const storage = await open();
      storage.database.exec('CREATE TABLE totals (n INTEGER)');
      const [event] = await appended(storage, 1);
      await storage.deadLetterStore.park([letter(event!)]);
      const removed = await storage.deadLetterStore.removeWith('projector', event!.id, (db) => {
        (db as BetterSqlite3.Database).prepare('INSERT INTO totals VALUES (1)').run();
      });
      expect(removed).toBe(true);
      expect(storage.database.prepare('SELECT count(*) FROM totals').pluck().get()).toBe(1);
      expect(await storage.deadLetterStore.list('projector')).toEqual([]);
    });

    it('rolls back the read model’s write and keeps the letter when the work fails', async () => {
      const storage = await open();
      storage.database.exec('CREATE TABLE totals (n INTEGER)');
      const [event] = await appended(storage, 1);
      await storage.deadLetterStore.park([letter(event!)]);
      const thrown = new Error('still failing');
      const outcome = await storage.deadLetterStore
        .removeWith('projector', event!.id, (db) => {
          (db as BetterSqlite3.Database).prepare('INSERT INTO totals VALUES (1)').run();
          throw thrown;
        })
        .catch((error: unknown) => error);
      expect(outcome).toBe(thrown);
      expect(storage.database.prepare('SELECT count(*) FROM totals').pluck().get()).toBe(0);
      expect(await storage.deadLetterStore.list('projector')).toHaveLength(1);
    });

    it('refuses asynchronous work with INVALID_ARGUMENT and keeps the letter', async () => {
      const storage = await open();
      const [event] = await appended(storage, 1);
      await storage.deadLetterStore.park([letter(event!)]);
      await expectCode(
        storage.deadLetterStore.removeWith('projector', event!.id, async () => undefined),
        'INVALID_ARGUMENT',
      );
      expect(await storage.deadLetterStore.list('projector')).toHaveLength(1);
    });
  });

  it('fails with UNAVAILABLE while another connection holds the write lock past the timeout', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'evented-dead-letters-'));
    folders.push(folder);
    const path = join(folder, 'events.db');
    const storage = await open(path, 50);
    const [event] = await appended(storage, 1);
    const other = new BetterSqlite3(path);
    try {
      other.exec('BEGIN IMMEDIATE');
      await expectCode(storage.deadLetterStore.park([letter(event!)]), 'UNAVAILABLE');
      await expectCode(storage.deadLetterStore.remove('projector', [event!.id]), 'UNAVAILABLE');
      other.exec('ROLLBACK');
    } finally {
      other.close();
    }
    await storage.deadLetterStore.park([letter(event!)]);
    expect(await storage.deadLetterStore.list('projector')).toHaveLength(1);
  });
});
