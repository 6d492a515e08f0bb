import type { RecordedEvent } from '@evented/core';
import { parseJson, parseMetadata } from '@evented/core/internal';

/** The columns of one `events` row, in the order {@link EVENT_COLUMNS} selects them. */
export type EventRow = [
  position: number,
  id: string,
  domain: string,
  aggregateId: string,
  version: number,
  type: string,
  data: string,
  metadata: string,
  schemaVersion: number,
  recordedAt: number,
  correlationId: string | null,
  causationId: string | null,
];

/** The select list matching {@link EventRow}; statements using it run in raw (array) mode. */
export const EVENT_COLUMNS =
  'position, id, domain, aggregate_id, version, type, data, metadata, schema_version, recorded_at, correlation_id, causation_id';

/** Turns a raw row into a recorded event. */
export function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row[1],
    domain: row[2],
    aggregateId: row[3],
    version: row[4],
    position: BigInt(row[0]),
    type: row[5],
    data: parseJson(row[6]),
    metadata: parseMetadata(row[7]),
    schemaVersion: row[8],
    recordedAt: new Date(row[9]),
    correlationId: row[10],
    causationId: row[11],
  };
}
