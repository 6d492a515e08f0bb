import type { EventFilter } from '../event-store/event-store.js';
import type { JsonObject, Position, RecordedEvent } from '../event-store/types.js';

/**
 * An event a test states happened. `domain` and `aggregateId` default to the fixture's;
 * the rest of a `RecordedEvent` (id, version, position, time) is filled in as a store would.
 */
export interface GivenEvent {
  readonly type: string;
  readonly data: unknown;
  readonly metadata?: JsonObject;
  readonly domain?: string;
  readonly aggregateId?: string;
  readonly id?: string;
  readonly schemaVersion?: number;
  readonly correlationId?: string | null;
  readonly causationId?: string | null;
}

/** The time of the first event of a fixture's log; each later one is a second after. */
const EPOCH = Date.UTC(2025, 0, 1);

/**
 * A fixture's event log: records given events as a store would, with versions 1..n per
 * stream, positions growing across streams and UUIDs, all predictable (the n-th event's id
 * is `00000000-0000-4000-8000-<n in 12 hex digits>`), so that ids derived from them are too.
 */
export class EventLog {
  readonly #versions = new Map<string, number>();
  #position: Position = 0n;

  constructor(readonly defaults: { readonly domain: string; readonly aggregateId: string }) {}

  /** Records events after those recorded before. */
  record(events: readonly GivenEvent[]): RecordedEvent[] {
    return events.map((given) => {
      const domain = given.domain ?? this.defaults.domain;
      const aggregateId = given.aggregateId ?? this.defaults.aggregateId;
      const stream = `${domain}\u0000${aggregateId}`;
      const version = (this.#versions.get(stream) ?? 0) + 1;
      this.#versions.set(stream, version);
      const position = ++this.#position;
      return {
        id: given.id ?? fixtureEventId(position),
        domain,
        aggregateId,
        version,
        position,
        type: given.type,
        data: given.data as RecordedEvent['data'],
        metadata: given.metadata ?? {},
        schemaVersion: given.schemaVersion ?? 1,
        recordedAt: new Date(EPOCH + Number(position) * 1000),
        correlationId: given.correlationId ?? null,
        causationId: given.causationId ?? null,
      };
    });
  }
}

/** The id a fixture gives the event at `position` when the test gives none. */
export function fixtureEventId(position: Position): string {
  return `00000000-0000-4000-8000-${position.toString(16).padStart(12, '0')}`;
}

/** Whether a processor with this filter handles the event, as the stores' filters decide. */
export function matchesFilter(filter: EventFilter | undefined, event: RecordedEvent): boolean {
  if (filter?.domains && !filter.domains.includes(event.domain)) return false;
  if (filter?.types && !filter.types.includes(event.type)) return false;
  return true;
}
