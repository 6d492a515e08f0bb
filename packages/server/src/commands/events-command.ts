import { Command } from 'commander';
import type { EventFilter, RecordedEvent } from '@evented/core';
import { invalidArgument } from '@evented/core/internal';
import type { EventedClient } from '@evented/grpc';
import type { ClientFlags } from './client-options.js';
import { checkUpcastersCommand } from './check-upcasters-command.js';
import { withClient, withClientOptions } from './client-options.js';
import { eventJson, eventLine, print } from './format-event.js';

interface EventsFlags extends ClientFlags {
  readonly after?: string;
  readonly limit?: string;
  readonly domain?: string;
  readonly type?: string;
  readonly follow?: boolean;
}

const PAGE = 500;

/**
 * `evented events [domain] [aggregateId]`: one stream, or the global log after a position
 * with filters; with `--follow`, the events there are and then live ones until Ctrl-C.
 * `evented events check-upcasters` checks the whole log against the server's upcasters.
 */
export function eventsCommand(): Command {
  const events = withClientOptions(
    new Command('events')
      .description('read a stream (domain and aggregateId) or the global log')
      .argument('[domain]', 'only this domain')
      .argument('[aggregateId]', "only this aggregate's stream")
      .option('--after <position>', 'start after this global position', '0')
      .option('--limit <n>', 'print at most this many events')
      .option('--domain <names>', 'only these domains (comma-separated)')
      .option('--type <names>', 'only these event types (comma-separated)')
      .option('--follow', 'keep printing new events until Ctrl-C'),
  ).action(
    async (domain: string | undefined, aggregateId: string | undefined, flags: EventsFlags) => {
      const after = parseNumber('--after', flags.after ?? '0');
      let remaining =
        flags.limit === undefined ? Infinity : Number(parseNumber('--limit', flags.limit));
      if (remaining < 1) throw invalidArgument('--limit', 'must be at least 1');
      const domains = [...names(flags.domain), ...(domain !== undefined ? [domain] : [])];
      const types = names(flags.type);
      const filter: EventFilter = {
        ...(domains.length > 0 && { domains }),
        ...(types.length > 0 && { types }),
      };
      const show = (event: RecordedEvent): boolean => {
        if (aggregateId !== undefined && event.aggregateId !== aggregateId) return true;
        print(flags.json ? eventJson(event) : eventLine(event));
        return --remaining > 0;
      };
      await withClient(flags, async (client) => {
        if (flags.follow) return follow(client, after, filter, show);
        if (domain !== undefined && aggregateId !== undefined) {
          for (const event of await client.readStream({ domain, aggregateId })) {
            if (!show(event)) return;
          }
          return;
        }
        let position = after;
        for (;;) {
          const page = await client.readAll({ after: position, limit: PAGE, filter });
          for (const event of page.events) if (!show(event)) return;
          if (page.isEnd) return;
          position = page.position;
        }
      });
    },
  );
  return events.addCommand(checkUpcastersCommand());
}

/** Subscribes until Ctrl-C (or SIGTERM), or until `show` has had enough. */
async function follow(
  client: EventedClient,
  after: bigint,
  filter: EventFilter,
  show: (event: RecordedEvent) => boolean,
): Promise<void> {
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    for await (const message of client.subscribe({ after, filter, signal: abort.signal })) {
      if (message.kind === 'event' && !show(message.event)) return;
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

function names(list: string | undefined): string[] {
  return (list ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

function parseNumber(flag: string, text: string): bigint {
  if (!/^\d+$/.test(text)) throw invalidArgument(flag, `must be a whole number, found ${text}`);
  return BigInt(text);
}
