import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AppendResult, NewEvent } from '@evented/core';
import { isEventedError } from '@evented/core';
import { expectRefused, newEvent, newEvents, streamId } from '../support/events.js';
import type { SuiteSetup } from '../support/setup.js';
import { useStorage } from '../support/setup.js';

/** Events with ids given by the caller, so that re-sending them is recognisable. */
function withIds(events: readonly NewEvent[]): NewEvent[] {
  return events.map((e) => ({ ...e, id: randomUUID() }));
}

/** Invariant 5: a repeated command or batch returns the first result and appends nothing. */
export function describeIdempotency(setup: SuiteSetup): void {
  describe('invariant 5: a repeated commandId returns the first result and appends nothing', () => {
    const t = useStorage(setup);
    const stream = streamId();
    const original = (result: AppendResult): AppendResult => ({ ...result, duplicate: true });

    it('returns the original events and version, marked duplicate', async () => {
      await t.eventStore.appendToStream(stream, newEvents(1), { expectedVersion: 0 });
      const first = await t.eventStore.appendToStream(stream, newEvents(2, 'Paid'), {
        expectedVersion: 1,
        commandId: 'cmd-1',
      });
      expect(first.duplicate).toBe(false);
      const head = await t.eventStore.headPosition();
      const again = await t.eventStore.appendToStream(stream, newEvents(2, 'Paid'), {
        expectedVersion: 1,
        commandId: 'cmd-1',
      });
      expect(again).toEqual(original(first));
      expect(await t.eventStore.headPosition()).toBe(head);
      expect(await t.eventStore.streamVersion(stream)).toBe(3);
    });

    it('returns the first result even after the stream moved on, whatever is re-sent', async () => {
      const first = await t.eventStore.appendToStream(stream, newEvents(2), {
        expectedVersion: 'no-stream',
        commandId: 'cmd-1',
      });
      await t.eventStore.appendToStream(stream, newEvents(3, 'Later'), { expectedVersion: 2 });
      const head = await t.eventStore.headPosition();
      for (const [events, expectedVersion] of [
        [newEvents(2), 'no-stream'],
        [newEvents(5, 'Different'), 5],
        [[], 'any'],
      ] as const) {
        const again = await t.eventStore.appendToStream(stream, events, {
          expectedVersion,
          commandId: 'cmd-1',
        });
        expect(again).toEqual(original(first));
      }
      const elsewhere = await t.eventStore.appendToStream(streamId('order-9'), newEvents(1), {
        expectedVersion: 0,
        commandId: 'cmd-1',
      });
      expect(elsewhere).toEqual(original(first));
      expect(await t.eventStore.headPosition()).toBe(head);
      expect(await t.eventStore.streamVersion(streamId('order-9'))).toBe(0);
    });

    it('remembers a command that appended zero events', async () => {
      await t.eventStore.appendToStream(stream, newEvents(2), { expectedVersion: 0 });
      const first = await t.eventStore.appendToStream(stream, [], {
        expectedVersion: 2,
        commandId: 'cmd-noop',
      });
      expect(first).toMatchObject({ events: [], version: 2, duplicate: false });
      await t.eventStore.appendToStream(stream, newEvents(1), { expectedVersion: 2 });
      const head = await t.eventStore.headPosition();
      const again = await t.eventStore.appendToStream(stream, newEvents(1), {
        expectedVersion: 3,
        commandId: 'cmd-noop',
      });
      expect(again).toEqual(original(first));
      expect(await t.eventStore.headPosition()).toBe(head);
      expect(await t.eventStore.findCommand('cmd-noop')).toEqual({
        commandId: 'cmd-noop',
        ...stream,
        fromVersion: 2,
        toVersion: 2,
      });
    });

    it('finds a recorded command and nothing for an unknown one', async () => {
      await t.eventStore.appendToStream(stream, newEvents(1), { expectedVersion: 0 });
      await t.eventStore.appendToStream(stream, newEvents(2), {
        expectedVersion: 1,
        commandId: 'cmd-1',
      });
      expect(await t.eventStore.findCommand('cmd-1')).toEqual({
        commandId: 'cmd-1',
        ...stream,
        fromVersion: 1,
        toVersion: 3,
      });
      expect(await t.eventStore.findCommand('cmd-2')).toBeUndefined();
    });

    it('does not record a command whose append failed, so it can be retried', async () => {
      await t.eventStore.appendToStream(stream, newEvents(1), { expectedVersion: 0 });
      await expectRefused(
        t.eventStore,
        () =>
          t.eventStore.appendToStream(stream, newEvents(1), {
            expectedVersion: 0,
            commandId: 'cmd-1',
          }),
        'CONCURRENCY_CONFLICT',
        [stream],
      );
      expect(await t.eventStore.findCommand('cmd-1')).toBeUndefined();
      const retried = await t.eventStore.appendToStream(stream, newEvents(1), {
        expectedVersion: 1,
        commandId: 'cmd-1',
      });
      expect(retried).toMatchObject({ version: 2, duplicate: false });
    });

    it('appends once when the same command is sent twice at the same time', async () => {
      const [a, b] = await Promise.all(
        [0, 1].map(() =>
          t.eventStore.appendToStream(stream, newEvents(2), {
            expectedVersion: 'any',
            commandId: 'cmd-1',
          }),
        ),
      );
      expect([a!.duplicate, b!.duplicate].sort()).toEqual([false, true]);
      expect(a!.events).toEqual(b!.events);
      expect(await t.eventStore.streamVersion(stream)).toBe(2);
    });
  });

  describe('invariant 5: a re-sent batch with the same event ids returns the first result', () => {
    const t = useStorage(setup);
    const stream = streamId();

    it('returns the original result for the same batch and expected version', async () => {
      await t.eventStore.appendToStream(stream, newEvents(1), { expectedVersion: 0 });
      const batch = withIds(newEvents(3, 'Shipped'));
      const first = await t.eventStore.appendToStream(stream, batch, { expectedVersion: 1 });
      await t.eventStore.appendToStream(stream, newEvents(1), { expectedVersion: 4 });
      const head = await t.eventStore.headPosition();
      const again = await t.eventStore.appendToStream(stream, batch, { expectedVersion: 1 });
      expect(again).toEqual({ ...first, duplicate: true });
      expect(await t.eventStore.headPosition()).toBe(head);
    });

    it("returns the original result for a batch first sent with 'any'", async () => {
      const batch = withIds(newEvents(2));
      const first = await t.eventStore.appendToStream(stream, batch, { expectedVersion: 'any' });
      const again = await t.eventStore.appendToStream(stream, batch, { expectedVersion: 'any' });
      expect(again).toEqual({ ...first, duplicate: true });
      expect(await t.eventStore.streamVersion(stream)).toBe(2);
    });

    it('recognises the batch when its ids are re-sent in upper case', async () => {
      const batch = withIds(newEvents(2));
      const first = await t.eventStore.appendToStream(stream, batch, { expectedVersion: 0 });
      const shouted = batch.map((e) => ({ ...e, id: e.id!.toUpperCase() }));
      const again = await t.eventStore.appendToStream(stream, shouted, { expectedVersion: 0 });
      expect(again).toEqual({ ...first, duplicate: true });
    });

    it('refuses an event id already recorded in another stream with ALREADY_EXISTS', async () => {
      const batch = withIds(newEvents(2));
      const other = streamId('order-2');
      await t.eventStore.appendToStream(stream, batch, { expectedVersion: 0 });
      await expectRefused(
        t.eventStore,
        () => t.eventStore.appendToStream(other, batch, { expectedVersion: 0 }),
        'ALREADY_EXISTS',
        [stream, other],
      );
    });

    it('refuses an event id already recorded earlier in the same stream with ALREADY_EXISTS', async () => {
      const [taken] = withIds(newEvents(1));
      await t.eventStore.appendToStream(stream, [taken!], { expectedVersion: 0 });
      await expectRefused(
        t.eventStore,
        () =>
          t.eventStore.appendToStream(stream, [newEvent('Again', {}, { id: taken!.id })], {
            expectedVersion: 1,
          }),
        'ALREADY_EXISTS',
        [stream],
      );
    });

    it('refuses a batch that only partly matches the recorded one, writing nothing', async () => {
      const batch = withIds(newEvents(2));
      await t.eventStore.appendToStream(stream, batch, { expectedVersion: 0 });
      const mixed = [batch[0]!, ...withIds(newEvents(1))];
      const before = await t.eventStore.headPosition();
      const outcome = await t.eventStore.appendToStream(stream, mixed, { expectedVersion: 0 }).then(
        () => 'appended',
        (error: unknown) => error,
      );
      expect(
        isEventedError(outcome, 'CONCURRENCY_CONFLICT') ||
          isEventedError(outcome, 'ALREADY_EXISTS'),
        `refused with CONCURRENCY_CONFLICT or ALREADY_EXISTS, got ${String(outcome)}`,
      ).toBe(true);
      expect(await t.eventStore.headPosition()).toBe(before);
      expect(await t.eventStore.streamVersion(stream)).toBe(2);
    });
  });
}
