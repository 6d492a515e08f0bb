import type { Registry } from '@bufbuild/protobuf';
import { create } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import type {
  Command,
  CommandResult,
  DeadLetter,
  DeadLetterQuery,
  DispatchOptions,
  EventFilter,
  ParkReason,
  Position,
  ReadAllOptions,
  ReadAllPage,
  ReadStreamOptions,
  RecordedEvent,
  ResetResult,
  ResetTarget,
  StreamId,
} from '@evented/core';
import { START } from '@evented/core';
import type { CheckUpcastersResponse } from '../gen/evented/v1/admin_pb.js';
import { CheckUpcastersRequestSchema } from '../gen/evented/v1/admin_pb.js';
import { toProtoCommand } from '../convert/commands.js';
import { fromProtoEvent } from '../convert/events.js';
import { PayloadCodec } from '../convert/payload-codec.js';
import type { RemoteProcessorStatus } from '../convert/processors.js';
import { fromProtoProcessor } from '../convert/processors.js';
import type {
  GetProcessorResponse,
  ListDeadLettersResponse,
  ListProcessorsResponse,
  RebuildProjectorResponse,
  ResetProcessorResponse,
  RetryParkedResponse,
  SkipParkedResponse,
} from '../gen/evented/v1/admin_pb.js';
import {
  AdminService,
  GetProcessorRequestSchema,
  ListDeadLettersRequestSchema,
  RebuildProjectorRequestSchema,
  ResetProcessorRequestSchema,
  RestartProcessorRequestSchema,
  RetryParkedRequestSchema,
  SkipParkedRequestSchema,
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

export type {
  RemoteProcessorFailure,
  RemoteProcessorStatus,
  RemoteSegmentStatus,
} from '../convert/processors.js';

/**
 * What `checkUpcasters` yields: each event the server cannot upcast (as stored, with the
 * error's message), progress after each page, and a last `done`.
 */
export type RemoteUpcasterCheckReport =
  | {
      readonly kind: 'failure';
      readonly eventId: string;
      readonly domain: string;
      readonly aggregateId: string;
      readonly version: number;
      readonly position: Position;
      readonly type: string;
      readonly schemaVersion: number;
      readonly message: string;
    }
  | {
      readonly kind: 'progress' | 'done';
      readonly checked: number;
      readonly failed: number;
      readonly position: Position;
      readonly head: Position;
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

  /**
   * The server's processors: state, checkpoint, head and lag, rate, segments with their
   * owners, replay progress, and the event a failed one stopped at.
   */
  async processors(): Promise<RemoteProcessorStatus[]> {
    const response = await this.#admin.unary<ListProcessorsResponse>('listProcessors', {});
    return response.processors.map(fromProtoProcessor);
  }

  /** One processor's status; `NOT_FOUND` for an unknown name. */
  async processor(name: string): Promise<RemoteProcessorStatus> {
    const response = await this.#admin.unary<GetProcessorResponse>(
      'getProcessor',
      create(GetProcessorRequestSchema, { name }),
    );
    return fromProtoProcessor(response.processor!);
  }

  /** Restarts a processor that stopped at an event it could not handle. */
  async restartProcessor(name: string): Promise<void> {
    await this.#admin.unary('restartProcessor', create(RestartProcessorRequestSchema, { name }));
  }

  /** Moves a processor to the start, a position or a time, and replays from there; see `Evented.resetProcessor`. */
  async resetProcessor(name: string, options: { to: ResetTarget }): Promise<ResetResult> {
    const { to } = options;
    const request = create(ResetProcessorRequestSchema, {
      name,
      to:
        to === 'start'
          ? { case: 'start', value: true }
          : to instanceof Date
            ? { case: 'time', value: timestampFromDate(to) }
            : { case: 'position', value: to },
    });
    const response = await this.#admin.unary<ResetProcessorResponse>('resetProcessor', request);
    return { position: response.position, replayUntil: response.replayUntil };
  }

  /** Clears a projector's read model and replays the log; see `Evented.rebuildProjector`. */
  async rebuildProjector(name: string): Promise<{ replayUntil: Position }> {
    const response = await this.#admin.unary<RebuildProjectorResponse>(
      'rebuildProjector',
      create(RebuildProjectorRequestSchema, { name }),
    );
    return { replayUntil: response.replayUntil };
  }

  /** The events a processor parked, in log order; see `Evented.deadLetters`. */
  async deadLetters(processor: string, query: DeadLetterQuery = {}): Promise<DeadLetter[]> {
    const request = create(ListDeadLettersRequestSchema, {
      processor,
      domain: query.domain ?? '',
      aggregateId: query.aggregateId ?? '',
      after: query.after ?? 0n,
      limit: query.limit ?? 0,
    });
    const response = await this.#admin.unary<ListDeadLettersResponse>('listDeadLetters', request);
    return response.deadLetters.map((letter) => ({
      processor,
      event: fromProtoEvent(letter.event!, this.#codec),
      reason: letter.reason as ParkReason,
      message: letter.message,
      code: letter.code || undefined,
      attempts: letter.attempts,
      parkedAt: letter.parkedAt ? timestampDate(letter.parkedAt) : new Date(0),
    }));
  }

  /** Handles an aggregate's parked events again; resolves with how many were handled. */
  async retryParked(processor: string, stream: StreamId): Promise<number> {
    const request = create(RetryParkedRequestSchema, { processor, ...stream });
    return (await this.#admin.unary<RetryParkedResponse>('retryParked', request)).handled;
  }

  /** Drops an aggregate's parked events unhandled; resolves with how many were dropped. */
  async skipParked(processor: string, stream: StreamId): Promise<number> {
    const request = create(SkipParkedRequestSchema, { processor, ...stream });
    return (await this.#admin.unary<SkipParkedResponse>('skipParked', request)).removed;
  }

  /**
   * Walks the server's whole log with the server's upcasters and yields each event that
   * cannot be upcast, progress after each page, and a last `done`; see
   * `Evented.checkUpcasters`. Stop early with `signal`.
   */
  async *checkUpcasters(
    options: { after?: Position; pageSize?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<RemoteUpcasterCheckReport> {
    const request = create(CheckUpcastersRequestSchema, {
      after: options.after ?? START,
      pageSize: options.pageSize ?? 0,
    });
    const stream = this.#admin.serverStream<CheckUpcastersResponse>('checkUpcasters', request);
    const cancel = (): void => stream.cancel();
    options.signal?.addEventListener('abort', cancel, { once: true });
    try {
      for await (const response of stream as AsyncIterable<CheckUpcastersResponse>) {
        const { message } = response;
        if (message.case === 'failure') {
          const failure = message.value;
          yield {
            kind: 'failure',
            eventId: failure.eventId,
            domain: failure.domain,
            aggregateId: failure.aggregateId,
            version: Number(failure.version),
            position: failure.position,
            type: failure.type,
            schemaVersion: failure.schemaVersion,
            message: failure.message,
          };
        } else if (message.case === 'progress' || message.case === 'done') {
          const { checked, failed, position, head } = message.value;
          yield {
            kind: message.case,
            checked: Number(checked),
            failed: Number(failed),
            position,
            head,
          };
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
