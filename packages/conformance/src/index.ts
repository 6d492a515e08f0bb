/**
 * The conformance suites every evented store adapter runs, written once. An adapter's
 * test file calls {@link describeStorage} with a factory of fresh, empty storages.
 *
 * ```ts
 * import { describeStorage } from '@evented/conformance';
 * import { openSqliteStorage } from '@evented/sqlite';
 *
 * describeStorage('SQLite in memory', () => openSqliteStorage(':memory:'));
 * ```
 *
 * @packageDocumentation
 */
export {
  describeStorage,
  describeEventStore,
  describeSnapshotStore,
  describeCheckpointStore,
  describeDeadLetterStore,
  describeClaimStore,
} from './describe-storage.js';
export { expectCode } from './support/expect-code.js';
export { DEFAULT_PROPERTY_RUNS } from './support/setup.js';
export type { StorageFactory, ConformanceOptions } from './support/setup.js';
export { describeWithService, probeService, servicesRequired } from './services.js';
export type { ServiceAvailability } from './services.js';
