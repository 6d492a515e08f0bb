import type { OptionalStoreTest } from '../support/optional-store.js';
import { useOptionalStore } from '../support/optional-store.js';
import type { SuiteSetup } from '../support/setup.js';

/** A lease short enough to wait out in a test. */
export const SHORT_LEASE_MS = 200;
/** A lease no test outlives. */
export const LONG_LEASE_MS = 60_000;

/** Waits until a lease of {@link SHORT_LEASE_MS} taken before the call has expired. */
export function outlive(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, SHORT_LEASE_MS + 60));
}

/** The storage of the running test and its claim store. */
export type ClaimTest = OptionalStoreTest<'claimStore'>;

/**
 * Opens a fresh storage before each test, like `useStorage`, and skips the test, saying
 * why, when the storage cannot share processors between nodes (`Storage.claimStore` is
 * optional).
 */
export function useClaimStore(setup: SuiteSetup): ClaimTest {
  return useOptionalStore(setup, 'claimStore', 'this storage keeps no segment claims');
}
