import { runOne } from './run-one.js';
import type { BenchRow } from './row.js';
import type { Sizes } from './sizes.js';
import { targets } from './targets/index.js';
import type { TargetName, WorkloadId } from './targets/target.js';

/** What `main.ts` asks of one child process. */
export interface ChildRequest {
  readonly workload: WorkloadId;
  readonly target: TargetName;
  readonly sizes: Sizes;
}

// One (workload, target) per process: runs are isolated and peak RSS is this run's own.
const request = JSON.parse(process.argv[2] ?? '{}') as ChildRequest;
let row: BenchRow;
try {
  row = await runOne(request.workload, targets[request.target], request.sizes);
  if (!row.notes?.startsWith('skipped:')) {
    row = { ...row, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) };
  }
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  row = {
    workload: request.workload,
    target: request.target,
    verified: false,
    notes: `failed: ${message}`,
  };
}
process.send?.(row, () => process.exit(0));
