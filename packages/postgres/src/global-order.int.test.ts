import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import type { Position, RecordedEvent } from '@evented/core';
import { isEventedError, START } from '@evented/core';
import { describeWithService } from '@evented/conformance';
import { openPostgresStorage } from '@evented/postgres';
import {
  adminPool,
  dropSchema,
  POSTGRES_URL,
  postgres,
  uniqueSchema,
  useDatabaseLock,
} from './test-support/postgres-service.js';
import type { AppendScript } from './test-support/scripted-pool.js';
import { pgSleep, RolledBack, ScriptedPool } from './test-support/scripted-pool.js';

const WRITERS = 10;
const APPENDS_PER_WRITER = 12;
/** How soon after the last commit the live reader must have seen everything. */
const CATCH_UP_BOUND_MS = 2_000;

/** A small seeded generator, so that a failing run can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A writers' storage whose appends follow `script`, and a reader's storage, on one fresh schema. */
async function openPair(script: () => AppendScript | undefined, readerPollIntervalMs?: number) {
  const schema = uniqueSchema('order');
  const inner = new pg.Pool({ connectionString: POSTGRES_URL, max: WRITERS + 4 });
  inner.on('error', () => undefined);
  const writers = await openPostgresStorage(new ScriptedPool(inner, script), { schema });
  // The reader has its own pool, as a processor in another process would.
  const reader = await openPostgresStorage(POSTGRES_URL, {
    schema,
    maxConnections: 2,
    ...(readerPollIntervalMs !== undefined && { pollIntervalMs: readerPollIntervalMs }),
  });
  cleanups.push(async () => {
    await reader.close();
    await writers.close();
    await inner.end();
    await dropSchema(schema);
  });
  return { schema, writers, reader };
}

function expectStrictlyIncreasing(events: readonly RecordedEvent[]): void {
  for (let i = 1; i < events.length; i++) {
    expect(events[i]!.position > events[i - 1]!.position, `position at index ${i}`).toBe(true);
  }
}

