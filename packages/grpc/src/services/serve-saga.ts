import { create } from '@bufbuild/protobuf';
import type { RecordedEvent, SagaCommand } from '@evented/core';
import { toProtoCommand } from '../convert/commands.js';
import { fromProtoEvent } from '../convert/events.js';
import { PayloadCodec } from '../convert/payload-codec.js';
import { ReactRequestSchema, ReactResponseSchema, SagaService } from '../gen/evented/v1/saga_pb.js';
import { invalidArgument } from '@evented/core/internal';
import { unary } from '../server/call-handlers.js';
import type { ServedService, ServeOptions } from './start-server.js';
import { startServer } from './start-server.js';

/**
 * Serves a saga as a `SagaService`: for each event, `react` returns the commands that
 * follow; the evented server dispatches them with ids derived from the event.
 */
export function serveSaga(
  react: (
    event: RecordedEvent,
    processor: string,
  ) => readonly SagaCommand[] | Promise<readonly SagaCommand[]>,
  options: ServeOptions = {},
): Promise<ServedService> {
  const codec = new PayloadCodec();
  return startServer(
    SagaService,
    {
      react: unary(
        ReactRequestSchema,
        () => {},
        async (request) => {
          if (!request.event) throw invalidArgument('event', 'is required');
          const commands = await react(fromProtoEvent(request.event, codec), request.processor);
          return create(ReactResponseSchema, {
            commands: commands.map((command) => toProtoCommand(command, codec)),
          });
        },
      ),
    },
    options,
  );
}
