import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { streamId } from '../support/events.js';
import type { SuiteSetup } from '../support/setup.js';
import { eventIdsOf, letter, recorded, useDeadLetterStore } from './support.js';

/** Removing dead letters, and keeping processors apart. */
export function describeDeadLetterRemove(setup: SuiteSetup): void {
  describe('remove takes named letters out and says how many there were', () => {
    const t = useDeadLetterStore(setup);

    it('removes the named letters, keeps the others, and updates the counts', async () => {
      const [a1, a2, a3] = await recorded(t.eventStore, streamId('a'), 3);
      const [b1] = await recorded(t.eventStore, streamId('b'));
      await t.deadLetterStore.park([a1!, a2!, a3!, b1!].map((e) => letter(e)));
      expect(await t.deadLetterStore.remove('projector', [a2!.id, b1!.id])).toBe(2);
      expect(eventIdsOf(await t.deadLetterStore.list('projector'))).toEqual([a1!.id, a3!.id]);
      expect(eventIdsOf(await t.deadLetterStore.list('projector', streamId('a')))).toEqual([
        a1!.id,
        a3!.id,
      ]);
      expect(await t.deadLetterStore.list('projector', streamId('b'))).toEqual([]);
      expect(await t.deadLetterStore.parkedAggregates('projector')).toEqual([
        { domain: 'order', aggregateId: 'a', count: 2 },
      ]);
      expect(await t.deadLetterStore.remove('projector', [a1!.id, a3!.id])).toBe(2);
      expect(await t.deadLetterStore.list('projector')).toEqual([]);
      expect(await t.deadLetterStore.parkedAggregates('projector')).toEqual([]);
    });

    it('ignores unknown ids, counts a repeated id once, and matches ids in any case', async () => {
      const [a1, a2] = await recorded(t.eventStore, streamId(), 2);
      await t.deadLetterStore.park([a1!, a2!].map((e) => letter(e)));
      expect(await t.deadLetterStore.remove('projector', [])).toBe(0);
      expect(await t.deadLetterStore.remove('projector', [randomUUID(), randomUUID()])).toBe(0);
      expect(
        await t.deadLetterStore.remove('projector', [a1!.id, a1!.id.toUpperCase(), randomUUID()]),
      ).toBe(1);
      expect(await t.deadLetterStore.remove('projector', [a1!.id])).toBe(0);
      expect(eventIdsOf(await t.deadLetterStore.list('projector'))).toEqual([a2!.id]);
    });
  });

  describe('processors are kept apart', () => {
    const t = useDeadLetterStore(setup);

    it('lists, counts and removes each processor’s own letters only', async () => {
      const [e1, e2] = await recorded(t.eventStore, streamId(), 2);
      const [f1] = await recorded(t.eventStore, streamId('other'));
      await t.deadLetterStore.park([
        letter(e1!, { processor: 'p', message: 'from p' }),
        letter(e1!, { processor: 'q', message: 'from q' }),
        letter(e2!, { processor: 'q' }),
        letter(f1!, { processor: 'p:x' }),
      ]);
      expect((await t.deadLetterStore.list('p')).map((l) => [l.processor, l.message])).toEqual([
        ['p', 'from p'],
      ]);
      expect(eventIdsOf(await t.deadLetterStore.list('q'))).toEqual([e1!.id, e2!.id]);
      expect(eventIdsOf(await t.deadLetterStore.list('p:x'))).toEqual([f1!.id]);
      expect(await t.deadLetterStore.parkedAggregates('q')).toEqual([
        { domain: 'order', aggregateId: 'order-1', count: 2 },
      ]);
      expect(await t.deadLetterStore.parkedAggregates('p:x')).toEqual([
        { domain: 'order', aggregateId: 'other', count: 1 },
      ]);
      expect(await t.deadLetterStore.remove('p', [e2!.id, f1!.id])).toBe(0);
      expect(await t.deadLetterStore.remove('q', [e1!.id])).toBe(1);
      expect(eventIdsOf(await t.deadLetterStore.list('p'))).toEqual([e1!.id]);
      expect(eventIdsOf(await t.deadLetterStore.list('q'))).toEqual([e2!.id]);
      expect(await t.deadLetterStore.list('P')).toEqual([]);
    });
  });

  describe('closing the storage', () => {
    const t = useDeadLetterStore(setup);

    it('refuses every dead-letter call with CLOSED', async () => {
      const [event] = await recorded(t.eventStore, streamId());
      const store = t.deadLetterStore;
      await t.storage.close();
      const calls: [string, () => Promise<unknown>][] = [
        ['park', () => store.park([letter(event!)])],
        ['list', () => store.list('projector')],
        ['parkedAggregates', () => store.parkedAggregates('projector')],
        ['remove', () => store.remove('projector', [event!.id])],
      ];
      const codes: Record<string, unknown> = {};
      for (const [name, call] of calls) {
        codes[name] = await call().then(
          () => 'resolved',
          (error: unknown) => (error as { code?: unknown }).code,
        );
      }
      expect(codes).toEqual(Object.fromEntries(calls.map(([name]) => [name, 'CLOSED'])));
    });
  });
}
