import { Command, Option } from 'commander';
import type { ResetTarget } from '@evented/core';
import { invalidArgument } from '@evented/core/internal';
import type { ClientFlags } from './client-options.js';
import { withClient, withClientOptions } from './client-options.js';
import { deadLettersCommand } from './dead-letters-command.js';
import { print, toJsonLine } from './format-event.js';
import { duration, printProcessor, printTable, processorRows } from './format-processor.js';
import { followReplay } from './replay-progress.js';

interface ResetFlags extends ClientFlags {
  readonly toPosition?: string;
  readonly toTime?: string;
  readonly wait: boolean;
}

/**
 * `evented processors`: list them, look at one, restart one stopped in error, reset one
 * to a position or a time, rebuild a projector with a progress bar, and manage the events
 * they parked (`dead-letters`).
 */
export function processorsCommand(): Command {
  const list = withClientOptions(
    new Command('list').description(
      'name, kind, state, checkpoint, head, lag, rate and failure of each processor',
    ),
  ).action(async (flags: ClientFlags) => {
    await withClient(flags, async (client) => {
      const processors = await client.processors();
      if (flags.json) return processors.forEach((processor) => print(toJsonLine(processor)));
      printTable(
        ['name', 'kind', 'state', 'checkpoint', 'head', 'lag', 'lag-s', 'events/s', 'failure'],
        processorRows(processors),
      );
    });
  });
  const status = withClientOptions(
    new Command('status')
      .argument('<name>', 'the processor')
      .description('one processor in detail: lag, rate, replay progress, segments and owners'),
  ).action(async (name: string, flags: ClientFlags) => {
    await withClient(flags, async (client) =>
      printProcessor(await client.processor(name), flags.json),
    );
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
  const reset = withReplayOptions(
    withClientOptions(
      new Command('reset')
        .argument('<name>', 'the processor')
        .description(
          'move a processor back to the start (default), a position or a time, and replay from there',
        )
        .addOption(
          new Option('--to-position <n>', 'the new checkpoint: events after it are handled again'),
        )
        .addOption(
          new Option(
            '--to-time <iso>',
            'handle again from the first event recorded at or after this time',
          ).conflicts('toPosition'),
        ),
    ),
  ).action(async (name: string, flags: ResetFlags) => {
    await withClient(flags, async (client) => {
      const to = resetTarget(flags);
      const started = Date.now();
      const result = await client.resetProcessor(name, { to });
      print(`reset ${name} to position ${result.position}; replaying up to ${result.replayUntil}`);
      if (!flags.wait) return;
      await followReplay(client, name, result.replayUntil);
      print(
        `replayed ${name} up to ${result.replayUntil} in ${duration((Date.now() - started) / 1000)}`,
      );
    });
  });
  const rebuild = withReplayOptions(
    withClientOptions(
      new Command('rebuild')
        .argument('<name>', 'the projector')
        .description(
          "clear a projector's read model (its reset hook) and replay the log, showing progress",
        ),
    ),
  ).action(async (name: string, flags: ResetFlags) => {
    await withClient(flags, async (client) => {
      const started = Date.now();
      const { replayUntil } = await client.rebuildProjector(name);
      print(`rebuilding ${name}: replaying up to ${replayUntil}`);
      if (!flags.wait) return;
      await followReplay(client, name, replayUntil);
      print(`rebuilt ${name} up to ${replayUntil} in ${duration((Date.now() - started) / 1000)}`);
    });
  });
  return new Command('processors')
    .description('look at and manage the projectors and sagas')
    .addCommand(list)
    .addCommand(status)
    .addCommand(restart)
    .addCommand(reset)
    .addCommand(rebuild)
    .addCommand(deadLettersCommand());
}

/** `--no-wait`: return once the replay has begun instead of following it to the end. */
function withReplayOptions(command: Command): Command {
  return command.option(
    '--no-wait',
    'return once the replay has begun, without following it (progress goes to stderr)',
  );
}

function resetTarget(flags: ResetFlags): ResetTarget {
  if (flags.toPosition !== undefined) {
    if (!/^\d+$/.test(flags.toPosition)) {
      throw invalidArgument('--to-position', `must be a whole number, found ${flags.toPosition}`);
    }
    return BigInt(flags.toPosition);
  }
  if (flags.toTime !== undefined) {
    const time = new Date(flags.toTime);
    if (Number.isNaN(time.getTime())) {
      throw invalidArgument('--to-time', `must be an ISO 8601 time, found ${flags.toTime}`);
    }
    return time;
  }
  return 'start';
}
