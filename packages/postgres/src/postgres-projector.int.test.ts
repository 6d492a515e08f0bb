import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { RecordedEvent } from '@evented/core';
import { Evented, EventedConfig, isEventedError, silentLogger } from '@evented/core';
import { describeWithService } from '@evented/conformance';
import type { PostgresProjectorOptions, PostgresStorage } from '@evented/postgres';
import { openPostgresStorage, postgresProjector } from '@evented/postgres';
import {
  adminPool,
  dropSchema,
  POSTGRES_URL,
  postgres,
  uniqueSchema,
  useDatabaseLock,
} from './test-support/postgres-service.js';

const stopper = fileURLToPath(new URL('../test-fixtures/projector-stopper.mjs', import.meta.url));

const children = new Set<ChildProcess>();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs the stopper until it says `inside`, then kills it with SIGKILL. */
function runUntilInside(args: readonly string[]): Promise<void> {
  const child = spawn(process.execPath, [stopper, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stderr = '';
  let killed = false;
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    if (!killed && chunk.toString().includes('inside')) killed = child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      children.delete(child);
      if (signal === 'SIGKILL' && killed) resolve();
      else reject(new Error(`the projector ended by itself (${code ?? signal}): ${stderr}`));
    });
  });
}

/** The same read model as the stopper's, in this process. */
function counter(schema: string) {
  return postgresProjector({
    name: 'counter',
    schema: `CREATE TABLE IF NOT EXISTS "${schema}".handled
      (event_id uuid PRIMARY KEY, seq bigserial NOT NULL, times integer NOT NULL)`,
    async handle(event, client) {
      await client.query(
        `INSERT INTO "${schema}".handled (event_id, times) VALUES ($1, 1)
         ON CONFLICT (event_id) DO UPDATE SET times = handled.times + 1`,
        [event.id],
      );
    },
  });
}

async function handled(schema: string) {
  const { rows } = await adminPool().query<{ id: string; times: number }>(
    `SELECT event_id::text AS id, times FROM "${schema}".handled ORDER BY seq`,
  );
  return rows;
}

