export {
  openPostgresStorage,
  migratePostgres,
  PostgresStorage,
  defaultPostgresStorageOptions,
} from './storage.js';
export type { PostgresStorageOptions } from './storage.js';
export { PostgresEventStore } from './event-store.js';
export { PostgresSnapshotStore } from './snapshot-store.js';
export { PostgresCheckpointStore } from './checkpoint-store.js';
export { PostgresClaimStore } from './claim-store.js';
export { PostgresDeadLetterStore } from './dead-letter-store.js';
export { SCHEMA_VERSION as POSTGRES_SCHEMA_VERSION } from './schema.js';
export type { MigrationOutcome } from './schema.js';
export type {
  PostgresPool,
  PostgresPoolClient,
  PostgresClient,
  PostgresQueryConfig,
  PostgresQueryResult,
  PostgresNotification,
} from './connection.js';
export { postgresProjector } from './postgres-projector.js';
export type { PostgresProjector, PostgresProjectorOptions } from './postgres-projector.js';
