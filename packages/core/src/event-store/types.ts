/** A value that survives `JSON.stringify` and `JSON.parse` unchanged. */
export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object, the shape of event metadata. */
export type JsonObject = { [key: string]: JsonValue };

/**
 * A position in the global log: a sort key that only grows in the order readers can see
 * events. Positions need not be dense; compare them, never subtract them.
 */
export type Position = bigint;

/** The position before the first event: reading the log after it starts at the beginning. */
export const START: Position = 0n;

/** One aggregate's stream: `(domain, aggregateId)`. */
export interface StreamId {
  readonly domain: string;
  readonly aggregateId: string;
}

/**
 * The version an append expects the stream to be at:
 * a number (0 for a stream without events), `'no-stream'` (same as 0), or `'any'`.
 */
export type ExpectedVersion = number | 'no-stream' | 'any';

/** An event to append. `id` is optional; when given, re-sending the same batch is idempotent. */
export interface NewEvent<Type extends string = string, Data = JsonValue> {
  readonly type: Type;
  readonly data: Data;
  readonly metadata?: JsonObject;
  /** A UUID; generated when absent. */
  readonly id?: string;
  /** The version of the event's schema; 1 when absent. */
  readonly schemaVersion?: number;
}

/** An event as stored: its content plus where and when it was recorded. */
export interface RecordedEvent<Type extends string = string, Data = JsonValue> {
  readonly id: string;
  readonly domain: string;
  readonly aggregateId: string;
  /** The event's version in its stream, 1..n without gaps. */
  readonly version: number;
  /** The event's position in the global log. */
  readonly position: Position;
  readonly type: Type;
  readonly data: Data;
  readonly metadata: JsonObject;
  readonly schemaVersion: number;
  readonly recordedAt: Date;
  readonly correlationId: string | null;
  readonly causationId: string | null;
}
