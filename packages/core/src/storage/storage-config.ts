import type { Storage } from './storage.js';

/** The embedded default: SQLite in memory (`':memory:'`) or in a file. Needs `@evented/sqlite`. */
export interface SqliteStorageConfig {
  readonly kind: 'sqlite';
  readonly path: string;
  /** `'full'` (default) or `'normal'`; see `@evented/sqlite`. */
  readonly synchronous?: 'full' | 'normal';
}

/** PostgreSQL, for production. Needs `@evented/postgres`. */
export interface PostgresStorageConfig {
  readonly kind: 'postgres';
  /** A connection string, `postgres://user@host:5432/database`. */
  readonly url: string;
  /** The schema of evented's tables; default `evented`. Several applications may share a database. */
  readonly schema?: string;
}

/** Redis, for production where its durability settings fit. Needs `@evented/redis`. */
export interface RedisStorageConfig {
  readonly kind: 'redis';
  /** A connection string, `redis://host:6379/0`. */
  readonly url: string;
  /** The prefix of evented's keys; default `evented:`. */
  readonly prefix?: string;
}

/** Opens a storage the application builds itself: any adapter, any options. */
export type StorageFactory = () => Promise<Storage>;

/** Where evented keeps events, snapshots and checkpoints. */
export type StorageConfig =
  SqliteStorageConfig | PostgresStorageConfig | RedisStorageConfig | StorageFactory;
