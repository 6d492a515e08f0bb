import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithService, expectCode } from '@evented/conformance';
import type { PostgresStorage } from '@evented/postgres';
import {
  adminPool,
  openTestStorage,
  postgres,
  useDatabaseLock,
} from './test-support/postgres-service.js';

/** Writes an event row as a transaction with id `transactionId` would have. */
async function insertAs(schema: string, transactionId: string, idx: number, version: number) {
  await adminPool().query(
    `INSERT INTO "${schema}".events (transaction_id, idx, id, domain, aggregate_id, version, type,
       data, metadata, schema_version, recorded_at)
     VALUES ($1::xid8, $2, $3, 'order', 'o-1', $4, 'Placed', '{}', '{}', 1, now())`,
    [transactionId, idx, randomUUID(), version],
  );
}

const position = (transactionId: bigint, idx: number) => (transactionId << 20n) | BigInt(idx);

describeWithService('PostgreSQL positions: (transaction id << 20) | index', postgres, () => {
  useDatabaseLock('shared');
  let storage: PostgresStorage;
  beforeAll(async () => {
    storage = await openTestStorage();
    // Written out of order, and across the lengths of the ids in digits.
    await insertAs(storage.schema, '100', 0, 4);
    await insertAs(storage.schema, '9', 1, 2);
    await insertAs(storage.schema, '99', 0, 3);
    await insertAs(storage.schema, '9', 0, 1);
  });
  afterAll(() => storage?.close());

  it('orders the log by transaction id as a number, then by index', async () => {
    const expected = [position(9n, 0), position(9n, 1), position(99n, 0), position(100n, 0)];
    const page = await storage.eventStore.readAll();
    expect(page.events.map((e) => e.position)).toEqual(expected);
    expect(page.events.map((e) => e.version)).toEqual([1, 2, 3, 4]);
    expect(await storage.eventStore.headPosition()).toBe(position(100n, 0));
    const filtered = await storage.eventStore.readAll({ filter: { domains: ['order'] }, limit: 2 });
    expect(filtered.events.map((e) => e.position)).toEqual(expected.slice(0, 2));
    const rest = await storage.eventStore.readAll({
      after: position(9n, 1),
      filter: { types: ['Placed'] },
    });
    expect(rest).toMatchObject({ position: position(100n, 0), isEnd: true });
    expect(rest.events.map((e) => e.position)).toEqual(expected.slice(2));
    const between = await storage.eventStore.readAll({ after: position(9n, 5) });
    expect(between.events.map((e) => e.position)).toEqual(expected.slice(2));
  });

  it('stores a checkpoint as the same key, and refuses one past the head', async () => {
    await storage.checkpointStore.saveCheckpoint('p', position(99n, 0));
    expect(await storage.checkpointStore.loadCheckpoint('p')).toBe(position(99n, 0));
    // Not an event's position, but not beyond the head either.
    await storage.checkpointStore.saveCheckpoint('p', position(99n, 7));
    expect(await storage.checkpointStore.loadCheckpoint('p')).toBe(position(99n, 7));
    await expectCode(
      storage.checkpointStore.saveCheckpoint('p', position(100n, 1)),
      'INVALID_ARGUMENT',
    );
    await expectCode(storage.checkpointStore.saveCheckpoint('p', 2n ** 64n), 'INVALID_ARGUMENT');
  });
});
