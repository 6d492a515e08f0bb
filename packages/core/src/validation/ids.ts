import { invalidArgument, limitExceeded } from '../errors/errors.js';
import { defaultLimits } from './limits.js';

/** Ids starting with this are reserved for evented itself. */
export const RESERVED_ID_PREFIX = '$';

// C0 and C1 control characters and DEL, plus lone surrogates (not encodable as UTF-8).
const FORBIDDEN =
  /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Checks one id against the grammar every id follows: a non-empty string of at most
 * `maxBytes` UTF-8 bytes, without control characters or lone surrogates, not starting with
 * the reserved prefix `$`. Throws `INVALID_ARGUMENT` or `LIMIT_EXCEEDED` naming the field.
 */
export function assertValidId(
  field: string,
  value: unknown,
  maxBytes: number = defaultLimits.maxIdBytes,
): asserts value is string {
  if (typeof value !== 'string') {
    throw invalidArgument(field, `must be a string, found ${describeType(value)}`);
  }
  if (value.length === 0) throw invalidArgument(field, 'must not be empty');
  // A UTF-16 code unit is at most 3 UTF-8 bytes, so short strings need no count.
  if (value.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > maxBytes) throw limitExceeded(field, maxBytes, bytes, 'bytes');
  }
  if (FORBIDDEN.test(value)) {
    throw invalidArgument(field, 'must not contain control characters or lone surrogates');
  }
  if (value.startsWith(RESERVED_ID_PREFIX)) {
    throw invalidArgument(field, `must not start with the reserved prefix '${RESERVED_ID_PREFIX}'`);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Checks that an event id is a UUID and returns it in lower case. */
export function normalizeEventId(field: string, value: unknown): string {
  if (typeof value !== 'string' || !UUID.test(value)) {
    throw invalidArgument(field, `must be a UUID, found ${describeValue(value)}`);
  }
  return value.toLowerCase();
}

/** Checks a non-negative safe integer option. */
export function assertNonNegativeInteger(field: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalidArgument(field, `must be a non-negative integer, found ${describeValue(value)}`);
  }
}

/** Checks a positive safe integer option. */
export function assertPositiveInteger(field: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw invalidArgument(field, `must be a positive integer, found ${describeValue(value)}`);
  }
}

/** A short description of a value's type for error messages. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return value.constructor?.name ?? 'an object';
  return typeof value;
}

/** A short, bounded rendering of a value for error messages. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    return value.length > 40 ? `a ${value.length}-character string` : JSON.stringify(value);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) {
    return String(value);
  }
  return describeType(value);
}
