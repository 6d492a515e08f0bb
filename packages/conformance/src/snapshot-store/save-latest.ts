import { describe, expect, it } from 'vitest';
import type { NewSnapshot, StreamId } from '@evented/core';
import { streamId } from '../support/events.js';
import { hostileIds, jsonSamples } from '../support/samples.js';
import type { SuiteSetup } from '../support/setup.js';
import { useStorage } from '../support/setup.js';

const snapshot = (
  stream: StreamId,
  version: number,
  state: NewSnapshot['state'] = { version },
) => ({
  ...stream,
  version,
  state,
});

/** Saving snapshots and finding the latest: the highest version wins, a resave replaces. */
export function describeSaveSnapshot(setup: SuiteSetup): void {
  describe('saveSnapshot and latestSnapshot', () => {
    const t = useStorage(setup);
    const stream = streamId();

    it('finds nothing for a stream without snapshots', async () => {
      expect(await t.snapshotStore.latestSnapshot(stream)).toBeUndefined();
    });

    it('returns what was saved, with schema version 1 by default and the time saved', async () => {
      const before = Date.now();
      await t.snapshotStore.saveSnapshot(snapshot(stream, 3, { total: 30, items: ['a'] }));
      const latest = await t.snapshotStore.latestSnapshot(stream);
      expect(latest).toMatchObject({
        ...stream,
        version: 3,
        state: { total: 30, items: ['a'] },
        schemaVersion: 1,
      });
      expect(latest!.recordedAt).toBeInstanceOf(Date);
      expect(latest!.recordedAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(latest!.recordedAt.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    });

    it('keeps a given schema version', async () => {
      await t.snapshotStore.saveSnapshot({ ...snapshot(stream, 1), schemaVersion: 4 });
      expect((await t.snapshotStore.latestSnapshot(stream))!.schemaVersion).toBe(4);
    });

    it('returns the highest version, in whatever order snapshots were saved', async () => {
      for (const version of [5, 2, 9, 7])
        await t.snapshotStore.saveSnapshot(snapshot(stream, version));
      expect(await t.snapshotStore.latestSnapshot(stream)).toMatchObject({
        version: 9,
        state: { version: 9 },
      });
    });

    it('replaces a snapshot saved again at the same version', async () => {
      await t.snapshotStore.saveSnapshot(snapshot(stream, 4, { first: true }));
      await t.snapshotStore.saveSnapshot({
        ...snapshot(stream, 4, { second: true }),
        schemaVersion: 2,
      });
      expect(await t.snapshotStore.latestSnapshot(stream)).toMatchObject({
        version: 4,
        state: { second: true },
        schemaVersion: 2,
      });
    });

    it('keeps streams apart, also across domains', async () => {
      const invoice = streamId('order-1', 'invoice');
      await t.snapshotStore.saveSnapshot(snapshot(stream, 2, 'order'));
      await t.snapshotStore.saveSnapshot(snapshot(invoice, 8, 'invoice'));
      expect((await t.snapshotStore.latestSnapshot(stream))!.state).toBe('order');
      expect((await t.snapshotStore.latestSnapshot(invoice))!.state).toBe('invoice');
      expect(await t.snapshotStore.latestSnapshot(streamId('order-2'))).toBeUndefined();
    });

    it('needs no events in the stream', async () => {
      await t.snapshotStore.saveSnapshot(snapshot(stream, 100));
      expect(await t.eventStore.streamVersion(stream)).toBe(0);
      expect((await t.snapshotStore.latestSnapshot(stream))!.version).toBe(100);
    });

    it.each(jsonSamples())('keeps a state that is %s exactly', async (_, state) => {
      await t.snapshotStore.saveSnapshot(snapshot(stream, 1, state));
      expect((await t.snapshotStore.latestSnapshot(stream))!.state).toEqual(state);
    });

    it('keeps hostile but valid stream ids verbatim and apart', async () => {
      const hostile = hostileIds(setup.limits.maxIdBytes);
      for (const [i, [, value]] of hostile.entries()) {
        await t.snapshotStore.saveSnapshot(
          snapshot({ domain: value, aggregateId: value }, i + 1, value),
        );
      }
      for (const [i, [, value]] of hostile.entries()) {
        const latest = await t.snapshotStore.latestSnapshot({ domain: value, aggregateId: value });
        expect(latest).toMatchObject({
          domain: value,
          aggregateId: value,
          version: i + 1,
          state: value,
        });
      }
    });
  });
}
