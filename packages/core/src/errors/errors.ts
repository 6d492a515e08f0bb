import type { ExpectedVersion } from '../event-store/types.js';
import { EventedError } from './evented-error.js';

/** A concurrency conflict naming the stream, the expected and the actual version. */
export function concurrencyConflict(
  domain: string,
  aggregateId: string,
  expected: ExpectedVersion,
  actual: number,
): EventedError {
  return new EventedError(
    'CONCURRENCY_CONFLICT',
    `stream ${domain}/${aggregateId}: expected version ${String(expected)}, found ${actual}`,
    { domain, aggregateId, expected, actual },
  );
}

/** An invalid argument naming the field and what was wrong with it. */
export function invalidArgument(
  field: string,
  problem: string,
  details: Record<string, unknown> = {},
): EventedError {
  return new EventedError('INVALID_ARGUMENT', `${field}: ${problem}`, { field, ...details });
}

/** A limit exceeded, naming the field, the limit and the size found. */
export function limitExceeded(
  field: string,
  limit: number,
  found: number,
  unit: string,
): EventedError {
  return new EventedError(
    'LIMIT_EXCEEDED',
    `${field}: at most ${limit} ${unit} allowed, found ${found}`,
    { field, limit, found },
  );
}

/** The error a closed component raises when it is used. */
export function closedError(component: string): EventedError {
  return new EventedError('CLOSED', `${component} is closed`, { component });
}
