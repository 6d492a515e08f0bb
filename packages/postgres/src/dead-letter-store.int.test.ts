import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import type { NewDeadLetter, RecordedEvent } from '@evented/core';
import { describeWithService, expectCode } from '@evented/conformance';
import { resolveLimits } from '@evented/core';
import type { PostgresClient, PostgresStorage } from '@evented/postgres';
import { PostgresDeadLetterStore } from '@evented/postgres';
import {
  adminPool,
  openTestStorage,
  POSTGRES_URL,
  postgres,
  useDatabaseLock,
} from './test-support/postgres-service.js';

const opened: PostgresStorage[] = [];
afterEach(async () => {
  for (const storage of opened.splice(0)) await storage.close();
});

async function open(): Promise<PostgresStorage> {
  const storage = await openTestStorage();
  opened.push(storage);
  return storage;
}

async function appended(storage: PostgresStorage, count: number): Promise<RecordedEvent[]> {
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

describeWithService('PostgreSQL dead-letter store', postgres, () => {
  useDatabaseLock('shared');

  it('keeps the position as the events table’s (transaction_id, idx) and the event as JSON', async () => {
    const storage = await open();
    const events = await appended(storage, 2);
    await storage.deadLetterStore.park(events.map((e) => letter(e)));
    const { rows } = await adminPool().query<Record<string, string>>(
      `SELECT d.event_id::text, d.event::text AS json FROM "${storage.schema}".dead_letters d
       JOIN "${storage.schema}".events e
         ON e.transaction_id = d.transaction_id AND e.idx = d.idx AND e.id = d.event_id
       ORDER BY d.transaction_id, d.idx`,
    );
    expect(rows.map((r) => r['event_id'])).toEqual(events.map((e) => e.id));
    expect(JSON.parse(rows[1]!['json']!)).toMatchObject({
      id: events[1]!.id,
      position: String(events[1]!.position),
      recordedAt: events[1]!.recordedAt.getTime(),
    });
  });

  it('parks positions up to 2^64-1 and lists them in order', async () => {
    const storage = await open();
    const [event] = await appended(storage, 1);
    const far = [2n ** 64n - 1n, 2n ** 63n, 2n ** 53n + 1n].map((position) => ({
      ...event!,
      id: randomUUID(),
      position,
    }));
    await storage.deadLetterStore.park([...far, event!].map((e) => letter(e)));
    const listed = await storage.deadLetterStore.list('projector');
    expect(listed.map((l) => l.event.position)).toEqual([
      event!.position,
      2n ** 53n + 1n,
      2n ** 63n,
      2n ** 64n - 1n,
    ]);
    const after = await storage.deadLetterStore.list('projector', { after: 2n ** 63n });
    expect(after.map((l) => l.event.position)).toEqual([2n ** 64n - 1n]);
  });

  it('commits a read model’s write with the removal in removeWith, or neither', async () => {
    const storage = await open();
    const table = `"${storage.schema}".totals`;
    await adminPool().query(`CREATE TABLE ${table} (n integer)`);
    const [a, b] = await appended(storage, 2);
    await storage.deadLetterStore.park([letter(a!), letter(b!)]);
    const insert = async (client: unknown): Promise<void> => {
      await (client as PostgresClient).query(`INSERT INTO ${table} VALUES (1)`);
    };
    expect(await storage.deadLetterStore.removeWith('projector', a!.id, insert)).toBe(true);
    const thrown = new Error('still failing');
    const outcome = await storage.deadLetterStore
      .removeWith('projector', b!.id, async (client) => {
        await insert(client);
        throw thrown;
      })
      .catch((error: unknown) => error);
    expect(outcome).toBe(thrown);
    const { rows } = await adminPool().query(`SELECT count(*)::int AS n FROM ${table}`);
    expect(rows[0]).toEqual({ n: 1 });
    const left = await storage.deadLetterStore.list('projector');
    expect(left.map((l) => l.event.id)).toEqual([b!.id]);
  });

  it('runs the work of one letter once when two retries race', async () => {
    const storage = await open();
    const [event] = await appended(storage, 1);
    await storage.deadLetterStore.park([letter(event!)]);
    let runs = 0;
    const work = async (): Promise<void> => {
      runs += 1;
      await new Promise((resolve) => setTimeout(resolve, 50));
    };
    const results = await Promise.all([
      storage.deadLetterStore.removeWith('projector', event!.id, work),
      storage.deadLetterStore.removeWith('projector', event!.id, work),
    ]);
    expect(results.sort()).toEqual([false, true]);
    expect(runs).toBe(1);
  });

  it('fails every call with UNAVAILABLE when the server cannot be reached', async () => {
    const storage = await open();
    const [event] = await appended(storage, 1);
    const url = new URL(POSTGRES_URL);
    url.port = '1';
    const nowhere = new pg.Pool({ connectionString: url.toString() });
    nowhere.on('error', () => undefined);
    const store = new PostgresDeadLetterStore(nowhere, storage.schema, resolveLimits(), () => true);
    try {
      await expectCode(store.park([letter(event!)]), 'UNAVAILABLE');
      await expectCode(store.list('projector'), 'UNAVAILABLE');
      await expectCode(store.parkedAggregates('projector'), 'UNAVAILABLE');
      await expectCode(store.remove('projector', [event!.id]), 'UNAVAILABLE');
      await expectCode(
        store.removeWith('projector', event!.id, () => undefined),
        'UNAVAILABLE',
      );
    } finally {
      await nowhere.end();
    }
  });

  it('fails with CONFIGURATION on a schema without the dead_letters table', async () => {
    const storage = await open();
    const [event] = await appended(storage, 1);
    const store = new PostgresDeadLetterStore(
      storage.pool,
      'evented_no_such_schema',
      resolveLimits(),
      () => true,
    );
    await expectCode(store.park([letter(event!)]), 'CONFIGURATION');
    await expectCode(store.list('projector'), 'CONFIGURATION');
  });
});
