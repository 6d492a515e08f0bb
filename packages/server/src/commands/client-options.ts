import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Option } from 'commander';
import { EventedError, isEventedError } from '@evented/core';
import { EventedClient } from '@evented/grpc';

/** The options every client command takes. */
export interface ClientFlags {
  readonly server: string;
  readonly token?: string;
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly json?: boolean;
}

/** Adds `--server`, `--token`, the TLS files and `--json` to a client command. */
export function withClientOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--server <host:port>', 'the evented server')
        .env('EVENTED_SERVER')
        .default('127.0.0.1:50051'),
    )
    .addOption(new Option('--token <token>', 'bearer token').env('EVENTED_TOKEN'))
    .option('--ca <file>', "use TLS, verifying the server's certificate with this CA (PEM)")
    .option('--cert <file>', 'client certificate for mutual TLS (PEM)')
    .option('--key <file>', 'client private key for mutual TLS (PEM)')
    .option('--json', 'print one JSON object per line');
}

/**
 * Runs `action` with a client of the server the flags name, and closes it. Errors reach
 * the CLI's handler, which prints `error CODE: message` and exits 1.
 */
export async function withClient(
  flags: ClientFlags,
  action: (client: EventedClient) => Promise<void>,
): Promise<void> {
  const read = (file: string | undefined) => (file === undefined ? undefined : readFileSync(file));
  const tls =
    flags.ca !== undefined || flags.cert !== undefined
      ? { ca: read(flags.ca), cert: read(flags.cert), key: read(flags.key) }
      : undefined;
  const client = new EventedClient(flags.server, {
    ...(flags.token !== undefined && flags.token !== '' && { token: flags.token }),
    ...(tls && { tls }),
  });
  try {
    await action(client);
  } catch (error) {
    if (
      isEventedError(error, 'UNAVAILABLE') &&
      error.message.startsWith('No connection established')
    ) {
      throw new EventedError(
        'UNAVAILABLE',
        `cannot reach the evented server at ${flags.server}: ${error.message}`,
        { server: flags.server },
        { cause: error },
      );
    }
    throw error;
  } finally {
    client.close();
  }
}
