import { create, toBinary } from '@bufbuild/protobuf';
import type { ClientDuplexStream, ServiceError, StatusObject } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { EventedError } from '@evented/core';
import type {
  DispatchRequest,
  DispatchResponse,
  DispatchStreamResponse,
} from '../gen/evented/v1/command_gateway_pb.js';
import { DispatchStreamRequestSchema } from '../gen/evented/v1/command_gateway_pb.js';
import { BATCH_BYTES, MessageBatch } from '../message-batch.js';
import { fromErrorReport, fromServiceError } from '../status.js';
import type { ServiceClient } from './channel.js';

/**
 * How long a dispatch stream with no command in flight stays open for the next one. An
 * open stream keeps the process alive, so it is ended soon after the last answer.
 */
export const DISPATCH_STREAM_IDLE_MS = 100;

interface Pending {
  readonly request: DispatchRequest;
  readonly resolve: (response: DispatchResponse) => void;
  readonly reject: (error: unknown) => void;
}

interface Stream {
  readonly call: ClientDuplexStream<Uint8Array, DispatchStreamResponse>;
  readonly commands: MessageBatch;
  readonly pending: Map<number, Pending>;
  idle: NodeJS.Timeout | undefined;
  /** The call's status code once it has one, and its error when not OK. */
  code: status | undefined;
  error: ServiceError | undefined;
  readsDone: boolean;
}

/**
 * Sends `Dispatch` requests over one `DispatchStream` call at a time, opened on the first
 * command and ended once none has been in flight for {@link DISPATCH_STREAM_IDLE_MS}: the
 * same answers and errors as `Dispatch` calls, without a call's setup, headers and
 * trailers for each command. When the call fails (the connection breaks, the server shuts
 * down), the commands in flight on it fail with its error (UNAVAILABLE), and the next
 * command opens another. A server without `DispatchStream` (UNIMPLEMENTED) gets the
 * commands as `Dispatch` calls from then on, those in flight included.
 */
export class DispatchStream {
  readonly #client: ServiceClient;
  readonly #unary: (request: DispatchRequest) => Promise<DispatchResponse>;
  #stream: Stream | undefined;
  #lastId = 0;
  #supported = true;
  #closed = false;

  constructor(
    client: ServiceClient,
    unary: (request: DispatchRequest) => Promise<DispatchResponse>,
  ) {
    this.#client = client;
    this.#unary = unary;
  }

  dispatch(request: DispatchRequest): Promise<DispatchResponse> {
    if (!this.#supported || this.#closed) return this.#unary(request);
    const id = this.#lastId + 1;
    const encoded = toBinary(
      DispatchStreamRequestSchema,
      create(DispatchStreamRequestSchema, { commands: [{ id: BigInt(id), request }] }),
    );
    // A large command goes alone, so that the limits on message sizes apply to it alone.
    if (encoded.length > this.#batchBytes) return this.#unary(request);
    this.#lastId = id;
    const stream = this.#stream ?? this.#open();
    clearTimeout(stream.idle);
    stream.idle = undefined;
    return new Promise<DispatchResponse>((resolve, reject) => {
      stream.pending.set(id, { request, resolve, reject });
      stream.commands.add(encoded);
    });
  }

  get #batchBytes(): number {
    return Math.min(BATCH_BYTES, this.#client.maxMessageBytes);
  }

  /** Sends later commands as `Dispatch` calls; the stream ends once its commands are answered. */
  close(): void {
    this.#closed = true;
    if (this.#stream?.pending.size === 0) this.#end(this.#stream);
  }

  #open(): Stream {
    const call = this.#client.bidiStream<Uint8Array, DispatchStreamResponse>('dispatchStream');
    const stream: Stream = {
      call,
      commands: new MessageBatch(this.#batchBytes, 'turn', (message) => call.write(message)),
      pending: new Map(),
      idle: undefined,
      code: undefined,
      error: undefined,
      readsDone: false,
    };
    this.#stream = stream;
    call.on('data', (response: DispatchStreamResponse) => this.#answer(stream, response));
    // grpc-js emits 'error' (when not OK), then 'status'.
    call.on('error', (error: ServiceError) => (stream.error = error));
    call.on('status', ({ code }: StatusObject) => {
      stream.code = code;
      this.#ended(stream);
    });
    // Answers received before the status may still be buffered: they count first.
    call.on('end', () => {
      stream.readsDone = true;
      this.#ended(stream);
    });
    return stream;
  }

  #answer(stream: Stream, response: DispatchStreamResponse): void {
    for (const { id, outcome } of response.answers) {
      const pending = stream.pending.get(Number(id));
      if (!pending) continue;
      stream.pending.delete(Number(id));
      if (outcome.case === 'result') {
        pending.resolve(outcome.value);
      } else if (outcome.case === 'error') {
        const { status: grpcStatus, code, message, details } = outcome.value;
        pending.reject(fromErrorReport({ grpcStatus, code, message, details }));
      } else {
        pending.reject(new EventedError('INTERNAL', 'the server answered a command with nothing'));
      }
    }
    if (stream.pending.size > 0 || stream !== this.#stream) return;
    if (this.#closed) return this.#end(stream);
    stream.idle = setTimeout(() => this.#end(stream), DISPATCH_STREAM_IDLE_MS).unref();
  }

  /** Half-closes the stream: the server ends it once it has answered everything sent. */
  #end(stream: Stream): void {
    clearTimeout(stream.idle);
    if (this.#stream === stream) this.#stream = undefined;
    stream.commands.flush();
    stream.call.end();
  }

  /** Once the call has a status and every answer has been read: fails what is unanswered. */
  #ended(stream: Stream): void {
    if (stream.code === undefined) return;
    clearTimeout(stream.idle);
    stream.commands.clear();
    if (this.#stream === stream) this.#stream = undefined;
    if (!stream.readsDone || stream.pending.size === 0) return;
    const unanswered = [...stream.pending.values()];
    stream.pending.clear();
    if (stream.code === status.UNIMPLEMENTED) {
      // An older server: nothing was run; from now on every command is a `Dispatch` call.
      this.#supported = false;
      for (const { request, resolve, reject } of unanswered) {
        this.#unary(request).then(resolve, reject);
      }
      return;
    }
    const { error } = stream;
    for (const { reject } of unanswered) {
      reject(
        error && stream.code !== status.OK
          ? fromServiceError(error)
          : new EventedError(
              'UNAVAILABLE',
              'the server ended the dispatch stream before answering; dispatch again',
              { grpcStatus: status.UNAVAILABLE },
            ),
      );
    }
  }
}
