import { describe, expect, it } from 'vitest';
import { formatReport } from './report.js';
import { runOne } from './run-one.js';
import { scaledSizes } from './sizes.js';
import { rawSqlite } from './targets/raw-sqlite.js';

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
});
