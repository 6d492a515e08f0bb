import { Evented, EventedConfig } from '@evented/core';
import { account, postgresBalances } from '@evented/example-bank';
import { openPostgresStorage } from '@evented/postgres';
import { openEventedBank } from './evented-bank.js';
import { openSnapshottingBank } from './evented-snapshotting-bank.js';
import { dropSchema, postgresAdmin, postgresUrl, uniqueName } from './servers.js';
import type { StoreTargetInfo } from './target.js';

/**
 * evented's PostgreSQL store in a fresh schema, dropped afterwards, through the `EventStore`
 * port (`openPostgresStorage(url, { schema })`, default options: a pool of 10); W5
 * dispatches through `Evented.builder(EventedConfig.postgres(url, { schema }))` with the
 * bank example's `account` decider alone, as on SQLite. W8 and W9 run the example's
 * `postgresBalances` projector with the decider on the storage's own pool, W10 the decider
 * with automatic snapshots on it.
 */
export const eventedPostgres: StoreTargetInfo = {
  name: 'evented-postgres',
  database: 'postgres',
  role: 'evented',
  kind: 'store',
  async open() {
    await (await postgresAdmin()).end();
    const schema = uniqueName('bench_evented');
    const storage = await openPostgresStorage(postgresUrl, { schema });
    const events = storage.eventStore;
    const app = await Evented.builder(EventedConfig.postgres(postgresUrl, { schema }))
      .withBusinessLogic('account', account)
      .build();
    let bank: Awaited<ReturnType<typeof openEventedBank>> | undefined;
    let snapshotting: Awaited<ReturnType<typeof openSnapshottingBank>> | undefined;
    return {
      async appendToStream(stream, batch, expectedVersion) {
        const result = await events.appendToStream(stream, batch, { expectedVersion });
        return result.version;
      },
      readStream: (stream) => events.readStream(stream),
      readAll: (after, limit) => events.readAll({ after, limit }),
      async handleCommand(command) {
        await app.dispatch(command);
      },
      async analyze() {
        await storage.pool.query({ text: `ANALYZE "${schema}".events` });
      },
      notes: 'openPostgresStorage defaults (a pool of 10)',
      async openBank(batchSize) {
        bank = await openEventedBank(storage, postgresBalances(), batchSize);
        return bank;
      },
      async openSnapshotting(everyEvents) {
        snapshotting = await openSnapshottingBank(storage, everyEvents);
        return snapshotting;
      },
      async close() {
        await snapshotting?.close();
        await bank?.close();
        await app.close();
        await storage.close();
        await dropSchema(schema);
      },
    };
  },
};
