import type { EventedErrorCode, JsonValue } from '@evented/core';

/** A named sample, so that a failing test says which one failed. */
export type Sample<T> = readonly [name: string, value: T];

/**
 * Valid ids that break careless stores: SQL and format-string fragments, JSON, wildcards,
 * key separators, look-alikes and the longest allowed ids in one-, two-, three- and
 * four-byte characters. Each must be stored and read back exactly, and all are distinct.
 */
export function hostileIds(maxIdBytes: number): Sample<string>[] {
  return [
    ['a single quote', "it's"],
    ['double quotes', '"quoted"'],
    ['an SQL injection', "'); DROP TABLE events;--"],
    ['an SQL comment', 'a -- b /* c */'],
    ['SQL keywords', 'SELECT * FROM events WHERE 1=1'],
    ['bound-parameter markers', '? :name @p $1'],
    ['printf directives', '%s%d%n%x'],
    ['LIKE wildcards', 'a%b_c'],
    ['glob wildcards', 'a*b?[c]'],
    ['a backslash', 'a\\b\\'],
    ['an escaped newline, literally', 'a\\nb'],
    ['a JSON object', '{"a":1}'],
    ['a JSON array', '[1,"x",null]'],
    ['the word null', 'null'],
    ['the word undefined', 'undefined'],
    ['__proto__', '__proto__'],
    ['constructor', 'constructor'],
    ['a template placeholder', 'x${jndi:ldap://x}'],
    ['a key separator', 'a:b'],
    ['a path', '../etc/passwd'],
    ['a dollar not at the start', 'a$'],
    ['a space', ' '],
    ['a trailing space', 'order '],
    ['an upper-case twin', 'ORDER'],
    ['an accented letter, composed (NFC)', '\u00e9t\u00e9'],
    ['an accented letter, decomposed (NFD)', 'e\u0301te\u0301'],
    ['non-Latin scripts', '日本語 עברית العربية'],
    ['emoji', '😀'],
    ['an emoji ZWJ sequence', '👩‍👩‍👧'],
    ['a zero-width space', 'a\u200bb'],
    ['a byte order mark', '\ufeffx'],
    ['a line separator', 'a\u2028b'],
    ['a character outside the BMP', '𝟘𝟙'],
    ['the longest ASCII id', 'x'.repeat(maxIdBytes)],
    ['the longest two-byte id', 'é'.repeat(Math.floor(maxIdBytes / 2))],
    ['the longest three-byte id', '€'.repeat(Math.floor(maxIdBytes / 3))],
    ['the longest four-byte id', '😀'.repeat(Math.floor(maxIdBytes / 4))],
  ];
}

/** Ids every store refuses, with the code it must refuse them with. */
export function badIds(maxIdBytes: number): Sample<readonly [unknown, EventedErrorCode]>[] {
  const over = maxIdBytes + 1;
  return [
    ['an empty string', ['', 'INVALID_ARGUMENT']],
    ['a number', [42, 'INVALID_ARGUMENT']],
    ['null', [null, 'INVALID_ARGUMENT']],
    ['undefined', [undefined, 'INVALID_ARGUMENT']],
    ['an object', [{ id: 'x' }, 'INVALID_ARGUMENT']],
    ['an array', [['x'], 'INVALID_ARGUMENT']],
    ['a String object', [new String('x'), 'INVALID_ARGUMENT']],
    ['a NUL character', ['a\u0000b', 'INVALID_ARGUMENT']],
    ['a newline', ['a\nb', 'INVALID_ARGUMENT']],
    ['a tab', ['\t', 'INVALID_ARGUMENT']],
    ['an escape character', ['\u001b[31m', 'INVALID_ARGUMENT']],
    ['DEL', ['a\u007f', 'INVALID_ARGUMENT']],
    ['a C1 control character', ['a\u0085', 'INVALID_ARGUMENT']],
    ['a lone high surrogate', ['a\ud800', 'INVALID_ARGUMENT']],
    ['a lone low surrogate', ['\udc00a', 'INVALID_ARGUMENT']],
    ['surrogates in the wrong order', ['\udc00\ud800', 'INVALID_ARGUMENT']],
    ['the reserved prefix $', ['$all', 'INVALID_ARGUMENT']],
    ['only the reserved prefix', ['$', 'INVALID_ARGUMENT']],
    ['one ASCII byte too many', ['x'.repeat(over), 'LIMIT_EXCEEDED']],
    // Fewer characters than the limit, more bytes: the limit counts UTF-8 bytes.
    ['two-byte characters over the limit', ['é'.repeat(Math.ceil(over / 2)), 'LIMIT_EXCEEDED']],
    ['three-byte characters over the limit', ['€'.repeat(Math.ceil(over / 3)), 'LIMIT_EXCEEDED']],
    ['four-byte characters over the limit', ['😀'.repeat(Math.ceil(over / 4)), 'LIMIT_EXCEEDED']],
  ];
}

class Money {
  constructor(readonly amount: number) {}
}

function nested(depth: number): JsonValue {
  let value: JsonValue = 'bottom';
  for (let i = 0; i < depth; i++) value = { inner: value };
  return value;
}

/** Values `JSON.stringify` would drop or change, built fresh for every use. */
export function nonJsonValues(): Sample<unknown>[] {
  const cycle: Record<string, unknown> = { name: 'loop' };
  cycle['self'] = cycle;
  const holes: unknown[] = [1];
  holes[2] = 3;
  return [
    ['undefined', undefined],
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    ['a bigint', 10n],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['a Date', new Date(0)],
    ['a Map', new Map([['a', 1]])],
    ['a Set', new Set([1])],
    ['a class instance', new Money(5)],
    ['a RegExp', /x/],
    ['a Uint8Array', new Uint8Array([1, 2])],
    ['an Error', new Error('x')],
    ['an object with toJSON', { toJSON: () => 'x' }],
    ['a cycle', cycle],
    ['undefined in an object', { a: 1, b: undefined }],
    ['a function in an array', [1, () => 2]],
    ['a hole in an array', holes],
    ['a bigint deep inside', { a: { b: [1, { c: 2n }] } }],
    ['NaN deep inside', [[[NaN]]]],
    ['a lone surrogate in a string', { text: 'a\ud800' }],
    ['a lone surrogate in a key', { ['\udc00']: 1 }],
    ['nesting 1000 levels deep', nested(1000)],
  ];
}

/** JSON values that must survive a round trip exactly, including ones stores mangle. */
export function jsonSamples(): Sample<JsonValue>[] {
  return [
    ['null', null],
    ['false', false],
    ['zero', 0],
    ['a negative fraction', -12.5],
    ['the largest safe integer', Number.MAX_SAFE_INTEGER],
    ['a tiny float', 1e-300],
    ['the largest double', Number.MAX_VALUE],
    ['an empty string', ''],
    ['a string with NUL', 'a\u0000b'],
    ['escape sequences', '\\"\n\t\b\f\r/'],
    ['emoji', '😀 👩‍👩‍👧'],
    ['an empty array', []],
    ['an empty object', {}],
    ['an empty key', { '': 1 }],
    ['a __proto__ key', JSON.parse('{"__proto__":{"polluted":true}}') as JsonValue],
    ['operator-like keys', { $where: 1, 'a.b': 2, "'); DROP": 3, constructor: 4 }],
    ['nesting 50 levels deep', nested(50)],
    ['a long array', Array.from({ length: 1000 }, (_, i) => i)],
    ['mixed', { list: [1, 'two', null, true, { three: [3.5] }], text: 'ünïcödé' }],
  ];
}
