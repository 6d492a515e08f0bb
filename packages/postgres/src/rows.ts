import type { Position, RecordedEvent } from '@evented/core';
import { EventedError } from '@evented/core';
import { parseJson, parseMetadata } from '@evented/core/internal';
import type { Cell } from './connection.js';

/**
 * Bits of a position that hold the event's index within its transaction: a position is
 * `(transaction id << 20) | index`. One transaction writes at most 2^20 events.
 */
export const INDEX_BITS = 20n;
/** The most events one transaction can write: 2^20. */
export const MAX_EVENTS_PER_TRANSACTION = 1 << Number(INDEX_BITS);
const INDEX_MASK = (1n << INDEX_BITS) - 1n;
/**
 * The largest position: positions travel as uint64 (the gRPC contract), so transaction ids
 * must stay below 2^44, some 17 trillion transactions.
 */
export const MAX_POSITION = 2n ** 64n - 1n;

/** The position of the event at `index` among those transaction `transactionId` wrote. */
export function encodePosition(transactionId: string, index: number | string): Position {
  const position = (BigInt(transactionId) << INDEX_BITS) | BigInt(index);
  if (position > MAX_POSITION) {
    throw new EventedError(
      'INTERNAL',
      `transaction id ${transactionId} is beyond what a 64-bit position can carry (2^44)`,
      { transactionId },
    );
  }
  return position;
}

/**
 * The sort key `(transaction_id, idx)` of a position, as bind parameters. A position past
 * the largest one is clamped to it: no event lies beyond either.
 */
export function decodePosition(position: Position): [transactionId: string, index: number] {
  const clamped = position > MAX_POSITION ? MAX_POSITION : position;
  return [(clamped >> INDEX_BITS).toString(), Number(clamped & INDEX_MASK)];
}

/**
 * The select list matching {@link toRecordedEvent}. The transaction id is sent as text under
 * another name: an output column named `transaction_id` would make `ORDER BY transaction_id`
 * sort by that text ('10' before '9'), not by the id.
 */
export const EVENT_COLUMNS = `transaction_id::text AS transaction_text, idx, id, domain, aggregate_id, version, type, data,
  metadata, schema_version, round(date_part('epoch', recorded_at) * 1000)::int8, correlation_id, causation_id`;

/** Turns a row of {@link EVENT_COLUMNS} (as text) into a recorded event. */
export function toRecordedEvent(row: Cell[]): RecordedEvent {
  return {
    id: row[2]!,
    domain: row[3]!,
    aggregateId: row[4]!,
    version: Number(row[5]),
    position: encodePosition(row[0]!, row[1]!),
    type: row[6]!,
    data: parseJson(row[7]!),
    metadata: parseMetadata(row[8]!),
    schemaVersion: Number(row[9]),
    recordedAt: new Date(Number(row[10])),
    correlationId: row[11] ?? null,
    causationId: row[12] ?? null,
  };
}
