import type { RecordedEvent } from '@evented/core';

/** One event on one line for people: `position domain/aggregateId vN Type {data}`. */
export function eventLine(event: RecordedEvent): string {
  return `${event.position} ${event.domain}/${event.aggregateId} v${event.version} ${event.type} ${JSON.stringify(event.data)}`;
}

/** One event as one line of JSON, positions as strings (they are 64-bit). */
export function eventJson(event: RecordedEvent): string {
  return toJsonLine({
    position: event.position,
    id: event.id,
    domain: event.domain,
    aggregateId: event.aggregateId,
    version: event.version,
    type: event.type,
    data: event.data,
    metadata: event.metadata,
    schemaVersion: event.schemaVersion,
    recordedAt: event.recordedAt.toISOString(),
    correlationId: event.correlationId,
    causationId: event.causationId,
  });
}

/** `JSON.stringify` with bigints as strings. */
export function toJsonLine(value: unknown): string {
  return JSON.stringify(value, (_key, each: unknown) =>
    typeof each === 'bigint' ? each.toString() : each,
  );
}

/** Prints one line to stdout. */
export function print(line: string): void {
  process.stdout.write(`${line}\n`);
}
