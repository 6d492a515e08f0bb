import { create } from '@bufbuild/protobuf';
import type {
  AggregateHistory,
  BusinessLogic,
  Command,
  Decision,
  HandleOptions,
} from '@evented/core';
import { EventedError, isEventedError, rejectCommand } from '@evented/core';
import type { JsonObject } from '@evented/core';
import { ServiceClient } from '../client/channel.js';
import { toProtoCommand } from '../convert/commands.js';
import { fromProtoNewEvent, toProtoEvent } from '../convert/events.js';
import { PayloadCodec } from '../convert/payload-codec.js';
import type { DecideResponse } from '../gen/evented/v1/business_logic_pb.js';
import { BusinessLogicService, DecideRequestSchema } from '../gen/evented/v1/business_logic_pb.js';
import { SnapshotSchema } from '../gen/evented/v1/types_pb.js';
import type { RemoteServiceOptions } from './remote-options.js';
import { defaultRemoteServiceOptions, withRetries } from './remote-options.js';

/** Business logic in another process, reached over gRPC; `close` ends its channel. */
export interface RemoteBusinessLogic extends BusinessLogic {
  close(): void;
}

/**
 * Business logic served by a `BusinessLogicService` at `address`, in any language. Each
 * command is one `Decide` call with a deadline, retried with backoff while the service is
 * UNAVAILABLE; if it stays down the command fails with UNAVAILABLE and nothing is written.
 */
export function remoteBusinessLogic(
  address: string,
  options: RemoteServiceOptions = {},
): RemoteBusinessLogic {
  const client = new ServiceClient(BusinessLogicService, address, options);
  const codec = new PayloadCodec();
  const deadlineMs = options.deadlineMs ?? defaultRemoteServiceOptions.deadlineMs;
  return {
    async handle(
      command: Command,
      history: AggregateHistory,
      handleOptions: HandleOptions,
    ): Promise<Decision> {
      const request = create(DecideRequestSchema, {
        command: toProtoCommand(command, codec),
        ...(history.snapshot && {
          snapshot: create(SnapshotSchema, {
            version: BigInt(history.snapshot.version),
            state: codec.encode(history.snapshot.state, false),
            schemaVersion: history.snapshot.schemaVersion,
          }),
        }),
        events: history.events.map((event) => toProtoEvent(event, codec, false)),
        version: BigInt(history.version),
        snapshotWanted: handleOptions.snapshotWanted,
      });
      let response: DecideResponse;
      try {
        response = await withRetries(options, () =>
          client.unary<DecideResponse>('decide', request, deadlineMs),
        );
      } catch (error) {
        if (isEventedError(error, 'UNAVAILABLE') || isEventedError(error, 'TIMEOUT')) {
          throw new EventedError(
            'UNAVAILABLE',
            `the business logic of ${command.domain} at ${address} did not answer: ${error.message}`,
            { domain: command.domain, address },
            { cause: error },
          );
        }
        throw error;
      }
      return toDecision(response, codec);
    },
    close: () => client.close(),
  };
}

function toDecision(response: DecideResponse, codec: PayloadCodec): Decision {
  const outcome = response.outcome;
  if (outcome.case === 'rejection') {
    throw rejectCommand(outcome.value.reason, parseDetails(outcome.value.detailsJson));
  }
  if (outcome.case !== 'decision') {
    throw new EventedError(
      'INTERNAL',
      'the business logic answered neither a decision nor a rejection',
    );
  }
  const { events, snapshot } = outcome.value;
  return {
    events: events.map((event, index) => fromProtoNewEvent(event, index, codec)),
    ...(snapshot && {
      snapshot: {
        state: codec.decode('snapshot.state', snapshot.state),
        schemaVersion: snapshot.schemaVersion || 1,
      },
    }),
  };
}

function parseDetails(json: string): JsonObject {
  if (json === '') return {};
  try {
    const details = JSON.parse(json) as unknown;
    return typeof details === 'object' && details !== null && !Array.isArray(details)
      ? (details as JsonObject)
      : {};
  } catch {
    return { detailsJson: json };
  }
}
