import { describe, expect, it } from 'vitest';
import type { StreamId } from '@evented/core';
import { expectCode } from '../support/expect-code.js';
import { streamId, unchecked } from '../support/events.js';
import { badIds } from '../support/samples.js';
import type { SuiteSetup } from '../support/setup.js';
import { useStorage } from '../support/setup.js';

/**
 * Pruning snapshots to the last `keep` of a stream: the latest stays, other streams are
 * untouched, bad arguments are refused. A store that keeps only the latest snapshot
 * (`keepsSnapshotHistory: false`) has nothing to remove.
 */
export function describePruneSnapshots(setup: SuiteSetup): void {
  describe('pruneSnapshots', () => {
    const t = useStorage(setup);
    const stream = streamId();
    /** How many a prune removes: all but `keep` of `saved`, or none without history. */
    const removed = (saved: number, keep: number) =>
      setup.keepsSnapshotHistory ? Math.max(0, saved - keep) : 0;

    async function save(target: StreamId, versions: readonly number[]): Promise<void> {
      for (const version of versions) {
        await t.snapshotStore.saveSnapshot({ ...target, version, state: { version } });
      }
    }

    it('removes all but the latest `keep` snapshots and keeps the latest', async () => {
      await save(stream, [1, 2, 3, 4, 5]);
      expect(await t.snapshotStore.pruneSnapshots(stream, 2)).toBe(removed(5, 2));
      expect(await t.snapshotStore.latestSnapshot(stream)).toMatchObject({
        version: 5,
        state: { version: 5 },
      });
      // Two are left where history is kept: pruning to 2 again removes nothing, to 1 one.
      expect(await t.snapshotStore.pruneSnapshots(stream, 2)).toBe(0);
      expect(await t.snapshotStore.pruneSnapshots(stream, 1)).toBe(removed(2, 1));
      expect((await t.snapshotStore.latestSnapshot(stream))!.version).toBe(5);
    });

    it('keeps by version, not by the order of saving', async () => {
      await save(stream, [7, 2, 9, 4]);
      expect(await t.snapshotStore.pruneSnapshots(stream, 3)).toBe(removed(4, 3));
      await save(stream, [8]);
      // Left where history is kept: 4, 7, 9 and now 8; keeping 2 leaves 8 and 9.
      expect(await t.snapshotStore.pruneSnapshots(stream, 2)).toBe(removed(4, 2));
      expect((await t.snapshotStore.latestSnapshot(stream))!.version).toBe(9);
    });

    it('removes nothing when a stream has no more than `keep`, or none at all', async () => {
      expect(await t.snapshotStore.pruneSnapshots(stream, 1)).toBe(0);
      await save(stream, [3]);
      expect(await t.snapshotStore.pruneSnapshots(stream, 1)).toBe(0);
      expect(await t.snapshotStore.pruneSnapshots(stream, 100)).toBe(0);
      expect((await t.snapshotStore.latestSnapshot(stream))!.version).toBe(3);
    });

    it('leaves other streams alone, also across domains', async () => {
      const sameId = streamId(stream.aggregateId, 'invoice');
      const other = streamId('order-2');
      await save(stream, [1, 2, 3]);
      await save(sameId, [1, 2, 3]);
      await save(other, [1, 2, 3]);
      expect(await t.snapshotStore.pruneSnapshots(stream, 1)).toBe(removed(3, 1));
      expect(await t.snapshotStore.pruneSnapshots(sameId, 1)).toBe(removed(3, 1));
      expect(await t.snapshotStore.pruneSnapshots(other, 1)).toBe(removed(3, 1));
    });

    it.each<[string, unknown]>([
      ['0', 0],
      ['-1', -1],
      ['1.5', 1.5],
      ["the string '2'", '2'],
      ['absent', undefined],
    ])('refuses keep %s with INVALID_ARGUMENT and removes nothing', async (_, keep) => {
      await save(stream, [1, 2]);
      await expectCode(
        t.snapshotStore.pruneSnapshots(stream, unchecked<number>(keep)),
        'INVALID_ARGUMENT',
      );
      expect(await t.snapshotStore.pruneSnapshots(stream, 1)).toBe(removed(2, 1));
    });

    it.each(badIds(setup.limits.maxIdBytes))(
      'refuses an aggregate id that is %s',
      async (_, [id, code]) => {
        await expectCode(
          t.snapshotStore.pruneSnapshots(unchecked<StreamId>({ ...stream, aggregateId: id }), 1),
          code,
        );
      },
    );
  });
}
