import { describe, expect, it } from 'vitest';
import type { StreamId } from '@evented/core';
import { newEvent, newEvents, readWholeLog } from '../support/events.js';
import { hostileIds, jsonSamples } from '../support/samples.js';
import type { SuiteSetup } from '../support/setup.js';
import { useStorage } from '../support/setup.js';

/** Invariant 6, the other half: hostile but valid input is stored and read back verbatim. */
export function describeHostileInput(setup: SuiteSetup): void {
  const hostile = hostileIds(setup.limits.maxIdBytes);

  describe('invariant 6: hostile but valid ids are stored and read back verbatim', () => {
    const t = useStorage(setup);

    it.each(hostile)('keeps %s in every id field', async (_, value) => {
      const stream: StreamId = { domain: value, aggregateId: value };
      const result = await t.eventStore.appendToStream(
        stream,
        [newEvent(value, { [value]: value, list: [value] }, { metadata: { [value]: value } })],
        {
          expectedVersion: 'no-stream',
          commandId: value,
          correlationId: value,
          causationId: value,
        },
      );
      const expected = {
        domain: value,
        aggregateId: value,
        version: 1,
        type: value,
        data: { [value]: value, list: [value] },
        metadata: { [value]: value },
        correlationId: value,
        causationId: value,
      };
      expect(result.events[0]).toMatchObject(expected);
      expect(await t.eventStore.readStream(stream)).toEqual(result.events);
      expect(await t.eventStore.streamVersion(stream)).toBe(1);
      const filtered = await t.eventStore.readAll({ filter: { domains: [value], types: [value] } });
      expect(filtered.events).toEqual(result.events);
      expect(await t.eventStore.findCommand(value)).toEqual({
        commandId: value,
        ...stream,
        fromVersion: 0,
        toVersion: 1,
      });
    });

    it('keeps all of them apart: each is its own stream, domain and type', async () => {
      for (const [, value] of hostile) {
        await t.eventStore.appendToStream(
          { domain: value, aggregateId: value },
          newEvents(1, value),
          {
            expectedVersion: 0,
          },
        );
        await t.eventStore.appendToStream({ domain: 'order', aggregateId: value }, newEvents(1), {
          expectedVersion: 0,
        });
      }
      for (const [, value] of hostile) {
        expect(await t.eventStore.streamVersion({ domain: value, aggregateId: value })).toBe(1);
        expect(await t.eventStore.streamVersion({ domain: 'order', aggregateId: value })).toBe(1);
        const byDomain = await readWholeLog(t.eventStore, { domains: [value] });
        expect(byDomain.map((e) => e.aggregateId)).toEqual([value]);
        const byType = await readWholeLog(t.eventStore, { types: [value] });
        expect(byType.map((e) => e.type)).toEqual([value]);
      }
      const orders = await readWholeLog(t.eventStore, { domains: ['order'] });
      expect(orders.map((e) => e.aggregateId)).toEqual(hostile.map(([, value]) => value));
    });

    it('does not confuse streams whose domain and aggregate id join to the same text', async () => {
      const streams: StreamId[] = [
        { domain: 'a:b', aggregateId: 'c' },
        { domain: 'a', aggregateId: 'b:c' },
        { domain: 'a/b', aggregateId: 'c' },
        { domain: 'a', aggregateId: 'b/c' },
        { domain: 'a', aggregateId: 'bc' },
        { domain: 'ab', aggregateId: 'c' },
        { domain: 'a-b', aggregateId: 'c' },
        { domain: 'a', aggregateId: 'b-c' },
      ];
      for (const stream of streams) {
        await t.eventStore.appendToStream(stream, newEvents(1), { expectedVersion: 0 });
      }
      for (const stream of streams) {
        const events = await t.eventStore.readStream(stream);
        expect(events.map((e) => [e.domain, e.aggregateId])).toEqual([
          [stream.domain, stream.aggregateId],
        ]);
      }
    });
  });

  describe('invariant 6: JSON payloads are stored and read back exactly', () => {
    const t = useStorage(setup);

    it.each(jsonSamples())('keeps %s as data and inside metadata', async (_, value) => {
      const stream = { domain: 'order', aggregateId: 'order-1' };
      const result = await t.eventStore.appendToStream(
        stream,
        [newEvent('Sample', value, { metadata: { value } })],
        { expectedVersion: 0 },
      );
      const [read] = await t.eventStore.readStream(stream);
      expect(read!.data).toEqual(value);
      expect(read!.metadata).toEqual({ value });
      expect(result.events[0]!.data).toEqual(value);
      expect((await t.eventStore.readAll()).events[0]!.data).toEqual(value);
    });

    it('returns empty metadata for an event appended without', async () => {
      await t.eventStore.appendToStream({ domain: 'order', aggregateId: 'o' }, newEvents(1), {
        expectedVersion: 0,
      });
      const { events } = await t.eventStore.readAll();
      expect(events[0]!.metadata).toEqual({});
    });
  });
}
