import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skippedRow } from './row.js';
import type { BenchRow } from './row.js';
import type { Sizes } from './sizes.js';
import type { TargetInfo, WorkloadId } from './targets/target.js';
import { workloads } from './workloads.js';

const workloadNotes: Partial<Record<WorkloadId, string>> = {
  W3: 'stream seeded untimed with appends of 100',
  W4: 'log seeded untimed with appends of 100',
};

/**
 * Runs one workload against one target in a fresh temporary directory, removed afterwards.
 * No warm-up: the target is opened (schema created) untimed, then the workload is timed.
 */
export async function runOne(
  workload: WorkloadId,
  info: TargetInfo,
  sizes: Sizes,
): Promise<BenchRow> {
  const { run, needs } = workloads[workload];
  const dir = await mkdtemp(join(tmpdir(), `evented-bench-${info.name}-`));
  try {
    const target = await info.open(join(dir, 'bench.db'));
    try {
      if (needs && !target[needs]) {
        return skippedRow(workload, info.name, target.missing?.[needs] ?? `no ${needs}`);
      }
      const measured = await run(target, sizes);
      const notes = [measured.notes, workloadNotes[workload], target.notes, 'no warm-up'];
      return {
        workload,
        target: info.name,
        ...measured,
        notes: notes.filter((n) => n !== undefined).join('; '),
      };
    } finally {
      await target.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
