import { describe, expect, it } from 'vitest';
import { isEventedError } from '../errors/evented-error.js';
import type { RecordedEvent } from '../event-store/types.js';
import { defaultLimits, resolveLimits } from '../validation/limits.js';
import type { NewDeadLetter } from './dead-letter-store.js';
import {
  parseDeadLetterEvent,
  prepareDeadLetterQuery,
  prepareDeadLetterRemoval,
  prepareDeadLetters,
  storableText,
} from './prepare-dead-letter.js';

const event: RecordedEvent = {
  id: '6F9619FF-8B86-4D11-B42D-00C04FC964FF',
  domain: 'order',
  aggregateId: 'o-1',
  version: 2,
  position: 2n ** 64n - 1n,
  type: 'ItemAdded',
  data: { b: 1, a: [1.5, 'x', null] },
  metadata: { tenant: 't' },
  schemaVersion: 3,
  recordedAt: new Date(1_700_000_000_123),
  correlationId: 'c-1',
  causationId: null,
};

function letter(extra: Partial<NewDeadLetter> = {}): NewDeadLetter {
  return {
    processor: 'p',
    event,
    reason: 'failed',
    message: 'm',
    code: undefined,
    attempts: 1,
    ...extra,
  };
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return isEventedError(error) ? error.code : 'not evented';
  }
  return undefined;
}

describe('prepareDeadLetters', () => {
  it('writes the event as JSON that reads back equal, its id in lower case', () => {
    const [prepared] = prepareDeadLetters([letter()], defaultLimits);
    expect(prepared!.eventId).toBe(event.id.toLowerCase());
    expect(prepared!.code).toBeNull();
    expect(prepared!.eventJson).toContain('"data":{"b":1,"a":[1.5,"x",null]}');
    expect(parseDeadLetterEvent(prepared!.eventJson)).toEqual({
      ...event,
      id: event.id.toLowerCase(),
    });
  });

  it('keeps the first letter of an event per processor', () => {
    const prepared = prepareDeadLetters(
      [
        letter({ message: 'first' }),
        letter({ message: 'second' }),
        letter({ processor: 'q', message: 'other' }),
      ],
      defaultLimits,
    );
    expect(prepared.map((l) => [l.processor, l.message])).toEqual([
      ['p', 'first'],
      ['q', 'other'],
    ]);
  });

  it('refuses more letters than an append may hold with LIMIT_EXCEEDED', () => {
    const limits = resolveLimits({ maxEventsPerAppend: 2 });
    expect(codeOf(() => prepareDeadLetters([letter(), letter(), letter()], limits))).toBe(
      'LIMIT_EXCEEDED',
    );
  });
});

describe('prepareDeadLetterQuery and prepareDeadLetterRemoval', () => {
  it('applies the defaults', () => {
    expect(prepareDeadLetterQuery('p', undefined, defaultLimits)).toEqual({
      processor: 'p',
      stream: undefined,
      after: 0n,
      limit: 100,
    });
    expect(prepareDeadLetterQuery('p', { domain: 'd', aggregateId: 'a' }, defaultLimits)).toEqual({
      processor: 'p',
      stream: { domain: 'd', aggregateId: 'a' },
      after: 0n,
      limit: 100,
    });
  });

  it('returns each event id once, in lower case', () => {
    const id = event.id;
    expect(prepareDeadLetterRemoval('p', [id, id.toLowerCase()], defaultLimits)).toEqual([
      id.toLowerCase(),
    ]);
  });
});

describe('storableText', () => {
  it('keeps a text within the limit, replacing only NUL and lone surrogates', () => {
    expect(storableText('a\nb\tc😀', 100)).toBe('a\nb\tc😀');
    expect(storableText('a\u0000\ud800\udc00\udc00', 100)).toBe('a\ufffd\ud800\udc00\ufffd');
    expect(storableText('x'.repeat(100), 100)).toBe('x'.repeat(100));
  });

  it('cuts a longer text at a character boundary and marks it, within the limit', () => {
    for (const text of ['x'.repeat(101), '😀'.repeat(40), 'é'.repeat(80), 'a' + '€'.repeat(60)]) {
      const cut = storableText(text, 100);
      expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(100);
      expect(cut).toMatch(/… \[truncated, \d+ bytes\]$/);
      const kept = cut.slice(0, cut.lastIndexOf('…'));
      expect(text.startsWith(kept)).toBe(true);
      expect(Buffer.byteLength(kept)).toBeGreaterThan(100 - 30 - 4);
    }
  });
});
