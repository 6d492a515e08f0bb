import { create } from '@bufbuild/protobuf';
import type { BusinessLogic, Decider } from '@evented/core';
import { fromDecider, isEventedError } from '@evented/core';
import { fromProtoCommand } from '../convert/commands.js';
import { fromProtoEvent } from '../convert/events.js';
import { PayloadCodec } from '../convert/payload-codec.js';
import type { DecideResponse } from '../gen/evented/v1/business_logic_pb.js';
import {
  BusinessLogicService,
  DecideRequestSchema,
  DecideResponseSchema,
} from '../gen/evented/v1/business_logic_pb.js';
import { NewEventSchema } from '../gen/evented/v1/types_pb.js';
import { unary } from '../server/call-handlers.js';
import type { ServedService, ServeOptions } from './start-server.js';
import { startServer } from './start-server.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any decider's state and messages
type AnyDecider = Decider<any, any, any>;

/**
 * Serves business logic as a `BusinessLogicService`, one entry per domain, for an evented
 * server configured with this service's address. The same deciders run in-process with
 * `withBusinessLogic` unchanged.
 *
 * ```ts
 * const service = await serveBusinessLogic({ account }, { address: '127.0.0.1:50061' });
 * ```
 */
export function serveBusinessLogic(
  domains: Readonly<Record<string, BusinessLogic | AnyDecider>>,
  options: ServeOptions = {},
): Promise<ServedService> {
  const codec = new PayloadCodec();
  const logic = new Map(
    Object.entries(domains).map(([domain, entry]) => [
      domain,
      'decide' in entry ? fromDecider(entry) : entry,
    ]),
  );
  return startServer(
    BusinessLogicService,
    {
      decide: unary(
        DecideRequestSchema,
        () => {},
        async (request): Promise<DecideResponse> => {
          const command = fromProtoCommand(request.command, codec);
          const domainLogic = logic.get(command.domain);
          if (!domainLogic) {
            return rejection(`this service has no business logic for domain ${command.domain}`, {});
          }
          const snapshot = request.snapshot && {
            domain: command.domain,
            aggregateId: command.aggregateId,
            version: Number(request.snapshot.version),
            state: codec.decode('snapshot.state', request.snapshot.state),
            schemaVersion: request.snapshot.schemaVersion || 1,
            recordedAt: new Date(0),
          };
          try {
            const decision = await domainLogic.handle(
              command,
              {
                snapshot,
                events: request.events.map((event) => fromProtoEvent(event, codec)),
                version: Number(request.version),
              },
              { snapshotWanted: request.snapshotWanted },
            );
            return create(DecideResponseSchema, {
              outcome: {
                case: 'decision',
                value: {
                  events: decision.events.map((event) =>
                    create(NewEventSchema, {
                      type: event.type,
                      payload: codec.encode(event.data, false),
                      ...(event.metadata && { metadata: event.metadata }),
                      id: event.id ?? '',
                      schemaVersion: event.schemaVersion ?? 0,
                    }),
                  ),
                  ...(decision.snapshot && {
                    snapshot: {
                      version: request.version + BigInt(decision.events.length),
                      state: codec.encode(decision.snapshot.state, false),
                      schemaVersion: decision.snapshot.schemaVersion ?? 1,
                    },
                  }),
                },
              },
            });
          } catch (error) {
            if (!isEventedError(error, 'COMMAND_REJECTED')) throw error;
            const { reason, ...details } = error.details;
            return rejection(String(reason), details);
          }
        },
      ),
    },
    options,
  );
}

function rejection(reason: string, details: object): DecideResponse {
  return create(DecideResponseSchema, {
    outcome: { case: 'rejection', value: { reason, detailsJson: JSON.stringify(details) } },
  });
}
