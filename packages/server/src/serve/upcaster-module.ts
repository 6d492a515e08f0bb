import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Upcaster } from '@evented/core';
import { EventedError, UpcasterRegistry } from '@evented/core';

/**
 * Loads the upcasters of `evented serve --upcasters <module>`: an ES module whose
 * `upcasters` export, or else default export, is an array of upcasters. The path is
 * relative to the working directory. Undefined without a path; `CONFIGURATION` when the
 * module cannot be loaded or holds no valid upcasters.
 *
 * ```js
 * // upcasters.mjs
 * export const upcasters = [
 *   { type: 'Deposited', fromVersion: 1, upcast: ({ data }) => ({ data: { ...data, currency: 'EUR' } }) },
 * ];
 * ```
 */
export async function loadUpcasters(path: string | undefined): Promise<Upcaster[] | undefined> {
  if (path === undefined) return undefined;
  const fail = (problem: string, cause?: unknown): never => {
    throw new EventedError('CONFIGURATION', `upcasters: ${path} ${problem}`, { path }, { cause });
  };
  let module: { upcasters?: unknown; default?: unknown } = {};
  try {
    module = (await import(pathToFileURL(resolve(path)).href)) as typeof module;
  } catch (error) {
    fail(`cannot be loaded: ${error instanceof Error ? error.message : String(error)}`, error);
  }
  const upcasters = module.upcasters ?? module.default;
  if (!Array.isArray(upcasters)) {
    return fail('must export an array of upcasters as `upcasters` or as its default export');
  }
  try {
    // Checked now, so that a bad module stops the server before it opens the store.
    new UpcasterRegistry(upcasters as Upcaster[]);
  } catch (error) {
    fail(`holds a bad upcaster: ${(error as Error).message}`, error);
  }
  return upcasters as Upcaster[];
}
