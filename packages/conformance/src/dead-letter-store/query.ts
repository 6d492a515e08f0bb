import { describe, expect, it } from 'vitest';
import type { RecordedEvent, StreamId } from '@evented/core';
import { streamId } from '../support/events.js';
import type { SuiteSetup } from '../support/setup.js';
import { eventIdsOf, letter, listAll, recorded, useDeadLetterStore } from './support.js';

/** Streams whose domain and aggregate id are prefixes or joins of each other's. */
const lookAlikes: StreamId[] = [
  { domain: 'order', aggregateId: 'a' },
  { domain: 'order', aggregateId: 'ab' },
  { domain: 'order', aggregateId: 'a b' },
  { domain: 'orders', aggregateId: 'a' },
  { domain: 'a:b', aggregateId: 'c' },
  { domain: 'a', aggregateId: 'b:c' },
  { domain: 'order:a', aggregateId: 'a' },
];

/** Filtering by aggregate, paging with `after` and `limit`, and the counts per aggregate. */
export function describeDeadLetterQuery(setup: SuiteSetup): void {
  describe('list filters by aggregate and pages with after and limit', () => {
    const t = useDeadLetterStore(setup);

    /** Two events of each look-alike stream, interleaved in the log, all parked. */
    async function parkLookAlikes(): Promise<Map<StreamId, RecordedEvent[]>> {
      const byStream = new Map<StreamId, RecordedEvent[]>(lookAlikes.map((s) => [s, []]));
      for (let round = 0; round < 2; round++) {
        for (const stream of lookAlikes) {
          byStream.get(stream)!.push(...(await recorded(t.eventStore, stream)));
        }
      }
      await t.deadLetterStore.park([...byStream.values()].flat().map((e) => letter(e)));
      return byStream;
    }

    it('lists one aggregate’s letters only, never a look-alike’s', async () => {
      const byStream = await parkLookAlikes();
      for (const [stream, events] of byStream) {
        const listed = await t.deadLetterStore.list('projector', stream);
        expect(eventIdsOf(listed), `${stream.domain}/${stream.aggregateId}`).toEqual(
          events.map((e) => e.id),
        );
      }
      const none = await t.deadLetterStore.list('projector', streamId('a', 'nowhere'));
      expect(none).toEqual([]);
    });

    it('lists the letters after a position, with or without a filter', async () => {
      const byStream = await parkLookAlikes();
      const all = await t.deadLetterStore.list('projector');
      expect(all).toHaveLength(lookAlikes.length * 2);
      const middle = all[5]!.event.position;
      const after = await t.deadLetterStore.list('projector', { after: middle });
      expect(eventIdsOf(after)).toEqual(eventIdsOf(all.slice(6)));
      const [stream, events] = [...byStream][0]!;
      const firstOfStream = events[0]!.position;
      const later = await t.deadLetterStore.list('projector', { ...stream, after: firstOfStream });
      expect(eventIdsOf(later)).toEqual([events[1]!.id]);
      // A position whose letter is gone works as well.
      await t.deadLetterStore.remove('projector', [all[5]!.event.id]);
      const between = await t.deadLetterStore.list('projector', { after: middle });
      expect(between).toEqual(after);
    });

    it('lists nothing after the last letter, however far beyond', async () => {
      await parkLookAlikes();
      const all = await t.deadLetterStore.list('projector');
      const last = all.at(-1)!.event.position;
      for (const after of [last, last + 1n, last + 2n ** 40n, 2n ** 64n - 1n, 2n ** 70n]) {
        expect(await t.deadLetterStore.list('projector', { after }), String(after)).toEqual([]);
        expect(
          await t.deadLetterStore.list('projector', { ...lookAlikes[0]!, after }),
          String(after),
        ).toEqual([]);
      }
      expect(eventIdsOf(await t.deadLetterStore.list('projector', { after: 0n }))).toEqual(
        eventIdsOf(all),
      );
    });

    it('pages through every letter exactly once with after and limit', async () => {
      const byStream = await parkLookAlikes();
      const all = await t.deadLetterStore.list('projector');
      for (const limit of [1, 3, 5]) {
        const pages: string[][] = [];
        let after = 0n;
        for (;;) {
          const page = await t.deadLetterStore.list('projector', { after, limit });
          expect(page.length).toBeLessThanOrEqual(limit);
          if (page.length === 0) break;
          pages.push(eventIdsOf(page));
          after = page.at(-1)!.event.position;
        }
        expect(pages.flat(), `limit ${limit}`).toEqual(eventIdsOf(all));
      }
      const [stream, events] = [...byStream][1]!;
      const first = await t.deadLetterStore.list('projector', { ...stream, limit: 1 });
      expect(eventIdsOf(first)).toEqual([events[0]!.id]);
    });

    it('returns 100 letters by default, and up to 10,000 when asked', async () => {
      const events = await recorded(t.eventStore, streamId(), 150);
      await t.deadLetterStore.park(events.map((e) => letter(e)));
      const page = await t.deadLetterStore.list('projector');
      expect(eventIdsOf(page)).toEqual(events.slice(0, 100).map((e) => e.id));
      expect(await t.deadLetterStore.list('projector', { limit: 10_000 })).toHaveLength(150);
      expect(await listAll(t.deadLetterStore, 'projector')).toHaveLength(150);
    });
  });

  describe('parkedAggregates counts each aggregate’s parked events', () => {
    const t = useDeadLetterStore(setup);

    it('names each aggregate once with its count, by its first parked position', async () => {
      const [c1] = await recorded(t.eventStore, streamId('c'));
      const [a1, a2] = await recorded(t.eventStore, streamId('a'), 2);
      const [b1] = await recorded(t.eventStore, { domain: 'invoice', aggregateId: 'a' });
      const [c2, c3] = await recorded(t.eventStore, streamId('c'), 2);
      await t.deadLetterStore.park([a2!, c3!, b1!, a1!].map((e) => letter(e)));
      expect(await t.deadLetterStore.parkedAggregates('projector')).toEqual([
        { domain: 'order', aggregateId: 'a', count: 2 },
        { domain: 'invoice', aggregateId: 'a', count: 1 },
        { domain: 'order', aggregateId: 'c', count: 1 },
      ]);
      await t.deadLetterStore.park([c1!, c2!].map((e) => letter(e)));
      expect(await t.deadLetterStore.parkedAggregates('projector')).toEqual([
        { domain: 'order', aggregateId: 'c', count: 3 },
        { domain: 'order', aggregateId: 'a', count: 2 },
        { domain: 'invoice', aggregateId: 'a', count: 1 },
      ]);
    });

    it('keeps look-alike aggregates apart', async () => {
      for (const stream of lookAlikes) await recorded(t.eventStore, stream, 1);
      await recorded(t.eventStore, lookAlikes[0]!, 2);
      const log = await t.eventStore.readAll();
      await t.deadLetterStore.park(log.events.map((e) => letter(e)));
      expect(await t.deadLetterStore.parkedAggregates('projector')).toEqual(
        lookAlikes.map((s, i) => ({ ...s, count: i === 0 ? 3 : 1 })),
      );
    });
  });
}
