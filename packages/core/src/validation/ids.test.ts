import { describe, expect, it } from 'vitest';
import { isEventedError } from '../errors/evented-error.js';
import { assertValidId, normalizeEventId } from './ids.js';

function codeOf(run: () => void): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return isEventedError(error) ? error.code : 'NOT_EVENTED';
  }
}

describe('the id grammar', () => {
  it('accepts ordinary and unusual but printable ids', () => {
    for (const id of [
      'a',
      'account-1',
      "o'brien",
      '"; DROP TABLE events;--',
      'ünïcødé',
      '🏦',
      'a b',
      'x'.repeat(256),
    ]) {
      expect(codeOf(() => assertValidId('id', id))).toBeUndefined();
    }
  });

  it('refuses what is not a non-empty string', () => {
    for (const id of ['', 1, null, undefined, {}, ['a']]) {
      expect(codeOf(() => assertValidId('id', id))).toBe('INVALID_ARGUMENT');
    }
  });

  it('counts the limit in UTF-8 bytes', () => {
    expect(codeOf(() => assertValidId('id', 'x'.repeat(257)))).toBe('LIMIT_EXCEEDED');
    expect(codeOf(() => assertValidId('id', 'é'.repeat(128)))).toBeUndefined();
    expect(codeOf(() => assertValidId('id', 'é'.repeat(129)))).toBe('LIMIT_EXCEEDED');
    expect(codeOf(() => assertValidId('id', '🏦'.repeat(65)))).toBe('LIMIT_EXCEEDED');
  });

  it('refuses control characters, lone surrogates and the reserved prefix', () => {
    for (const id of [
      'a\u0000b',
      'line\n',
      'tab\t',
      '\u007f',
      '\u0085',
      'x\ud800',
      '\udc00y',
      '$system',
    ]) {
      expect(codeOf(() => assertValidId('id', id))).toBe('INVALID_ARGUMENT');
    }
  });

  it('normalises event ids to lower-case UUIDs and refuses anything else', () => {
    expect(normalizeEventId('id', 'A0B1C2D3-E4F5-4A6B-8C7D-9E0F1A2B3C4D')).toBe(
      'a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d',
    );
    for (const id of ['not-a-uuid', '', 42, 'a0b1c2d3e4f54a6b8c7d9e0f1a2b3c4d']) {
      expect(codeOf(() => normalizeEventId('id', id))).toBe('INVALID_ARGUMENT');
    }
  });
});
