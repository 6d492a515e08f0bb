import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skippedRow } from './row.js';
import type { BenchRow, Measurement } from './row.js';
import type { Sizes } from './sizes.js';
import type {
  ServerTargetInfo,
  StoreTargetInfo,
  TargetInfo,
  WorkloadId,
} from './targets/target.js';
import { TargetUnavailable } from './targets/target.js';
import { workloads } from './workloads.js';

const workloadNotes: Partial<Record<WorkloadId, string>> = {
  W3: 'stream seeded untimed with appends of 100',
  W4: 'log seeded untimed with appends of 100 (then ANALYZE, untimed, on PostgreSQL)',
  W6: "W5's sizes and commands",
  W7: 'writers concurrent in one process',
  W8: 'log seeded untimed (then ANALYZE, untimed, on PostgreSQL)',
  W9: 'accounts opened untimed (then ANALYZE, untimed, on PostgreSQL)',
};

/** Whether `workload` runs on `target`: W6 on servers, the others on stores, W8 to W10 on evented's. */
export function runsOn(workload: WorkloadId, target: TargetInfo): boolean {
  const entry = workloads[workload];
  if (entry.kind !== target.kind) return false;
  return entry.kind === 'server' || !entry.roles || entry.roles.includes(target.role);
}

/**
 * Runs one workload against one target in a fresh temporary directory, removed afterwards.
 * The target is opened (schema created, server started and connected) untimed, then the
 * workload is timed; only W6 warms up first. A target that cannot start gives a skipped row with the reason.
 */
export async function runOne(
  workload: WorkloadId,
  info: TargetInfo,
  sizes: Sizes,
): Promise<BenchRow> {
  if (!runsOn(workload, info)) {
    const what =
      workloads[workload].kind === info.kind ? `${info.role} targets` : `${info.kind} targets`;
    return skippedRow(workload, info.name, `${workload} does not run on ${what}`);
  }
  const dir = await mkdtemp(join(tmpdir(), `evented-bench-${info.name}-`));
  try {
    const path = join(dir, 'bench.db');
    const run = info.kind === 'store' ? onStore(workload, info) : onServer(workload, info);
    const measured = await run(path, sizes);
    if ('skipped' in measured) return skippedRow(workload, info.name, measured.skipped);
    // W6 warms up itself and says so in its notes.
    const warmUp = info.kind === 'store' ? 'no warm-up' : undefined;
    const notes = [measured.notes, workloadNotes[workload], measured.targetNotes, warmUp];
    const { targetNotes: _, ...figures } = measured;
    return {
      workload,
      target: info.name,
      ...figures,
      notes: notes.filter((n) => n !== undefined && n !== '').join('; '),
    };
  } catch (error) {
    if (error instanceof TargetUnavailable) return skippedRow(workload, info.name, error.message);
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A measurement and the target's notes, or why the target cannot run the workload. */
type Outcome = (Measurement & { targetNotes?: string }) | { skipped: string };
type Run = (path: string, sizes: Sizes) => Promise<Outcome>;

const onStore =
  (workload: WorkloadId, info: StoreTargetInfo): Run =>
  async (path, sizes) => {
    const entry = workloads[workload];
    if (entry.kind !== 'store') throw new Error(`${workload} does not run on stores`);
    const target = await info.open(path);
    try {
      if (entry.needs && !target[entry.needs]) {
        return { skipped: target.missing?.[entry.needs] ?? `no ${entry.needs}` };
      }
      return { ...(await entry.run(target, sizes)), targetNotes: target.notes };
    } finally {
      await target.close();
    }
  };

const onServer =
  (workload: WorkloadId, info: ServerTargetInfo): Run =>
  async (path, sizes) => {
    const entry = workloads[workload];
    if (entry.kind !== 'server') throw new Error(`${workload} does not run on servers`);
    const server = await info.open(path);
    let measured: Measurement;
    try {
      measured = await entry.run(server, sizes, info.callers);
    } finally {
      await server.close();
    }
    // Read after close: the server's stop and memory are part of its notes.
    return { ...measured, targetNotes: server.notes };
  };
