import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatReport } from './report.js';
import type { BenchRow } from './row.js';
import { runOne, runsOn } from './run-one.js';
import { scaledSizes } from './sizes.js';
import { eventedGrpcC1 } from './targets/evented-grpc.js';
import { eventedPostgres } from './targets/evented-postgres.js';
import { eventedSqlite } from './targets/evented-sqlite.js';
import { rawPostgres } from './targets/raw-postgres.js';
import { rawSqlite } from './targets/raw-sqlite.js';
import { postgresAdmin, redisClient } from './targets/servers.js';
import { startService } from './targets/service-process.js';
import { TargetUnavailable } from './targets/target.js';

describe('runOne', () => {
  it('runs W1 on raw-sqlite in a temporary file and returns a verified row', async () => {
    const row = await runOne('W1', rawSqlite, scaledSizes(200));

    expect(row).toMatchObject({ workload: 'W1', target: 'raw-sqlite', verified: true });
    expect(row.opsPerSec).toBeGreaterThan(0);
    expect(row.p99Ms).toBeGreaterThanOrEqual(row.p50Ms!);
    expect(row.eventsPerSec).toBeUndefined();
    expect(row.notes).toContain('no warm-up');
    expect(formatReport([row])).toMatch(/W1\s+raw-sqlite\s+[\d,]+ appends\/s/);
  });

  it('reads the global log back in pages for W4', async () => {
    const sizes = { ...scaledSizes(200), w4Events: 500, w4PageSize: 64 };

    const row = await runOne('W4', rawSqlite, sizes);

    expect(row).toMatchObject({ workload: 'W4', target: 'raw-sqlite', verified: true });
    expect(row.eventsPerSec).toBeGreaterThan(0);
  });

  it('runs W6 against `evented serve` in another process, which it stops cleanly', async () => {
    const row = await runOne('W6', eventedGrpcC1, scaledSizes(200));

    expect(row).toMatchObject({ workload: 'W6', target: 'evented-grpc-c1', verified: true });
    expect(row.p99Ms).toBeGreaterThanOrEqual(row.p50Ms!);
    expect(row.notes).toContain('one caller in sequence');
    expect(row.notes).toMatch(/warm-up: 20 commands to 2 other accounts first, untimed/);
    expect(row.notes).not.toMatch(/exited|killed/);
  });

  it('runs W7 with concurrent writers and verifies every stream has no gap or duplicate', async () => {
    const sizes = { ...scaledSizes(200), w7Streams: 5, w7AttemptsPerWriter: 25 };

    const row = await runOne('W7', rawSqlite, sizes);

    expect(row).toMatchObject({ workload: 'W7', target: 'raw-sqlite', verified: true });
    expect(row.opsPerSec).toBeGreaterThan(0);
    expect(row.notes).toMatch(
      /\d+ appends and \d+ conflicts of 100 attempts \(4 writers, 5 streams\)/,
    );
  });

  it('gives a skipped row for a workload the target does not run', async () => {
    const row = await runOne('W6', rawSqlite, scaledSizes(200));

    expect(row).toMatchObject({
      verified: false,
      notes: 'skipped: W6 does not run on store targets',
    });
  });
});

describe('runOne: W8 and W9, the bank projector on evented stores', () => {
  // The shared lock the PostgreSQL tests take (packages/postgres, `useDatabaseLock`): no test
  // that holds transactions open on purpose, stalling every reader of the cluster, runs
  // beside these. Without a server there is nothing to lock.
  let lock: pg.Client | undefined;
  beforeAll(async () => {
    lock = await postgresAdmin().catch(() => undefined);
    await lock?.query("SELECT pg_advisory_lock_shared(hashtext('evented.tests'), 0)");
  }, 180_000);
  afterAll(() => lock?.end());

  /** W8 and W9 at sizes for a test: 600 events of 6 accounts in pages of 50; 60 commands at 200/s. */
  const projectionSizes = {
    ...scaledSizes(200),
    w8Events: 600,
    w8Accounts: 6,
    w8PageSize: 50,
    w9CommandsPerSecond: 200,
    w9Seconds: 0.3,
    w9Accounts: 7,
  };

  for (const target of [eventedSqlite, eventedPostgres]) {
    it(`runs W8 and W9 on ${target.name}: the bank's batched projector, its read model verified`, async () => {
      const w8 = await runOne('W8', target, projectionSizes);
      const w9 = await runOne('W9', target, projectionSizes);
      // PostgreSQL may be down on a laptop; CI sets EVENTED_REQUIRE_SERVICES=1.
      if (w8.notes?.startsWith('skipped:') && !process.env['EVENTED_REQUIRE_SERVICES']) return;

      expect(w8).toMatchObject({ workload: 'W8', target: target.name, verified: true });
      expect(w8.eventsPerSec).toBeGreaterThan(0);
      expect(w8.notes).toContain('600 events of 6 accounts, appended round-robin 10 at a time');
      expect(w8.notes).toContain('a page of 50 (processors.batchSize) touches 5 accounts');
      expect(w9).toMatchObject({ workload: 'W9', target: target.name, verified: true });
      expect(w9.p99Ms).toBeGreaterThanOrEqual(w9.p50Ms!);
      expect(w9.p50Ms).toBeGreaterThan(0);
      expect(w9.notes).toContain('60 commands offered at 200/s to 7 accounts, open loop');
    });
  }

  it('runs W8 and W9 on evented targets only: raw ones are compared through W4', async () => {
    expect(runsOn('W8', eventedSqlite)).toBe(true);
    expect(runsOn('W8', rawSqlite)).toBe(false);
    expect(runsOn('W9', rawPostgres)).toBe(false);
    expect(runsOn('W4', rawPostgres)).toBe(true);
    const row = await runOne('W8', rawSqlite, projectionSizes);
    expect(row).toMatchObject({
      verified: false,
      notes: 'skipped: W8 does not run on raw targets',
    });
  });
});

