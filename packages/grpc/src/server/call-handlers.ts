import { timingSafeEqual } from 'node:crypto';
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import { fromBinary } from '@bufbuild/protobuf';
import type {
  handleServerStreamingCall,
  handleUnaryCall,
  Metadata,
  ServerUnaryCall,
  ServerWritableStream,
} from '@grpc/grpc-js';
import { EventedError } from '@evented/core';
import { invalidArgument } from '@evented/core/internal';
import { toServiceError } from '../status.js';

/** Checks a call's credentials; throws `UNAUTHENTICATED` when they are missing or wrong. */
export type Authorize = (metadata: Metadata) => void;

/** Requires `authorization: Bearer <token>` on every call when a token is configured. */
export function bearerToken(token: string | undefined): Authorize {
  if (token === undefined) return () => {};
  const expected = Buffer.from(`Bearer ${token}`);
  return (metadata) => {
    const given = metadata.get('authorization')[0];
    const presented = Buffer.from(typeof given === 'string' ? given : '');
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
      throw new EventedError(
        'UNAUTHENTICATED',
        'a valid bearer token is required: authorization: Bearer <token>',
      );
    }
  };
}

/** Parses a request, answering malformed bytes with INVALID_ARGUMENT. */
export function parseRequest<Input extends DescMessage>(
  input: Input,
  bytes: Buffer,
): MessageShape<Input> {
  try {
    return fromBinary(input, bytes);
  } catch (error) {
    throw invalidArgument(
      'request',
      `is not a valid ${input.typeName}: ${(error as Error).message}`,
    );
  }
}

/** A unary handler: authorise, parse, run, and map any error to its status. */
export function unary<Input extends DescMessage, Output>(
  input: Input,
  authorize: Authorize,
  handle: (request: MessageShape<Input>, call: ServerUnaryCall<Buffer, Output>) => Promise<Output>,
): handleUnaryCall<Buffer, Output> {
  return (call, callback) => {
    void (async () => {
      try {
        authorize(call.metadata);
        callback(null, await handle(parseRequest(input, call.request), call));
      } catch (error) {
        callback(toServiceError(error));
      }
    })();
  };
}

/**
 * A server-streaming handler: authorise, parse, run until done or cancelled. When
 * `shutdown` aborts, the call ends with UNAVAILABLE, so that a server closing does not wait
 * for streams that would never end on their own.
 */
export function serverStreaming<Input extends DescMessage, Output>(
  input: Input,
  authorize: Authorize,
  handle: (
    request: MessageShape<Input>,
    call: ServerWritableStream<Buffer, Output>,
    signal: AbortSignal,
  ) => Promise<void>,
  shutdown?: AbortSignal,
): handleServerStreamingCall<Buffer, Output> {
  return (call) => {
    const abort = new AbortController();
    call.on('cancelled', () => abort.abort());
    const fail = (error: unknown): void => {
      if (abort.signal.aborted) return;
      abort.abort();
      // grpc-js sends the status on 'error'; `destroy(error)` would end the stream unsent.
      call.emit('error', toServiceError(error));
    };
    const onShutdown = (): void =>
      fail(new EventedError('UNAVAILABLE', 'the server is shutting down; subscribe again'));
    if (shutdown?.aborted) return onShutdown();
    shutdown?.addEventListener('abort', onShutdown, { once: true });
    void (async () => {
      try {
        authorize(call.metadata);
        await handle(parseRequest(input, call.request), call, abort.signal);
        if (!abort.signal.aborted) call.end();
      } catch (error) {
        fail(error);
      } finally {
        shutdown?.removeEventListener('abort', onShutdown);
      }
    })();
  };
}
