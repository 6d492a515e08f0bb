import { create } from '@bufbuild/protobuf';
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Evented } from '@evented/core';
import { fromProtoCommand } from '../convert/commands.js';
import { toProtoEvent } from '../convert/events.js';
import type { PayloadCodec } from '../convert/payload-codec.js';
import type { DispatchResponse } from '../gen/evented/v1/command_gateway_pb.js';
import {
  DispatchRequestSchema,
  DispatchResponseSchema,
} from '../gen/evented/v1/command_gateway_pb.js';
import type { Authorize } from './call-handlers.js';
import { unary } from './call-handlers.js';

/** CommandGatewayService: `Dispatch` runs one command through the embedded application. */
export function commandGateway(
  evented: Evented,
  codec: PayloadCodec,
  authorize: Authorize,
): UntypedServiceImplementation {
  return {
    dispatch: unary(
      DispatchRequestSchema,
      authorize,
      async (request): Promise<DispatchResponse> => {
        const command = fromProtoCommand(request.command, codec);
        const result = await evented.dispatch(command, {
          waitFor: request.waitFor,
          ...(request.waitTimeoutMs !== 0 && { timeoutMs: request.waitTimeoutMs }),
        });
        return create(DispatchResponseSchema, {
          events: result.events.map((event) => toProtoEvent(event, codec, !request.jsonPayloads)),
          version: BigInt(result.version),
          duplicate: result.duplicate,
          commandId: result.commandId ?? '',
        });
      },
    ),
  };
}
