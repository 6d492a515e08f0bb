import { describe, expect, it } from 'vitest';
import { formatReport } from './report.js';
import type { BenchRow } from './row.js';
import { runOne, runsOn } from './run-one.js';
import { scaledSizes } from './sizes.js';
import type { Sizes } from './sizes.js';
import { eventedPostgres } from './targets/evented-postgres.js';
import { eventedSqlite } from './targets/evented-sqlite.js';
import { rawSqlite } from './targets/raw-sqlite.js';
import { postgresAdmin } from './targets/servers.js';

/** W10 small: a 1,000-event account and a 20-event one, snapshots every 20, 30 loads each. */
const sizes: Sizes = {
  ...scaledSizes(200),
  w10Events: 1_000,
  w10BaselineEvents: 20,
  w10SnapshotEvery: 20,
  w10Loads: 30,
};

/** Runs `work` holding the shared lock of the PostgreSQL tests, as run-one.test.ts does. */
async function besideOtherTests<T>(work: () => Promise<T>): Promise<T> {
  const client = await postgresAdmin().catch(() => undefined);
  try {
    await client?.query("SELECT pg_advisory_lock_shared(hashtext('evented.tests'), 0)");
    return await work();
  } finally {
    await client?.end();
  }
}

describe('W10 snapshot-load', () => {
  for (const target of [eventedSqlite, eventedPostgres]) {
    it(`loads a long and a short account under automatic snapshots on ${target.name}`, async () => {
      const row = await besideOtherTests(() => runOne('W10', target, sizes));
      // PostgreSQL may be down on a laptop; CI sets EVENTED_REQUIRE_SERVICES=1.
      if (row.notes?.startsWith('skipped:') && !process.env['EVENTED_REQUIRE_SERVICES']) return;

      expect(row).toMatchObject({ workload: 'W10', target: target.name, verified: true });
      expect(row.p50Ms).toBeGreaterThan(0);
      expect(row.p99Ms).toBeGreaterThanOrEqual(row.p50Ms!);
      expect(row.baselineP50Ms).toBeGreaterThan(0);
      expect(row.opsPerSec).toBeGreaterThan(0);
      expect(row.notes).toContain(
        'loads of a 1,000-event account (p50, p99) and of a 20-event one',
      );
      expect(row.notes).toMatch(
        /snapshots every 20 events by the background worker \(\d+ saved, 0 dropped\)/,
      );
    });
  }

  it('runs on evented targets only', () => {
    expect(runsOn('W10', eventedSqlite)).toBe(true);
    expect(runsOn('W10', eventedPostgres)).toBe(true);
    expect(runsOn('W10', rawSqlite)).toBe(false);
  });

  it('checks the snapshot acceptance: the long load at most twice the short one', () => {
    const row = (target: BenchRow['target'], p50Ms: number, verified = true): BenchRow => ({
      workload: 'W10',
      target,
      opsPerSec: 1_000,
      p50Ms,
      p99Ms: p50Ms * 2,
      baselineP50Ms: 0.5,
      verified,
    });
    const report = formatReport([row('evented-sqlite', 0.6), row('evented-postgres', 1.2)]);
    expect(report).toMatch(/W10\s+evented-sqlite\s+1,000 loads\/s {2}p50 0.6 ms, p99 1.2 ms/);
    expect(report).toContain('snapshot acceptance (issue 6):');
    expect(report).toContain(
      'W10 evented-sqlite p50 <= 2.00x baseline, verified: 0.6 ms vs 0.5 ms, 1.20x: met',
    );
    expect(report).toContain(
      'W10 evented-postgres p50 <= 2.00x baseline, verified: 1.2 ms vs 0.5 ms, 2.40x: NOT met',
    );
  });
});
