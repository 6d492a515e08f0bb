import { describe } from 'vitest';
import { describeSaveCheckpoint } from './checkpoint-store/save-load.js';
import { describeTransactionalCheckpoint } from './checkpoint-store/transactional.js';
import { describeClaimBadInput } from './claim-store/bad-input.js';
import { describeClaim } from './claim-store/claim.js';
import { describeFencing } from './claim-store/fencing.js';
import { describeMembership } from './claim-store/membership.js';
import { describeDeadLetterBadInput } from './dead-letter-store/bad-input.js';
import { describeDeadLetterHostileInput } from './dead-letter-store/hostile-input.js';
import { describePark } from './dead-letter-store/park.js';
import { describeDeadLetterQuery } from './dead-letter-store/query.js';
import { describeDeadLetterRemoveWith } from './dead-letter-store/remove-with.js';
import { describeDeadLetterRemove } from './dead-letter-store/remove.js';
import { describeAppend } from './event-store/append.js';
import { describeBadInput } from './event-store/bad-input.js';
import { describeBadPayload } from './event-store/bad-payload.js';
import { describeHostileInput } from './event-store/hostile-input.js';
import { describeIdempotency } from './event-store/idempotency.js';
import { describeProperties } from './event-store/properties.js';
import { describeReadAll } from './event-store/read-all.js';
import { describeReadStream } from './event-store/read-stream.js';
import { describeWait } from './event-store/wait.js';
import { describeSnapshotBadInput } from './snapshot-store/bad-input.js';
import { describePruneSnapshots } from './snapshot-store/prune.js';
import { describeSaveSnapshot } from './snapshot-store/save-latest.js';
import { describeLifecycle } from './storage/lifecycle.js';
import type { ConformanceOptions, StorageFactory, SuiteSetup } from './support/setup.js';
import { resolveSetup } from './support/setup.js';

function eventStoreSuites(setup: SuiteSetup): void {
  describe('EventStore', () => {
    describeAppend(setup);
    describeReadStream(setup);
    describeReadAll(setup);
    describeIdempotency(setup);
    describeBadInput(setup);
    describeBadPayload(setup);
    describeHostileInput(setup);
    describeWait(setup);
    describeProperties(setup);
  });
}

function snapshotStoreSuites(setup: SuiteSetup): void {
  describe('SnapshotStore', () => {
    describeSaveSnapshot(setup);
    describePruneSnapshots(setup);
    describeSnapshotBadInput(setup);
  });
}

function checkpointStoreSuites(setup: SuiteSetup): void {
  describe('CheckpointStore', () => {
    describeSaveCheckpoint(setup);
    describeTransactionalCheckpoint(setup);
  });
}

function claimStoreSuites(setup: SuiteSetup): void {
  describe('ClaimStore', () => {
    describeClaim(setup);
    describeMembership(setup);
    describeFencing(setup);
    describeClaimBadInput(setup);
  });
}

function deadLetterStoreSuites(setup: SuiteSetup): void {
  describe('DeadLetterStore', () => {
    describePark(setup);
    describeDeadLetterQuery(setup);
    describeDeadLetterRemove(setup);
    describeDeadLetterRemoveWith(setup);
    describeDeadLetterBadInput(setup);
    describeDeadLetterHostileInput(setup);
  });
}

/**
 * Runs every conformance suite against a storage adapter: the event store, snapshot store,
 * checkpoint store, claim store and dead-letter store suites (the last two only check
 * storages that have a `claimStore` and a `deadLetterStore`), and the `Storage` lifecycle
 * (close). Call it at the top level of a test file; `factory` must return a fresh, empty
 * storage each time, and the suites close it after each test.
 *
 * ```ts
 * import { describeStorage } from '@evented/conformance';
 * import { openSqliteStorage } from '@evented/sqlite';
 *
 * describeStorage('SQLite in memory', () => openSqliteStorage(':memory:'));
 * ```
 */
export function describeStorage(
  name: string,
  factory: StorageFactory,
  options?: ConformanceOptions,
): void {
  const setup = resolveSetup(factory, options);
  describe(name, () => {
    eventStoreSuites(setup);
    snapshotStoreSuites(setup);
    checkpointStoreSuites(setup);
    claimStoreSuites(setup);
    deadLetterStoreSuites(setup);
    describe('Storage', () => describeLifecycle(setup));
  });
}

/**
 * Runs the event store suite alone: invariants 1 (contiguous versions), 2 (global order),
 * 5 (idempotency) and 6 (bad input), reads, waits and a fast-check model comparison.
 */
export function describeEventStore(
  name: string,
  factory: StorageFactory,
  options?: ConformanceOptions,
): void {
  const setup = resolveSetup(factory, options);
  describe(name, () => eventStoreSuites(setup));
}

/** Runs the snapshot store suite alone: save, latest, replace, prune, bad input. */
export function describeSnapshotStore(
  name: string,
  factory: StorageFactory,
  options?: ConformanceOptions,
): void {
  const setup = resolveSetup(factory, options);
  describe(name, () => snapshotStoreSuites(setup));
}

/**
 * Runs the checkpoint store suite alone: save, load, delete, bad input, and
 * `saveCheckpointWith` as `capabilities.transactionalCheckpoints` says.
 */
export function describeCheckpointStore(
  name: string,
  factory: StorageFactory,
  options?: ConformanceOptions,
): void {
  const setup = resolveSetup(factory, options);
  describe(name, () => checkpointStoreSuites(setup));
}

/**
 * Runs the claim store suite alone: claims, renewals, takeovers after expiry, releases,
 * heartbeats, leaving, fenced checkpoint writes and bad arguments. Storages without a
 * `claimStore` have nothing to check.
 */
export function describeClaimStore(
  name: string,
  factory: StorageFactory,
  options?: ConformanceOptions,
): void {
  const setup = resolveSetup(factory, options);
  describe(name, () => claimStoreSuites(setup));
}

/**
 * Runs the dead-letter store suite alone: a parked event reads back whole, parking is
 * idempotent, listing is in log order with aggregate filter and paging, counts per
 * aggregate, removal, `removeWith` as `capabilities.transactionalCheckpoints` says, and bad
 * and hostile input. Storages without a `deadLetterStore` have nothing to check.
 */
export function describeDeadLetterStore(
  name: string,
  factory: StorageFactory,
  options?: ConformanceOptions,
): void {
  const setup = resolveSetup(factory, options);
  describe(name, () => deadLetterStoreSuites(setup));
}
