import type { Position, RecordedEvent } from '@evented/core';
import { EventedError } from '@evented/core';
import { parseJson, parseMetadata } from '@evented/core/internal';

/**
 * One entry of the log stream as Redis returns it: the id `<position>-0` and the fields
 * `i d a v t s r c k m j` (id, domain, aggregate id, version, type, schema version,
 * recorded at, correlation id, causation id, metadata, data), each followed by its value.
 * The append script writes them in this order; an empty correlation or causation id is
 * none, since ids are never empty.
 */
export type LogEntry = [id: string, fields: string[]];

/** The log entry id of a position. */
export function entryId(position: Position): string {
  return `${position}-0`;
}

/** The position of a log entry id. */
export function positionOf(id: string): Position {
  return BigInt(id.slice(0, id.indexOf('-')));
}

/** Turns a log entry into a recorded event. */
export function toRecordedEvent(entry: unknown): RecordedEvent {
  if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !Array.isArray(entry[1])) {
    throw malformed(entry);
  }
  const [id, f] = entry as LogEntry;
  if (f.length !== 22 || f[0] !== 'i' || f[20] !== 'j') throw malformed(entry);
  return {
    id: f[1]!,
    domain: f[3]!,
    aggregateId: f[5]!,
    version: Number(f[7]),
    position: positionOf(id),
    type: f[9]!,
    data: parseJson(f[21]!),
    metadata: parseMetadata(f[19]!),
    schemaVersion: Number(f[11]),
    recordedAt: new Date(Number(f[13])),
    correlationId: f[15] || null,
    causationId: f[17] || null,
  };
}

/** Turns a list of log entries into recorded events. */
export function toRecordedEvents(entries: unknown): RecordedEvent[] {
  if (!Array.isArray(entries)) throw malformed(entries);
  return entries.map(toRecordedEvent);
}

function malformed(entry: unknown): EventedError {
  const id = Array.isArray(entry) ? String(entry[0]) : typeof entry;
  return new EventedError(
    'INTERNAL',
    `the log holds an entry evented did not write (${id}); does something else write under its prefix?`,
    { entry: id },
  );
}
