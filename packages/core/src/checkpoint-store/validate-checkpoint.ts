import { invalidArgument } from '../errors/errors.js';
import { assertValidId, describeValue } from '../validation/ids.js';
import type { Limits } from '../validation/limits.js';

/** Checks a processor name and a position before a checkpoint store touches storage. */
export function validateCheckpoint(
  processor: unknown,
  position: unknown,
  limits: Pick<Limits, 'maxIdBytes'>,
): asserts processor is string {
  assertValidId('processor', processor, limits.maxIdBytes);
  if (typeof position !== 'bigint' || position < 0n) {
    throw invalidArgument(
      'position',
      `must be a non-negative bigint, found ${describeValue(position)}`,
    );
  }
}
