import { describe, expect, it } from 'vitest';
import type { CheckpointStore, Storage } from '@evented/core';
import { isEventedError, START } from '@evented/core';
import { newEvents, streamId } from '../support/events.js';
import type { SuiteSetup } from '../support/setup.js';
import { useStorage } from '../support/setup.js';

function saveWith(
  save: NonNullable<CheckpointStore['saveCheckpointWith']>,
): [string, () => Promise<unknown>] {
  return ['saveCheckpointWith', () => save('projector', START, () => {})];
}

/** Every call a closed storage must refuse with `CLOSED`. */
function callsAfterClose(storage: Storage): [string, () => Promise<unknown>][] {
  const { eventStore, snapshotStore, checkpointStore } = storage;
  const stream = streamId();
  return [
    [
      'appendToStream',
      () => eventStore.appendToStream(stream, newEvents(1), { expectedVersion: 'any' }),
    ],
    ['readStream', () => eventStore.readStream(stream)],
    ['readAll', () => eventStore.readAll()],
    ['streamVersion', () => eventStore.streamVersion(stream)],
    ['headPosition', () => eventStore.headPosition()],
    ['findCommand', () => eventStore.findCommand('cmd-1')],
    ['waitForEvents', () => eventStore.waitForEvents(START, { timeoutMs: 10 })],
    ['saveSnapshot', () => snapshotStore.saveSnapshot({ ...stream, version: 1, state: {} })],
    ['latestSnapshot', () => snapshotStore.latestSnapshot(stream)],
    ['loadCheckpoint', () => checkpointStore.loadCheckpoint('projector')],
    ['saveCheckpoint', () => checkpointStore.saveCheckpoint('projector', START)],
    ['deleteCheckpoint', () => checkpointStore.deleteCheckpoint('projector')],
    ...(checkpointStore.saveCheckpointWith
      ? [saveWith(checkpointStore.saveCheckpointWith.bind(checkpointStore))]
      : []),
  ];
}

/** The `Storage` contract: closing resolves waits and refuses later calls. */
export function describeLifecycle(setup: SuiteSetup): void {
  describe('closing a storage', () => {
    const t = useStorage(setup);

    it('resolves pending waits with false', async () => {
      const waiting = t.eventStore.waitForEvents(START, { timeoutMs: 5_000 });
      await new Promise((resolve) => setTimeout(resolve, 10));
      const started = Date.now();
      await t.storage.close();
      expect(await waiting).toBe(false);
      expect(Date.now() - started).toBeLessThan(2_500);
    });

    it('refuses every later call with CLOSED', async () => {
      await t.eventStore.appendToStream(streamId(), newEvents(1), { expectedVersion: 0 });
      await t.storage.close();
      const calls = callsAfterClose(t.storage);
      const outcomes: Record<string, unknown> = {};
      for (const [name, call] of calls) {
        outcomes[name] = await call().then(
          () => 'resolved',
          (error: unknown) => (isEventedError(error) ? error.code : String(error)),
        );
      }
      expect(outcomes).toEqual(Object.fromEntries(calls.map(([name]) => [name, 'CLOSED'])));
    });

    it('can be closed twice', async () => {
      await t.storage.close();
      await expect(t.storage.close()).resolves.toBeUndefined();
    });
  });
}