describe('servers', () => {
  it('report an unreachable PostgreSQL or Redis as TargetUnavailable, with the reason', async () => {
    await expect(postgresAdmin('postgres://postgres@127.0.0.1:1/test')).rejects.toThrow(
      /PostgreSQL at postgres:\/\/postgres@127.0.0.1:1\/test unreachable: .*ECONNREFUSED/,
    );
    await expect(redisClient('redis://127.0.0.1:1')).rejects.toThrow(TargetUnavailable);
  });
});

describe('startService', () => {
  it('fails with TargetUnavailable, with the end of stderr, when the process exits first', async () => {
    const exiting = startService(
      'the service',
      '-e',
      ['console.error("no port"); process.exit(3)'],
      () => true,
    );

    await expect(exiting).rejects.toThrow(TargetUnavailable);
    await expect(exiting).rejects.toThrow('the service exited with 3: no port');
  });

  it('gives the last error the process logged on stdout as the reason, as pino writes it', async () => {
    const log = { level: 50, err: { message: 'EACCES' }, msg: 'evented could not start' };
    const script = `console.log(${JSON.stringify(JSON.stringify(log))}); process.exit(1)`;

    await expect(startService('evented serve', '-e', [script], () => false)).rejects.toThrow(
      'evented serve exited with 1: evented could not start: EACCES',
    );
  });
});

describe('formatReport', () => {
  const w5: BenchRow = {
    workload: 'W5',
    target: 'evented-sqlite',
    opsPerSec: 4000,
    verified: true,
  };
  const c16 = (opsPerSec: number, p99Ms: number): BenchRow => ({
    workload: 'W6',
    target: 'evented-grpc-c16',
    opsPerSec,
    p50Ms: 1,
    p99Ms,
    verified: true,
  });

  it('compares W6 with W5 on evented-sqlite and says whether the acceptance is met', () => {
    const met = formatReport([w5, c16(3000, 4)]);
    expect(met).toMatch(/W6\s+evented-grpc-c16\s+3,000 commands\/s.*\s-\s+-\s+0\.75x\s+true/);
    expect(met).toContain('0.75x, p99 4 ms: met');

    expect(formatReport([w5, c16(3000, 12)])).toContain('p99 12 ms: NOT met');
    expect(formatReport([w5, c16(2000, 4)])).toContain('0.50x, p99 4 ms: NOT met');
    expect(formatReport([w5])).not.toContain('vs W5');
  });

  it('compares W8 with W4 on the raw target of the same database, and checks the projection acceptance', () => {
    const row = (workload: 'W4' | 'W8', target: BenchRow['target'], eventsPerSec: number) =>
      ({ workload, target, eventsPerSec, verified: true }) satisfies BenchRow;
    const w9: BenchRow = {
      workload: 'W9',
      target: 'evented-postgres',
      opsPerSec: 1000,
      p50Ms: 3,
      p99Ms: 12,
      verified: true,
    };
    const report = formatReport([
      row('W4', 'raw-sqlite', 400_000),
      row('W4', 'raw-postgres', 200_000),
      row('W8', 'evented-sqlite', 240_000),
      row('W8', 'evented-postgres', 80_000),
      w9,
    ]);

    expect(report).toMatch(/W8\s+evented-sqlite\s+240,000 events\/s\s+-\s+-\s+0\.60x\s+true/);
    expect(report).toMatch(/W9\s+evented-postgres\s+1,000 commands\/s\s+p50 3 ms, p99 12 ms/);
    expect(report).toContain('W8 evented-sqlite >= 0.50x W4 raw-sqlite: 0.60x: met');
    expect(report).toContain('W8 evented-postgres >= 0.50x W4 raw-postgres: 0.40x: NOT met');
    expect(report).toContain('W9 evented-postgres p99 < 50 ms, verified: p99 12 ms: met');
    expect(formatReport([{ ...w9, p99Ms: 60 }])).toContain('p99 60 ms: NOT met');
    expect(formatReport([w5])).not.toContain('vs raw W4');
  });

  it('checks the PostgreSQL and Redis acceptance ratios and W7 verified, for the rows that ran', () => {
    const row = (workload: 'W1' | 'W7', target: BenchRow['target'], opsPerSec: number) =>
      ({ workload, target, opsPerSec, verified: true }) satisfies BenchRow;
    const report = formatReport([
      row('W1', 'evented-postgres', 1800),
      row('W1', 'raw-postgres', 2000),
      row('W1', 'emmett-postgres', 1400),
      row('W7', 'evented-redis', 1000),
      { ...row('W7', 'evented-postgres', 1000), verified: false },
    ]);

    expect(report).toContain('W1 evented-postgres >= 0.70x raw-postgres: 0.90x: met');
    expect(report).toContain('W1 evented-postgres >= 1.50x emmett-postgres: 1.29x: NOT met');
    expect(report).toContain('W7 evented-redis verified: met');
    expect(report).toContain('W7 evented-postgres verified: NOT met');
    expect(report).not.toContain('W4 evented-postgres');
    expect(formatReport([w5])).not.toContain('store acceptance');
  });
});