describeWithService('PostgreSQL global order under concurrent writers', postgres, () => {
  // These tests hold transactions open on purpose, which delays every reader of the cluster.
  useDatabaseLock('exclusive');

  it('shows a live reader every committed event exactly once, in order, while writers commit out of order and some roll back', async () => {
    const seed = Number(process.env['EVENTED_TEST_SEED'] ?? Date.now() % 1_000_000);
    const next = random(seed);
    const { writers, reader } = await openPair(() => {
      const roll = next();
      if (roll < 0.55) return undefined;
      // Take the transaction id now, commit up to 0.6 s later: later ids commit first.
      return {
        before: pgSleep(next() * 300),
        after: pgSleep(next() * 300),
        rollback: roll > 0.88,
      };
    });

    const acknowledged: RecordedEvent[] = [];
    const rolledBack: string[] = [];
    const writing = Array.from({ length: WRITERS }, async (_, w) => {
      const stream = { domain: w % 2 === 0 ? 'order' : 'invoice', aggregateId: `writer-${w}` };
      let version = 0;
      for (let a = 0; a < APPENDS_PER_WRITER; a++) {
        const events = Array.from({ length: 1 + ((w + a) % 3) }, (_, i) => ({
          id: randomUUID(),
          type: 'Written',
          data: { writer: w, append: a, index: i },
        }));
        try {
          const result = await writers.eventStore.appendToStream(stream, events, {
            expectedVersion: version,
          });
          acknowledged.push(...result.events);
          version = result.version;
        } catch (error) {
          // The store reports the failed commit as an error; nothing of it may appear.
          expect(isEventedError(error), String(error)).toBe(true);
          expect((error as Error).cause).toBeInstanceOf(RolledBack);
          rolledBack.push(...events.map((e) => e.id));
        }
      }
    });

    const seen: RecordedEvent[] = [];
    let lastCommitAt: number | undefined = undefined;
    let caughtUpAt: number | undefined;
    let lagged = false;
    const stopWaiting = new AbortController();
    const following = (async () => {
      let after: Position = START;
      for (;;) {
        const page = await reader.eventStore.readAll({ after, limit: 7 });
        seen.push(...page.events);
        expect(page.position >= after).toBe(true);
        after = page.position;
        if (!page.isEnd) continue;
        if (lastCommitAt !== undefined && seen.length >= acknowledged.length) {
          caughtUpAt = Date.now();
          return;
        }
        // Missing events will not come: let the assertions below say which.
        if (lastCommitAt !== undefined && Date.now() - lastCommitAt > 2 * CATCH_UP_BOUND_MS) return;
        if (acknowledged.some((e) => e.position > after)) lagged = true;
        await reader.eventStore.waitForEvents(after, {
          signal: stopWaiting.signal,
          timeoutMs: 1_000,
        });
      }
    })();

    await Promise.all(writing);
    lastCommitAt = Date.now();
    stopWaiting.abort();
    await following;

    const context = `seed ${seed}`;
    expect(rolledBack.length, `${context}: some appends rolled back`).toBeGreaterThan(0);
    expect(acknowledged.length, context).toBeGreaterThan(WRITERS * APPENDS_PER_WRITER);
    expectStrictlyIncreasing(seen);
    const seenIds = seen.map((e) => e.id);
    expect(new Set(seenIds).size, `${context}: no event twice`).toBe(seenIds.length);
    const byPosition = [...acknowledged].sort((a, b) => (a.position < b.position ? -1 : 1));
    expect(seen, `${context}: exactly the acknowledged events, as acknowledged`).toEqual(
      byPosition,
    );
    expect(seenIds.filter((id) => rolledBack.includes(id))).toEqual([]);
    expect(lagged, `${context}: the reader was held back by open transactions`).toBe(true);
    expect(caughtUpAt, `${context}: the reader caught up`).toBeDefined();
    expect(caughtUpAt! - lastCommitAt, context).toBeLessThan(CATCH_UP_BOUND_MS);
    // Nothing rolled back is in the table at all.
    expect(await reader.eventStore.headPosition()).toBe(byPosition.at(-1)!.position);
  }, 60_000);

  it('holds readers back at an open transaction instead of letting them skip it, as a plain sort would', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let hold = true;
    const { schema, writers, reader } = await openPair(() => {
      if (!hold) return undefined;
      hold = false;
      return { after: () => gate };
    });
    // A failing test must not leave the transaction open: cleanups run last to first.
    cleanups.push(async () => release());
    const stream = (id: string) => ({ domain: 'order', aggregateId: id });

    // The first append takes the lower transaction id and stays open; the second commits.
    const slow = writers.eventStore.appendToStream(stream('slow'), [{ type: 'Slow', data: 1 }], {
      expectedVersion: 0,
    });
    await waitUntil(async () => (await openTransactions(schema)) > 0);
    const fast = await writers.eventStore.appendToStream(
      stream('fast'),
      [{ type: 'Fast', data: 2 }],
      { expectedVersion: 0 },
    );

    // A reader sorting by the same key but ignoring open transactions sees the later one and
    // moves its cursor past the earlier one, which then commits below it: skipped forever.
    const naive = await naiveRead(schema, '0', 0);
    expect(naive.map((row) => row.type)).toEqual(['Fast']);

    // evented's reader shows nothing yet: the head stays before the open transaction.
    expect(await reader.eventStore.readAll()).toEqual({ events: [], position: START, isEnd: true });
    expect(await reader.eventStore.headPosition()).toBe(START);
    expect(await reader.eventStore.waitForEvents(START, { timeoutMs: 100 })).toBe(false);

    const waiting = reader.eventStore.waitForEvents(START, { timeoutMs: 5_000 });
    release();
    const slowResult = await slow;
    expect(await waiting).toBe(true);
    expect(slowResult.events[0]!.position < fast.events[0]!.position).toBe(true);

    const after = naive.at(-1)!;
    expect(await naiveRead(schema, after.transactionId, after.idx)).toEqual([]);
    const page = await reader.eventStore.readAll();
    expect(page.events.map((e) => e.type)).toEqual(['Slow', 'Fast']);
    expect(page.events).toEqual([...slowResult.events, ...fast.events]);
  });

  it('does not stall on a rolled-back append: the next poll finds what it held back', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let hold = true;
    const { writers, reader } = await openPair(() => {
      if (!hold) return undefined;
      hold = false;
      return { after: () => gate, rollback: true };
    });
    cleanups.push(async () => release());
    const doomed = writers.eventStore
      .appendToStream({ domain: 'order', aggregateId: 'doomed' }, [{ type: 'Doomed', data: 0 }], {
        expectedVersion: 0,
      })
      .catch((error: unknown) => error);
    await sleep(50);
    const { events } = await writers.eventStore.appendToStream(
      { domain: 'order', aggregateId: 'kept' },
      [{ type: 'Kept', data: 1 }],
      { expectedVersion: 0 },
    );
    const waiting = reader.eventStore.waitForEvents(START, { timeoutMs: 5_000 });
    await sleep(50);
    const released = Date.now();
    release();
    expect(isEventedError(await doomed)).toBe(true);
    // A rollback notifies nobody; the poll (every second by default) finds the event.
    expect(await waiting).toBe(true);
    expect(Date.now() - released).toBeLessThan(1_500);
    expect((await reader.eventStore.readAll()).events).toEqual(events);
  });

  it('wakes soon after an older transaction that wrote no events ends, long before the next poll', async () => {
    const { writers, reader } = await openPair(() => undefined, 60_000);
    const stream = { domain: 'order', aggregateId: 'kept' };
    await writers.eventStore.appendToStream(stream, [{ type: 'Kept', data: 1 }], {
      expectedVersion: 0,
    });
    // Another client's transaction, writing nothing evented knows of, holds the log back
    // and ends without a notification.
    const other = await adminPool().connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT pg_current_xact_id()');
      const head = await reader.eventStore.headPosition();
      const later = reader.eventStore.waitForEvents(head, { timeoutMs: 5_000 });
      await sleep(20); // the reader's first wait opens its listening connection
      await writers.eventStore.appendToStream(stream, [{ type: 'Kept', data: 2 }], {
        expectedVersion: 1,
      });
      await sleep(300);
      expect(await reader.eventStore.headPosition()).toBe(head);
      const committed = Date.now();
      await other.query('COMMIT');
      // The append's notification came while the event was still hidden: the reader keeps
      // re-checking, more slowly each time, and so sees it soon after the transaction ends.
      expect(await later).toBe(true);
      expect(Date.now() - committed).toBeLessThan(1_000);
    } finally {
      other.release();
    }
  });

  it('wakes a reader of another storage by NOTIFY, also after its listening connection was killed', async () => {
    const { schema, writers, reader } = await openPair(() => undefined, 60_000);
    const stream = { domain: 'order', aggregateId: 'o-1' };
    let version = 0;
    const appendAndTime = async (): Promise<number> => {
      const head = await reader.eventStore.headPosition();
      const waiting = reader.eventStore.waitForEvents(head, { timeoutMs: 5_000 });
      await sleep(20);
      const started = Date.now();
      await writers.eventStore.appendToStream(stream, [{ type: 'Ticked', data: version }], {
        expectedVersion: version++,
      });
      expect(await waiting).toBe(true);
      return Date.now() - started;
    };
    for (let i = 0; i < 3; i++) expect(await appendAndTime()).toBeLessThan(500);

    const { rows } = await adminPool().query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE query = $1`,
      [`LISTEN "${schema}_events"`],
    );
    expect(rows).toHaveLength(1);
    await adminPool().query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    // The reader listens again on its own (within 200 ms while someone waits) and then
    // looks at the head, so the append is seen even if it came before the new LISTEN.
    expect(await appendAndTime()).toBeLessThan(2_000);
    expect(await appendAndTime()).toBeLessThan(500);
  });
});

/** Transactions with an id that are inside one of this schema's appends right now. */
async function openTransactions(schema: string): Promise<number> {
  const { rows } = await adminPool().query<{ count: string }>(
    `SELECT count(*) FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND state = 'idle in transaction'
       AND query LIKE $1`,
    [`%INSERT INTO "${schema}".events%`],
  );
  return Number(rows[0]!.count);
}

/** Reads the events table sorted by the log's key, without regard to open transactions. */
async function naiveRead(schema: string, transactionId: string, idx: number) {
  const { rows } = await adminPool().query<{ type: string; transactionId: string; idx: number }>(
    `SELECT type, transaction_id::text AS "transactionId", idx FROM "${schema}".events
     WHERE (transaction_id, idx) > ($1::xid8, $2) ORDER BY transaction_id, idx`,
    [transactionId, idx],
  );
  return rows;
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}
