export { openSqliteStorage, SqliteStorage, defaultSqliteStorageOptions } from './storage.js';
export type { SqliteStorageOptions } from './storage.js';
export { SqliteEventStore } from './event-store.js';
export { SqliteSnapshotStore } from './snapshot-store.js';
export { SqliteCheckpointStore } from './checkpoint-store.js';
export { SQLITE_MIN_VERSION, defaultSqliteConnectionOptions } from './connection.js';
export type { SqliteConnectionOptions, SqliteSynchronous } from './connection.js';
export { sqliteProjector } from './sqlite-projector.js';
export type { SqliteProjector, SqliteProjectorOptions } from './sqlite-projector.js';
