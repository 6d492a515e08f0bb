import { Metadata, status } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import type { EventedErrorCode } from '@evented/core';
import { EventedError, isEventedError } from '@evented/core';

/**
 * The one table from evented's error codes to gRPC status codes and HTTP statuses. The
 * evented code itself travels in the trailer `evented-code`, its details as JSON in
 * `evented-details`, so that clients get the exact code back.
 */
export const statusOfCode: Readonly<Record<EventedErrorCode, { grpc: status; http: number }>> = {
  INVALID_ARGUMENT: { grpc: status.INVALID_ARGUMENT, http: 400 },
  LIMIT_EXCEEDED: { grpc: status.RESOURCE_EXHAUSTED, http: 413 },
  UNKNOWN_DOMAIN: { grpc: status.NOT_FOUND, http: 404 },
  NOT_FOUND: { grpc: status.NOT_FOUND, http: 404 },
  ALREADY_EXISTS: { grpc: status.ALREADY_EXISTS, http: 409 },
  CONCURRENCY_CONFLICT: { grpc: status.ABORTED, http: 409 },
  COMMAND_REJECTED: { grpc: status.FAILED_PRECONDITION, http: 422 },
  TIMEOUT: { grpc: status.DEADLINE_EXCEEDED, http: 504 },
  PROCESSOR_FAILED: { grpc: status.INTERNAL, http: 500 },
  FENCED: { grpc: status.FAILED_PRECONDITION, http: 409 },
  UPCAST_FAILED: { grpc: status.INTERNAL, http: 500 },
  UNAVAILABLE: { grpc: status.UNAVAILABLE, http: 503 },
  CLOSED: { grpc: status.UNAVAILABLE, http: 503 },
  UNAUTHENTICATED: { grpc: status.UNAUTHENTICATED, http: 401 },
  CONFIGURATION: { grpc: status.INTERNAL, http: 500 },
  INTERNAL: { grpc: status.INTERNAL, http: 500 },
};

/** The trailer that carries the evented error code. */
export const CODE_TRAILER = 'evented-code';
/** The trailer that carries the error's details as JSON. */
export const DETAILS_TRAILER = 'evented-details';

/** The gRPC error a handler returns for any thrown value; unknown errors become INTERNAL. */
export function toServiceError(error: unknown): Partial<ServiceError> {
  const evented = isEventedError(error)
    ? error
    : new EventedError('INTERNAL', error instanceof Error ? error.message : String(error));
  const metadata = new Metadata();
  metadata.set(CODE_TRAILER, evented.code);
  metadata.set(DETAILS_TRAILER, asciiJson(evented.details));
  return {
    name: 'EventedError',
    code: statusOfCode[evented.code]?.grpc ?? status.INTERNAL,
    details: evented.message,
    message: evented.message,
    metadata,
  };
}

/**
 * JSON with every non-ASCII character escaped: header values must be printable ASCII,
 * and grpc-js throws (taking the process down) on anything else.
 */
function asciiJson(value: unknown): string {
  const json = JSON.stringify(value, (_key, item: unknown) =>
    typeof item === 'bigint' ? item.toString() : item,
  );
  return json.replace(
    /[\u007f-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

const codeOfStatus: Partial<Record<status, EventedErrorCode>> = {
  [status.INVALID_ARGUMENT]: 'INVALID_ARGUMENT',
  [status.RESOURCE_EXHAUSTED]: 'LIMIT_EXCEEDED',
  [status.NOT_FOUND]: 'NOT_FOUND',
  [status.ALREADY_EXISTS]: 'ALREADY_EXISTS',
  [status.ABORTED]: 'CONCURRENCY_CONFLICT',
  [status.FAILED_PRECONDITION]: 'COMMAND_REJECTED',
  [status.DEADLINE_EXCEEDED]: 'TIMEOUT',
  [status.UNAVAILABLE]: 'UNAVAILABLE',
  [status.UNAUTHENTICATED]: 'UNAUTHENTICATED',
};

/** The evented error a failed call means: the code from the trailer, else from the status. */
export function fromServiceError(error: unknown): EventedError {
  if (isEventedError(error)) return error;
  const failure = error as Partial<ServiceError>;
  const trailer = failure.metadata?.get(CODE_TRAILER)[0];
  const code =
    typeof trailer === 'string' && trailer in statusOfCode
      ? (trailer as EventedErrorCode)
      : (codeOfStatus[failure.code as status] ??
        (failure.code === status.CANCELLED ? 'UNAVAILABLE' : 'INTERNAL'));
  let details: Record<string, unknown> = {};
  const detailsJson = failure.metadata?.get(DETAILS_TRAILER)[0];
  if (typeof detailsJson === 'string') {
    try {
      details = JSON.parse(detailsJson) as Record<string, unknown>;
    } catch {
      details = {};
    }
  }
  const message = failure.details ?? failure.message ?? String(error);
  return new EventedError(
    code,
    message,
    { ...details, grpcStatus: failure.code },
    { cause: error },
  );
}
