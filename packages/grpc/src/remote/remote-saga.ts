import { create } from '@bufbuild/protobuf';
import type { EventFilter, Logger, Saga } from '@evented/core';
import { consoleLogger, isEventedError } from '@evented/core';
import { ServiceClient } from '../client/channel.js';
import { fromProtoCommand } from '../convert/commands.js';
import { toProtoEvent } from '../convert/events.js';
import { PayloadCodec } from '../convert/payload-codec.js';
import type { ReactResponse } from '../gen/evented/v1/saga_pb.js';
import { ReactRequestSchema, SagaService } from '../gen/evented/v1/saga_pb.js';
import type { RemoteServiceOptions } from './remote-options.js';
import { defaultRemoteServiceOptions } from './remote-options.js';

/** Options of {@link remoteSaga}. */
export interface RemoteSagaOptions extends RemoteServiceOptions {
  readonly filter?: EventFilter;
  readonly logger?: Logger;
}

/** A saga in another process; `close` ends its channel. */
export interface RemoteSaga extends Saga {
  close(): void;
}

/**
 * A saga served by a `SagaService` at `address`: for each event the server asks which
 * commands follow (`React`) and dispatches them with ids derived from the event, so a
 * redelivered event issues nothing twice. A rejected command is logged and the saga goes on.
 */
export function remoteSaga(
  name: string,
  address: string,
  options: RemoteSagaOptions = {},
): RemoteSaga {
  const client = new ServiceClient(SagaService, address, options);
  const codec = new PayloadCodec();
  const logger = options.logger ?? consoleLogger;
  const deadlineMs = options.deadlineMs ?? defaultRemoteServiceOptions.deadlineMs;
  return {
    name,
    ...(options.filter && { filter: options.filter }),
    processorOptions: { maxAttempts: Number.POSITIVE_INFINITY },
    async handle(event, context) {
      const request = create(ReactRequestSchema, {
        processor: name,
        event: toProtoEvent(event, codec, false),
      });
      const response = await client.unary<ReactResponse>('react', request, deadlineMs);
      for (const command of response.commands) {
        const {
          correlationId: _c,
          causationId: _d,
          ...sagaCommand
        } = fromProtoCommand(command, codec);
        try {
          await context.dispatch(sagaCommand);
        } catch (error) {
          if (!isEventedError(error, 'COMMAND_REJECTED')) throw error;
          logger.warn(
            { saga: name, eventId: event.id, reason: error.details['reason'] },
            'a saga command was rejected',
          );
        }
      }
    },
    close: () => client.close(),
  };
}
