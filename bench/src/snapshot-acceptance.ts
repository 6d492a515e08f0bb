import { isSkipped } from './row.js';
import type { BenchRow } from './row.js';

/**
 * The performance acceptance of automatic snapshots (issue 6): on each evented store,
 * loading the long aggregate (W10 `p50Ms`) takes at most twice loading the short one
 * (`baselineP50Ms`).
 */
export const SNAPSHOT_ACCEPTANCE = {
  w10: [
    { target: 'evented-sqlite', maxRatio: 2 },
    { target: 'evented-postgres', maxRatio: 2 },
  ],
} as const;

/** One line per check of {@link SNAPSHOT_ACCEPTANCE} whose row ran (not skipped). */
export function snapshotAcceptance(rows: readonly BenchRow[]): string[] {
  const lines: string[] = [];
  for (const { target, maxRatio } of SNAPSHOT_ACCEPTANCE.w10) {
    const row = rows.find((r) => r.workload === 'W10' && r.target === target && !isSkipped(r));
    if (row?.p50Ms === undefined || !row.baselineP50Ms) continue;
    const ratio = row.p50Ms / row.baselineP50Ms;
    const met = ratio <= maxRatio && row.verified;
    lines.push(
      `W10 ${target} p50 <= ${maxRatio.toFixed(2)}x baseline, verified: ${row.p50Ms} ms vs ` +
        `${row.baselineP50Ms} ms, ${ratio.toFixed(2)}x: ${met ? 'met' : 'NOT met'}`,
    );
  }
  return lines;
}
