import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, expect, it } from 'vitest';
import { isEventedError } from '@evented/core';
import { describeWithService, expectCode } from '@evented/conformance';
import type { PostgresClient } from '@evented/postgres';
import { openPostgresStorage } from '@evented/postgres';
import {
  adminPool,
  dropSchema,
  POSTGRES_URL,
  postgres,
  uniqueSchema,
  useDatabaseLock,
} from './test-support/postgres-service.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A storage whose connections carry a name of their own, so the test can kill exactly them. */
async function openNamed() {
  const name = `evented_loss_${randomBytes(4).toString('hex')}`;
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('application_name', name);
  const schema = uniqueSchema('loss');
  const storage = await openPostgresStorage(url.toString(), { schema, maxConnections: 3 });
  cleanups.push(async () => {
    await storage.close();
    await dropSchema(schema);
  });
  const kill = async (): Promise<number> => {
    const { rows } = await adminPool().query<{ killed: boolean }>(
      'SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name = $1',
      [name],
    );
    return rows.length;
  };
  return { storage, kill };
}

describeWithService('PostgreSQL: a lost server or connection', postgres, () => {
  useDatabaseLock('shared');

  it('refuses to open on a server that is not there with UNAVAILABLE', async () => {
    const url = new URL(POSTGRES_URL);
    url.port = '1';
    await expectCode(openPostgresStorage(url.toString()), 'UNAVAILABLE');
  });

  it('refuses to open a schema that was never migrated, with migrate: false, with CONFIGURATION', async () => {
    await expectCode(
      openPostgresStorage(POSTGRES_URL, { schema: uniqueSchema('absent'), migrate: false }),
      'CONFIGURATION',
    );
  });

  it('carries on after its idle connections were terminated', async () => {
    const { storage, kill } = await openNamed();
    const stream = { domain: 'order', aggregateId: 'o-1' };
    await storage.eventStore.appendToStream(stream, [{ type: 'A', data: 1 }], {
      expectedVersion: 0,
    });
    expect(await kill()).toBeGreaterThan(0);
    await sleep(50);
    // The pool drops the dead connections and opens new ones; a call that still meets a
    // dead one fails typed, and the next succeeds.
    const outcome = await storage.eventStore
      .appendToStream(stream, [{ type: 'B', data: 2 }], { expectedVersion: 1 })
      .then(
        () => 'appended',
        (error: unknown) => (isEventedError(error, 'UNAVAILABLE') ? 'unavailable' : error),
      );
    expect(['appended', 'unavailable']).toContain(outcome);
    expect(await storage.eventStore.streamVersion(stream)).toBe(outcome === 'appended' ? 2 : 1);
  });

  it('fails a projection whose connection dies mid-transaction with UNAVAILABLE, saving nothing', async () => {
    const { storage, kill } = await openNamed();
    const model = `"${storage.schema}".model`;
    await storage.pool.query({ text: `CREATE TABLE ${model} (n integer)` });
    const { events } = await storage.eventStore.appendToStream(
      { domain: 'order', aggregateId: 'o-1' },
      [{ type: 'A', data: 1 }],
      { expectedVersion: 0 },
    );
    const attempt = storage.checkpointStore.saveCheckpointWith(
      'projector',
      events[0]!.position,
      async (transaction) => {
        await (transaction as PostgresClient).query(`INSERT INTO ${model} VALUES (1)`);
        // The connection is killed while the projection thinks: idle in its transaction.
        await sleep(300);
      },
    );
    await sleep(100);
    expect(await kill()).toBeGreaterThan(0);
    // evented's own statement (the checkpoint) then meets a dead connection.
    await expectCode(attempt, 'UNAVAILABLE');
    expect(await storage.checkpointStore.loadCheckpoint('projector')).toBeUndefined();
    const { rows } = await adminPool().query(`SELECT count(*)::int AS n FROM ${model}`);
    expect(rows).toEqual([{ n: 0 }]);
    // The next projection gets a live connection.
    await storage.checkpointStore.saveCheckpointWith(
      'projector',
      events[0]!.position,
      async (t) => {
        await (t as PostgresClient).query(`INSERT INTO ${model} VALUES (2)`);
      },
    );
    expect(await storage.checkpointStore.loadCheckpoint('projector')).toBe(events[0]!.position);
  });

  it('translates a statement killed by the server into UNAVAILABLE', async () => {
    const { storage, kill } = await openNamed();
    const waiting = storage.eventStore.readAll();
    // Kill the listening and querying connections while a read may be running.
    await kill();
    const outcome = await waiting.then(
      () => 'read',
      (error: unknown) => (isEventedError(error, 'UNAVAILABLE') ? 'unavailable' : error),
    );
    expect(['read', 'unavailable']).toContain(outcome);
    // Reads go out again on another connection when theirs turns out dead.
    await sleep(20);
    expect((await storage.eventStore.readAll()).events).toEqual([]);
    expect(await storage.eventStore.headPosition()).toBe(0n);
  });

  it('waits, reads and appends with a pool of one connection: it listens on a connection of its own', async () => {
    const schema = uniqueSchema('one');
    const storage = await openPostgresStorage(POSTGRES_URL, { schema, maxConnections: 1 });
    cleanups.push(async () => {
      await storage.close();
      await dropSchema(schema);
    });
    const waiting = storage.eventStore.waitForEvents(0n, { timeoutMs: 5_000 });
    await sleep(20);
    await storage.eventStore.appendToStream(
      { domain: 'order', aggregateId: 'o-1' },
      [{ type: 'Placed', data: 1 }],
      { expectedVersion: 0 },
    );
    expect(await waiting).toBe(true);
    expect((await storage.eventStore.readAll()).events).toHaveLength(1);
  });
});
