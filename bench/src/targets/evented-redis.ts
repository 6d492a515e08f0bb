import { Evented, EventedConfig } from '@evented/core';
import { account } from '@evented/example-bank';
import { openRedisStorage } from '@evented/redis';
import { openSnapshottingBank } from './evented-snapshotting-bank.js';
import { deleteKeys, redisClient, redisDurability, redisUrl, uniqueName } from './servers.js';
import type { StoreTargetInfo } from './target.js';

/**
 * evented's Redis store under a fresh key prefix, whose keys are deleted afterwards, through
 * the `EventStore` port (`openRedisStorage(url, { prefix })`); W5 dispatches through
 * `Evented.builder(EventedConfig.redis(url, { prefix }))` with the `account` decider alone;
 * W10 runs the decider with automatic snapshots on the storage.
 */
export const eventedRedis: StoreTargetInfo = {
  name: 'evented-redis',
  database: 'redis',
  role: 'evented',
  kind: 'store',
  async open() {
    const admin = await redisClient();
    const durability = await redisDurability(admin);
    const prefix = `${uniqueName('bench-evented')}:`;
    const storage = await openRedisStorage(redisUrl, { prefix });
    const events = storage.eventStore;
    const app = await Evented.builder(EventedConfig.redis(redisUrl, { prefix }))
      .withBusinessLogic('account', account)
      .build();
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
      missing: {
        openBank: "the bank example's balances read model is SQL; no projector keeps it in Redis",
      },
      notes: `openRedisStorage defaults; ${durability}`,
      async openSnapshotting(everyEvents) {
        snapshotting = await openSnapshottingBank(storage, everyEvents);
        return snapshotting;
      },
      async close() {
        await snapshotting?.close();
        await app.close();
        await storage.close();
        await deleteKeys(admin, `{${prefix}}*`);
        admin.disconnect();
      },
    };
  },
};
