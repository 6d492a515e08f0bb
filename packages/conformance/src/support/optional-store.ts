import { beforeEach } from 'vitest';
import type { Storage } from '@evented/core';
import type { SuiteSetup, TestStorage } from './setup.js';
import { useStorage } from './setup.js';

/** The stores a storage may leave out. */
export type OptionalStoreKey = {
  [K in keyof Storage]-?: undefined extends Storage[K] ? K : never;
}[keyof Storage];

/** The storage of the running test and one of its optional stores, under the same key. */
export type OptionalStoreTest<K extends OptionalStoreKey> = TestStorage & {
  readonly [P in K]: NonNullable<Storage[P]>;
};

/**
 * Opens a fresh storage before each test, like `useStorage`, and skips the test when the
 * storage has no `key` store, saying why: `<what it lacks>: Storage.<key> is absent`.
 * Read the store through the returned object inside a test, never at collection time.
 */
export function useOptionalStore<K extends OptionalStoreKey>(
  setup: SuiteSetup,
  key: K,
  lacks: string,
): OptionalStoreTest<K> {
  const t = useStorage(setup);
  beforeEach((context) => {
    if (!t.storage[key]) context.skip(`${lacks}: Storage.${key} is absent`);
  });
  return Object.defineProperty(t, key, {
    get: () => t.storage[key]!,
    enumerable: true,
  }) as OptionalStoreTest<K>;
}
