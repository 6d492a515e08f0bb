import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { EventedError } from '@evented/core';
import { translateSqliteError } from './errors.js';
import { migrate } from './schema.js';

/**
 * The oldest SQLite this package opens a file with: 3.51.3 fixes the WAL-reset bug that
 * could corrupt a WAL database written by several connections at once.
 */
export const SQLITE_MIN_VERSION = '3.51.3';

/** `'full'` (default) syncs the WAL on every commit; `'normal'` only at checkpoints. */
export type SqliteSynchronous = 'full' | 'normal';

/** Options of a SQLite connection. */
export interface SqliteConnectionOptions {
  /**
   * Durability of file databases. `'full'` (default): an acknowledged append survives a
   * power loss. `'normal'`: faster; survives a crash of the process, but a power loss or OS
   * crash can lose the commits since the last WAL checkpoint (never corrupts the file).
   */
  readonly synchronous?: SqliteSynchronous;
  /** How long a write waits for another connection's write lock before failing; default 10 s. */
  readonly busyTimeoutMs?: number;
}

/** Defaults of {@link SqliteConnectionOptions}. */
export const defaultSqliteConnectionOptions = {
  synchronous: 'full',
  busyTimeoutMs: 10_000,
} as const satisfies Required<SqliteConnectionOptions>;

/**
 * Opens a database (`':memory:'` or a file path, whose folder is created if missing),
 * sets it up for evented and migrates it.
 */
export function openConnection(path: string, options: SqliteConnectionOptions = {}): Database {
  const synchronous = options.synchronous ?? defaultSqliteConnectionOptions.synchronous;
  if (synchronous !== 'full' && synchronous !== 'normal') {
    throw new EventedError(
      'CONFIGURATION',
      `synchronous must be 'full' or 'normal', found ${String(synchronous)}`,
    );
  }
  const timeout = options.busyTimeoutMs ?? defaultSqliteConnectionOptions.busyTimeoutMs;
  let db: Database;
  try {
    if (!isMemoryPath(path)) ensureFolder(dirname(path), path);
    db = new BetterSqlite3(path, { timeout });
  } catch (error) {
    throw translateSqliteError(error, `opening ${path}`);
  }
  try {
    if (!db.memory) {
      assertSqliteVersion(sqliteVersion(db));
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${synchronous.toUpperCase()}`);
    }
    db.pragma('foreign_keys = ON');
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw translateSqliteError(error, `opening ${path}`);
  }
}

/**
 * Creates a folder and its missing parents one by one. (Node's recursive mkdir spins for
 * ever where mkdir keeps answering ENOENT, as under /proc.)
 */
function ensureFolder(folder: string, file: string): void {
  if (existsSync(folder)) return;
  const parent = dirname(folder);
  if (parent !== folder) ensureFolder(parent, file);
  try {
    mkdirSync(folder);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'EEXIST') return;
    throw new EventedError(
      'CONFIGURATION',
      `cannot create the folder of ${file}: ${(error as Error).message}`,
      { path: file },
      { cause: error },
    );
  }
}

function isMemoryPath(path: string): boolean {
  return path === ':memory:' || path === '' || path.startsWith('file::memory:');
}

/** The version of the SQLite library better-sqlite3 bundles. */
export function sqliteVersion(db: Database): string {
  return (db.prepare('SELECT sqlite_version() AS version').get() as { version: string }).version;
}

function assertSqliteVersion(version: string): void {
  const [major = 0, minor = 0, patch = 0] = version.split('.').map(Number);
  const [minMajor = 0, minMinor = 0, minPatch = 0] = SQLITE_MIN_VERSION.split('.').map(Number);
  const ok =
    major !== minMajor
      ? major > minMajor
      : minor !== minMinor
        ? minor > minMinor
        : patch >= minPatch;
  if (!ok) {
    throw new EventedError(
      'CONFIGURATION',
      `SQLite ${version} is older than ${SQLITE_MIN_VERSION}, which fixes a WAL corruption bug; upgrade better-sqlite3`,
      { found: version, expected: SQLITE_MIN_VERSION },
    );
  }
}
