import { create, toBinary } from '@bufbuild/protobuf';
import type { handleBidiStreamingCall, UntypedServiceImplementation } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import type { Evented } from '@evented/core';
import { EventedError } from '@evented/core';
import { fromProtoCommand } from '../convert/commands.js';
import { toProtoEvent } from '../convert/events.js';
import type { PayloadCodec } from '../convert/payload-codec.js';
import type {
  DispatchRequest,
  DispatchResponse,
  StreamedAnswer,
} from '../gen/evented/v1/command_gateway_pb.js';
import {
  DispatchErrorSchema,
  DispatchRequestSchema,
  DispatchResponseSchema,
  DispatchStreamRequestSchema,
  DispatchStreamResponseSchema,
} from '../gen/evented/v1/command_gateway_pb.js';
import { BATCH_BYTES, MessageBatch } from '../message-batch.js';
import { errorReport, toServiceError } from '../status.js';
import type { Authorize } from './call-handlers.js';
import { parseRequest, unary } from './call-handlers.js';
import type { CallObserver } from './call-observer.js';

/** The method a command on `DispatchStream` counts as for {@link CallObserver}. */
export const DISPATCH_METHOD = '/evented.v1.CommandGatewayService/Dispatch';

/**
 * How many commands of one stream may run at once; past that the stream is not read until
 * some finish, and HTTP/2 flow control holds the client back.
 */
export const MAX_IN_FLIGHT_PER_STREAM = 1024;

/** What `DispatchStream` needs besides the application. */
export interface DispatchStreamOptions {
  /** Once it aborts, streams answer new commands with UNAVAILABLE and end when idle. */
  readonly shutdown?: AbortSignal;
  /** Told about each command of a stream as a `Dispatch` call. */
  readonly observe?: CallObserver;
  /** The largest message the server sends: a larger answer is a LIMIT_EXCEEDED error. */
  readonly maxMessageBytes: number;
}

/**
 * CommandGatewayService: `Dispatch` runs one command through the embedded application;
 * `DispatchStream` runs many over one call.
 */
export function commandGateway(
  evented: Evented,
  codec: PayloadCodec,
  authorize: Authorize,
  options: DispatchStreamOptions,
): UntypedServiceImplementation {
  const run = async (request: DispatchRequest): Promise<DispatchResponse> => {
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
  };
  return {
    dispatch: unary(DispatchRequestSchema, authorize, run),
    dispatchStream: dispatchStream(run, authorize, options),
  };
}

function dispatchStream(
  run: (request: DispatchRequest) => Promise<DispatchResponse>,
  authorize: Authorize,
  { shutdown, observe, maxMessageBytes }: DispatchStreamOptions,
): handleBidiStreamingCall<Buffer, Uint8Array> {
  return (call) => {
    let inFlight = 0;
    let readsDone = false;
    let ended = false;
    let paused = false;
    const closing = (): boolean => shutdown?.aborted === true;
    // Answers go as soon as the commands committed together have all answered: before the
    // processors woken by their events take the thread.
    const answers = new MessageBatch(Math.min(BATCH_BYTES, maxMessageBytes), 'tick', (message) => {
      if (!ended && !call.cancelled) call.write(message);
    });
    const stop = (): void => {
      ended = true;
      answers.clear();
      shutdown?.removeEventListener('abort', endWhenIdle);
    };
    // grpc-js sends the status on 'error'; `destroy(error)` would end the stream unsent.
    const fail = (error: unknown): void => {
      if (ended) return;
      stop();
      call.emit('error', toServiceError(error));
    };
    function endWhenIdle(): void {
      if (ended || inFlight > 0 || !(readsDone || closing())) return;
      answers.flush();
      stop();
      call.end();
    }
    // Reads stop while too many commands run, or while the client does not read answers.
    const regulate = (): void => {
      const hold = inFlight >= MAX_IN_FLIGHT_PER_STREAM || call.writableNeedDrain;
      if (hold === paused || ended) return;
      paused = hold;
      if (hold) call.pause();
      else call.resume();
    };
    const answer = (id: bigint, outcome: StreamedAnswer['outcome'], started: number): void => {
      let code = outcome.case === 'error' ? (outcome.value.status as status) : status.OK;
      let encoded = encodeAnswer(id, outcome);
      if (encoded.length > maxMessageBytes) {
        const tooLarge = new EventedError(
          'LIMIT_EXCEEDED',
          `the answer is ${encoded.length} bytes, over the ${maxMessageBytes} bytes the server sends at most`,
          { bytes: encoded.length, maxMessageBytes },
        );
        code = status.RESOURCE_EXHAUSTED;
        encoded = encodeAnswer(id, errorOutcome(tooLarge));
      }
      answers.add(encoded);
      try {
        observe?.(DISPATCH_METHOD, code, performance.now() - started);
      } catch {
        // An observer's failure must not fail the command it watches.
      }
    };
    const handle = async (id: bigint, request: DispatchRequest): Promise<void> => {
      const started = performance.now();
      if (closing()) return answer(id, errorOutcome(shuttingDown()), started);
      inFlight++;
      regulate();
      let outcome: StreamedAnswer['outcome'];
      try {
        outcome = { case: 'result', value: await run(request) };
      } catch (error) {
        outcome = errorOutcome(error);
      }
      inFlight--;
      if (!ended) answer(id, outcome, started);
      regulate();
      endWhenIdle();
    };

    try {
      authorize(call.metadata);
    } catch (error) {
      fail(error);
      return;
    }
    shutdown?.addEventListener('abort', endWhenIdle, { once: true });
    call.on('cancelled', stop);
    call.on('drain', regulate);
    call.on('end', () => {
      readsDone = true;
      endWhenIdle();
    });
    call.on('data', (bytes: Buffer) => {
      if (ended) return;
      let commands;
      try {
        commands = parseRequest(DispatchStreamRequestSchema, bytes).commands;
      } catch (error) {
        fail(error);
        return;
      }
      for (const { id, request } of commands) {
        void handle(id, request ?? create(DispatchRequestSchema));
      }
    });
  };
}

/** A `DispatchStreamResponse` with one answer, encoded: see {@link MessageBatch}. */
const encodeAnswer = (id: bigint, outcome: StreamedAnswer['outcome']): Uint8Array =>
  toBinary(
    DispatchStreamResponseSchema,
    create(DispatchStreamResponseSchema, { answers: [{ id, outcome }] }),
  );

function errorOutcome(error: unknown): StreamedAnswer['outcome'] {
  const { grpcStatus, code, message, details } = errorReport(error);
  return {
    case: 'error',
    value: create(DispatchErrorSchema, { status: grpcStatus, code, message, details }),
  };
}

const shuttingDown = (): EventedError =>
  new EventedError('UNAVAILABLE', 'the server is shutting down; dispatch again elsewhere or later');
