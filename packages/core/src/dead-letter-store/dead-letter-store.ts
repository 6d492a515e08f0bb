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
  /**
   * The last error, for `failed`; empty for `behind-parked`. Stored as text every store
   * keeps: NUL characters and lone surrogates become U+FFFD, and a message over 4 KiB
   * (UTF-8) is cut at a character boundary and ends in a `… [truncated, <n> bytes]` marker.
   */
  readonly message: string;
  /** The last error's code (an evented code for an `EventedError`), if it had one; cut like the message past 256 bytes. */
  readonly code: string | undefined;
  /** How often the handler was tried: an integer from 0 to 2^31-1. */
  readonly attempts: number;
  /** When the store first parked it, by the store's clock. */
  readonly parkedAt: Date;
}

/** What {@link DeadLetterStore.park} is given. */
export type NewDeadLetter = Omit<DeadLetter, 'parkedAt'>;

/** Which dead letters to list. */
export interface DeadLetterQuery {
  /** Only this aggregate's; give both fields or neither (`INVALID_ARGUMENT` otherwise). */
  readonly domain?: string;
  readonly aggregateId?: string;
  /** Only those whose event position is after this one; for paging, the last position listed. */
  readonly after?: Position;
  /** At most this many; default 100, a positive integer up to 10,000 (`INVALID_ARGUMENT` above). */
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
 *
 * Processor names, domains and aggregate ids follow the id grammar (`assertValidId`) and
 * event ids are UUIDs. Bad arguments fail with `INVALID_ARGUMENT` (`LIMIT_EXCEEDED` for
 * oversized ones) before the store is touched, and a refused call writes nothing.
 */
export interface DeadLetterStore {
  /**
   * Parks a batch of events, all or nothing: one bad letter (an unknown reason, negative
   * attempts, a message that is not a string, an event that is not a recorded event)
   * refuses the whole batch. The whole event is kept and read back as it was given.
   */
  park(letters: readonly NewDeadLetter[]): Promise<void>;
  /** The processor's dead letters in log order (by event position). */
  list(processor: string, query?: DeadLetterQuery): Promise<DeadLetter[]>;
  /**
   * The aggregates that have parked events for `processor`, each once with how many, in the
   * order of their first parked event's position.
   */
  parkedAggregates(processor: string): Promise<ParkedAggregate[]>;
  /** Removes the named events' dead letters; returns how many there were. Unknown ids are ignored. */
  remove(processor: string, eventIds: readonly string[]): Promise<number>;
  /**
   * Runs `work` and removes the event's dead letter in one transaction of the store, for a
   * read model in the same database retried exactly once: when the dead letter is gone
   * already (retried meanwhile), `work` is not run and the result is false. The
   * transaction handle is the one `CheckpointStore.saveCheckpointWith` gives; on SQLite
   * `work` must be synchronous. Present where `saveCheckpointWith` is.
   */
  removeWith?(
    processor: string,
    eventId: string,
    work: (transaction: unknown) => void | Promise<void>,
  ): Promise<boolean>;
}
