import { EventedError } from '@evented/core';

interface SqliteFailure {
  readonly code?: unknown;
  readonly message?: unknown;
}

/**
 * Translates a better-sqlite3 error into the evented error family, so that no driver
 * error (SQLITE_BUSY above all) reaches a caller. Evented errors pass through unchanged.
 */
export function translateSqliteError(error: unknown, operation: string): EventedError {
  if (error instanceof EventedError) return error;
  const failure = (typeof error === 'object' && error !== null ? error : {}) as SqliteFailure;
  const code = typeof failure.code === 'string' ? failure.code : '';
  const message = typeof failure.message === 'string' ? failure.message : String(error);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new EventedError(
      'UNAVAILABLE',
      `${operation}: the database stayed locked by another connection past the busy timeout`,
      { sqliteCode: code },
      { cause: error },
    );
  }
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return new EventedError(
      'ALREADY_EXISTS',
      `${operation}: ${message}`,
      { sqliteCode: code },
      { cause: error },
    );
  }
  if (code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR') || code === 'SQLITE_CANTOPEN') {
    return new EventedError(
      'UNAVAILABLE',
      `${operation}: ${message}`,
      { sqliteCode: code },
      { cause: error },
    );
  }
  return new EventedError(
    'INTERNAL',
    `${operation}: ${message}`,
    { sqliteCode: code },
    { cause: error },
  );
}