describeWithService(
  'PostgreSQL: postgresProjector, read model and checkpoint in one transaction',
  postgres,
  () => {
    // The killed child leaves a transaction open until PostgreSQL notices.
    useDatabaseLock('exclusive');

    it('leaves neither a killed page nor its checkpoint, handles it once after a restart, then follows live', async () => {
      const schema = uniqueSchema('projector');
      const storage = await openPostgresStorage(POSTGRES_URL, { schema, maxConnections: 2 });
      cleanups.push(async () => {
        await storage.close();
        await dropSchema(schema);
      });
      const stream = { domain: 'tick', aggregateId: 'clock' };
      const recorded: RecordedEvent[] = [];
      for (let n = 1; n <= 20; n++) {
        const { events } = await storage.eventStore.appendToStream(
          stream,
          [{ type: 'Ticked', data: { n } }],
          { expectedVersion: n - 1 },
        );
        recorded.push(...events);
      }

      // Pages of 5: events 1-10 commit, then the child stops at event 12, mid-page, and dies.
      const name = `evented_stopper_${randomBytes(4).toString('hex')}`;
      const url = new URL(POSTGRES_URL);
      url.searchParams.set('application_name', name);
      await runUntilInside([url.toString(), schema, '12']);
      for (let tries = 0; ; tries++) {
        const { rows } = await adminPool().query(
          'SELECT 1 FROM pg_stat_activity WHERE application_name = $1',
          [name],
        );
        if (rows.length === 0) break;
        expect(tries, 'the killed projector’s connections are gone').toBeLessThan(1000);
        await sleep(10);
      }
      expect(await storage.checkpointStore.loadCheckpoint('counter')).toBe(recorded[9]!.position);
      expect(await handled(schema)).toEqual(
        recorded.slice(0, 10).map((e) => ({ id: e.id, times: 1 })),
      );

      const projector = counter(schema);
      // The killed stopper's node id: its segment is resumed at once, not after its lease.
      const evented = await Evented.builder({
        ...EventedConfig.postgres(POSTGRES_URL, { schema }),
        nodeId: 'crash-test',
      })
        .withProjector(projector)
        .build();
      cleanups.push(() => evented.close());
      await evented.waitForProcessors({ timeoutMs: 10_000 });
      expect(await handled(schema)).toEqual(recorded.map((e) => ({ id: e.id, times: 1 })));

      // Appends by another storage (another process, say) reach it by NOTIFY.
      for (let n = 21; n <= 25; n++) {
        const { events } = await storage.eventStore.appendToStream(
          stream,
          [{ type: 'Ticked', data: { n } }],
          { expectedVersion: n - 1 },
        );
        recorded.push(...events);
      }
      await evented.waitForProcessors({ timeoutMs: 5_000 });
      const { rows } = await projector.pool.query({
        text: `SELECT count(*)::int AS n FROM "${schema}".handled`,
      });
      expect(rows).toEqual([{ n: 25 }]);
      expect(await handled(schema)).toEqual(recorded.map((e) => ({ id: e.id, times: 1 })));
    });

    it('does not run the work of a page again once its checkpoint is stored (a retry after a lost COMMIT)', async () => {
      const schema = uniqueSchema('retry');
      const storage = await openPostgresStorage(POSTGRES_URL, { schema, maxConnections: 2 });
      cleanups.push(async () => {
        await storage.close();
        await dropSchema(schema);
      });
      const { events } = await storage.eventStore.appendToStream(
        { domain: 'tick', aggregateId: 'clock' },
        [
          { type: 'Ticked', data: { n: 1 } },
          { type: 'Ticked', data: { n: 2 } },
        ],
        { expectedVersion: 0 },
      );
      const ran: string[] = [];
      const save = (label: string, index: number) =>
        storage.checkpointStore.saveCheckpointWith('p', events[index]!.position, () => {
          ran.push(label);
        });
      await save('page', 1);
      await save('the same page again', 1);
      await save('an event of it, retried alone', 0);
      expect(ran).toEqual(['page']);
      expect(await storage.checkpointStore.loadCheckpoint('p')).toBe(events[1]!.position);
      // After a reset the work runs again, from the start.
      await storage.checkpointStore.deleteCheckpoint('p');
      await save('after a reset', 0);
      expect(ran).toEqual(['page', 'after a reset']);
    });
  },
);

describe('postgresProjector options', () => {
  it('need exactly one of handle and handleBatch', () => {
    const handle = (): void => undefined;
    const attempts = [
      { name: 'neither' },
      { name: 'both', handle, handleBatch: handle },
      { name: 'not a function', handle: 'yes' },
    ];
    for (const options of attempts) {
      let error: unknown;
      try {
        postgresProjector(options as unknown as PostgresProjectorOptions);
      } catch (thrown) {
        error = thrown;
      }
      expect(isEventedError(error, 'CONFIGURATION'), options.name).toBe(true);
      expect((error as Error).message).toContain('exactly one of handle and handleBatch');
    }
  });
});

/** The `n` of a test event. */
const n = (event: RecordedEvent): number => (event.data as { n: number }).n;

/** Ten events of one stream, `data.n` 1..10, in a schema of their own. */
async function tenEvents(label: string) {
  const schema = uniqueSchema(label);
  const storage = await openPostgresStorage(POSTGRES_URL, { schema, maxConnections: 2 });
  cleanups.push(async () => {
    await storage.close();
    await dropSchema(schema);
  });
  const { events } = await storage.eventStore.appendToStream(
    { domain: 'tick', aggregateId: 'clock' },
    Array.from({ length: 10 }, (_, i) => ({ type: 'Ticked', data: { n: i + 1 } })),
    { expectedVersion: 0 },
  );
  return { schema, storage, recorded: [...events] };
}

