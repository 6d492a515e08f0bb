import { Evented } from '@evented/core';
import { account, balancesProjector } from '@evented/example-bank';
import { openSqliteStorage } from '@evented/sqlite';
import { openEventedBank } from './evented-bank.js';
import { openSnapshottingBank } from './evented-snapshotting-bank.js';
import type { StoreTargetInfo } from './target.js';

/**
 * evented's SQLite store on a file with its default durability (WAL, `synchronous=FULL`),
 * through the `EventStore` port; W5 dispatches through the facade with the bank example's
 * `account` decider alone (its projector and saga would add background work to W5). W8 and
 * W9 add the example's batched `balancesProjector` on the same connection; W10 the decider
 * with automatic snapshots.
 */
export const eventedSqlite: StoreTargetInfo = {
  name: 'evented-sqlite',
  database: 'sqlite',
  role: 'evented',
  kind: 'store',
  async open(path) {
    const storage = await openSqliteStorage(path, { synchronous: 'full' });
    const events = storage.eventStore;
    // The facade shares the storage (a StorageFactory), so W5 uses the same connection.
    const app = await Evented.builder({ storage: async () => storage })
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
      async openBank(batchSize) {
        bank = await openEventedBank(storage, balancesProjector(), batchSize);
        return bank;
      },
      async openSnapshotting(everyEvents) {
        snapshotting = await openSnapshottingBank(storage, everyEvents);
        return snapshotting;
      },
      async close() {
        // The applications share the storage; the first close closes it.
        await snapshotting?.close();
        await bank?.close();
        await app.close();
      },
    };
  },
};
