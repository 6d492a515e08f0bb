import type { TargetName, WorkloadId } from './targets/target.js';

/** One result, as BENCH.md defines it; a figure that does not apply is left out. */
export interface BenchRow {
  readonly workload: WorkloadId;
  readonly target: TargetName;
  readonly opsPerSec?: number;
  readonly eventsPerSec?: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly baselineP50Ms?: number;
  readonly peakRssMb?: number;
  readonly verified: boolean;
  readonly notes?: string;
}

/** What a workload measured, before the runner adds names, memory and notes. */
export type Measurement = Omit<BenchRow, 'workload' | 'target' | 'peakRssMb'>;

/** A row for a workload the target cannot run, with the reason. */
export const skippedRow = (workload: WorkloadId, target: TargetName, reason: string): BenchRow => ({
  workload,
  target,
  verified: false,
  notes: `skipped: ${reason}`,
});

/** Whether a row reports a skip rather than figures. */
export const isSkipped = (row: BenchRow): boolean => row.notes?.startsWith('skipped:') ?? false;

const fieldOrder: readonly (keyof BenchRow)[] = [
  'workload',
  'target',
  'opsPerSec',
  'eventsPerSec',
  'p50Ms',
  'p99Ms',
  'baselineP50Ms',
  'peakRssMb',
  'verified',
  'notes',
];

/** The row with its fields in BENCH.md's order and absent figures left out. */
export function orderRow(row: BenchRow): BenchRow {
  const entries = fieldOrder.filter((key) => row[key] !== undefined).map((key) => [key, row[key]]);
  return Object.fromEntries(entries) as BenchRow;
}
