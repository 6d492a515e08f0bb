import type { ClaimStore } from '@evented/core';
import type { TestStorage } from '../support/setup.js';

/** A lease short enough to wait out in a test. */
export const SHORT_LEASE_MS = 200;
/** A lease no test outlives. */
export const LONG_LEASE_MS = 60_000;

/** Waits until a lease of {@link SHORT_LEASE_MS} taken before the call has expired. */
export function outlive(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, SHORT_LEASE_MS + 60));
}

/**
 * The claim store of the running test's storage, or `undefined` when the storage has none
 * (the port is optional): the claim store suites then have nothing to check.
 */
export function claimStoreOf(t: TestStorage): ClaimStore | undefined {
  return t.storage.claimStore;
}
