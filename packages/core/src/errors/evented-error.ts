/**
 * The stable codes of every error evented raises. Callers branch on the code, never on the
 * message; the gRPC and HTTP layers map each code to one status.
 */
export type EventedErrorCode =
  /** A value has the wrong type, shape or grammar (an id, a payload, an option). */
  | 'INVALID_ARGUMENT'
  /** A value is well-formed but larger than a configured limit. */
  | 'LIMIT_EXCEEDED'
  /** A command names a domain that no business logic is registered for. */
  | 'UNKNOWN_DOMAIN'
  /** A named thing (processor, stream, command) does not exist. */
  | 'NOT_FOUND'
  /** Something with that identity exists already (an event id in another stream). */
  | 'ALREADY_EXISTS'
  /** The stream's version is not the expected one; nothing was written. */
  | 'CONCURRENCY_CONFLICT'
  /** The business logic refused the command; nothing was written. */
  | 'COMMAND_REJECTED'
  /** A wait (for a processor, for a retry) ran out of time. */
  | 'TIMEOUT'
  /** A processor stopped at an event it could not handle. */
  | 'PROCESSOR_FAILED'
  /** A store or a remote service cannot be reached now; the call may succeed later. */
  | 'UNAVAILABLE'
  /** A processor's write was refused: another node has taken over its segment. */
  | 'FENCED'
  /** A stored event cannot be read at its type's current schema version: no upcaster continues its chain, or one threw. */
  | 'UPCAST_FAILED'
  /** The component was closed. */
  | 'CLOSED'
  /** The caller did not prove who it is (a missing or wrong token). */
  | 'UNAUTHENTICATED'
  /** The configuration is incomplete or contradictory. */
  | 'CONFIGURATION'
  /** A bug or an unexpected failure inside evented or a store. */
  | 'INTERNAL';

/** Structured facts about an error: what was expected, what was found, which field. */
export interface EventedErrorDetails {
  readonly [key: string]: unknown;
}

/**
 * The one error class of evented. Guard with {@link isEventedError}, which checks the code
 * and so still works across two installed copies of core or after crossing gRPC.
 *
 * ```ts
 * try {
 *   await evented.dispatch(command);
 * } catch (error) {
 *   if (isEventedError(error, 'COMMAND_REJECTED')) console.log(error.details.reason);
 * }
 * ```
 */
export class EventedError extends Error {
  override readonly name = 'EventedError';
  readonly code: EventedErrorCode;
  readonly details: EventedErrorDetails;

  constructor(
    code: EventedErrorCode,
    message: string,
    details: EventedErrorDetails = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.code = code;
    this.details = details;
  }
}

/** True when `error` is an evented error, with the given code when one is named. */
export function isEventedError(error: unknown, code?: EventedErrorCode): error is EventedError {
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as { name?: unknown; code?: unknown };
  if (candidate.name !== 'EventedError' || typeof candidate.code !== 'string') return false;
  return code === undefined || candidate.code === code;
}
