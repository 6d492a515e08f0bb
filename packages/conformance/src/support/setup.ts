import { afterEach, beforeEach } from 'vitest';
import type { CheckpointStore, EventStore, Limits, SnapshotStore, Storage } from '@evented/core';
import { resolveLimits, START } from '@evented/core';

/** Opens a fresh, empty storage; the suites close it after each test. */
export type StorageFactory = () => Promise<Storage>;

/** Options of the conformance suites. */
export interface ConformanceOptions {
  /** The limits the factory's stores were opened with; default `defaultLimits` of core. */
  readonly limits?: Partial<Limits>;
  /** Runs of each fast-check property; default 30. Raise it for a soak run. */
  readonly propertyRuns?: number;
  /** A fast-check seed, to replay a reported failure. */
  readonly seed?: number;
  /**
   * Whether the snapshot store keeps older snapshots until pruned (default true), or only
   * each stream's latest one, so that pruning has nothing to remove.
   */
  readonly keepsSnapshotHistory?: boolean;
}

/** The default number of runs of each property: enough to find ordering bugs, still fast. */
export const DEFAULT_PROPERTY_RUNS = 30;

/** What every topic suite receives. */
export interface SuiteSetup {
  readonly factory: StorageFactory;
  readonly limits: Limits;
  readonly propertyRuns: number;
  readonly seed: number | undefined;
  readonly keepsSnapshotHistory: boolean;
}

/** Resolves the options of a `describe*` call into the setup the topic suites share. */
export function resolveSetup(
  factory: StorageFactory,
  options: ConformanceOptions = {},
): SuiteSetup {
  return {
    factory,
    limits: resolveLimits(options.limits),
    propertyRuns: options.propertyRuns ?? DEFAULT_PROPERTY_RUNS,
    seed: options.seed,
    keepsSnapshotHistory: options.keepsSnapshotHistory ?? true,
  };
}

/** The storage of the running test, and its three stores. */
export interface TestStorage {
  readonly storage: Storage;
  readonly eventStore: EventStore;
  readonly snapshotStore: SnapshotStore;
  readonly checkpointStore: CheckpointStore;
}

/**
 * Opens a fresh storage before each test of the enclosing `describe` and closes it after.
 * Read the stores through the returned object inside a test, never at collection time.
 */
export function useStorage(setup: SuiteSetup): TestStorage {
  let current: Storage | undefined;
  beforeEach(async () => {
    current = await openEmpty(setup.factory);
  });
  afterEach(async () => {
    const storage = current;
    current = undefined;
    await storage?.close();
  });
  const get = (): Storage => {
    if (!current) throw new Error('the storage is available inside a test only');
    return current;
  };
  return {
    get storage() {
      return get();
    },
    get eventStore() {
      return get().eventStore;
    },
    get snapshotStore() {
      return get().snapshotStore;
    },
    get checkpointStore() {
      return get().checkpointStore;
    },
  };
}

/** Calls the factory and checks that it kept its promise of an empty storage. */
export async function openEmpty(factory: StorageFactory): Promise<Storage> {
  const storage = await factory();
  const head = await storage.eventStore.headPosition();
  if (head !== START) {
    await storage.close();
    throw new Error(`the storage factory must return an empty storage; its head is at ${head}`);
  }
  return storage;
}
