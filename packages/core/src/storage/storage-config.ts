import type { Storage } from './storage.js';

/** The embedded default: SQLite in memory (`':memory:'`) or in a file. Needs `@evented/sqlite`. */
export interface SqliteStorageConfig {
  readonly kind: 'sqlite';
  readonly path: string;
  /** `'full'` (default) or `'normal'`; see `@evented/sqlite`. */
  readonly synchronous?: 'full' | 'normal';
}

/** Opens a storage the application builds itself: any adapter, any options. */
export type StorageFactory = () => Promise<Storage>;

/** Where evented keeps events, snapshots and checkpoints. */
export type StorageConfig = SqliteStorageConfig | StorageFactory;
