import { beforeEach } from 'vitest';
import type { ClaimStore } from '@evented/core';
import type { SuiteSetup, TestStorage } from '../support/setup.js';
import { useStorage } from '../support/setup.js';

/** A lease short enough to wait out in a test. */
export const SHORT_LEASE_MS = 200;
/** A lease no test outlives. */
export const LONG_LEASE_MS = 60_000;

/** Waits until a lease of {@link SHORT_LEASE_MS} taken before the call has expired. */
export function outlive(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, SHORT_LEASE_MS + 60));
}

/** The storage of the running test and its claim store. */
export interface ClaimTest extends TestStorage {
  readonly claimStore: ClaimStore;
}

/**
 * Opens a fresh storage before each test, like `useStorage`, and skips the test, saying
 * why, when the storage cannot share processors between nodes (`Storage.claimStore` is
 * optional).
 */
export function useClaimStore(setup: SuiteSetup): ClaimTest {
  const t = useStorage(setup);
  beforeEach((context) => {
    if (!t.storage.claimStore) {
      context.skip('this storage keeps no segment claims: Storage.claimStore is absent');
    }
  });
  return {
    get storage() {
      return t.storage;
    },
    get eventStore() {
      return t.eventStore;
    },
    get snapshotStore() {
      return t.snapshotStore;
    },
    get checkpointStore() {
      return t.checkpointStore;
    },
    get claimStore() {
      return t.storage.claimStore!;
    },
  };
}
