import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { DeadLetterStore } from '@evented/core';
import { streamId } from '../support/events.js';
import { expectCode } from '../support/expect-code.js';
import type { SuiteSetup } from '../support/setup.js';
import type { DeadLetterTest } from './support.js';
import { eventIdsOf, letter, recorded, useDeadLetterStore } from './support.js';

type RemoveWith = NonNullable<DeadLetterStore['removeWith']>;

/**
 * The method under test, or `undefined` after asserting that it is absent: it exists
 * exactly where `saveCheckpointWith` does, with `capabilities.transactionalCheckpoints`.
 */
function removeWith(t: DeadLetterTest): RemoveWith | undefined {
  const method = t.deadLetterStore.removeWith;
  if (!t.storage.capabilities.transactionalCheckpoints) {
    expect(method, 'removeWith without transactionalCheckpoints').toBeUndefined();
    return undefined;
  }
  expect(typeof method, 'removeWith with transactionalCheckpoints').toBe('function');
  return method!.bind(t.deadLetterStore);
}

/** A retried event's work and the removal of its dead letter commit together, once. */
export function describeDeadLetterRemoveWith(setup: SuiteSetup): void {
  describe('removeWith runs the work and removes the dead letter in one transaction', () => {
    const t = useDeadLetterStore(setup);

    it('exists exactly when capabilities.transactionalCheckpoints is true', () => {
      removeWith(t);
    });

    it('runs the work once with the store’s transaction handle and removes the letter', async () => {
      const remove = removeWith(t);
      if (!remove) return;
      const [a, b] = await recorded(t.eventStore, streamId(), 2);
      await t.deadLetterStore.park([letter(a!), letter(b!)]);
      const handles: unknown[] = [];
      expect(await remove('projector', a!.id, (tx) => void handles.push(tx))).toBe(true);
      expect(handles).toHaveLength(1);
      expect(handles[0]).toBeDefined();
      expect(eventIdsOf(await t.deadLetterStore.list('projector'))).toEqual([b!.id]);
      expect(await remove('projector', a!.id, (tx) => void handles.push(tx))).toBe(false);
      expect(await remove('projector', randomUUID(), (tx) => void handles.push(tx))).toBe(false);
      expect(await remove('other', b!.id, (tx) => void handles.push(tx))).toBe(false);
      expect(handles).toHaveLength(1);
      expect(await t.deadLetterStore.parkedAggregates('projector')).toEqual([
        { domain: 'order', aggregateId: 'order-1', count: 1 },
      ]);
    });

    it('passes what the work throws to the caller unchanged and keeps the letter', async () => {
      const remove = removeWith(t);
      if (!remove) return;
      const [event] = await recorded(t.eventStore, streamId());
      await t.deadLetterStore.park([letter(event!)]);
      const thrown = new Error('still failing');
      const outcome = await remove('projector', event!.id, () => {
        throw thrown;
      }).then(
        () => 'resolved',
        (error: unknown) => error,
      );
      expect(outcome).toBe(thrown);
      expect(eventIdsOf(await t.deadLetterStore.list('projector'))).toEqual([event!.id]);
    });

    it('refuses a bad processor or event id with INVALID_ARGUMENT before running the work', async () => {
      const remove = removeWith(t);
      if (!remove) return;
      let ran = false;
      const work = (): void => {
        ran = true;
      };
      await expectCode(remove('$bad', randomUUID(), work), 'INVALID_ARGUMENT');
      await expectCode(remove('projector', 'not-a-uuid', work), 'INVALID_ARGUMENT');
      expect(ran).toBe(false);
    });
  });
}
