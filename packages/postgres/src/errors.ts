import { EventedError } from '@evented/core';
import type { EventedErrorCode } from '@evented/core';

interface PostgresFailure {
  /** The SQLSTATE of a server error, or a Node.js system error code (`ECONNREFUSED`). */
  readonly code?: unknown;
  readonly message?: unknown;
  readonly constraint?: unknown;
}

/** The SQLSTATE of a unique violation. */
export const UNIQUE_VIOLATION = '23505';

// Node.js system errors of a socket: the server is down, restarting or unreachable.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

// What pg and pg-pool throw, without a code, when a connection is lost or cannot be had.
const CONNECTION_MESSAGES = [
  /^Connection terminated/,
  /is not queryable$/,
  /^timeout exceeded when trying to connect/,
  /^Cannot use a pool after calling end on the pool/,
];

/**
 * True for an error that says the connection was lost or refused before or while the
 * statement ran: the statement did not take effect, or (for a write) may have. Reads are
 * safe to send again on another connection.
 */
export function isConnectionLoss(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const failure = error as PostgresFailure;
  const code = typeof failure.code === 'string' ? failure.code : '';
  if (NETWORK_CODES.has(code)) return true;
  if (code.startsWith('08') || ['57P01', '57P02', '57P03'].includes(code)) return true;
  const message = typeof failure.message === 'string' ? failure.message : '';
  return code === '' && CONNECTION_MESSAGES.slice(0, 2).some((pattern) => pattern.test(message));
}

/** The evented code of a SQLSTATE, by its class (the first two characters) where that is enough. */
function codeOfSqlState(sqlState: string): EventedErrorCode {
  switch (sqlState) {
    case '40001': // serialization_failure
    case '40P01': // deadlock_detected
    case '55P03': // lock_not_available
    case '57014': // query_canceled (statement_timeout)
    case '25P03': // idle_in_transaction_session_timeout: the session was ended
      return 'UNAVAILABLE';
    case '42501': // insufficient_privilege
    case '42P01': // undefined_table: the schema is not migrated
    case '3F000': // invalid_schema_name
    case '3D000': // invalid_catalog_name: no such database
    case '25006': // read_only_sql_transaction: a standby or a read-only user
      return 'CONFIGURATION';
    case '54000': // program_limit_exceeded
      return 'LIMIT_EXCEEDED';
  }
  switch (sqlState.slice(0, 2)) {
    case '08': // connection exception
    case '53': // insufficient resources: disk full, too many connections
    case '57': // operator intervention: shutdown, crash, cannot connect now
    case '58': // system error: I/O
      return 'UNAVAILABLE';
    case '22': // data exception: a value PostgreSQL cannot store as given
      return 'INVALID_ARGUMENT';
    case '23': // integrity constraint violation
      return sqlState === UNIQUE_VIOLATION ? 'ALREADY_EXISTS' : 'INVALID_ARGUMENT';
    case '28': // invalid authorization
      return 'CONFIGURATION';
    default:
      return 'INTERNAL';
  }
}

/** True for a server error whose SQLSTATE is `sqlState`, optionally on `constraint`. */
export function isSqlState(error: unknown, sqlState: string, constraint?: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const failure = error as PostgresFailure;
  return (
    failure.code === sqlState && (constraint === undefined || failure.constraint === constraint)
  );
}

/**
 * Translates a `pg` error (a server error with a SQLSTATE, a socket error, a lost
 * connection) into the evented error family at the boundary, so that no driver error
 * reaches a caller. Evented errors pass through unchanged.
 */
export function translatePostgresError(error: unknown, operation: string): EventedError {
  if (error instanceof EventedError) return error;
  const failure = (typeof error === 'object' && error !== null ? error : {}) as PostgresFailure;
  const raw = typeof failure.code === 'string' ? failure.code : '';
  const message = typeof failure.message === 'string' ? failure.message : String(error);
  const details = {
    ...(raw !== '' && { postgresCode: raw }),
    ...(typeof failure.constraint === 'string' && { constraint: failure.constraint }),
  };
  let code: EventedErrorCode;
  if (NETWORK_CODES.has(raw)) code = 'UNAVAILABLE';
  else if (/^[0-9A-Z]{5}$/.test(raw)) code = codeOfSqlState(raw);
  else if (CONNECTION_MESSAGES.some((pattern) => pattern.test(message))) code = 'UNAVAILABLE';
  else code = 'INTERNAL';
  return new EventedError(code, `${operation}: ${message}`, details, { cause: error });
}
