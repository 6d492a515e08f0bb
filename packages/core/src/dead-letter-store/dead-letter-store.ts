import type { Position, RecordedEvent } from '../event-store/types.js';

/** Why an event was parked. */
export type ParkReason =
  /** Its handler failed on every attempt. */
  | 'failed'
  /** An earlier event of its aggregate is parked: it was not tried, to keep order per aggregate. */
  | 'behind-parked';

/** An event a processor parked instead of stopping at it. */
export interface DeadLetter {
  readonly processor: string;
  /** The event as it was recorded. */
  readonly event: RecordedEvent;
  readonly reason: ParkReason;
  /** The last error, for `failed`; empty for `behind-parked`. */
  readonly message: string;
  readonly code: string | undefined;
  readonly attempts: number;
  readonly parkedAt: Date;
}

/** What {@link DeadLetterStore.park} is given. */
export type NewDeadLetter = Omit<DeadLetter, 'parkedAt'>;

/** Which dead letters to list. */
export interface DeadLetterQuery {
  /** Only this aggregate's; both fields together. */
  readonly domain?: string;
  readonly aggregateId?: string;
  /** Only those after this event position; for paging. */
  readonly after?: Position;
  /** At most this many; default 100, at most 10,000. */
  readonly limit?: number;
}

/** One aggregate with parked events, for a processor. */
export interface ParkedAggregate {
  readonly domain: string;
  readonly aggregateId: string;
  readonly count: number;
}

/**
 * The dead-letter store port: events a processor set aside, per processor, in log order.
 * Parking is idempotent by `(processor, event.id)`: parking an event again (a processor
 * that crashed before its checkpoint moved) keeps the first entry.
 */
export interface DeadLetterStore {
  park(letters: readonly NewDeadLetter[]): Promise<void>;
  /** The processor's dead letters in log order (by event position). */
  list(processor: string, query?: DeadLetterQuery): Promise<DeadLetter[]>;
  /** The aggregates that have parked events for `processor`. */
  parkedAggregates(processor: string): Promise<ParkedAggregate[]>;
  /** Removes the named events' dead letters; returns how many there were. */
  remove(processor: string, eventIds: readonly string[]): Promise<number>;
}
