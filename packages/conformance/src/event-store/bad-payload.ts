import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { JsonObject, JsonValue, NewEvent } from '@evented/core';
import { expectRefused, newEvent, newEvents, streamId, unchecked } from '../support/events.js';
import { nonJsonValues } from '../support/samples.js';
import type { SuiteSetup } from '../support/setup.js';
import { useStorage } from '../support/setup.js';

/** A JSON string value whose serialisation takes exactly `bytes` UTF-8 bytes. */
function jsonOfBytes(bytes: number, char = 'x'): string {
  const charBytes = Buffer.byteLength(char);
  const padding = (bytes - 2) % charBytes;
  return 'a'.repeat(padding) + char.repeat(Math.floor((bytes - 2) / charBytes));
}

/** Invariant 6 for what an append carries: data, metadata, sizes and event ids. */
export function describeBadPayload(setup: SuiteSetup): void {
  const { limits } = setup;
  const stream = streamId();

  describe('invariant 6: an append with data or metadata that is not plain JSON is refused', () => {
    const t = useStorage(setup);
    const seed = (): Promise<unknown> =>
      t.eventStore.appendToStream(stream, newEvents(1), { expectedVersion: 0 });
    const append = (event: NewEvent) => () =>
      t.eventStore.appendToStream(stream, [...newEvents(1), event], { expectedVersion: 1 });

    it.each(nonJsonValues())('refuses data that is %s', async (_, value) => {
      await seed();
      await expectRefused(
        t.eventStore,
        append(newEvent('Bad', unchecked<JsonValue>(value))),
        'INVALID_ARGUMENT',
        [stream],
      );
    });

    const badMetadata = [
      ...nonJsonValues()
        .filter(([name]) => name !== 'undefined')
        .map(([name, value]) => [name, { nested: value }] as const),
      ['null', null],
      ['a string', 'meta'],
      ['a number', 7],
      ['an array', [1, 2]],
      ['a Date', new Date(0)],
    ] as const;
    it.each(badMetadata)('refuses metadata that is %s', async (_, metadata) => {
      await seed();
      const event = newEvent('Bad', {}, { metadata: unchecked<JsonObject>(metadata) });
      await expectRefused(t.eventStore, append(event), 'INVALID_ARGUMENT', [stream]);
    });
  });

  describe('invariant 6: an append over a size limit is refused with LIMIT_EXCEEDED', () => {
    const t = useStorage(setup);
    const seed = (): Promise<unknown> =>
      t.eventStore.appendToStream(stream, newEvents(1), { expectedVersion: 0 });
    const append = (events: NewEvent[]) => () =>
      t.eventStore.appendToStream(stream, events, { expectedVersion: 1 });

    it('accepts data of exactly the limit', async () => {
      await seed();
      const data = jsonOfBytes(limits.maxEventDataBytes);
      const result = await t.eventStore.appendToStream(stream, [newEvent('Big', data)], {
        expectedVersion: 1,
      });
      expect(result.events[0]!.data).toBe(data);
    });

    it.each([
      ['one ASCII byte', 'x'],
      ['two-byte characters', 'é'],
      ['four-byte characters', '😀'],
    ])('refuses data over the limit by %s', async (_, char) => {
      await seed();
      const data = jsonOfBytes(limits.maxEventDataBytes + 1, char);
      expect(Buffer.byteLength(JSON.stringify(data))).toBe(limits.maxEventDataBytes + 1);
      expect(JSON.stringify(data).length).toBeLessThanOrEqual(limits.maxEventDataBytes + 1);
      await expectRefused(t.eventStore, append([newEvent('Big', data)]), 'LIMIT_EXCEEDED', [
        stream,
      ]);
    });

    it('refuses metadata over the limit, counted in bytes', async () => {
      await seed();
      // {"k": and } are 6 bytes around the value.
      const metadata = { k: jsonOfBytes(limits.maxMetadataBytes - 6 + 1, 'é') };
      expect(Buffer.byteLength(JSON.stringify(metadata))).toBe(limits.maxMetadataBytes + 1);
      const event = newEvent('Big', {}, { metadata });
      await expectRefused(t.eventStore, append([event]), 'LIMIT_EXCEEDED', [stream]);
    });

    it('refuses more events than allowed in one append', async () => {
      await seed();
      const events = newEvents(limits.maxEventsPerAppend + 1);
      await expectRefused(t.eventStore, append(events), 'LIMIT_EXCEEDED', [stream]);
    });

    it('refuses a batch over the byte limit whose events are each within theirs', async () => {
      await seed();
      const perEvent = Math.min(limits.maxEventDataBytes, limits.maxAppendBytes);
      const count = Math.floor(limits.maxAppendBytes / perEvent) + 1;
      expect(count, 'maxEventsPerAppend leaves room for this test').toBeLessThanOrEqual(
        limits.maxEventsPerAppend,
      );
      const data = jsonOfBytes(perEvent);
      const events = Array.from({ length: count }, () => newEvent('Big', data));
      await expectRefused(t.eventStore, append(events), 'LIMIT_EXCEEDED', [stream]);
    });
  });

  describe('invariant 6: an append with bad event ids is refused', () => {
    const t = useStorage(setup);
    const uuid = randomUUID();

    it.each<[string, unknown]>([
      ['an empty string', ''],
      ['not a UUID', 'event-1'],
      ['a UUID without dashes', uuid.replaceAll('-', '')],
      ['a UUID in braces', `{${uuid}}`],
      ['a UUID with a trailing newline', `${uuid}\n`],
      ['a UUID with a space', ` ${uuid}`],
      ['a UUID with a non-hex digit', `${uuid.slice(0, -1)}g`],
      ['a number', 42],
      ['null', null],
      ['an SQL injection', "'); DROP TABLE events;--"],
    ])('refuses an event id that is %s with INVALID_ARGUMENT', async (_, id) => {
      await t.eventStore.appendToStream(stream, newEvents(1), { expectedVersion: 0 });
      const event = newEvent('Bad', {}, { id: unchecked<string>(id) });
      await expectRefused(
        t.eventStore,
        () => t.eventStore.appendToStream(stream, [...newEvents(1), event], { expectedVersion: 1 }),
        'INVALID_ARGUMENT',
        [stream],
      );
    });

    it.each([
      ['the same id twice', uuid],
      ['the same id in two cases', uuid.toUpperCase()],
    ])('refuses a batch with %s with INVALID_ARGUMENT', async (_, second) => {
      const events = [newEvent('A', {}, { id: uuid }), newEvent('B', {}, { id: second })];
      await expectRefused(
        t.eventStore,
        () => t.eventStore.appendToStream(stream, events, { expectedVersion: 0 }),
        'INVALID_ARGUMENT',
        [stream],
      );
    });
  });
}
