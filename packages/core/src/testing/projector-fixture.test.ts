import { AssertionError } from 'node:assert';
import { describe, expect, it } from 'vitest';
import type Database from 'better-sqlite3';
import { openSqliteStorage, sqliteProjector } from '@evented/sqlite';
import type { RecordedEvent } from '../event-store/types.js';
import type { Projector } from '../processors/projector.js';
import { fixtureEventId } from './event-log.js';
import { projectorFixture } from './projector-fixture.js';

/** A read model in memory: the events it saw, and a count per aggregate. */
function counting() {
  const seen: RecordedEvent[] = [];
  const counts = new Map<string, number>();
  const projector: Projector = {
    name: 'counts',
    filter: { types: ['Counted'] },
    handle(event) {
      seen.push(event);
      counts.set(event.aggregateId, (counts.get(event.aggregateId) ?? 0) + 1);
    },
  };
  return { projector, seen, counts };
}

describe('projectorFixture', () => {
  it('feeds recorded events with versions per stream, growing positions and ids, filtered', async () => {
    const { projector, seen, counts } = counting();
    const fixture = projectorFixture(projector, { domain: 'tally', aggregateId: 'a' });
    await fixture
      .given(
        { type: 'Counted', data: {} },
        { type: 'Counted', data: {}, aggregateId: 'b' },
        { type: 'Ignored', data: {} },
        { type: 'Counted', data: { n: 3 } },
      )
      .thenReadModel(() => Object.fromEntries(counts), { a: 2, b: 1 });
    expect(seen.map((e) => [e.domain, e.aggregateId, e.version, e.position, e.id])).toEqual([
      ['tally', 'a', 1, 1n, fixtureEventId(1n)],
      ['tally', 'b', 1, 2n, fixtureEventId(2n)],
      ['tally', 'a', 3, 4n, fixtureEventId(4n)],
    ]);
    expect(seen[0]).toMatchObject({ schemaVersion: 1, metadata: {}, correlationId: null });

    // Later events continue the same log.
    await fixture
      .given({ type: 'Counted', data: {}, aggregateId: 'b' })
      .thenReadModel(() => counts.get('b'), 2);
    expect(seen.at(-1)).toMatchObject({ version: 2, position: 5n });
  });

  it('fails with a diff of the read model', async () => {
    const { projector, counts } = counting();
    const error = await projectorFixture(projector)
      .given({ type: 'Counted', data: {} })
      .thenReadModel(() => Object.fromEntries(counts), { 'test-1': 2 })
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(AssertionError);
    expect((error as Error).message).toContain("- { 'test-1': 2 }\n+ { 'test-1': 1 }");
  });

  it('runs a transactional projector in the store, in the transaction of its checkpoint', async () => {
    const storage = await openSqliteStorage();
    const totals = sqliteProjector({
      name: 'totals',
      schema: 'CREATE TABLE totals (id TEXT PRIMARY KEY, total INTEGER NOT NULL)',
      handleBatch(events, db) {
        const add = db.prepare(`INSERT INTO totals (id, total) VALUES (?, ?)
          ON CONFLICT (id) DO UPDATE SET total = total + excluded.total`);
        for (const event of events) add.run(event.aggregateId, (event.data as { n: number }).n);
      },
    });
    const rows = (db: Database.Database) =>
      db.prepare('SELECT id, total FROM totals ORDER BY id').all();
    await projectorFixture(totals, { storage, domain: 'sum' })
      .given(
        { aggregateId: 'x', type: 'Added', data: { n: 2 } },
        { aggregateId: 'y', type: 'Added', data: { n: 5 } },
        { aggregateId: 'x', type: 'Added', data: { n: 1 } },
      )
      .thenReadModel(
        () => rows(totals.database),
        [
          { id: 'x', total: 3 },
          { id: 'y', total: 5 },
        ],
      );
    expect(await storage.checkpointStore.loadCheckpoint('totals')).toBe(
      (await storage.eventStore.readAll()).events.at(-1)!.position,
    );
    await storage.close();
  });

  it('asks for a store when the projector keeps its read model there', () => {
    const totals = sqliteProjector({ name: 'totals', handle() {} });
    expect(() => projectorFixture(totals)).toThrow(
      /pass projectorFixture\(projector, \{ storage \}\)/,
    );
  });
});
