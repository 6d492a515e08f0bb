import { describe, expect, it } from 'vitest';
import type { CheckpointStore } from '@evented/core';
import { EventedError } from '@evented/core';
import { positions } from '../support/events.js';
import { expectCode } from '../support/expect-code.js';
import type { SuiteSetup, TestStorage } from '../support/setup.js';
import { useStorage } from '../support/setup.js';

type SaveWith = NonNullable<CheckpointStore['saveCheckpointWith']>;

/**
 * The method under test, or `undefined` after asserting that it is absent: where
 * `capabilities.transactionalCheckpoints` is false the method must not exist at all.
 */
function saveWith(t: TestStorage): SaveWith | undefined {
  const method = t.checkpointStore.saveCheckpointWith;
  if (!t.storage.capabilities.transactionalCheckpoints) {
    expect(method, 'saveCheckpointWith without transactionalCheckpoints').toBeUndefined();
    return undefined;
  }
  expect(typeof method, 'saveCheckpointWith with transactionalCheckpoints').toBe('function');
  return method!.bind(t.checkpointStore);
}

/** Invariant 4 where the store allows it: work and checkpoint commit together. */
export function describeTransactionalCheckpoint(setup: SuiteSetup): void {
  describe('invariant 4: saveCheckpointWith commits the work and the checkpoint together', () => {
    const t = useStorage(setup);

    it('exists exactly when capabilities.transactionalCheckpoints is true', () => {
      saveWith(t);
    });

    it('runs the work with the store’s transaction handle and moves the checkpoint', async () => {
      const save = saveWith(t);
      if (!save) return;
      const [first, second] = await positions(t.eventStore, 2);
      await t.checkpointStore.saveCheckpoint('projector', first!);
      const handles: unknown[] = [];
      await save('projector', second!, (transaction) => {
        handles.push(transaction);
      });
      expect(handles).toHaveLength(1);
      expect(handles[0]).toBeDefined();
      expect(await t.checkpointStore.loadCheckpoint('projector')).toBe(second);
    });

    it.each<[string, () => unknown]>([
      ['an Error', () => new Error('projection failed')],
      ['an evented error', () => new EventedError('COMMAND_REJECTED', 'no', { reason: 'x' })],
      ['a string', () => 'not an Error'],
    ])(
      'passes %s thrown by the work to the caller unchanged and keeps the checkpoint',
      async (_, makeError) => {
        const save = saveWith(t);
        if (!save) return;
        const [first, second] = await positions(t.eventStore, 2);
        await t.checkpointStore.saveCheckpoint('projector', first!);
        const thrown = makeError();
        const outcome = await save('projector', second!, () => {
          throw thrown;
        }).then(
          () => 'resolved',
          (error: unknown) => error,
        );
        expect(outcome).toBe(thrown);
        expect(await t.checkpointStore.loadCheckpoint('projector')).toBe(first);
      },
    );

    it('refuses a position beyond the head with INVALID_ARGUMENT and keeps the checkpoint', async () => {
      const save = saveWith(t);
      if (!save) return;
      const [first] = await positions(t.eventStore, 1);
      await t.checkpointStore.saveCheckpoint('projector', first!);
      await expectCode(
        save('projector', first! + 1n, () => {}),
        'INVALID_ARGUMENT',
      );
      expect(await t.checkpointStore.loadCheckpoint('projector')).toBe(first);
    });

    it('refuses a bad processor name with INVALID_ARGUMENT before running the work', async () => {
      const save = saveWith(t);
      if (!save) return;
      let ran = false;
      await expectCode(
        save('$bad', 0n, () => {
          ran = true;
        }),
        'INVALID_ARGUMENT',
      );
      expect(ran).toBe(false);
    });
  });
}
