import { isSkipped } from './row.js';
import type { BenchRow } from './row.js';
import { targets } from './targets/index.js';

const units: Record<BenchRow['workload'], string> = {
  W1: 'appends/s',
  W2: 'events/s',
  W3: 'events/s',
  W4: 'events/s',
  W5: 'commands/s',
};

/** The figure ratios compare: appends or commands per second for W1 and W5, events otherwise. */
export const headline = (row: BenchRow): number | undefined =>
  row.workload === 'W1' || row.workload === 'W5' ? row.opsPerSec : row.eventsPerSec;

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

/** The rows as a plain-text table, then each row's notes. */
export function formatReport(rows: readonly BenchRow[]): string {
  const header = ['workload', 'target', 'figure', 'vs raw', 'vs peer', 'verified', 'peak RSS'];
  const body = rows.map((row) => [
    row.workload,
    row.target,
    figure(row),
    ratio(row, rows, 'raw'),
    ratio(row, rows, 'peer'),
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
  return [
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    '',
    'notes:',
    ...notes,
  ].join('\n');
}
