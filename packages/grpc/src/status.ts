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

/**
 * What a failed call reports of an error: the gRPC status code, evented's code, the message
 * and the details as JSON. A failed call carries them in its status and trailers; a
 * command answered on `DispatchStream` in a `DispatchError`.
 */
export interface ErrorReport {
  readonly grpcStatus: status;
  readonly code: EventedErrorCode;
  readonly message: string;
  /** A JSON object, every non-ASCII character escaped. */
  readonly details: string;
}

/** The report of any thrown value; unknown errors become INTERNAL. */
export function errorReport(error: unknown): ErrorReport {
  const evented = isEventedError(error)
    ? error
    : new EventedError('INTERNAL', error instanceof Error ? error.message : String(error));
  return {
    grpcStatus: statusOfCode[evented.code]?.grpc ?? status.INTERNAL,
    code: evented.code,
    message: evented.message,
    details: asciiJson(evented.details),
  };
}

/** The gRPC error a handler returns for any thrown value; unknown errors become INTERNAL. */
export function toServiceError(error: unknown): Partial<ServiceError> {
  const report = errorReport(error);
  return {
    name: 'EventedError',
    code: report.grpcStatus,
    details: report.message,
    message: report.message,
    metadata: trailers(report),
  };
}

function trailers(report: ErrorReport): Metadata {
  const metadata = new Metadata();
  metadata.set(CODE_TRAILER, report.code);
  metadata.set(DETAILS_TRAILER, report.details);
  return metadata;
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
  const details = failure.metadata?.get(DETAILS_TRAILER)[0];
  return eventedErrorOf(
    {
      grpcStatus: failure.code,
      code: typeof trailer === 'string' ? trailer : undefined,
      message: failure.details ?? failure.message ?? String(error),
      details: typeof details === 'string' ? details : undefined,
    },
    error,
  );
}

/**
 * The evented error of a report received as data (a `DispatchError`): the same error
 * {@link fromServiceError} makes of a call that failed with this status and trailers,
 * caused by an error like the one grpc-js would have given.
 */
export function fromErrorReport(report: {
  readonly grpcStatus: number;
  readonly code: string;
  readonly message: string;
  readonly details: string;
}): EventedError {
  const { grpcStatus, message } = report;
  const cause = Object.assign(
    new Error(`${grpcStatus} ${status[grpcStatus] ?? 'UNKNOWN'}: ${message}`),
    { code: grpcStatus, details: message },
  );
  return eventedErrorOf(report, cause);
}

function eventedErrorOf(
  report: {
    readonly grpcStatus: number | undefined;
    readonly code: string | undefined;
    readonly message: string;
    readonly details: string | undefined;
  },
  cause: unknown,
): EventedError {
  const { grpcStatus } = report;
  const code =
    report.code !== undefined && report.code in statusOfCode
      ? (report.code as EventedErrorCode)
      : (codeOfStatus[grpcStatus as status] ??
        (grpcStatus === status.CANCELLED ? 'UNAVAILABLE' : 'INTERNAL'));
  let details: Record<string, unknown> = {};
  if (report.details !== undefined) {
    try {
      details = JSON.parse(report.details) as Record<string, unknown>;
    } catch {
      details = {};
    }
  }
  return new EventedError(code, report.message, { ...details, grpcStatus }, { cause });
}
