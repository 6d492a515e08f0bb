import { create } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Evented, ResetTarget } from '@evented/core';
import { invalidArgument } from '@evented/core/internal';
import { toProtoEvent } from '../convert/events.js';
import type { PayloadCodec } from '../convert/payload-codec.js';
import { toProtoProcessor } from '../convert/processors.js';
import type {
  GetProcessorResponse,
  ListDeadLettersResponse,
  ListProcessorsResponse,
  RebuildProjectorResponse,
  ResetProcessorRequest,
  ResetProcessorResponse,
  RestartProcessorResponse,
  RetryParkedResponse,
  SkipParkedResponse,
} from '../gen/evented/v1/admin_pb.js';
import {
  GetProcessorRequestSchema,
  GetProcessorResponseSchema,
  ListDeadLettersRequestSchema,
  ListDeadLettersResponseSchema,
  ListProcessorsRequestSchema,
  ListProcessorsResponseSchema,
  RebuildProjectorRequestSchema,
  RebuildProjectorResponseSchema,
  ResetProcessorRequestSchema,
  ResetProcessorResponseSchema,
  RestartProcessorRequestSchema,
  RestartProcessorResponseSchema,
  RetryParkedRequestSchema,
  RetryParkedResponseSchema,
  SkipParkedRequestSchema,
  SkipParkedResponseSchema,
} from '../gen/evented/v1/admin_pb.js';
import type { Authorize } from './call-handlers.js';
import { unary } from './call-handlers.js';

/** AdminService: processor status, restart, reset and rebuild, and dead letters. */
export function admin(
  evented: Evented,
  codec: PayloadCodec,
  authorize: Authorize,
): UntypedServiceImplementation {
  return {
    listProcessors: unary(
      ListProcessorsRequestSchema,
      authorize,
      async (): Promise<ListProcessorsResponse> =>
        create(ListProcessorsResponseSchema, {
          processors: (await evented.processorReports()).map(toProtoProcessor),
        }),
    ),
    getProcessor: unary(
      GetProcessorRequestSchema,
      authorize,
      async (request): Promise<GetProcessorResponse> =>
        create(GetProcessorResponseSchema, {
          processor: toProtoProcessor(await evented.processorStatus(request.name)),
        }),
    ),
    restartProcessor: unary(
      RestartProcessorRequestSchema,
      authorize,
      async (request): Promise<RestartProcessorResponse> => {
        evented.restartProcessor(request.name);
        return create(RestartProcessorResponseSchema);
      },
    ),
    resetProcessor: unary(
      ResetProcessorRequestSchema,
      authorize,
      async (request): Promise<ResetProcessorResponse> => {
        const result = await evented.resetProcessor(request.name, { to: resetTarget(request) });
        return create(ResetProcessorResponseSchema, result);
      },
    ),
    rebuildProjector: unary(
      RebuildProjectorRequestSchema,
      authorize,
      async (request): Promise<RebuildProjectorResponse> => {
        const { replayUntil } = await evented.rebuildProjector(request.name);
        return create(RebuildProjectorResponseSchema, { replayUntil });
      },
    ),
    listDeadLetters: unary(
      ListDeadLettersRequestSchema,
      authorize,
      async (request): Promise<ListDeadLettersResponse> => {
        const letters = await evented.deadLetters(request.processor, {
          ...(request.domain !== '' && { domain: request.domain }),
          ...(request.aggregateId !== '' && { aggregateId: request.aggregateId }),
          ...(request.after !== 0n && { after: request.after }),
          ...(request.limit !== 0 && { limit: request.limit }),
        });
        return create(ListDeadLettersResponseSchema, {
          deadLetters: letters.map((letter) => ({
            event: toProtoEvent(letter.event, codec, false),
            reason: letter.reason,
            message: letter.message,
            code: letter.code ?? '',
            attempts: letter.attempts,
            parkedAt: timestampFromDate(letter.parkedAt),
          })),
        });
      },
    ),
    retryParked: unary(
      RetryParkedRequestSchema,
      authorize,
      async (request): Promise<RetryParkedResponse> => {
        const handled = await evented.retryParked(request.processor, {
          domain: request.domain,
          aggregateId: request.aggregateId,
        });
        return create(RetryParkedResponseSchema, { handled });
      },
    ),
    skipParked: unary(
      SkipParkedRequestSchema,
      authorize,
      async (request): Promise<SkipParkedResponse> => {
        const removed = await evented.skipParked(request.processor, {
          domain: request.domain,
          aggregateId: request.aggregateId,
        });
        return create(SkipParkedResponseSchema, { removed });
      },
    ),
  };
}

function resetTarget(request: ResetProcessorRequest): ResetTarget {
  switch (request.to.case) {
    case 'start':
      return 'start';
    case 'position':
      return request.to.value;
    case 'time':
      return timestampDate(request.to.value);
    default:
      throw invalidArgument('to', 'must be one of start, position and time');
  }
}
