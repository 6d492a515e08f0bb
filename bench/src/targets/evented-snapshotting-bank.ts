import type { Storage } from '@evented/core';
import { Evented, silentLogger } from '@evented/core';
import { account } from '@evented/example-bank';
import type { SnapshottingBank } from './target.js';

/**
 * The bank example's `account` decider on an open evented storage with automatic snapshots
 * every `everyEvents` events, saved by the background worker. It shares the storage:
 * closing it closes the storage.
 */
export async function openSnapshottingBank(
  storage: Storage,
  everyEvents: number,
): Promise<SnapshottingBank & { close(): Promise<void> }> {
  const app = await Evented.builder({ storage: async () => storage, logger: silentLogger })
    .withBusinessLogic('account', account, { snapshots: { everyEvents } })
    .build();
  return {
    async dispatch(command) {
      await app.dispatch(command);
    },
    async snapshotsSettled() {
      for (;;) {
        const { queued, saving } = app.snapshotStatus();
        if (queued === 0 && saving === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    },
    async latestSnapshot(accountId) {
      const stream = { domain: 'account', aggregateId: accountId };
      return (await storage.snapshotStore.latestSnapshot(stream))?.version;
    },
    snapshotStatus: () => app.snapshotStatus(),
    close: () => app.close(),
  };
}
