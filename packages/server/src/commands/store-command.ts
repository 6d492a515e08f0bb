import { Command } from 'commander';
import { EventedError } from '@evented/core';
import { migratePostgres } from '@evented/postgres';
import { openSqliteStorage } from '@evented/sqlite';
import { describeStore, parseStore } from '../config/store-location.js';
import { print } from './format-event.js';

interface MigrateFlags {
  readonly store: string;
  readonly postgresSchema?: string;
}

/**
 * `evented store migrate --store <store>`: brings a store's schema up to date, for
 * deployments that migrate before starting servers. `evented serve` also migrates on start.
 */
export function storeCommand(): Command {
  const migrate = new Command('migrate')
    .description("bring the store's schema up to date")
    .requiredOption(
      '--store <store>',
      'sqlite:<path> or postgres://... (EVENTED_STORE)',
      process.env['EVENTED_STORE'],
    )
    .option('--postgres-schema <name>', 'PostgreSQL schema of the tables (default evented)')
    .action(async (flags: MigrateFlags) => {
      const location = parseStore(flags.store);
      if ('problem' in location)
        throw new EventedError('CONFIGURATION', `store: ${location.problem}`);
      switch (location.kind) {
        case 'postgres': {
          const outcome = await migratePostgres(location.url, {
            ...(flags.postgresSchema !== undefined && { schema: flags.postgresSchema }),
          });
          print(
            `${describeStore(location)} schema ${outcome.schema}: version ${outcome.fromVersion} -> ${outcome.toVersion}`,
          );
          return;
        }
        case 'sqlite': {
          // Opening a SQLite file runs its migrations.
          await (await openSqliteStorage(location.path)).close();
          print(`${describeStore(location)}: up to date`);
          return;
        }
        case 'redis':
          print(`${describeStore(location)}: Redis keeps no schema; nothing to migrate`);
          return;
        case 'memory':
          throw new EventedError(
            'CONFIGURATION',
            'store: an in-memory store has nothing to migrate',
          );
      }
    });
  return new Command('store').description('manage the store').addCommand(migrate);
}
