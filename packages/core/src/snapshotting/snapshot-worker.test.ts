import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStorage } from '@evented/sqlite';
import { counter } from '../command-handling/counter.fixture.js';
import { Evented } from '../facade/evented.js';
import { silentLogger } from '../observability/logger.js';
import type { Logger } from '../observability/logger.js';
import type { NewSnapshot, SnapshotStore } from '../snapshot-store/snapshot-store.js';
import type { Storage } from '../storage/storage.js';
import type { SnapshotWorkerOptions } from './snapshot-worker.js';
import { SnapshotWorker } from './snapshot-worker.js';

const opened: Evented[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((evented) => evented.close()));
});

/** A snapshot store whose saves never finish; it counts the saves begun. */
function hangingSnapshots(inner: SnapshotStore) {
  const calls = { saves: 0 };
  const store: SnapshotStore = {
    saveSnapshot: () => {
      calls.saves += 1;
      return new Promise<void>(() => {});
    },
    latestSnapshot: (stream) => inner.latestSnapshot(stream),
    pruneSnapshots: (stream, keep) => inner.pruneSnapshots(stream, keep),
  };
  return { store, calls };
}

function warnings(): Logger & { messages: string[] } {
  const messages: string[] = [];
  return { ...silentLogger, messages, warn: (_facts, message) => void messages.push(message) };
}

describe('snapshots off the command path', () => {
  it('completes 1,000 dispatches while every snapshot save hangs, the queue bounded, drops counted', async () => {
    const hanging = { calls: { saves: 0 } };
    const logger = warnings();
    const worker: SnapshotWorkerOptions = { queueSize: 10, concurrency: 2, drainTimeoutMs: 20 };
    const evented = await Evented.builder({
      storage: async (): Promise<Storage> => {
        const storage = await openSqliteStorage();
        const { store, calls } = hangingSnapshots(storage.snapshotStore);
        hanging.calls = calls;
        return { ...storage, snapshotStore: store, close: () => storage.close() } as Storage;
      },
      logger,
      snapshotWorker: worker,
    })
      .withBusinessLogic('counter', counter, { snapshots: { everyEvents: 1 } })
      .build();
    opened.push(evented);

    // 100 aggregates, 10 commands each, each command due a snapshot.
    let done = 0;
    for (let round = 0; round < 10; round++) {
      await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          evented
            .dispatch({ domain: 'counter', aggregateId: `c-${i}`, type: 'Add', data: { by: 1 } })
            .then(() => (done += 1)),
        ),
      );
    }

    expect(done).toBe(1_000);
    const status = evented.snapshotStatus();
    expect(hanging.calls.saves).toBe(2);
    expect(status).toMatchObject({ saving: 2, queued: 10, saved: 0, failed: 0 });
    // Every offer is saving, waiting, replaced by a later one of its aggregate, or dropped.
    expect(status.saving + status.queued + status.superseded + status.dropped).toBe(1_000);
    expect(status.dropped).toBeGreaterThan(0);
    expect(logger.messages.filter((m) => m.startsWith('snapshot queue full'))).toHaveLength(1);

    // Closing waits `drainTimeoutMs` for the hung saves, then gives up on them.
    await evented.close();
    expect(evented.snapshotStatus()).toMatchObject({ queued: 0, dropped: status.dropped + 10 });
  });
});

describe('SnapshotWorker', () => {
  const snapshot = (aggregateId: string, version: number): NewSnapshot => ({
    domain: 'counter',
    aggregateId,
    version,
    state: { version },
  });

  it('saves in the background, replaces a waiting snapshot by a later one, prunes to keep', async () => {
    const storage = await openSqliteStorage();
    const worker = new SnapshotWorker(storage.snapshotStore, silentLogger, { concurrency: 1 });
    for (let version = 1; version <= 4; version++) {
      await storage.snapshotStore.saveSnapshot(snapshot('a', version));
    }
    expect(worker.offer(snapshot('a', 5), 2)).toBe(true);
    expect(worker.offer(snapshot('b', 1), 2)).toBe(true);
    expect(worker.offer(snapshot('b', 2), 2)).toBe(true);
    expect(worker.status()).toMatchObject({ queued: 2, saving: 0, superseded: 1 });
    expect(await worker.close()).toBe(true);
    expect(worker.status()).toMatchObject({ queued: 0, saving: 0, saved: 2, pruned: 3 });
    expect(
      await storage.snapshotStore.latestSnapshot({ domain: 'counter', aggregateId: 'b' }),
    ).toMatchObject({ version: 2 });
    // a kept 4 and 5; pruning to 1 now removes exactly one.
    expect(
      await storage.snapshotStore.pruneSnapshots({ domain: 'counter', aggregateId: 'a' }, 1),
    ).toBe(1);
    expect(worker.offer(snapshot('c', 1))).toBe(false);
    expect(worker.status().dropped).toBe(1);
    await storage.close();
  });

  it('counts and logs a failed save, and goes on with the next', async () => {
    const storage = await openSqliteStorage();
    const logger = warnings();
    const failing: SnapshotStore = {
      saveSnapshot: (s) =>
        s.aggregateId === 'bad'
          ? Promise.reject(new Error('disk full'))
          : storage.snapshotStore.saveSnapshot(s),
      latestSnapshot: (s) => storage.snapshotStore.latestSnapshot(s),
      pruneSnapshots: (s, keep) => storage.snapshotStore.pruneSnapshots(s, keep),
    };
    const worker = new SnapshotWorker(failing, logger);
    worker.offer(snapshot('bad', 1));
    worker.offer(snapshot('good', 1));
    await worker.close();
    expect(worker.status()).toMatchObject({ saved: 1, failed: 1 });
    expect(logger.messages).toEqual(['saving a snapshot failed; loading replays more events']);
    await storage.close();
  });

  it.each<[string, SnapshotWorkerOptions]>([
    ['queueSize 0', { queueSize: 0 }],
    ['concurrency 1.5', { concurrency: 1.5 }],
    ['drainTimeoutMs -1', { drainTimeoutMs: -1 }],
  ])('refuses %s', async (_, options) => {
    const storage = await openSqliteStorage();
    expect(() => new SnapshotWorker(storage.snapshotStore, silentLogger, options)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    await storage.close();
  });
});
