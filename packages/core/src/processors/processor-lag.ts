import type { EventStore } from '../event-store/event-store.js';
import type { Position } from '../event-store/types.js';
import { START } from '../event-store/types.js';
import type { ProcessorLag } from './processor-status.js';

/** Where counting a lag stops with a store that counts (`EventStore.countEvents`). */
export const LAG_COUNT_LIMIT = 100_000;
/** Where counting stops with a store that does not: the events are read, so less. */
export const LAG_READ_LIMIT = 10_000;
const READ_PAGE = 1_000;

/**
 * How far `checkpoint` is behind `head`: the events between them, counted up to a cap
 * (positions are not dense on every store, so subtracting them would guess), and the age
 * of the first of them.
 */
export async function measureLag(
  store: EventStore,
  checkpoint: Position,
  head: Position,
  now: number = Date.now(),
): Promise<ProcessorLag> {
  if (head <= checkpoint) return { events: 0, atLeast: false, seconds: 0 };
  const first = await store.readAll({ after: checkpoint, limit: 1 });
  const next = first.events[0];
  if (!next || next.position > head) return { events: 0, atLeast: false, seconds: 0 };
  const seconds = Math.max(0, (now - next.recordedAt.getTime()) / 1000);
  const { events, atLeast } = await countEvents(store, checkpoint, head);
  return { events, atLeast, seconds };
}

async function countEvents(
  store: EventStore,
  after: Position,
  upTo: Position,
): Promise<{ events: number; atLeast: boolean }> {
  if (store.countEvents) {
    const events = await store.countEvents(after, { upTo, limit: LAG_COUNT_LIMIT });
    return { events, atLeast: events >= LAG_COUNT_LIMIT };
  }
  let events = 0;
  let position = after;
  while (events < LAG_READ_LIMIT) {
    const page = await store.readAll({ after: position, limit: READ_PAGE });
    for (const event of page.events) {
      if (event.position > upTo) return { events, atLeast: false };
      events += 1;
    }
    if (page.isEnd || page.events.length === 0) return { events, atLeast: false };
    position = page.position;
  }
  return { events, atLeast: true };
}

/**
 * The checkpoint that resumes a processor at the first event recorded at or after `time`:
 * the position of the last event recorded before it, or {@link START}. A binary search over
 * positions, one single-event read per step (about 64 on PostgreSQL, where positions are
 * transaction ids shifted left, log2 of the head on SQLite), so it needs `recordedAt` to grow
 * with the position: where clocks or concurrent transactions put an event out of that order,
 * events recorded within that skew of `time` may fall on either side.
 */
export async function positionAt(store: EventStore, time: Date): Promise<Position> {
  const at = time.getTime();
  const recordedFrom = async (after: Position): Promise<boolean> => {
    const [next] = (await store.readAll({ after, limit: 1 })).events;
    return next === undefined || next.recordedAt.getTime() >= at;
  };
  // The smallest position p such that the first event after p is at or after `time`.
  let low = START;
  let high = await store.headPosition();
  if (await recordedFrom(low)) return START;
  while (high - low > 1n) {
    const middle = low + (high - low) / 2n;
    if (await recordedFrom(middle)) high = middle;
    else low = middle;
  }
  return high;
}
