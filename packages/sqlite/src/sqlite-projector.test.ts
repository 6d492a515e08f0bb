import type { Database } from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { RecordedEvent } from '@evented/core';
import { Evented, isEventedError, silentLogger } from '@evented/core';
import type { SqliteProjectorOptions, SqliteStorage } from '@evented/sqlite';
import { openSqliteStorage, sqliteProjector } from '@evented/sqlite';

const apps: Evented[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** The `n` of a test event. */
const n = (event: RecordedEvent): number => (event.data as { n: number }).n;

const TABLE = 'CREATE TABLE IF NOT EXISTS handled (n INTEGER PRIMARY KEY, times INTEGER NOT NULL)';

/** Counts an event in the read model: `times` says how often it took effect. */
function count(db: Database, event: RecordedEvent): void {
  db.prepare(
    'INSERT INTO handled (n, times) VALUES (?, 1) ON CONFLICT (n) DO UPDATE SET times = times + 1',
  ).run(n(event));
}

/** The read model and the checkpoint as committed, read on the projector's connection. */
function committed(db: Database) {
  const handled = db.prepare('SELECT n, times FROM handled ORDER BY n').all();
  const checkpoint = db
    .prepare("SELECT position FROM checkpoints WHERE processor = 'counter'")
    .pluck()
    .get() as number | undefined;
  return { handled, checkpoint: checkpoint === undefined ? undefined : BigInt(checkpoint) };
}

/** Ten events of one stream, `data.n` 1..10, in a store of its own. */
async function tenEvents(): Promise<{ storage: SqliteStorage; recorded: RecordedEvent[] }> {
  const storage = await openSqliteStorage();
  const { events } = await storage.eventStore.appendToStream(
    { domain: 'tick', aggregateId: 'clock' },
    Array.from({ length: 10 }, (_, i) => ({ type: 'Ticked', data: { n: i + 1 } })),
    { expectedVersion: 0 },
  );
  return { storage, recorded: [...events] };
}

/** Runs `counter` on the storage in pages of 5 and waits until it is done or has stopped. */
async function project(storage: SqliteStorage, handleBatch: SqliteProjectorOptions['handleBatch']) {
  const projector = sqliteProjector({
    name: 'counter',
    schema: TABLE,
    processorOptions: { batchSize: 5, maxAttempts: 2, retryBackoffMs: 1 },
    handleBatch: handleBatch!,
  });
  const app = await Evented.builder({ storage: async () => storage, logger: silentLogger })
    .withProjector(projector)
    .build();
  apps.push(app);
  await app.waitForProcessors({ timeoutMs: 5_000 }).catch((error: unknown) => {
    if (!isEventedError(error, 'PROCESSOR_FAILED')) throw error;
  });
  return { app, projector };
}

const numbers = (events: readonly RecordedEvent[]) => events.map(n);
const once = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ n: from + i, times: 1 }));

describe('sqliteProjector with handleBatch', () => {
  it('needs exactly one of handle and handleBatch', () => {
    const handle = (): void => undefined;
    const attempts = [
      { name: 'neither' },
      { name: 'both', handle, handleBatch: handle },
      { name: 'not a function', handleBatch: 'yes' },
    ];
    for (const options of attempts) {
      let error: unknown;
      try {
        sqliteProjector(options as unknown as SqliteProjectorOptions);
      } catch (thrown) {
        error = thrown;
      }
      expect(isEventedError(error, 'CONFIGURATION'), options.name).toBe(true);
      expect((error as Error).message).toContain('exactly one of handle and handleBatch');
    }
  });

  it('gets each page in one call, inside the transaction that saves its checkpoint', async () => {
    const { storage, recorded } = await tenEvents();
    const pages: unknown[][] = [];
    const { app } = await project(storage, (events, db) => {
      expect(db.inTransaction).toBe(true);
      pages.push(numbers(events));
      for (const event of events) count(db, event);
    });

    expect(pages).toEqual([
      [1, 2, 3, 4, 5],
      [6, 7, 8, 9, 10],
    ]);
    expect(committed(storage.database)).toEqual({
      handled: once(1, 10),
      checkpoint: recorded[9]!.position,
    });
    expect(app.processors()[0]).toMatchObject({ state: 'live', checkpoint: recorded[9]!.position });
  });

  it('commits neither the read model nor the checkpoint of a page that throws halfway, then retries it event by event', async () => {
    const { storage, recorded } = await tenEvents();
    const calls: { events: unknown[]; before: ReturnType<typeof committed> }[] = [];
    let failed = false;
    await project(storage, (events, db) => {
      calls.push({ events: numbers(events), before: committed(db) });
      for (const event of events) {
        // Events 6 and 7 are written before 8 fails, once: the page must take them back.
        if (n(event) === 8 && !failed) {
          failed = true;
          throw new Error('event 8 fails once');
        }
        count(db, event);
      }
    });

    const afterFirstPage = { handled: once(1, 5), checkpoint: recorded[4]!.position };
    expect(calls.map((c) => c.events)).toEqual([
      [1, 2, 3, 4, 5],
      [6, 7, 8, 9, 10],
      [6],
      [7],
      [8],
      [9],
      [10],
    ]);
    // What the first retry found committed: the page before the failed one, nothing of it.
    expect(calls[2]!.before).toEqual(afterFirstPage);
    expect(committed(storage.database)).toEqual({
      handled: once(1, 10),
      checkpoint: recorded[9]!.position,
    });
  });

  it('stops at an event that keeps failing, with every event before it counted exactly once', async () => {
    const { storage, recorded } = await tenEvents();
    const { app } = await project(storage, (events, db) => {
      for (const event of events) {
        if (n(event) === 8) throw new Error('event 8 always fails');
        count(db, event);
      }
    });

    expect(app.processors()[0]).toMatchObject({
      state: 'error',
      checkpoint: recorded[6]!.position,
      failure: { eventId: recorded[7]!.id, attempts: 2, message: 'event 8 always fails' },
    });
    expect(committed(storage.database)).toEqual({
      handled: once(1, 7),
      checkpoint: recorded[6]!.position,
    });
  });

  it('fails a handleBatch that returns a promise, committing nothing', async () => {
    const { storage } = await tenEvents();
    const { app } = await project(storage, (async (
      events: readonly RecordedEvent[],
      db: Database,
    ) => {
      for (const event of events) count(db, event);
    }) as unknown as SqliteProjectorOptions['handleBatch']);

    expect(app.processors()[0]).toMatchObject({
      state: 'error',
      failure: { code: 'INVALID_ARGUMENT' },
    });
    expect(committed(storage.database)).toEqual({ handled: [], checkpoint: undefined });
  });
});
