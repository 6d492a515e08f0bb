import { isSkipped } from './row.js';
import type { BenchRow } from './row.js';
import { snapshotAcceptance } from './snapshot-acceptance.js';
import { targets } from './targets/index.js';

const units: Record<BenchRow['workload'], string> = {
  W1: 'appends/s',
  W2: 'events/s',
  W3: 'events/s',
  W4: 'events/s',
  W5: 'commands/s',
  W6: 'commands/s',
  W7: 'appends/s',
  W8: 'events/s',
  W9: 'commands/s',
  W10: 'loads/s',
};

/**
 * The figure ratios compare: appends, commands or loads per second for W1, W5, W6, W7, W9
 * and W10, events otherwise.
 */
export const headline = (row: BenchRow): number | undefined =>
  ['W1', 'W5', 'W6', 'W7', 'W9', 'W10'].includes(row.workload) ? row.opsPerSec : row.eventsPerSec;

const int = (n: number): string => Math.round(n).toLocaleString('en-US');

function figure(row: BenchRow): string {
  if (isSkipped(row) || headline(row) === undefined) return '-';
  const latency = row.p50Ms === undefined ? '' : `  p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms`;
  return `${int(headline(row)!)} ${units[row.workload]}${latency}`;
}

/** `row`'s headline over that of the row of the same workload whose target has `role`. */
function ratio(row: BenchRow, rows: readonly BenchRow[], role: 'raw' | 'peer'): string {
  const database = targets[row.target].database;
  const other = rows.find(
    (r) =>
      r.workload === row.workload &&
      targets[r.target].role === role &&
      targets[r.target].database === database,
  );
  const mine = headline(row);
  const theirs = other && headline(other);
  if (mine === undefined || !theirs) return '-';
  return `${(mine / theirs).toFixed(2)}x`;
}

/** W6 has no raw target: its rows are compared with W5 on evented's SQLite store in-process. */
const inProcessRow = (rows: readonly BenchRow[]): BenchRow | undefined =>
  rows.find((r) => r.workload === 'W5' && r.target === 'evented-sqlite' && !isSkipped(r));

/** A W6 row's headline over W5 `evented-sqlite`'s. */
function ratioToW5(row: BenchRow, rows: readonly BenchRow[]): string {
  const w5 = inProcessRow(rows);
  const mine = headline(row);
  const theirs = w5 && headline(w5);
  if (row.workload !== 'W6' || mine === undefined || !theirs) return '-';
  return `${(mine / theirs).toFixed(2)}x`;
}

/**
 * W8 has no raw row: a projector is evented's. It is compared with W4 (reading the log) on
 * the raw target of the same database, the limit of catching up there.
 */
const rawW4Row = (row: BenchRow, rows: readonly BenchRow[]): BenchRow | undefined =>
  rows.find(
    (r) =>
      r.workload === 'W4' &&
      !isSkipped(r) &&
      targets[r.target].role === 'raw' &&
      targets[r.target].database === targets[row.target].database,
  );

/** A W8 row's events/s over W4's of the raw target of the same database. */
function ratioToRawW4(row: BenchRow, rows: readonly BenchRow[]): string {
  const w4 = rawW4Row(row, rows);
  const theirs = w4 && headline(w4);
  if (row.workload !== 'W8' || isSkipped(row) || row.eventsPerSec === undefined || !theirs) {
    return '-';
  }
  return `${(row.eventsPerSec / theirs).toFixed(2)}x`;
}

/** The acceptance for W6: c16 at 60% or more of W5 evented-sqlite, p99 under 10 ms. */
export const W6_ACCEPTANCE = { target: 'evented-grpc-c16', minRatio: 0.6, maxP99Ms: 10 } as const;

/** Whether W6 `evented-grpc-c16` meets {@link W6_ACCEPTANCE}, in one line; undefined without both rows. */
export function w6Acceptance(rows: readonly BenchRow[]): string | undefined {
  const c16 = rows.find((r) => r.workload === 'W6' && r.target === W6_ACCEPTANCE.target);
  const w5 = inProcessRow(rows);
  if (!c16 || isSkipped(c16) || !w5 || c16.opsPerSec === undefined || !w5.opsPerSec) return;
  const ratio = c16.opsPerSec / w5.opsPerSec;
  const p99 = c16.p99Ms ?? Infinity;
  const met = ratio >= W6_ACCEPTANCE.minRatio && p99 < W6_ACCEPTANCE.maxP99Ms;
  return (
    `W6 acceptance (${W6_ACCEPTANCE.target} >= ${W6_ACCEPTANCE.minRatio.toFixed(2)}x W5 ` +
    `evented-sqlite, p99 < ${W6_ACCEPTANCE.maxP99Ms} ms): ${ratio.toFixed(2)}x, p99 ${p99} ms: ` +
    (met ? 'met' : 'NOT met')
  );
}

/** The performance acceptance of the PostgreSQL and Redis stores (issue 4): headline ratios, and W7 verified. */
export const STORE_ACCEPTANCE = {
  ratios: [
    { workload: 'W1', target: 'evented-postgres', over: 'raw-postgres', min: 0.7 },
    { workload: 'W1', target: 'evented-postgres', over: 'emmett-postgres', min: 1.5 },
    { workload: 'W4', target: 'evented-postgres', over: 'raw-postgres', min: 0.4 },
    { workload: 'W4', target: 'evented-postgres', over: 'emmett-postgres', min: 3 },
    { workload: 'W1', target: 'evented-redis', over: 'raw-redis', min: 0.6 },
  ],
  verified: [
    { workload: 'W7', target: 'evented-postgres' },
    { workload: 'W7', target: 'evented-redis' },
  ],
} as const;

