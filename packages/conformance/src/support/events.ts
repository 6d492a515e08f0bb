import { expect } from 'vitest';
import type {
  EventedError,
  EventedErrorCode,
  EventFilter,
  EventStore,
  JsonValue,
  NewEvent,
  Position,
  RecordedEvent,
  StreamId,
} from '@evented/core';
import { START } from '@evented/core';
import { expectCode } from './expect-code.js';

/** A stream id; the default is the one most tests append to. */
export function streamId(aggregateId = 'order-1', domain = 'order'): StreamId {
  return { domain, aggregateId };
}

/** `count` events of one type whose data numbers them from `first`. */
export function newEvents(count: number, type = 'ItemAdded', first = 1): NewEvent[] {
  return Array.from({ length: count }, (_, i) => ({ type, data: { n: first + i } }));
}

/** One event with the given data. */
export function newEvent(type: string, data: JsonValue, extra: Partial<NewEvent> = {}): NewEvent {
  return { type, data, ...extra };
}

/** Passes a deliberately ill-typed value where the port's types would refuse it. */
export function unchecked<T>(value: unknown): T {
  return value as T;
}

/** Reads the whole global log (optionally filtered), page by page. */
export async function readWholeLog(
  store: EventStore,
  filter?: EventFilter,
  pageSize = 1000,
): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  let after: Position = START;
  for (let pages = 0; pages < 100_000; pages++) {
    const page = await store.readAll({ after, limit: pageSize, ...(filter ? { filter } : {}) });
    events.push(...page.events);
    after = page.position;
    if (page.isEnd) return events;
  }
  throw new Error('readAll never reported the end of the log');
}

/** What a refused call must leave as it was: the head, the log and the given streams. */
async function observe(store: EventStore, streams: readonly StreamId[]): Promise<unknown> {
  return {
    head: await store.headPosition(),
    log: (await readWholeLog(store)).map((e) => e.id),
    versions: await Promise.all(streams.map((s) => store.streamVersion(s))),
  };
}

/**
 * Runs `attempt`, which must fail with `code`, and asserts that nothing was written: the
 * head position, the global log and the versions of `streams` are what they were before.
 */
export async function expectRefused(
  store: EventStore,
  attempt: () => Promise<unknown>,
  code: EventedErrorCode,
  streams: readonly StreamId[] = [],
): Promise<EventedError> {
  const before = await observe(store, streams);
  const error = await expectCode(attempt(), code);
  expect(await observe(store, streams), 'a refused call must write nothing').toEqual(before);
  return error;
}

/** The versions of a list of events, to compare with one `toEqual`. */
export function versionsOf(events: readonly RecordedEvent[]): number[] {
  return events.map((e) => e.version);
}

/** Asserts that positions strictly increase along the list. */
export function expectIncreasingPositions(events: readonly RecordedEvent[]): void {
  for (let i = 1; i < events.length; i++) {
    expect(events[i]!.position > events[i - 1]!.position, `position at index ${i}`).toBe(true);
  }
}

/** Appends `count` events to one stream and returns their positions. */
export async function positions(store: EventStore, count: number): Promise<Position[]> {
  const { events } = await store.appendToStream(streamId('positions'), newEvents(count), {
    expectedVersion: 'any',
  });
  return events.map((e) => e.position);
}
