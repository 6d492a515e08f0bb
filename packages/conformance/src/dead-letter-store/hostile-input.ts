import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '@evented/core';
import { newEvent, streamId } from '../support/events.js';
import { hostileIds } from '../support/samples.js';
import type { Sample } from '../support/samples.js';
import type { SuiteSetup } from '../support/setup.js';
import { eventIdsOf, letter, recorded, useDeadLetterStore } from './support.js';

/** The most UTF-8 bytes of a message kept whole. */
const MESSAGE_BYTES = 4096;

/** Messages stored and read back verbatim. */
function verbatimMessages(): Sample<string>[] {
  return [
    ['an SQL injection', "'); DELETE FROM dead_letters;--"],
    ['a Lua and Redis separator mix', "\\0 ' .. redis.call('FLUSHALL') .. ' : {x}"],
    ['a stack trace', 'Error: boom\n    at handler (file.js:1:2)\n\tat run'],
    ['control characters other than NUL', 'a\u0001b\u001b[31mc\u007fd\u0085'],
    ['JSON', '{"reason":"failed","attempts":1}'],
    ['emoji and scripts', '😀 👩‍👩‍👧 日本語 עברית'],
    ['exactly 4 KiB of ASCII', 'x'.repeat(MESSAGE_BYTES)],
    ['exactly 4 KiB of emoji', '😀'.repeat(MESSAGE_BYTES / 4)],
  ];
}

/** Invariant 6, the other half: hostile but valid input is kept verbatim, or made storable. */
export function describeDeadLetterHostileInput(setup: SuiteSetup): void {
  const hostile = hostileIds(setup.limits.maxIdBytes);

  describe('invariant 6: hostile but valid ids in dead letters are kept verbatim and apart', () => {
    const t = useDeadLetterStore(setup);

    it('keeps each hostile processor name, domain and aggregate id to itself', async () => {
      const events: RecordedEvent[] = [];
      for (const [, value] of hostile) {
        events.push(...(await recorded(t.eventStore, { domain: value, aggregateId: value })));
      }
      await t.deadLetterStore.park(
        events.map((event, i) => letter(event, { processor: hostile[i]![1] })),
      );
      for (const [i, [name, value]] of hostile.entries()) {
        const listed = await t.deadLetterStore.list(value);
        expect(eventIdsOf(listed), name).toEqual([events[i]!.id]);
        expect(listed[0]!.processor, name).toBe(value);
        expect(listed[0]!.event, name).toEqual(events[i]);
        const filtered = await t.deadLetterStore.list(value, { domain: value, aggregateId: value });
        expect(eventIdsOf(filtered), name).toEqual([events[i]!.id]);
        expect(await t.deadLetterStore.parkedAggregates(value), name).toEqual([
          { domain: value, aggregateId: value, count: 1 },
        ]);
      }
      expect(await t.deadLetterStore.remove(hostile[0]![1], [events[0]!.id])).toBe(1);
      for (const [i, [name, value]] of hostile.entries()) {
        expect(await t.deadLetterStore.list(value), name).toHaveLength(i === 0 ? 0 : 1);
      }
    });

    it('keeps hostile event types, data, metadata and correlation ids in the event', async () => {
      const value = hostile[2]![1];
      const { events } = await t.eventStore.appendToStream(
        streamId(),
        [newEvent(value, { [value]: value }, { metadata: { [value]: [value] } })],
        { expectedVersion: 0, correlationId: value, causationId: value },
      );
      await t.deadLetterStore.park([letter(events[0]!)]);
      const [parked] = await t.deadLetterStore.list('projector');
      expect(parked!.event).toEqual(events[0]);
    });
  });

  describe('invariant 6: messages and codes are kept as every store can hold them', () => {
    const t = useDeadLetterStore(setup);

    it.each(verbatimMessages())('keeps %s verbatim, as message and as code', async (_, text) => {
      const [event] = await recorded(t.eventStore, streamId());
      const code = Buffer.byteLength(text) <= 256 ? text : 'CODE';
      await t.deadLetterStore.park([letter(event!, { message: text, code })]);
      const [parked] = await t.deadLetterStore.list('projector');
      expect(parked!.message).toBe(text);
      expect(parked!.code).toBe(code);
    });

    it.each<[string, string, string]>([
      ['a NUL character', 'a\u0000b', 'a\ufffdb'],
      ['a lone high surrogate', 'a\ud800b', 'a\ufffdb'],
      ['a lone low surrogate', '\udc00a', '\ufffda'],
      ['a valid surrogate pair next to a lone one', '😀\ud83d', '😀\ufffd'],
    ])('replaces %s with U+FFFD rather than fail', async (_, text, stored) => {
      const [event] = await recorded(t.eventStore, streamId());
      await t.deadLetterStore.park([letter(event!, { message: text, code: text })]);
      const [parked] = await t.deadLetterStore.list('projector');
      expect(parked!.message).toBe(stored);
      expect(parked!.code).toBe(stored);
    });

    it.each<[string, string]>([
      ['one ASCII byte over 4 KiB', 'y'.repeat(MESSAGE_BYTES) + 'z'],
      ['a megabyte', 'm'.repeat(1024 * 1024)],
      ['emoji over 4 KiB, cut between characters', 'a' + '😀'.repeat(MESSAGE_BYTES / 4)],
      ['three-byte characters over 4 KiB', '€'.repeat(2000)],
    ])('truncates a message of %s with a marker, within 4 KiB', async (_, text) => {
      const [event] = await recorded(t.eventStore, streamId());
      await t.deadLetterStore.park([letter(event!, { message: text, code: text })]);
      const [parked] = await t.deadLetterStore.list('projector');
      for (const [field, limit] of [
        [parked!.message, MESSAGE_BYTES],
        [parked!.code!, 256],
      ] as const) {
        expect(Buffer.byteLength(field)).toBeLessThanOrEqual(limit);
        expect(field).toMatch(/truncated/);
        expect(field).not.toMatch(/\ufffd/);
        const kept = field.slice(0, field.lastIndexOf('…'));
        expect(kept.length).toBeGreaterThan(limit / 8);
        expect(text.startsWith(kept)).toBe(true);
      }
    });
  });
}
