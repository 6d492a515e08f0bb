import { describe, expect, it } from 'vitest';
import { START } from '@evented/core';
import { newEvents, streamId } from '../support/events.js';
import type { SuiteSetup } from '../support/setup.js';
import { useStorage } from '../support/setup.js';

/** Long enough that a test reaching it has failed; short enough not to hang the run. */
const NEVER_MS = 5_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waiting for new events: at once, on a later append, on timeout and on abort. */
export function describeWait(setup: SuiteSetup): void {
  describe('waitForEvents', () => {
    const t = useStorage(setup);
    const stream = streamId();

    it('resolves true at once when the log holds events after the position', async () => {
      const { events } = await t.eventStore.appendToStream(stream, newEvents(2), {
        expectedVersion: 0,
      });
      const started = Date.now();
      expect(await t.eventStore.waitForEvents(START, { timeoutMs: NEVER_MS })).toBe(true);
      expect(await t.eventStore.waitForEvents(events[0]!.position, { timeoutMs: NEVER_MS })).toBe(
        true,
      );
      expect(Date.now() - started).toBeLessThan(NEVER_MS / 2);
    });

    it('resolves true when an append happens later', async () => {
      const head = await t.eventStore.headPosition();
      const waiting = t.eventStore.waitForEvents(head, { timeoutMs: NEVER_MS });
      await sleep(20);
      const started = Date.now();
      await t.eventStore.appendToStream(stream, newEvents(1), { expectedVersion: 0 });
      expect(await waiting).toBe(true);
      expect(Date.now() - started).toBeLessThan(NEVER_MS / 2);
    });

    it('wakes every waiter, whatever stream is appended to', async () => {
      await t.eventStore.appendToStream(stream, newEvents(1), { expectedVersion: 0 });
      const head = await t.eventStore.headPosition();
      const waiters = [1, 2, 3].map(() =>
        t.eventStore.waitForEvents(head, { timeoutMs: NEVER_MS }),
      );
      await sleep(20);
      await t.eventStore.appendToStream(streamId('other', 'invoice'), newEvents(1), {
        expectedVersion: 0,
      });
      expect(await Promise.all(waiters)).toEqual([true, true, true]);
    });

    it('resolves false on timeout when nothing is appended', async () => {
      expect(await t.eventStore.waitForEvents(START, { timeoutMs: 30 })).toBe(false);
      const { events } = await t.eventStore.appendToStream(stream, newEvents(1), {
        expectedVersion: 0,
      });
      expect(await t.eventStore.waitForEvents(events[0]!.position, { timeoutMs: 30 })).toBe(false);
    });

    it('is not woken by appends that write nothing', async () => {
      await t.eventStore.appendToStream(stream, newEvents(1), {
        expectedVersion: 0,
        commandId: 'cmd-1',
      });
      const head = await t.eventStore.headPosition();
      const waiting = t.eventStore.waitForEvents(head, { timeoutMs: 150 });
      await sleep(20);
      await t.eventStore.appendToStream(stream, [], { expectedVersion: 1 });
      await t.eventStore.appendToStream(stream, newEvents(1), {
        expectedVersion: 0,
        commandId: 'cmd-1',
      });
      await t.eventStore
        .appendToStream(stream, newEvents(1), { expectedVersion: 0 })
        .catch(() => {});
      expect(await waiting).toBe(false);
    });

    it('resolves false when aborted, without waiting for the timeout', async () => {
      const controller = new AbortController();
      const waiting = t.eventStore.waitForEvents(START, {
        signal: controller.signal,
        timeoutMs: NEVER_MS,
      });
      await sleep(20);
      const started = Date.now();
      controller.abort();
      expect(await waiting).toBe(false);
      expect(Date.now() - started).toBeLessThan(NEVER_MS / 2);
    });

    it('resolves false when aborted with no timeout at all', async () => {
      const controller = new AbortController();
      const waiting = t.eventStore.waitForEvents(START, { signal: controller.signal });
      await sleep(20);
      controller.abort();
      expect(await waiting).toBe(false);
    });

    it('resolves false at once for a signal aborted already', async () => {
      const signal = AbortSignal.abort();
      expect(await t.eventStore.waitForEvents(START, { signal, timeoutMs: NEVER_MS })).toBe(false);
    });

    it('leaves nothing waiting after a timeout or abort: a later append still wakes a new waiter', async () => {
      await t.eventStore.waitForEvents(START, { timeoutMs: 10 });
      await t.eventStore.waitForEvents(START, { signal: AbortSignal.abort() });
      const waiting = t.eventStore.waitForEvents(START, { timeoutMs: NEVER_MS });
      await t.eventStore.appendToStream(stream, newEvents(1), { expectedVersion: 0 });
      expect(await waiting).toBe(true);
    });
  });
}
