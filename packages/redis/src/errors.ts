import { EventedError } from '@evented/core';

interface RedisFailure {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
}

/** Error replies that mean "not now": the server is loading, read-only, busy or full. */
const UNAVAILABLE_REPLIES = [
  'LOADING',
  'READONLY',
  'MASTERDOWN',
  'BUSY',
  'TRYAGAIN',
  'CLUSTERDOWN',
  'NOREPLICAS',
  'MISCONF',
  'OOM',
];
/** Error replies that mean the storage's credentials or permissions are wrong. */
const CONFIGURATION_REPLIES = ['NOAUTH', 'WRONGPASS', 'NOPERM'];
/** What ioredis and Node say when a connection is down or a reply never came. */
const CONNECTION_FAILURES = [
  'Connection is closed',
  'Command timed out',
  'Stream isn\u2019t writeable',
  "Stream isn't writeable",
  'Reached the max retries per request limit',
];
const CONNECTION_CODES = [
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
];

/**
 * Translates an ioredis error into the evented error family, so that no ReplyError or
 * connection error reaches a caller. Evented errors pass through unchanged.
 *
 * A failure while an append was in flight is `UNAVAILABLE`: the append may or may not
 * have been applied, and a retry with the same `commandId` or event ids tells which.
 */
export function translateRedisError(error: unknown, operation: string): EventedError {
  if (error instanceof EventedError) return error;
  const failure = (typeof error === 'object' && error !== null ? error : {}) as RedisFailure;
  const message = typeof failure.message === 'string' ? failure.message : String(error);
  const code = typeof failure.code === 'string' ? failure.code : '';
  const reply = failure.name === 'ReplyError' ? (message.split(' ', 1)[0] ?? '') : '';
  const details = { ...(reply && { redisError: reply }), ...(code && { redisCode: code }) };
  if (UNAVAILABLE_REPLIES.includes(reply)) {
    return new EventedError('UNAVAILABLE', `${operation}: ${message}`, details, { cause: error });
  }
  if (CONFIGURATION_REPLIES.includes(reply)) {
    return new EventedError('CONFIGURATION', `${operation}: ${message}`, details, {
      cause: error,
    });
  }
  if (reply === 'WRONGTYPE') {
    return new EventedError(
      'INTERNAL',
      `${operation}: a key of this storage holds another type of value; does something else write under its prefix? (${message})`,
      details,
      { cause: error },
    );
  }
  if (
    failure.name === 'MaxRetriesPerRequestError' ||
    CONNECTION_CODES.includes(code) ||
    CONNECTION_FAILURES.some((text) => message.includes(text))
  ) {
    return new EventedError(
      'UNAVAILABLE',
      `${operation}: Redis cannot be reached (${message})`,
      details,
      {
        cause: error,
      },
    );
  }
  return new EventedError('INTERNAL', `${operation}: ${message}`, details, { cause: error });
}
