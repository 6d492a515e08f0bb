import { once } from 'node:events';
import { create } from '@bufbuild/protobuf';
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import type { EventFilter as CoreFilter, EventStore } from '@evented/core';
import { toProtoEvent } from '../convert/events.js';
import type { PayloadCodec } from '../convert/payload-codec.js';
import type {
  ReadAllResponse,
  ReadStreamResponse,
  SubscribeResponse,
} from '../gen/evented/v1/event_query_pb.js';
import {
  Direction,
  ReadAllRequestSchema,
  ReadAllResponseSchema,
  ReadStreamRequestSchema,
  ReadStreamResponseSchema,
  SubscribeRequestSchema,
  SubscribeResponseSchema,
} from '../gen/evented/v1/event_query_pb.js';
import type { EventFilter } from '../gen/evented/v1/types_pb.js';
import type { Authorize } from './call-handlers.js';
import { serverStreaming, unary } from './call-handlers.js';

const SUBSCRIBE_PAGE = 500;

/**
 * EventQueryService: read a stream, read the global log, follow the log live. Live
 * subscriptions end with UNAVAILABLE once `shutdown` aborts.
 */
export function eventQuery(
  store: EventStore,
  codec: PayloadCodec,
  authorize: Authorize,
  shutdown?: AbortSignal,
): UntypedServiceImplementation {
  return {
    readStream: unary(
      ReadStreamRequestSchema,
      authorize,
      async (request): Promise<ReadStreamResponse> => {
        const backwards = request.direction === Direction.BACKWARDS;
        const events = await store.readStream(
          { domain: request.domain, aggregateId: request.aggregateId },
          {
            direction: backwards ? 'backwards' : 'forwards',
            ...(request.fromVersion !== 0n && { fromVersion: safeNumber(request.fromVersion) }),
            ...(request.limit !== 0 && { limit: request.limit }),
          },
        );
        return create(ReadStreamResponseSchema, {
          events: events.map((event) => toProtoEvent(event, codec, !request.jsonPayloads)),
        });
      },
    ),

    readAll: unary(ReadAllRequestSchema, authorize, async (request): Promise<ReadAllResponse> => {
      const page = await store.readAll({
        after: request.after,
        ...(request.limit !== 0 && { limit: request.limit }),
        ...filterOf(request.filter),
      });
      return create(ReadAllResponseSchema, {
        events: page.events.map((event) => toProtoEvent(event, codec, !request.jsonPayloads)),
        position: page.position,
        isEnd: page.isEnd,
      });
    }),

    subscribe: serverStreaming(
      SubscribeRequestSchema,
      authorize,
      async (request, call, signal) => {
        let position = request.after;
        let caughtUp = false;
        const filter = filterOf(request.filter);
        while (!signal.aborted) {
          const page = await store.readAll({ after: position, limit: SUBSCRIBE_PAGE, ...filter });
          for (const event of page.events) {
            const message: SubscribeResponse = create(SubscribeResponseSchema, {
              message: { case: 'event', value: toProtoEvent(event, codec, !request.jsonPayloads) },
            });
            // Respect the client's pace: wait for the buffer to drain before writing on.
            if (!call.write(message))
              await Promise.race([once(call, 'drain'), once(signal, 'abort')]);
            if (signal.aborted) return;
          }
          position = page.position;
          if (page.isEnd && !caughtUp) {
            caughtUp = true;
            call.write(
              create(SubscribeResponseSchema, {
                message: { case: 'caughtUp', value: { position } },
              }),
            );
          }
          if (page.isEnd) await store.waitForEvents(position, { signal });
        }
      },
      shutdown,
    ),
  };
}

/** Proto filters match everything with an empty list; core's match nothing. */
function filterOf(filter: EventFilter | undefined): { filter?: CoreFilter } {
  if (!filter || (filter.domains.length === 0 && filter.types.length === 0)) return {};
  return {
    filter: {
      ...(filter.domains.length > 0 && { domains: filter.domains }),
      ...(filter.types.length > 0 && { types: filter.types }),
    },
  };
}

function safeNumber(value: bigint): number {
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
}
