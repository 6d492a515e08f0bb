import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { JsonObject, NewEvent as CoreNewEvent, RecordedEvent } from '@evented/core';
import type { Event, NewEvent } from '../gen/evented/v1/types_pb.js';
import { CoverSchema, EventSchema } from '../gen/evented/v1/types_pb.js';
import type { PayloadCodec } from './payload-codec.js';

/** A recorded event on the wire. */
export function toProtoEvent(event: RecordedEvent, codec: PayloadCodec, preferAny = true): Event {
  return create(EventSchema, {
    id: event.id,
    cover: create(CoverSchema, {
      domain: event.domain,
      aggregateId: event.aggregateId,
      correlationId: event.correlationId ?? '',
    }),
    version: BigInt(event.version),
    position: event.position,
    type: event.type,
    payload: codec.encode(event.data, preferAny),
    metadata: event.metadata,
    schemaVersion: event.schemaVersion,
    recordedAt: timestampFromDate(event.recordedAt),
    causationId: event.causationId ?? '',
  });
}

/** A recorded event from the wire, as business logic or a projector in TypeScript sees it. */
export function fromProtoEvent(event: Event, codec: PayloadCodec): RecordedEvent {
  const seconds = event.recordedAt?.seconds ?? 0n;
  const nanos = event.recordedAt?.nanos ?? 0;
  return {
    id: event.id,
    domain: event.cover?.domain ?? '',
    aggregateId: event.cover?.aggregateId ?? '',
    version: Number(event.version),
    position: event.position,
    type: event.type,
    data: codec.decode('event.payload', event.payload),
    metadata: (event.metadata ?? {}) as JsonObject,
    schemaVersion: event.schemaVersion || 1,
    recordedAt: new Date(Number(seconds) * 1000 + Math.floor(nanos / 1_000_000)),
    correlationId: event.cover?.correlationId || null,
    causationId: event.causationId || null,
  };
}

/** An event that business logic decided, from the wire. */
export function fromProtoNewEvent(
  event: NewEvent,
  index: number,
  codec: PayloadCodec,
): CoreNewEvent {
  return {
    type: event.type,
    data: codec.decode(`events[${index}].payload`, event.payload),
    ...(event.metadata && { metadata: event.metadata as JsonObject }),
    ...(event.id !== '' && { id: event.id }),
    ...(event.schemaVersion !== 0 && { schemaVersion: event.schemaVersion }),
  };
}
