import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '@evented/core';
import { newEvent, streamId } from '../support/events.js';
import { jsonSamples } from '../support/samples.js';
import type { SuiteSetup } from '../support/setup.js';
import { eventIdsOf, expectParkedNow, letter, recorded, useDeadLetterStore } from './support.js';

/** Parking: what goes in comes back whole, once, in log order. */
export function describePark(setup: SuiteSetup): void {
  describe('park and list: a parked event reads back whole', () => {
    const t = useDeadLetterStore(setup);

    it('keeps the whole recorded event, with metadata, ids and schema version', async () => {
      const stream = streamId('order-7');
      await recorded(t.eventStore, stream, 2);
      const { events } = await t.eventStore.appendToStream(
        stream,
        [
          newEvent(
            'ItemRemoved',
            { sku: 'abc', amount: 12.5, tags: ['x', null] },
            { metadata: { tenant: 't-1', nested: { a: [1, 2] } }, schemaVersion: 3 },
          ),
        ],
        { expectedVersion: 2, correlationId: 'corr-1', causationId: 'cause-1' },
      );
      const [event] = await t.eventStore.readStream(stream, { fromVersion: 3 });
      expect(event).toEqual(events[0]);
      await t.deadLetterStore.park([
        letter(event!, { message: 'boom', code: 'COMMAND_REJECTED', attempts: 5 }),
      ]);
      const [parked, ...rest] = await t.deadLetterStore.list('projector');
      expect(rest).toEqual([]);
      expect(parked).toEqual({
        processor: 'projector',
        event,
        reason: 'failed',
        message: 'boom',
        code: 'COMMAND_REJECTED',
        attempts: 5,
        parkedAt: expect.any(Date),
      });
      expect(typeof parked!.event.position).toBe('bigint');
      expect(parked!.event.position).toBe(event!.position);
      expect(parked!.event.recordedAt.getTime()).toBe(event!.recordedAt.getTime());
      expectParkedNow(parked!.parkedAt);
    });

    it('keeps a behind-parked letter without code, attempts or message', async () => {
      const [event] = await recorded(t.eventStore, streamId());
      await t.deadLetterStore.park([
        letter(event!, { reason: 'behind-parked', message: '', code: undefined, attempts: 0 }),
      ]);
      const [parked] = await t.deadLetterStore.list('projector');
      expect(parked).toMatchObject({ reason: 'behind-parked', message: '', attempts: 0 });
      expect(parked!.code).toBeUndefined();
      expect(parked!.event).toEqual(event);
    });

    it.each(jsonSamples())('keeps %s as event data and in metadata exactly', async (_, value) => {
      const { events } = await t.eventStore.appendToStream(
        streamId(),
        [newEvent('Sample', value, { metadata: { value } })],
        { expectedVersion: 0 },
      );
      await t.deadLetterStore.park([letter(events[0]!)]);
      const [parked] = await t.deadLetterStore.list('projector');
      expect(parked!.event.data).toEqual(value);
      expect(parked!.event.metadata).toEqual({ value });
      expect(parked!.event).toEqual(events[0]);
    });

    it('parks nothing for an empty batch', async () => {
      await t.deadLetterStore.park([]);
      expect(await t.deadLetterStore.list('projector')).toEqual([]);
      expect(await t.deadLetterStore.parkedAggregates('projector')).toEqual([]);
    });
  });

  describe('park is idempotent by (processor, event id): the first entry wins', () => {
    const t = useDeadLetterStore(setup);

    it('keeps the first letter when the event is parked again', async () => {
      const [event] = await recorded(t.eventStore, streamId());
      await t.deadLetterStore.park([letter(event!, { message: 'first', attempts: 1 })]);
      const [first] = await t.deadLetterStore.list('projector');
      await new Promise((resolve) => setTimeout(resolve, 5));
      await t.deadLetterStore.park([
        letter(event!, { reason: 'behind-parked', message: 'second', code: 'X', attempts: 9 }),
      ]);
      const again = await t.deadLetterStore.list('projector');
      expect(again).toEqual([first]);
      expect(again[0]!.parkedAt.getTime()).toBe(first!.parkedAt.getTime());
      expect(await t.deadLetterStore.parkedAggregates('projector')).toEqual([
        { domain: 'order', aggregateId: 'order-1', count: 1 },
      ]);
    });

    it('keeps the first of two letters for one event in one batch', async () => {
      const [event] = await recorded(t.eventStore, streamId());
      await t.deadLetterStore.park([
        letter(event!, { message: 'first' }),
        letter(event!, { message: 'second' }),
      ]);
      const listed = await t.deadLetterStore.list('projector');
      expect(listed.map((l) => l.message)).toEqual(['first']);
    });

    it('parks the new letters of a batch that repeats a parked one', async () => {
      const [a, b, c] = await recorded(t.eventStore, streamId(), 3);
      await t.deadLetterStore.park([letter(b!, { message: 'first' })]);
      await t.deadLetterStore.park([
        letter(a!, { message: 'second' }),
        letter(b!, { message: 'second' }),
        letter(c!, { message: 'second' }),
      ]);
      const listed = await t.deadLetterStore.list('projector');
      expect(listed.map((l) => [l.event.id, l.message])).toEqual([
        [a!.id, 'second'],
        [b!.id, 'first'],
        [c!.id, 'second'],
      ]);
      expect(await t.deadLetterStore.parkedAggregates('projector')).toEqual([
        { domain: 'order', aggregateId: 'order-1', count: 3 },
      ]);
    });

    it('parks an event again once its letter was removed', async () => {
      const [event] = await recorded(t.eventStore, streamId());
      await t.deadLetterStore.park([letter(event!, { message: 'first' })]);
      expect(await t.deadLetterStore.remove('projector', [event!.id])).toBe(1);
      await t.deadLetterStore.park([letter(event!, { message: 'second' })]);
      const listed = await t.deadLetterStore.list('projector');
      expect(listed.map((l) => l.message)).toEqual(['second']);
    });
  });

  describe('list returns a processor’s dead letters in log order', () => {
    const t = useDeadLetterStore(setup);

    it('orders by event position across aggregates, whatever the order of parking', async () => {
      const events: RecordedEvent[] = [];
      for (let round = 0; round < 3; round++) {
        for (const id of ['c', 'a', 'b']) {
          events.push(...(await recorded(t.eventStore, streamId(id), round + 1)));
        }
      }
      const shuffled = [...events].reverse();
      await t.deadLetterStore.park(shuffled.slice(0, 5).map((e) => letter(e)));
      for (const e of shuffled.slice(5)) await t.deadLetterStore.park([letter(e)]);
      const listed = await t.deadLetterStore.list('projector');
      expect(eventIdsOf(listed)).toEqual(events.map((e) => e.id));
      const positions = listed.map((l) => l.event.position);
      expect([...positions].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))).toEqual(positions);
    });

    it('lists nothing for a processor that parked nothing', async () => {
      const [event] = await recorded(t.eventStore, streamId());
      await t.deadLetterStore.park([letter(event!)]);
      expect(await t.deadLetterStore.list('another')).toEqual([]);
      expect(await t.deadLetterStore.parkedAggregates('another')).toEqual([]);
    });
  });
}
