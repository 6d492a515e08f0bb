#!/usr/bin/env node
import { fork } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { cpus, platform, release } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import type { ChildRequest } from './child.js';
import { formatReport } from './report.js';
import { orderRow } from './row.js';
import type { BenchRow } from './row.js';
import { fullSizes, scaledSizes } from './sizes.js';
import { isTargetName, targets } from './targets/index.js';
import type { TargetName, WorkloadId } from './targets/target.js';
import { runsOn } from './run-one.js';
import { workloads } from './workloads.js';

const isWorkloadId = (id: string): id is WorkloadId => id in workloads;

const listOf =
  <T extends string>(what: string, valid: (s: string) => s is T) =>
  (value: string): T[] =>
    value.split(',').map((item) => {
      const name = item.trim();
      if (!valid(name)) throw new InvalidArgumentError(`unknown ${what} ${name}`);
      return name;
    });

const program = new Command('evented-bench')
  .description('evented against the raw database and against Emmett (see bench/README.md)')
  .option('--json <file>', 'also write the rows as a JSON array')
  .option('--quick', 'sizes divided by 10')
  .option(
    '--only <workloads>',
    'comma-separated workloads, e.g. W1,W5',
    listOf('workload', isWorkloadId),
  )
  .option('--targets <targets>', 'comma-separated targets', listOf('target', isTargetName))
  .parse();

const options = program.opts<{
  json?: string;
  quick?: boolean;
  only?: WorkloadId[];
  targets?: TargetName[];
}>();
const sizes = options.quick ? scaledSizes(10) : fullSizes;
const chosenWorkloads = options.only ?? (Object.keys(workloads) as WorkloadId[]);
const chosenTargets = options.targets ?? (Object.keys(targets) as TargetName[]);

/** Runs one (workload, target) in a child process, so each has its own heap and peak RSS. */
function runInChild(request: ChildRequest): Promise<BenchRow> {
  return new Promise((resolve) => {
    // The child's stdout (Emmett logs failed transactions there) goes to stderr: stdout holds
    // the report alone.
    const child = fork(new URL('./child.js', import.meta.url), [JSON.stringify(request)], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    child.stdout?.pipe(process.stderr);
    let row: BenchRow | undefined;
    child.on('message', (message) => (row = message as BenchRow));
    child.on('exit', (code) => {
      const failed = { ...request, verified: false, notes: `failed: child exited with ${code}` };
      resolve(row ?? failed);
    });
  });
}

// W6 runs on the gRPC servers, the others on the stores (W8 to W10 on evented's): other pairs are left out.
const pairs = chosenWorkloads.flatMap((workload) =>
  chosenTargets
    .filter((target) => runsOn(workload, targets[target]))
    .map((target) => ({ workload, target })),
);
if (pairs.length === 0) {
  console.error(
    'no target chosen runs the workloads chosen (W6 runs on evented-grpc-* only, W8 and W9 on evented-sqlite, evented-postgres, W10 on evented-*)',
  );
  process.exit(2);
}
const cpu = cpus();
console.log(
  `evented bench: ${cpu.length} x ${cpu[0]?.model ?? 'unknown cpu'}, ${platform()} ${release()}, ` +
    `node ${process.version}; args: ${process.argv.slice(2).join(' ') || '(none)'}`,
);
const rows: BenchRow[] = [];
for (const { workload, target } of pairs) {
  const row = orderRow(await runInChild({ workload, target, sizes }));
  console.error(`  ${workload} ${target} done${row.verified ? '' : ` (${row.notes})`}`);
  rows.push(row);
}
console.log(formatReport(rows));
if (options.json) await writeFile(options.json, `${JSON.stringify(rows, null, 2)}\n`);
