import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ExpectedVersion } from '@evented/core';
import { isEventedError } from '@evented/core';
import {
  expectIncreasingPositions,
  expectRefused,
  newEvent,
  newEvents,
  streamId,
  versionsOf,
} from '../support/events.js';
import type { SuiteSetup } from '../support/setup.js';
import { useStorage } from '../support/setup.js';

/** Invariant 1: contiguous versions, checked on append; a conflict writes nothing. */
export function describeAppend(setup: SuiteSetup): void {
  describe('invariant 1: a stream’s versions are contiguous and checked on append', () => {
    const t = useStorage(setup);
    const stream = streamId();

    it('numbers the first events 1..n and reports the new version', async () => {
      const result = await t.eventStore.appendToStream(stream, newEvents(3), {
        expectedVersion: 'no-stream',
      });
      expect(result).toMatchObject({ ...stream, version: 3, duplicate: false });
      expect(versionsOf(result.events)).toEqual([1, 2, 3]);
      expect(result.events.map((e) => e.data)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
      expect(await t.eventStore.streamVersion(stream)).toBe(3);
      expect(await t.eventStore.headPosition()).toBe(result.events[2]!.position);
    });

    it.each<[string, ExpectedVersion]>([
      ['0', 0],
      ["'no-stream'", 'no-stream'],
      ["'any'", 'any'],
    ])('starts a new stream with expected version %s', async (_, expectedVersion) => {
      const result = await t.eventStore.appendToStream(stream, newEvents(2), { expectedVersion });
      expect(versionsOf(result.events)).toEqual([1, 2]);
    });

    it('continues from the expected version without gaps', async () => {
      await t.eventStore.appendToStream(stream, newEvents(2), { expectedVersion: 0 });
      const second = await t.eventStore.appendToStream(stream, newEvents(3, 'ItemAdded', 3), {
        expectedVersion: 2,
      });
      const third = await t.eventStore.appendToStream(stream, newEvents(1, 'Closed'), {
        expectedVersion: 'any',
      });
      expect(versionsOf(second.events)).toEqual([3, 4, 5]);
      expect(third.version).toBe(6);
      const all = await t.eventStore.readStream(stream);
      expect(versionsOf(all)).toEqual([1, 2, 3, 4, 5, 6]);
      expectIncreasingPositions(all);
    });

    it('keeps each stream’s versions separate; the same aggregate id in two domains is two streams', async () => {
      const other = streamId('order-1', 'invoice');
      await t.eventStore.appendToStream(stream, newEvents(2), { expectedVersion: 0 });
      const result = await t.eventStore.appendToStream(other, newEvents(1), {
        expectedVersion: 0,
      });
      expect(result.version).toBe(1);
      expect(await t.eventStore.streamVersion(stream)).toBe(2);
      expect(await t.eventStore.streamVersion(streamId('order-2'))).toBe(0);
    });

    it.each<[string, number, ExpectedVersion]>([
      ['a lower version', 2, 1],
      ['a higher version', 2, 3],
      ['0 on a stream with events', 2, 0],
      ["'no-stream' on a stream with events", 2, 'no-stream'],
      ['a version on a stream without events', 0, 1],
    ])(
      'refuses %s with CONCURRENCY_CONFLICT naming expected and actual, writing nothing',
      async (_, existing, expectedVersion) => {
        if (existing > 0) {
          await t.eventStore.appendToStream(stream, newEvents(existing), { expectedVersion: 0 });
        }
        const error = await expectRefused(
          t.eventStore,
          () => t.eventStore.appendToStream(stream, newEvents(2, 'Late'), { expectedVersion }),
          'CONCURRENCY_CONFLICT',
          [stream],
        );
        expect(error.details).toMatchObject({ expected: expectedVersion, actual: existing });
      },
    );

    it('checks the expected version of an empty append too', async () => {
      await t.eventStore.appendToStream(stream, newEvents(1), { expectedVersion: 0 });
      const same = await t.eventStore.appendToStream(stream, [], { expectedVersion: 1 });
      expect(same).toMatchObject({ version: 1, events: [], duplicate: false });
      await expectRefused(
        t.eventStore,
        () => t.eventStore.appendToStream(stream, [], { expectedVersion: 0 }),
        'CONCURRENCY_CONFLICT',
        [stream],
      );
    });

    it('lets exactly one of several concurrent appends with the same expected version win', async () => {
      await t.eventStore.appendToStream(stream, newEvents(1), { expectedVersion: 0 });
      const outcomes = await Promise.allSettled(
        Array.from({ length: 5 }, (_, i) =>
          t.eventStore.appendToStream(stream, newEvents(2, `Writer${i}`), { expectedVersion: 1 }),
        ),
      );
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.filter((o) => o.status === 'rejected');
      expect(won).toHaveLength(1);
      for (const o of lost) expect(isEventedError(o.reason, 'CONCURRENCY_CONFLICT')).toBe(true);
      expect(versionsOf(await t.eventStore.readStream(stream))).toEqual([1, 2, 3]);
    });
  });

  describe('invariant 1: a multi-event append is all or nothing', () => {
    const t = useStorage(setup);
    const stream = streamId();

    it('writes none of a batch whose third event id exists in another stream', async () => {
      const taken = randomUUID();
      const elsewhere = streamId('order-2');
      await t.eventStore.appendToStream(elsewhere, [newEvent('Opened', {}, { id: taken })], {
        expectedVersion: 0,
      });
      await t.eventStore.appendToStream(stream, newEvents(1), { expectedVersion: 0 });
      const batch = [...newEvents(2), newEvent('Clash', {}, { id: taken }), ...newEvents(2)];
      await expectRefused(
        t.eventStore,
        () => t.eventStore.appendToStream(stream, batch, { expectedVersion: 1 }),
        'ALREADY_EXISTS',
        [stream, elsewhere],
      );
      const next = await t.eventStore.appendToStream(stream, newEvents(1), { expectedVersion: 1 });
      expect(next.version).toBe(2);
    });

    it('writes none of a batch whose last event is invalid', async () => {
      const batch = [...newEvents(3), newEvent('Bad', Number.NaN)];
      await expectRefused(
        t.eventStore,
        () => t.eventStore.appendToStream(stream, batch, { expectedVersion: 0 }),
        'INVALID_ARGUMENT',
        [stream],
      );
    });
  });

  describe('recorded events', () => {
    const t = useStorage(setup);
    const stream = streamId();

    it('records the content, ids, schema versions, correlation and time of each event', async () => {
      const id = randomUUID();
      const before = Date.now();
      const result = await t.eventStore.appendToStream(
        stream,
        [
          newEvent('Opened', { by: 'ann' }, { id, metadata: { user: 'ann' }, schemaVersion: 3 }),
          newEvent('Noted', 'plain'),
        ],
        { expectedVersion: 0, correlationId: 'corr-1', causationId: 'cause-1' },
      );
      const [first, second] = result.events;
      expect(first).toMatchObject({
        id,
        ...stream,
        version: 1,
        type: 'Opened',
        data: { by: 'ann' },
        metadata: { user: 'ann' },
        schemaVersion: 3,
        correlationId: 'corr-1',
        causationId: 'cause-1',
      });
      expect(second).toMatchObject({
        type: 'Noted',
        data: 'plain',
        metadata: {},
        schemaVersion: 1,
      });
      expect(second!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(second!.id).not.toBe(id);
      expect(typeof first!.position).toBe('bigint');
      expect(first!.recordedAt).toBeInstanceOf(Date);
      expect(first!.recordedAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(first!.recordedAt.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
      expect(await t.eventStore.readStream(stream)).toEqual(result.events);
    });

    it('records null correlation and causation when none are given', async () => {
      const { events } = await t.eventStore.appendToStream(stream, newEvents(1), {
        expectedVersion: 0,
      });
      expect(events[0]).toMatchObject({ correlationId: null, causationId: null });
    });

    it('returns event ids in lower case, however they were given', async () => {
      const id = randomUUID();
      const { events } = await t.eventStore.appendToStream(
        stream,
        [newEvent('Opened', {}, { id: id.toUpperCase() })],
        { expectedVersion: 0 },
      );
      expect(events[0]!.id).toBe(id);
      expect((await t.eventStore.readStream(stream))[0]!.id).toBe(id);
    });
  });
}
