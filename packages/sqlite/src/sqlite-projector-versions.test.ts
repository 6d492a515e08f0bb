import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { Decider } from '@evented/core';
import { Evented, fromDecider, silentLogger } from '@evented/core';
import type { SqliteProjector } from '@evented/sqlite';
import { sqliteProjector } from '@evented/sqlite';

const apps: Evented[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** Every command adds one `Ticked` event to its clock. */
const clock: Decider<null, { type: 'Tick'; data: object }, { type: 'Ticked'; data: object }> = {
  initialState: () => null,
  evolve: () => null,
  decide: () => ({ type: 'Ticked', data: {} }),
};

/** Events per clock, in a table of the version's own: `ticks_v1`, `ticks_v2`. */
function ticks(version: number): SqliteProjector {
  const table = `ticks_v${version}`;
  return sqliteProjector({
    name: 'ticks',
    version,
    schema: `CREATE TABLE IF NOT EXISTS ${table} (clock TEXT PRIMARY KEY, n INTEGER NOT NULL)`,
    reset: `DELETE FROM ${table}`,
    processorOptions: { batchSize: 50 },
    handleBatch(events, db) {
      const add = db.prepare(
        `INSERT INTO ${table} (clock, n) VALUES (?, 1) ON CONFLICT (clock) DO UPDATE SET n = n + 1`,
      );
      for (const event of events) add.run(event.aggregateId);
    },
  });
}

/** What a query sees: the version queries read, and the events counted in its table. */
function query(projector: SqliteProjector): { version: number; total: number } {
  const version = projector.activeVersion() ?? 1;
  const total = projector.database
    .prepare(`SELECT coalesce(sum(n), 0) FROM ticks_v${version}`)
    .pluck()
    .get() as number;
  return { version, total };
}

async function open(path: string, projectors: SqliteProjector[]): Promise<Evented> {
  let builder = Evented.builder({
    storage: { kind: 'sqlite', path, synchronous: 'normal' },
    logger: silentLogger,
  }).withBusinessLogic('clock', fromDecider(clock));
  for (const projector of projectors) builder = builder.withProjector(projector);
  const app = await builder.build();
  apps.push(app);
  return app;
}

const tick = (id: string) => ({ domain: 'clock', aggregateId: id, type: 'Tick', data: {} });

describe('a new version of a SQLite projector', () => {
  it('builds beside the old one under load and takes over without queries seeing it partial', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'evented-versions-')), 'app.db');
    const first = await open(path, [ticks(1)]);
    for (let i = 0; i < 1_500; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, (_, clock) => first.dispatch(tick(`c-${clock}`))),
      );
    }
    await first.waitForProcessors();
    await first.close();
    apps.splice(0);

    const v1 = ticks(1);
    const v2 = ticks(2);
    const app = await open(path, [v1, v2]);
    const before = query(v1);
    expect(before).toEqual({ version: 1, total: 1_500 });

    // Commands keep coming while the new version catches up; queries run between them.
    let stop = false;
    let dispatched = 1_500;
    const load = (async () => {
      while (!stop) {
        await app.dispatch(tick(`c-${dispatched % 20}`));
        dispatched += 1;
      }
    })();
    const seen: { version: number; total: number }[] = [];
    while (query(v1).version === 1 || seen.length < 10) {
      seen.push(query(v1));
      await yieldToLoop();
    }
    for (let i = 0; i < 50; i++) {
      seen.push(query(v1));
      await yieldToLoop();
    }
    stop = true;
    await load;
    await app.waitForProcessors({ names: ['ticks@v2'] });

    // The old version answered while the new one caught up, page by page, under load.
    expect(seen.filter((each) => each.version === 1).length).toBeGreaterThan(10);
    const switched = seen.findIndex((each) => each.version === 2);
    expect(seen.slice(switched).every((each) => each.version === 2)).toBe(true);
    // Never empty, never partial: every answer counts at least what the old model had.
    for (const each of seen) expect(each.total).toBeGreaterThanOrEqual(before.total);
    expect(query(v2)).toEqual({ version: 2, total: dispatched });
    const states = Object.fromEntries(
      app.processors().map((status) => [status.name, status.state]),
    );
    expect(states).toEqual({ ticks: 'stopped', 'ticks@v2': 'live' });
  });

  it('is promoted once, and an older version that catches up later never demotes it', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'evented-versions-')), 'app.db');
    const v3 = ticks(3);
    const app = await open(path, [v3]);
    await app.dispatch(tick('a'));
    await app.waitForProcessors();
    await expect.poll(() => v3.activeVersion(), { timeout: 5_000 }).toBe(3);
    v3.promote!(app.storage);
    const v2 = ticks(2);
    v2.start!(app.storage);
    v2.promote!(app.storage);
    expect(v3.activeVersion()).toBe(3);
  });
});