/** The read model and the checkpoint as committed, read outside the projector's transaction. */
async function committed(schema: string, storage: PostgresStorage) {
  const { rows } = await adminPool().query<{ n: number; times: number }>(
    `SELECT n, times FROM "${schema}".counted ORDER BY n`,
  );
  return { counted: rows, checkpoint: await storage.checkpointStore.loadCheckpoint('counter') };
}

/** Runs a batched counter on the schema in pages of 5 until it is done or has stopped. */
async function projectInBatches(
  schema: string,
  handleBatch: (
    events: readonly RecordedEvent[],
    count: (e: RecordedEvent) => Promise<unknown>,
  ) => Promise<void>,
) {
  const projector = postgresProjector({
    name: 'counter',
    schema: `CREATE TABLE IF NOT EXISTS "${schema}".counted (n integer PRIMARY KEY, times integer NOT NULL)`,
    processorOptions: { batchSize: 5, maxAttempts: 2, retryBackoffMs: 1 },
    async handleBatch(events, client) {
      await handleBatch(events, (event) =>
        client.query(
          `INSERT INTO "${schema}".counted (n, times) VALUES ($1, 1)
           ON CONFLICT (n) DO UPDATE SET times = counted.times + 1`,
          [n(event)],
        ),
      );
    },
  });
  const evented = await Evented.builder({
    ...EventedConfig.postgres(POSTGRES_URL, { schema }),
    logger: silentLogger,
    nodeId: 'crash-test', // the killed stopper's id: its segment is resumed at once
  })
    .withProjector(projector)
    .build();
  cleanups.push(() => evented.close());
  await evented.waitForProcessors({ timeoutMs: 10_000 }).catch((error: unknown) => {
    if (!isEventedError(error, 'PROCESSOR_FAILED')) throw error;
  });
  return evented;
}

const numbers = (events: readonly RecordedEvent[]) => events.map(n);
const once = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ n: from + i, times: 1 }));

describeWithService(
  'PostgreSQL: postgresProjector with handleBatch, a page and its checkpoint in one transaction',
  postgres,
  () => {
    useDatabaseLock('shared');

    it('commits neither the read model nor the checkpoint of a page that throws halfway, then retries it event by event', async () => {
      const { schema, storage, recorded } = await tenEvents('batch');
      const calls: { events: unknown[]; before: Awaited<ReturnType<typeof committed>> }[] = [];
      let failed = false;
      await projectInBatches(schema, async (events, count) => {
        calls.push({ events: numbers(events), before: await committed(schema, storage) });
        for (const event of events) {
          // Events 6 and 7 are written before 8 fails, once: the page must take them back.
          if (n(event) === 8 && !failed) {
            failed = true;
            throw new Error('event 8 fails once');
          }
          await count(event);
        }
      });

      expect(calls.map((c) => c.events)).toEqual([
        [1, 2, 3, 4, 5],
        [6, 7, 8, 9, 10],
        [6],
        [7],
        [8],
        [9],
        [10],
      ]);
      expect(calls[1]!.before).toEqual({ counted: once(1, 5), checkpoint: recorded[4]!.position });
      // What the first retry found committed: the page before the failed one, nothing of it.
      expect(calls[2]!.before).toEqual(calls[1]!.before);
      expect(await committed(schema, storage)).toEqual({
        counted: once(1, 10),
        checkpoint: recorded[9]!.position,
      });
    });

    it('stops at an event that keeps failing, with every event before it counted exactly once', async () => {
      const { schema, storage, recorded } = await tenEvents('poison');
      const evented = await projectInBatches(schema, async (events, count) => {
        for (const event of events) {
          if (n(event) === 8) throw new Error('event 8 always fails');
          await count(event);
        }
      });

      expect(evented.processors()[0]).toMatchObject({
        state: 'error',
        checkpoint: recorded[6]!.position,
        failure: { eventId: recorded[7]!.id, attempts: 2, message: 'event 8 always fails' },
      });
      expect(await committed(schema, storage)).toEqual({
        counted: once(1, 7),
        checkpoint: recorded[6]!.position,
      });
    });
  },
);
