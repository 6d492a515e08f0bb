import type { Registry } from '@bufbuild/protobuf';
import { create } from '@bufbuild/protobuf';
import type {
  Command,
  CommandResult,
  DispatchOptions,
  EventFilter,
  Position,
  ProcessorState as CoreProcessorState,
  ReadAllOptions,
  ReadAllPage,
  ReadStreamOptions,
  RecordedEvent,
  StreamId,
} from '@evented/core';
import { START } from '@evented/core';
import { toProtoCommand } from '../convert/commands.js';
import { fromProtoEvent } from '../convert/events.js';
import { PayloadCodec } from '../convert/payload-codec.js';
import type { ListProcessorsResponse } from '../gen/evented/v1/admin_pb.js';
import {
  AdminService,
  ProcessorState,
  RestartProcessorRequestSchema,
} from '../gen/evented/v1/admin_pb.js';
import type { DispatchResponse } from '../gen/evented/v1/command_gateway_pb.js';
import {
  CommandGatewayService,
  DispatchRequestSchema,
} from '../gen/evented/v1/command_gateway_pb.js';
import type {
  ReadAllResponse,
  ReadStreamResponse,
  SubscribeResponse,
} from '../gen/evented/v1/event_query_pb.js';
import {
  Direction,
  EventQueryService,
  ReadAllRequestSchema,
  ReadStreamRequestSchema,
  SubscribeRequestSchema,
} from '../gen/evented/v1/event_query_pb.js';
import { fromServiceError } from '../status.js';
import type { ChannelOptions } from './channel.js';
import { ServiceClient } from './channel.js';
import { DispatchStream } from './dispatch-stream.js';

/** Options of {@link EventedClient}. */
export interface EventedClientOptions extends ChannelOptions {
  /** Message types to decode `Any` payloads with; JSON payloads need none. */
  readonly registry?: Registry;
}

/** A processor's status as the server reports it. */
export interface RemoteProcessorStatus {
  readonly name: string;
  readonly kind: string;
  readonly state: CoreProcessorState;
  readonly checkpoint: Position;
  readonly failure:
    | {
        readonly message: string;
        readonly code: string | undefined;
        readonly eventId: string;
        readonly position: Position;
        readonly attempts: number;
      }
    | undefined;
}

const STATES: Partial<Record<ProcessorState, CoreProcessorState>> = {
  [ProcessorState.STARTING]: 'starting',
  [ProcessorState.CATCHING_UP]: 'catching-up',
  [ProcessorState.LIVE]: 'live',
  [ProcessorState.ERROR]: 'error',
  [ProcessorState.STOPPED]: 'stopped',
};

/** What a subscription yields: events, and once a marker that what follows is live. */
export type SubscriptionMessage =
  | { readonly kind: 'event'; readonly event: RecordedEvent }
  | { readonly kind: 'caught-up'; readonly position: Position };

/**
 * A client of an evented server: dispatch commands, read streams and the log, and follow
 * the log live as an async iterator. Errors are `EventedError`s with the server's codes.
 *
 * ```ts
 * const client = new EventedClient('127.0.0.1:50051');
 * await client.dispatch({ domain: 'account', aggregateId: 'a-1', type: 'Deposit', data: { amount: 10 } });
 * for await (const message of client.subscribe({ after: 0n })) if (message.kind === 'event') console.log(message.event);
 * ```
 */
export class EventedClient {
  readonly #commands: ServiceClient;
  readonly #query: ServiceClient;
  readonly #admin: ServiceClient;
  readonly #codec: PayloadCodec;
  readonly #dispatches: DispatchStream;

