import { create } from '@bufbuild/protobuf';
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Evented, ProcessorState as CoreState } from '@evented/core';
import type {
  ListProcessorsResponse,
  RestartProcessorResponse,
} from '../gen/evented/v1/admin_pb.js';
import {
  ListProcessorsRequestSchema,
  ListProcessorsResponseSchema,
  ProcessorState,
  RestartProcessorRequestSchema,
  RestartProcessorResponseSchema,
} from '../gen/evented/v1/admin_pb.js';
import type { Authorize } from './call-handlers.js';
import { unary } from './call-handlers.js';

const states: Record<CoreState, ProcessorState> = {
  starting: ProcessorState.STARTING,
  'catching-up': ProcessorState.CATCHING_UP,
  live: ProcessorState.LIVE,
  error: ProcessorState.ERROR,
  stopped: ProcessorState.STOPPED,
};

/** AdminService: processor status and restart. */
export function admin(evented: Evented, authorize: Authorize): UntypedServiceImplementation {
  return {
    listProcessors: unary(
      ListProcessorsRequestSchema,
      authorize,
      async (): Promise<ListProcessorsResponse> =>
        create(ListProcessorsResponseSchema, {
          processors: evented.processors().map((status) => ({
            name: status.name,
            kind: status.kind,
            state: states[status.state],
            checkpoint: status.checkpoint ?? 0n,
            ...(status.failure && {
              failure: {
                message: status.failure.message,
                code: status.failure.code ?? '',
                eventId: status.failure.eventId,
                position: status.failure.position,
                attempts: status.failure.attempts,
              },
            }),
          })),
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
  };
}
