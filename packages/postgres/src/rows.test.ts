import { describe, expect, it } from 'vitest';
import { isEventedError } from '@evented/core';
import { decodePosition, encodePosition, MAX_POSITION } from './rows.js';

describe('positions: (transaction id << 20) | index', () => {
  it.each([
    ['3', 0, 3n << 20n],
    ['3', 1, (3n << 20n) + 1n],
    ['24419237', 1_048_575, (24419237n << 20n) + 1_048_575n],
    [String(2n ** 44n - 1n), 1_048_575, MAX_POSITION],
  ])('encodes transaction %s, index %i and decodes it back', (transactionId, index, position) => {
    expect(encodePosition(transactionId, index)).toBe(position);
    expect(decodePosition(position)).toEqual([transactionId, index]);
  });

  it('keeps the order of (transaction id, index) pairs', () => {
    const pairs: [string, number][] = [
      ['9', 0],
      ['9', 1_048_575],
      ['10', 0],
      ['99', 3],
      ['100', 0],
    ];
    const positions = pairs.map(([t, i]) => encodePosition(t, i));
    expect([...positions].sort((a, b) => (a < b ? -1 : 1))).toEqual(positions);
  });

  it('clamps a position past 2^64 to the largest key when decoding', () => {
    expect(decodePosition(2n ** 80n)).toEqual([String(2n ** 44n - 1n), 1_048_575]);
  });

  it('refuses, typed, a transaction id that a 64-bit position cannot carry', () => {
    let error: unknown;
    try {
      encodePosition(String(2n ** 44n), 0);
    } catch (e) {
      error = e;
    }
    expect(isEventedError(error, 'INTERNAL')).toBe(true);
  });
});