  constructor(address = '127.0.0.1:50051', options: EventedClientOptions = {}) {
    this.#commands = new ServiceClient(CommandGatewayService, address, options);
    this.#query = new ServiceClient(EventQueryService, address, options);
    this.#admin = new ServiceClient(AdminService, address, options);
    this.#codec = new PayloadCodec(options.registry);
    this.#dispatches = new DispatchStream(this.#commands, (request) =>
      this.#commands.unary<DispatchResponse>('dispatch', request),
    );
  }

  /**
   * Runs a command on the server. Concurrent commands share one `DispatchStream` call
   * (one `Dispatch` call each when the server lacks it, or with a `deadlineMs`); the
   * results and errors are the same either way.
   */
  async dispatch(
    command: Command,
    options: DispatchOptions & { deadlineMs?: number } = {},
  ): Promise<CommandResult> {
    const request = create(DispatchRequestSchema, {
      command: toProtoCommand(command, this.#codec),
      waitFor: [...(options.waitFor ?? [])],
      waitTimeoutMs: options.timeoutMs ?? 0,
    });
    const response =
      options.deadlineMs === undefined
        ? await this.#dispatches.dispatch(request)
        : await this.#commands.unary<DispatchResponse>('dispatch', request, options.deadlineMs);
    const events = response.events.map((event) => fromProtoEvent(event, this.#codec));
    return {
      domain: command.domain,
      aggregateId: command.aggregateId,
      commandId: response.commandId || undefined,
      events,
      version: Number(response.version),
      duplicate: response.duplicate,
    };
  }

  async readStream(stream: StreamId, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const request = create(ReadStreamRequestSchema, {
      domain: stream.domain,
      aggregateId: stream.aggregateId,
      direction: options.direction === 'backwards' ? Direction.BACKWARDS : Direction.FORWARDS,
      fromVersion: BigInt(options.fromVersion ?? 0),
      limit: options.limit ?? 0,
    });
    const response = await this.#query.unary<ReadStreamResponse>('readStream', request);
    return response.events.map((event) => fromProtoEvent(event, this.#codec));
  }

  async readAll(options: ReadAllOptions = {}): Promise<ReadAllPage> {
    const request = create(ReadAllRequestSchema, {
      after: options.after ?? START,
      limit: options.limit ?? 0,
      filter: protoFilter(options.filter),
    });
    const response = await this.#query.unary<ReadAllResponse>('readAll', request);
    return {
      events: response.events.map((event) => fromProtoEvent(event, this.#codec)),
      position: response.position,
      isEnd: response.isEnd,
    };
  }

  /** Follows the log from `after`: the events there are, a caught-up marker, then live events. */
  async *subscribe(
    options: { after?: Position; filter?: EventFilter; signal?: AbortSignal } = {},
  ): AsyncGenerator<SubscriptionMessage> {
    const request = create(SubscribeRequestSchema, {
      after: options.after ?? START,
      filter: protoFilter(options.filter),
    });
    const stream = this.#query.serverStream<SubscribeResponse>('subscribe', request);
    const cancel = (): void => stream.cancel();
    options.signal?.addEventListener('abort', cancel, { once: true });
    try {
      for await (const message of stream as AsyncIterable<SubscribeResponse>) {
        if (message.message.case === 'event') {
          yield { kind: 'event', event: fromProtoEvent(message.message.value, this.#codec) };
        } else if (message.message.case === 'caughtUp') {
          yield { kind: 'caught-up', position: message.message.value.position };
        }
      }
    } catch (error) {
      if ((error as { code?: number }).code === 1 /* CANCELLED by us */) return;
      throw fromServiceError(error);
    } finally {
      options.signal?.removeEventListener('abort', cancel);
      stream.cancel();
    }
  }

  /** The server's processors: state, checkpoint, and the event a failed one stopped at. */
  async processors(): Promise<RemoteProcessorStatus[]> {
    const response = await this.#admin.unary<ListProcessorsResponse>('listProcessors', {});
    return response.processors.map((processor) => ({
      name: processor.name,
      kind: processor.kind,
      state: STATES[processor.state] ?? 'stopped',
      checkpoint: processor.checkpoint,
      failure: processor.failure && {
        message: processor.failure.message,
        code: processor.failure.code || undefined,
        eventId: processor.failure.eventId,
        position: processor.failure.position,
        attempts: processor.failure.attempts,
      },
    }));
  }

  /** Restarts a processor that stopped at an event it could not handle. */
  async restartProcessor(name: string): Promise<void> {
    await this.#admin.unary('restartProcessor', create(RestartProcessorRequestSchema, { name }));
  }

  close(): void {
    this.#dispatches.close();
    this.#commands.close();
    this.#query.close();
    this.#admin.close();
  }
}

function protoFilter(filter: EventFilter | undefined): { domains: string[]; types: string[] } {
  return { domains: [...(filter?.domains ?? [])], types: [...(filter?.types ?? [])] };
}
