import { describe, expect, it } from 'vitest';
import type { EventFilter, EventStore, ReadAllOptions, RecordedEvent } from '@evented/core';
import { START } from '@evented/core';
import { expectCode } from '../support/expect-code.js';
import {
  expectIncreasingPositions,
  newEvents,
  readWholeLog,
  streamId,
  unchecked,
} from '../support/events.js';
import type { SuiteSetup } from '../support/setup.js';
import { useStorage } from '../support/setup.js';

/** Appends `order/o-1 A`, `invoice/i-1 B`, `order/o-2 A`, ... : `count` events, one each. */
async function mixedLog(store: EventStore, count: number): Promise<RecordedEvent[]> {
  const recorded: RecordedEvent[] = [];
  for (let i = 0; i < count; i++) {
    const domain = i % 3 === 1 ? 'invoice' : 'order';
    const type = i % 2 === 0 ? 'Opened' : 'Closed';
    const result = await store.appendToStream(
      streamId(`${domain}-${i % 4}`, domain),
      newEvents(1, type, i),
      { expectedVersion: 'any' },
    );
    recorded.push(...result.events);
  }
  return recorded;
}

const ids = (events: readonly RecordedEvent[]): string[] => events.map((e) => e.id);

/** Invariant 2 and the paging contract of `readAll`. */
export function describeReadAll(setup: SuiteSetup): void {
  describe('invariant 2: global positions only grow, in the order readers see them', () => {
    const t = useStorage(setup);

    it('gives each appended event a higher position than every earlier one', async () => {
      const recorded = await mixedLog(t.eventStore, 12);
      expectIncreasingPositions(recorded);
      expect(recorded.every((e) => typeof e.position === 'bigint' && e.position > START)).toBe(
        true,
      );
      expect(await t.eventStore.headPosition()).toBe(recorded.at(-1)!.position);
    });

    it('returns the log in the order of appending, exactly as appended', async () => {
      const recorded = await mixedLog(t.eventStore, 12);
      expect(await readWholeLog(t.eventStore)).toEqual(recorded);
    });

    it('never shows a reader that has seen position p a new event below p', async () => {
      let seen = START;
      for (let round = 0; round < 5; round++) {
        const fresh = await mixedLog(t.eventStore, 3);
        for (const event of fresh) expect(event.position > seen).toBe(true);
        const page = await t.eventStore.readAll({ after: seen });
        expect(ids(page.events)).toEqual(ids(fresh));
        seen = page.position;
      }
    });

    it('lets a paging reader see every event of concurrent appends exactly once', async () => {
      const seen: RecordedEvent[] = [];
      let after = START;
      let writing = true;
      const reader = (async () => {
        for (;;) {
          const stillWriting = writing;
          const page = await t.eventStore.readAll({ after, limit: 3 });
          seen.push(...page.events);
          after = page.position;
          if (page.isEnd && !stillWriting) return;
          if (page.isEnd) await new Promise((resolve) => setTimeout(resolve, 1));
        }
      })();
      const writers = Array.from({ length: 4 }, async (_, w) => {
        for (let i = 0; i < 10; i++) {
          await t.eventStore.appendToStream(streamId(`writer-${w}`), newEvents(2, 'Tick', i * 2), {
            expectedVersion: i * 2,
          });
        }
      });
      await Promise.all(writers);
      writing = false;
      await reader;
      expectIncreasingPositions(seen);
      expect(ids(seen)).toEqual(ids(await readWholeLog(t.eventStore)));
      expect(seen).toHaveLength(80);
    });
  });

  describe('readAll pages', () => {
    const t = useStorage(setup);

    it('reports the end of an empty log without moving', async () => {
      const page = await t.eventStore.readAll();
      expect(page).toEqual({ events: [], position: START, isEnd: true });
    });

    it('returns the events after a position', async () => {
      const recorded = await mixedLog(t.eventStore, 6);
      const page = await t.eventStore.readAll({ after: recorded[2]!.position });
      expect(ids(page.events)).toEqual(ids(recorded.slice(3)));
    });

    it('ends a full page at its last event and continues from there', async () => {
      const recorded = await mixedLog(t.eventStore, 5);
      const first = await t.eventStore.readAll({ limit: 2 });
      expect(ids(first.events)).toEqual(ids(recorded.slice(0, 2)));
      expect(first.position).toBe(recorded[1]!.position);
      expect(first.isEnd).toBe(false);
      const rest = await t.eventStore.readAll({ after: first.position, limit: 10 });
      expect(ids(rest.events)).toEqual(ids(recorded.slice(2)));
      expect(rest).toMatchObject({ position: recorded[4]!.position, isEnd: true });
    });

    it('reports the end at the head, and from there sees later appends', async () => {
      const recorded = await mixedLog(t.eventStore, 3);
      const end = await t.eventStore.readAll({ after: recorded[2]!.position });
      expect(end).toEqual({ events: [], position: recorded[2]!.position, isEnd: true });
      const later = await mixedLog(t.eventStore, 2);
      const next = await t.eventStore.readAll({ after: end.position });
      expect(ids(next.events)).toEqual(ids(later));
    });

    it('reports an empty end page after a position far beyond the head', async () => {
      await mixedLog(t.eventStore, 2);
      const after = 2n ** 64n;
      expect(await t.eventStore.readAll({ after })).toEqual({
        events: [],
        position: after,
        isEnd: true,
      });
      const filtered = await t.eventStore.readAll({ after, filter: { domains: ['order'] } });
      expect(filtered).toEqual({ events: [], position: after, isEnd: true });
    });

    it.each([1, 2, 3, 7, 100])(
      'lets a reader paging %i at a time see every event exactly once',
      async (limit) => {
        const recorded = await mixedLog(t.eventStore, 20);
        const pages: RecordedEvent[][] = [];
        let after = START;
        for (let guard = 0; guard < 50; guard++) {
          const page = await t.eventStore.readAll({ after, limit });
          expect(page.events.length).toBeLessThanOrEqual(limit);
          if (page.events.length > 0)
            expect(page.position >= page.events.at(-1)!.position).toBe(true);
          expect(page.position >= after).toBe(true);
          pages.push([...page.events]);
          after = page.position;
          if (page.isEnd) break;
        }
        expect(ids(pages.flat())).toEqual(ids(recorded));
        expect(after).toBe(recorded.at(-1)!.position);
      },
    );
  });

  describe('readAll filters', () => {
    const t = useStorage(setup);

    it.each<[string, EventFilter, (e: RecordedEvent) => boolean]>([
      ['a domain', { domains: ['invoice'] }, (e) => e.domain === 'invoice'],
      ['two domains', { domains: ['invoice', 'order'] }, () => true],
      ['a type', { types: ['Closed'] }, (e) => e.type === 'Closed'],
      [
        'a domain and a type',
        { domains: ['order'], types: ['Opened'] },
        (e) => e.domain === 'order' && e.type === 'Opened',
      ],
      ['an unknown domain', { domains: ['shipment'] }, () => false],
      ['nothing (an empty filter)', {}, () => true],
    ])('selects by %s, page after page', async (_, filter, wanted) => {
      const recorded = await mixedLog(t.eventStore, 15);
      for (const limit of [1, 2, 1000]) {
        const seen = await readWholeLog(t.eventStore, filter, limit);
        expect(ids(seen)).toEqual(ids(recorded.filter(wanted)));
      }
    });

    it('moves past the events a filter skipped, to the head', async () => {
      await mixedLog(t.eventStore, 6);
      const page = await t.eventStore.readAll({ filter: { domains: ['shipment'] } });
      expect(page).toEqual({
        events: [],
        position: await t.eventStore.headPosition(),
        isEnd: true,
      });
    });
  });

  describe('readAll and headPosition: bad input', () => {
    const t = useStorage(setup);

    it.each<[string, unknown]>([
      ['a negative position', { after: -1n }],
      ['a number as position', { after: 1 }],
      ['a string as position', { after: '1' }],
      ['limit 0', { limit: 0 }],
      ['a negative limit', { limit: -5 }],
      ['a fractional limit', { limit: 1.5 }],
      ['a filter that is not a list', { filter: { domains: 'order' } }],
      ['an invalid domain in a filter', { filter: { domains: ['$all'] } }],
      ['an invalid type in a filter', { filter: { types: [''] } }],
    ])('refuses %s with INVALID_ARGUMENT', async (_, options) => {
      await mixedLog(t.eventStore, 2);
      await expectCode(
        t.eventStore.readAll(unchecked<ReadAllOptions>(options)),
        'INVALID_ARGUMENT',
      );
    });
  });
}
