import { Command } from 'commander';
import type { JsonValue } from '@evented/core';
import { invalidArgument } from '@evented/core/internal';
import type { ClientFlags } from './client-options.js';
import { withClient, withClientOptions } from './client-options.js';
import { print, toJsonLine } from './format-event.js';

interface DispatchFlags extends ClientFlags {
  readonly commandId?: string;
  readonly expectedVersion?: string;
  readonly waitFor?: string;
}

/**
 * `evented dispatch <domain> <aggregateId> <type> [json-data]`: sends one command and
 * prints the events it recorded (position, version, type, data) and the new version.
 */
export function dispatchCommand(): Command {
  return withClientOptions(
    new Command('dispatch')
      .description('send one command; prints the recorded events and the new version')
      .argument('<domain>')
      .argument('<aggregateId>')
      .argument('<type>', 'the command type, e.g. Deposit')
      .argument('[json-data]', 'the command data as JSON', '{}')
      .option('--command-id <id>', 'idempotency key: sending it again returns the first result')
      .option('--expected-version <n>', 'fail unless the stream is at this version')
      .option('--wait-for <names>', 'return once these processors (comma-separated) handled it'),
  ).action(
    async (
      domain: string,
      aggregateId: string,
      type: string,
      json: string,
      flags: DispatchFlags,
    ) => {
      const data = parseData(json);
      const expectedVersion = parseVersion(flags.expectedVersion);
      const waitFor = (flags.waitFor ?? '').split(',').map((name) => name.trim());
      await withClient(flags, async (client) => {
        const result = await client.dispatch(
          {
            domain,
            aggregateId,
            type,
            data,
            ...(flags.commandId !== undefined && { commandId: flags.commandId }),
            ...(expectedVersion !== undefined && { expectedVersion }),
          },
          { waitFor: waitFor.filter((name) => name !== ''), deadlineMs: 30_000 },
        );
        if (flags.json) return print(toJsonLine(result));
        for (const event of result.events) {
          print(`${event.position} v${event.version} ${event.type} ${JSON.stringify(event.data)}`);
        }
        const duplicate = result.duplicate
          ? ' (a duplicate: the first result of this command id)'
          : '';
        print(`version ${result.version}${duplicate}`);
      });
    },
  );
}

function parseData(json: string): JsonValue {
  try {
    return JSON.parse(json) as JsonValue;
  } catch (error) {
    throw invalidArgument('json-data', `is not valid JSON: ${(error as Error).message}`);
  }
}

function parseVersion(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) {
    throw invalidArgument('--expected-version', `must be a whole number, found ${text}`);
  }
  return Number(text);
}
