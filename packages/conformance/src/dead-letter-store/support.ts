import { expect } from 'vitest';
import type {
  DeadLetter,
  DeadLetterStore,
  EventStore,
  NewDeadLetter,
  RecordedEvent,
  StreamId,
} from '@evented/core';
import { newEvents } from '../support/events.js';
import type { OptionalStoreTest } from '../support/optional-store.js';
import { useOptionalStore } from '../support/optional-store.js';
import type { SuiteSetup } from '../support/setup.js';

/** The storage of the running test and its dead-letter store. */
export type DeadLetterTest = OptionalStoreTest<'deadLetterStore'>;

/**
 * Opens a fresh storage before each test, like `useStorage`, and skips the test, saying
 * why, when the storage keeps no dead letters (`Storage.deadLetterStore` is optional).
 */
export function useDeadLetterStore(setup: SuiteSetup): DeadLetterTest {
  return useOptionalStore(setup, 'deadLetterStore', 'this storage keeps no dead letters');
}

/** Appends `count` events to a stream, any version, and returns them as recorded. */
export async function recorded(
  store: EventStore,
  stream: StreamId,
  count = 1,
): Promise<RecordedEvent[]> {
  const { events } = await store.appendToStream(stream, newEvents(count, 'ItemAdded'), {
    expectedVersion: 'any',
  });
  return [...events];
}

/** A dead letter for `event`, failed once with a message, unless `extra` says otherwise. */
export function letter(event: RecordedEvent, extra: Partial<NewDeadLetter> = {}): NewDeadLetter {
  return {
    processor: 'projector',
    event,
    reason: 'failed',
    message: 'handler failed',
    code: 'INTERNAL',
    attempts: 3,
    ...extra,
  };
}

/** The event ids of a list of dead letters, to compare with one `toEqual`. */
export function eventIdsOf(letters: readonly DeadLetter[]): string[] {
  return letters.map((l) => l.event.id);
}

/** Asserts a dead letter's `parkedAt` is a valid time near now (the store's clock may differ a little). */
export function expectParkedNow(parkedAt: Date): void {
  expect(parkedAt).toBeInstanceOf(Date);
  expect(Math.abs(parkedAt.getTime() - Date.now())).toBeLessThan(5 * 60_000);
}

/** Every dead letter of a processor, page by page. */
export async function listAll(
  store: DeadLetterStore,
  processor: string,
  stream?: StreamId,
): Promise<DeadLetter[]> {
  const all: DeadLetter[] = [];
  for (;;) {
    const after = all.at(-1)?.event.position;
    const page = await store.list(processor, {
      ...stream,
      ...(after !== undefined && { after }),
      limit: 10_000,
    });
    all.push(...page);
    if (page.length < 10_000) return all;
  }
}
