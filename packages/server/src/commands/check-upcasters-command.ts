import { Command } from 'commander';
import { invalidArgument } from '@evented/core/internal';
import type { RemoteUpcasterCheckReport } from '@evented/grpc';
import type { ClientFlags } from './client-options.js';
import { withClient } from './client-options.js';
import { print, toJsonLine } from './format-event.js';

interface CheckFlags {
  readonly pageSize?: string;
}

const count = (n: number) => n.toLocaleString('en-US');

/**
 * `evented events check-upcasters`: the server walks its whole log as stored with its
 * upcasters; each event that would fail to upcast is printed on stdout, progress on stderr
 * after each page, then a summary. Exits 1 when any event fails, so it can gate a deploy.
 * A subcommand of `events`, it takes that command's `--server`, `--token`, TLS and `--json`
 * options (commander gives options of the same name to the parent).
 */
export function checkUpcastersCommand(): Command {
  return new Command('check-upcasters')
    .description(
      "report the stored events the server's upcasters cannot upcast; takes the options " +
        'of `events`: --server, --token, --ca, --cert, --key, --json',
    )
    .option('--page-size <n>', 'events per page, and between progress reports', '1000')
    .action(async (own: CheckFlags, command: Command) => {
      const flags = { ...command.parent!.opts<ClientFlags>(), ...own };
      const pageSize = Number(flags.pageSize ?? '1000');
      if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > 10_000) {
        throw invalidArgument(
          '--page-size',
          `must be a whole number from 1 to 10000, found ${flags.pageSize}`,
        );
      }
      await withClient(flags, async (client) => {
        let failed = 0;
        for await (const report of client.checkUpcasters({ pageSize })) {
          if (flags.json) print(toJsonLine(report));
          else show(report);
          if (report.kind === 'done') failed = report.failed;
        }
        if (failed > 0) process.exitCode = 1;
      });
    });
}

function show(report: RemoteUpcasterCheckReport): void {
  switch (report.kind) {
    case 'failure':
      print(
        `${report.position} ${report.domain}/${report.aggregateId} v${report.version} ` +
          `${report.type} schema v${report.schemaVersion}: ${report.message}`,
      );
      return;
    case 'progress': {
      // Positions need not be dense, and events may come after the head: a rough share.
      const share =
        report.head === 0n || report.position >= report.head
          ? 100n
          : (report.position * 100n) / report.head;
      process.stderr.write(
        `checked ${count(report.checked)} events, up to position ${report.position} of ` +
          `${report.head} (${share}%); ${count(report.failed)} cannot be upcast\n`,
      );
      return;
    }
    case 'done':
      print(
        report.failed === 0
          ? `checked ${count(report.checked)} events: every one upcasts`
          : `checked ${count(report.checked)} events: ${count(report.failed)} cannot be upcast`,
      );
  }
}
