import { describe, expect, it } from 'vitest';
import { isEventedError } from '../errors/evented-error.js';
import { toJson } from './json.js';

function codeOf(value: unknown, maxBytes = 1024): string | undefined {
  try {
    toJson('data', value, maxBytes);
    return undefined;
  } catch (error) {
    return isEventedError(error) ? error.code : 'NOT_EVENTED';
  }
}

class Money {
  constructor(readonly cents: number) {}
}

describe('plain JSON payloads', () => {
  it('serialises plain values unchanged', () => {
    const value = { a: [1, 'two', null, true, { b: -0.5 }], 'quote"key': "it's" };
    expect(JSON.parse(toJson('data', value, 1024))).toEqual(value);
  });

  it('refuses what JSON.stringify would drop or change silently', () => {
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    const refused = [
      undefined,
      () => 1,
      Symbol('s'),
      10n,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      new Date(),
      new Map(),
      new Money(5),
      { nested: { value: undefined } },
      [1, undefined],
      cycle,
      'lone \ud800 surrogate',
    ];
    for (const value of refused) expect(codeOf(value)).toBe('INVALID_ARGUMENT');
  });

  it('refuses payloads nested too deep instead of overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(codeOf(deep)).toBe('INVALID_ARGUMENT');
  });

  it('limits the size in UTF-8 bytes', () => {
    expect(codeOf('x'.repeat(100), 102)).toBeUndefined();
    expect(codeOf('x'.repeat(101), 102)).toBe('LIMIT_EXCEEDED');
    expect(codeOf('é'.repeat(50), 102)).toBeUndefined();
    expect(codeOf('é'.repeat(51), 102)).toBe('LIMIT_EXCEEDED');
  });
});