/** One line per check of {@link STORE_ACCEPTANCE} whose rows ran (not skipped). */
export function storeAcceptance(rows: readonly BenchRow[]): string[] {
  const ran = (workload: string, target: string): BenchRow | undefined =>
    rows.find((r) => r.workload === workload && r.target === target && !isSkipped(r));
  const lines: string[] = [];
  for (const { workload, target, over, min } of STORE_ACCEPTANCE.ratios) {
    const mine = ran(workload, target);
    const theirs = ran(workload, over);
    const a = mine && headline(mine);
    const b = theirs && headline(theirs);
    if (a === undefined || !b) continue;
    const ratio = a / b;
    lines.push(
      `${workload} ${target} >= ${min.toFixed(2)}x ${over}: ${ratio.toFixed(2)}x: ` +
        (ratio >= min ? 'met' : 'NOT met'),
    );
  }
  for (const { workload, target } of STORE_ACCEPTANCE.verified) {
    const row = ran(workload, target);
    if (row) lines.push(`${workload} ${target} verified: ${row.verified ? 'met' : 'NOT met'}`);
  }
  return lines;
}

/**
 * The performance acceptance of projections (issue 5): W8 at 50% or more of W4 on the raw
 * target of the same database, W9's p99 under 50 ms on PostgreSQL.
 */
export const PROJECTION_ACCEPTANCE = {
  w8: [
    { target: 'evented-sqlite', over: 'raw-sqlite', min: 0.5 },
    { target: 'evented-postgres', over: 'raw-postgres', min: 0.5 },
  ],
  w9: [{ target: 'evented-postgres', maxP99Ms: 50 }],
} as const;

/** One line per check of {@link PROJECTION_ACCEPTANCE} whose rows ran (not skipped). */
export function projectionAcceptance(rows: readonly BenchRow[]): string[] {
  const ran = (workload: string, target: string): BenchRow | undefined =>
    rows.find((r) => r.workload === workload && r.target === target && !isSkipped(r));
  const lines: string[] = [];
  for (const { target, over, min } of PROJECTION_ACCEPTANCE.w8) {
    const w8 = ran('W8', target)?.eventsPerSec;
    const w4 = ran('W4', over)?.eventsPerSec;
    if (w8 === undefined || !w4) continue;
    const ratio = w8 / w4;
    lines.push(
      `W8 ${target} >= ${min.toFixed(2)}x W4 ${over}: ${ratio.toFixed(2)}x: ` +
        (ratio >= min ? 'met' : 'NOT met'),
    );
  }
  for (const { target, maxP99Ms } of PROJECTION_ACCEPTANCE.w9) {
    const w9 = ran('W9', target);
    if (w9?.p99Ms === undefined) continue;
    const met = w9.p99Ms < maxP99Ms && w9.verified;
    lines.push(
      `W9 ${target} p99 < ${maxP99Ms} ms, verified: p99 ${w9.p99Ms} ms: ${met ? 'met' : 'NOT met'}`,
    );
  }
  return lines;
}

/** The rows as a plain-text table, then each row's notes. */
export function formatReport(rows: readonly BenchRow[]): string {
  // W6 rows get a column of their own: their ratio to W5 on evented's store in-process.
  const w6 = rows.some((row) => row.workload === 'W6');
  // W8 rows get one too: their ratio to W4 on the raw target of the same database.
  const w8 = rows.some((row) => row.workload === 'W8');
  const header = ['workload', 'target', 'figure', 'vs raw', 'vs peer'];
  if (w6) header.push('vs W5 evented');
  if (w8) header.push('vs raw W4');
  header.push('verified', 'peak RSS');
  const body = rows.map((row) => [
    row.workload,
    row.target,
    figure(row),
    ratio(row, rows, 'raw'),
    ratio(row, rows, 'peer'),
    ...(w6 ? [ratioToW5(row, rows)] : []),
    ...(w8 ? [ratioToRawW4(row, rows)] : []),
    isSkipped(row) ? 'skipped' : String(row.verified),
    row.peakRssMb === undefined ? '-' : `${row.peakRssMb} MB`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const notes = rows
    .filter((row) => row.notes)
    .map((row) => `  ${row.workload} ${row.target}: ${row.notes}`);
  const acceptance = w6Acceptance(rows);
  const stores = storeAcceptance(rows);
  const projections = projectionAcceptance(rows);
  const snapshots = snapshotAcceptance(rows);
  return [
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    ...(acceptance ? ['', acceptance] : []),
    ...(stores.length > 0
      ? ['', 'store acceptance (issue 4):', ...stores.map((l) => `  ${l}`)]
      : []),
    ...(projections.length > 0
      ? ['', 'projection acceptance (issue 5):', ...projections.map((l) => `  ${l}`)]
      : []),
    ...(snapshots.length > 0
      ? ['', 'snapshot acceptance (issue 6):', ...snapshots.map((l) => `  ${l}`)]
      : []),
    '',
    'notes:',
    ...notes,
  ].join('\n');
}
