import { expect } from 'vitest';
import type { EventedError, EventedErrorCode } from '@evented/core';
import { isEventedError } from '@evented/core';

/**
 * Awaits a promise that must reject with an evented error of `code`, and returns the
 * error for further checks of its `details`. Asserts the code, never the message.
 *
 * ```ts
 * const error = await expectCode(store.appendToStream(stream, [], { expectedVersion: 7 }),
 *   'CONCURRENCY_CONFLICT');
 * expect(error.details).toMatchObject({ expected: 7, actual: 0 });
 * ```
 */
export async function expectCode(
  promise: Promise<unknown>,
  code: EventedErrorCode,
): Promise<EventedError> {
  let outcome: { error: unknown } | undefined;
  try {
    await promise;
  } catch (error) {
    outcome = { error };
  }
  if (!outcome) return expect.fail(`expected a rejection with ${code}, but the call succeeded`);
  const { error } = outcome;
  if (!isEventedError(error)) {
    return expect.fail(`expected an EventedError with ${code}, got ${describeError(error)}`);
  }
  expect(error.code, `${error.message}`).toBe(code);
  expect(error.message).not.toBe('');
  return error;
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
