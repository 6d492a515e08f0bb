import { AssertionError } from 'node:assert';
import { inspect, isDeepStrictEqual } from 'node:util';
import { isEventedError } from '../errors/evented-error.js';

/** One value per line, sorted keys, so that a line diff shows which event or field differs. */
export function show(value: unknown, oneLine = false): string {
  return inspect(value, {
    depth: Number.POSITIVE_INFINITY,
    sorted: true,
    breakLength: oneLine ? Number.POSITIVE_INFINITY : 80,
    compact: oneLine ? true : 3,
  });
}

/**
 * Fails unless `actual` deeply equals `expected`, with `title` and a line diff: `-` lines
 * are expected and missing, `+` lines are actual and unexpected. A list is shown one item a
 * line. The error is node's `AssertionError` with `actual` and `expected`, so test runners
 * (vitest, node:test, jest) add their own diff view.
 */
export function assertMatches(title: string, actual: unknown, expected: unknown): void {
  if (isDeepStrictEqual(actual, expected)) return;
  const lines = (value: unknown) =>
    Array.isArray(value) ? value.map((item) => show(item, true)) : show(value).split('\n');
  throw fail(
    `${title}\n${diff(lines(expected), lines(actual)).join('\n')}\n(- expected, + actual)`,
    actual,
    expected,
  );
}

/** An `AssertionError` with this message, and `actual` and `expected` for runners' diffs. */
export function fail(message: string, actual?: unknown, expected?: unknown): AssertionError {
  // Set afterwards: given to the constructor, node appends its own diff to the message.
  const error = new AssertionError({ message, operator: 'fail' });
  if (actual !== undefined || expected !== undefined) {
    Object.assign(error, { actual, expected, operator: 'deepStrictEqual' });
  }
  return error;
}

/** A line diff by longest common subsequence: inputs of tests are short. */
function diff(expected: readonly string[], actual: readonly string[]): string[] {
  const rows = expected.length;
  const columns = actual.length;
  // common[i][j]: length of the longest common subsequence of expected[i..] and actual[j..].
  const common = Array.from({ length: rows + 1 }, () => new Array<number>(columns + 1).fill(0));
  for (let i = rows - 1; i >= 0; i--) {
    for (let j = columns - 1; j >= 0; j--) {
      common[i]![j] =
        expected[i] === actual[j]
          ? common[i + 1]![j + 1]! + 1
          : Math.max(common[i + 1]![j]!, common[i]![j + 1]!);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < rows || j < columns) {
    if (i < rows && j < columns && expected[i] === actual[j]) {
      out.push(`  ${expected[i++]}`);
      j++;
    } else if (j < columns && (i === rows || common[i]![j + 1]! > common[i + 1]![j]!)) {
      out.push(`+ ${actual[j++]}`);
    } else {
      out.push(`- ${expected[i++]}`);
    }
  }
  return out;
}

/** An error in one line: the evented code and message, or the error's name and message. */
export function describeError(error: unknown): string {
  if (isEventedError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
