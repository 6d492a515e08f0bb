import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { dispatchCommand } from './commands/dispatch-command.js';
import { eventsCommand } from './commands/events-command.js';
import { processorsCommand } from './commands/processors-command.js';
import { serveCommand } from './commands/serve-command.js';
import { storeCommand } from './commands/store-command.js';

/** Exit codes: 1 for a failed call, 2 for a bad configuration or command line. */
export const EXIT_USAGE = 2;

/**
 * The `evented` command line: `serve`, the client commands `dispatch`, `events` and
 * `processors`, and `store migrate`. Usage errors exit with {@link EXIT_USAGE}.
 *
 * ```ts
 * await evented().parseAsync(['node', 'evented', 'events', '--limit', '10']);
 * ```
 */
export function evented(): Command {
  const { version } = JSON.parse(
    readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
  ) as { version: string };
  const program = new Command('evented')
    .description('the evented server, and a client to send commands and read events')
    .version(version)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride((error) => {
      process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE);
    });
  for (const command of [
    serveCommand(),
    dispatchCommand(),
    eventsCommand(),
    processorsCommand(),
    storeCommand(),
  ]) {
    program.addCommand(inheriting(program, command));
  }
  return program;
}

/** `addCommand` does not pass settings down as `command()` does: exit codes and help. */
function inheriting(parent: Command, command: Command): Command {
  command.copyInheritedSettings(parent);
  for (const sub of command.commands) inheriting(command, sub);
  return command;
}
