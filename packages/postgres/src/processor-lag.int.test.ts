import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, expect, it } from 'vitest';
import type { Decider, Projector } from '@evented/core';
import { Evented, fromDecider, silentLogger } from '@evented/core';
import { describeWithService } from '@evented/conformance';
import type { PostgresStorage } from '@evented/postgres';
import { postgresProjector } from '@evented/postgres';
import { openTestStorage, postgres, useDatabaseLock } from './test-support/postgres-service.js';

const apps: Evented[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

const clock: Decider<null, { type: 'Tick'; data: object }, { type: 'Ticked'; data: object }> = {
  initialState: () => null,
  evolve: () => null,
  decide: () => ({ type: 'Ticked', data: {} }),
};
const tick = (id: string) => ({ domain: 'clock', aggregateId: id, type: 'Tick', data: {} });

async function open(projectors: Projector[]): Promise<{ app: Evented; storage: PostgresStorage }> {
  let storage!: PostgresStorage;
  let builder = Evented.builder({
    storage: async () => (storage = await openTestStorage()),
    logger: silentLogger,
    processors: { batchSize: 3 },
  }).withBusinessLogic('clock', fromDecider(clock));
  for (const projector of projectors) builder = builder.withProjector(projector);
  const app = await builder.build();
  apps.push(app);
  return { app, storage };
}

describeWithService('processors on PostgreSQL, whose positions are not dense', postgres, () => {
  useDatabaseLock('shared');

  it('count their lag in events, reset to a position or a time, and rebuild in one transaction', async () => {
    let open_!: () => void;
    const gate = new Promise<void>((resolve) => (open_ = resolve));
    const held: Projector = {
      name: 'held',
      async handle() {
        await gate;
      },
    };
    // The read model's table is in the database's default schema: a name of its own per run.
    const table = `ticks_${randomBytes(4).toString('hex')}`;
    const ticks = postgresProjector({
      name: 'ticks',
      schema: `CREATE TABLE ${table} (clock text PRIMARY KEY, n integer NOT NULL)`,
      reset: `DELETE FROM ${table}`,
      async handle(event, client) {
        await client.query(
          `INSERT INTO ${table} (clock, n) VALUES ($1, 1)
           ON CONFLICT (clock) DO UPDATE SET n = ${table}.n + 1`,
          [event.aggregateId],
        );
      },
    });
    const { app, storage } = await open([held, ticks]);
    const results = [];
    for (let i = 0; i < 7; i++) results.push(await app.dispatch(tick(`c-${i % 2}`)));
    const positions = results.map((result) => result.events[0]!.position);
    const head = positions.at(-1)!;
    // One transaction per command: positions far apart, so only counting tells the lag.
    expect(head - positions[0]!).toBeGreaterThan(1n << 20n);

    const behind = await app.processorStatus('held');
    expect(behind).toMatchObject({ head, lag: { events: 7, atLeast: false } });
    expect(await storage.eventStore.countEvents!(positions[1]!, { upTo: head, limit: 3 })).toBe(3);
    expect(await storage.eventStore.countEvents!(positions[1]!, { upTo: head, limit: 100 })).toBe(
      5,
    );
    open_();
    await app.waitForProcessors();
    expect((await app.processorStatus('held')).lag).toEqual({
      events: 0,
      atLeast: false,
      seconds: 0,
    });

    await app.resetProcessor('held', { to: positions[3]! });
    await app.waitForProcessors();
    const fifth = (await storage.eventStore.readAll({ after: positions[3]!, limit: 1 })).events[0]!;
    expect(fifth.position).toBe(positions[4]);
    // Recorded times are the transactions' own: wait for the clock so that they differ.
    await sleep(5);
    const later = await app.dispatch(tick('c-0'));
    const byTime = await app.resetProcessor('held', { to: later.events[0]!.recordedAt });
    expect(byTime.position).toBeGreaterThanOrEqual(head);
    expect(byTime.position).toBeLessThan(later.events[0]!.position);

    const count = async () =>
      (await ticks.pool.query({ text: `SELECT sum(n)::int AS n FROM ${table}` })).rows[0];
    await app.waitForProcessors();
    expect(await count()).toEqual({ n: 8 });
    expect(await app.rebuildProjector('ticks')).toMatchObject({ position: 0n });
    await app.waitForProcessors();
    expect(await count()).toEqual({ n: 8 });
    await ticks.pool.query({ text: `DROP TABLE ${table}` });
  });
});
