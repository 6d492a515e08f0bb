import type { ExpectedVersion, NewEvent, Position, RecordedEvent, StreamId } from './types.js';

/** Options of {@link EventStore.appendToStream}. */
export interface AppendOptions {
  /** The version the stream must be at; the append fails with `CONCURRENCY_CONFLICT` otherwise. */
  readonly expectedVersion: ExpectedVersion;
  /** The command that caused these events; recorded with them so a repeat appends nothing. */
  readonly commandId?: string;
  readonly correlationId?: string;
  readonly causationId?: string;
}

/** What an append recorded. */
export interface AppendResult {
  readonly domain: string;
  readonly aggregateId: string;
  /** The recorded events, in version order. Empty for a command that decided nothing. */
  readonly events: readonly RecordedEvent[];
  /** The stream's version after the append. */
  readonly version: number;
  /**
   * True when nothing was written because the same batch (same event ids) or the same
   * `commandId` was recorded before; `events` and `version` are then the original ones.
   */
  readonly duplicate: boolean;
}

/** Options of {@link EventStore.readStream}. */
export interface ReadStreamOptions {
  /** `'forwards'` (default) from `fromVersion` up, or `'backwards'` from `fromVersion` down. */
  readonly direction?: 'forwards' | 'backwards';
  /** The first version to return; default 1 forwards, the last version backwards. */
  readonly fromVersion?: number;
  /** At most this many events; default all. */
  readonly limit?: number;
}

/** Which events of the global log to return. Absent fields match everything; an empty list matches nothing. */
export interface EventFilter {
  readonly domains?: readonly string[];
  readonly types?: readonly string[];
}

/** Options of {@link EventStore.readAll}. */
export interface ReadAllOptions {
  /** Return events after this position; default the start of the log. */
  readonly after?: Position;
  /** At most this many events; default 1000. */
  readonly limit?: number;
  readonly filter?: EventFilter;
}

/** One page of the global log. */
export interface ReadAllPage {
  readonly events: readonly RecordedEvent[];
  /**
   * How far this page looked: the position of the last event returned or, when a filter
   * skipped events or the end of the log was reached, the last position examined. A
   * reader continues from here; it is never below any position the page returned.
   */
  readonly position: Position;
  /** True when the page reached the end of the log as it was when read. */
  readonly isEnd: boolean;
}

/** What a repeated `commandId` finds: the stream and versions its first run recorded. */
export interface CommandRecord {
  readonly commandId: string;
  readonly domain: string;
  readonly aggregateId: string;
  /** The stream's version before the command's events. */
  readonly fromVersion: number;
  /** The stream's version after them; equal to `fromVersion` when it decided nothing. */
  readonly toVersion: number;
}

/** Options of {@link EventStore.countEvents}. */
export interface CountEventsOptions {
  /** The last position counted. */
  readonly upTo: Position;
  /** Stop counting here: the result is then `limit`, meaning at least that many. A positive integer. */
  readonly limit: number;
}

/** Options of {@link EventStore.waitForEvents}. */
export interface WaitOptions {
  readonly signal?: AbortSignal;
  /** Give up after this long; resolve `false`. Default: wait until aborted. */
  readonly timeoutMs?: number;
}

/**
 * The event store port: streams with contiguous versions checked on append, and one
 * global log in the order readers see it. Every adapter runs the conformance suite of
 * `@evented/conformance`.
 */
export interface EventStore {
  /**
   * Appends events to a stream if it is at `expectedVersion`, all or nothing. Input is
   * validated before anything is written (`INVALID_ARGUMENT`, `LIMIT_EXCEEDED`).
   */
  appendToStream(
    stream: StreamId,
    events: readonly NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult>;

  /** Reads a stream's events in version order (or reverse order, backwards). */
  readStream(stream: StreamId, options?: ReadStreamOptions): Promise<RecordedEvent[]>;

  /** Reads one page of the global log after a position. */
  readAll(options?: ReadAllOptions): Promise<ReadAllPage>;

  /** The stream's current version; 0 when it has no events. */
  streamVersion(stream: StreamId): Promise<number>;

  /** The position of the last event in the log; {@link START} when the log is empty. */
  headPosition(): Promise<Position>;

  /**
   * Counts the events after `after` up to `options.upTo` included, stopping at
   * `options.limit`: positions need not be dense (PostgreSQL's are not), so a processor's
   * lag is counted, not subtracted. Optional: where absent, evented counts with `readAll`.
   */
  countEvents?(after: Position, options: CountEventsOptions): Promise<number>;

  /** The record of a command appended with this `commandId`, if there is one. */
  findCommand(commandId: string): Promise<CommandRecord | undefined>;

  /**
   * Resolves `true` as soon as the log holds an event after `after` (at once if it does
   * already), `false` on timeout or abort. Wakes on appends of any process, without busy
   * polling.
   */
  waitForEvents(after: Position, options?: WaitOptions): Promise<boolean>;
}
