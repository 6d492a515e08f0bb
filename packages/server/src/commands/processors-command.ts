import { Command } from 'commander';
import type { ClientFlags } from './client-options.js';
import { withClient, withClientOptions } from './client-options.js';
import { print, toJsonLine } from './format-event.js';

/** `evented processors list`: each processor's name, kind, state, checkpoint and failure. */
export function processorsCommand(): Command {
  const list = withClientOptions(
    new Command('list').description('name, kind, state, checkpoint and failure of each processor'),
  ).action(async (flags: ClientFlags) => {
    await withClient(flags, async (client) => {
      const rows = (await client.processors()).map((processor) => ({
        name: processor.name,
        kind: processor.kind,
        state: processor.state,
        checkpoint: processor.checkpoint.toString(),
        failure: processor.failure
          ? `${processor.failure.code || 'ERROR'} at position ${processor.failure.position} ` +
            `after ${processor.failure.attempts} attempts: ${processor.failure.message}`
          : '',
      }));
      if (flags.json) return rows.forEach((row) => print(toJsonLine(row)));
      printTable(['name', 'kind', 'state', 'checkpoint', 'failure'], rows);
    });
  });
  const restart = withClientOptions(
    new Command('restart')
      .argument('<name>', 'the processor')
      .description(
        'restart a processor stopped at an event it could not handle, from its checkpoint',
      ),
  ).action(async (name: string, flags: ClientFlags) => {
    await withClient(flags, async (client) => {
      await client.restartProcessor(name);
      print(`restarted ${name}`);
    });
  });
  return new Command('processors')
    .description('look at the projectors and sagas')
    .addCommand(list)
    .addCommand(restart);
}

function printTable<Key extends string>(
  columns: readonly Key[],
  rows: readonly Record<Key, string>[],
): void {
  const widths = columns.map((column) =>
    Math.max(column.length, ...rows.map((row) => row[column].length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, index) => cell.padEnd(widths[index] ?? 0))
      .join('  ')
      .trimEnd();
  print(line(columns));
  for (const row of rows) print(line(columns.map((column) => row[column])));
}
