import { EventedError } from '../errors/evented-error.js';

/**
 * The batch handler of a SQL projector helper's options, if they chose one; fails with
 * `CONFIGURATION` unless exactly one of `handle` and `handleBatch` is given, as a function.
 */
export function oneHandler<
  Options extends { readonly name: string; readonly handleBatch?: unknown },
>(options: Options): Options['handleBatch'] {
  const { handle, handleBatch } = options as Partial<Record<'handle' | 'handleBatch', unknown>>;
  const given = [handle, handleBatch].filter((h) => h !== undefined);
  if (given.length !== 1 || given.some((h) => typeof h !== 'function')) {
    const found = given.length === 0 ? 'neither' : given.length === 2 ? 'both' : 'a non-function';
    throw new EventedError(
      'CONFIGURATION',
      `projector ${String(options.name)} needs exactly one of handle and handleBatch, as a function; found ${found}`,
      { processor: String(options.name) },
    );
  }
  return options.handleBatch;
}
