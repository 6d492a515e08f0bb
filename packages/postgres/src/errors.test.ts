import { describe, expect, it } from 'vitest';
import { EventedError } from '@evented/core';
import { isConnectionLoss, translatePostgresError } from './errors.js';

/** A server error as pg raises it: a message, a SQLSTATE and maybe a constraint. */
function serverError(code: string, constraint?: string): Error {
  return Object.assign(new Error(`server says ${code}`), { code, constraint });
}

describe('translatePostgresError', () => {
  it.each([
    ['a unique violation', serverError('23505', 'events_id_unique'), 'ALREADY_EXISTS'],
    ['a check violation', serverError('23514'), 'INVALID_ARGUMENT'],
    ['\\u0000 refused by jsonb', serverError('22P05'), 'INVALID_ARGUMENT'],
    ['a value out of range', serverError('22003'), 'INVALID_ARGUMENT'],
    ['a character not in the encoding', serverError('22021'), 'INVALID_ARGUMENT'],
    ['a deadlock', serverError('40P01'), 'UNAVAILABLE'],
    ['a serialization failure', serverError('40001'), 'UNAVAILABLE'],
    ['a statement timeout', serverError('57014'), 'UNAVAILABLE'],
    ['an administrator shutdown', serverError('57P01'), 'UNAVAILABLE'],
    ['too many connections', serverError('53300'), 'UNAVAILABLE'],
    ['a full disk', serverError('53100'), 'UNAVAILABLE'],
    ['a connection failure', serverError('08006'), 'UNAVAILABLE'],
    ['a missing table (not migrated)', serverError('42P01'), 'CONFIGURATION'],
    ['a missing privilege', serverError('42501'), 'CONFIGURATION'],
    ['a failed password', serverError('28P01'), 'CONFIGURATION'],
    ['an unknown database', serverError('3D000'), 'CONFIGURATION'],
    ['a read-only standby', serverError('25006'), 'CONFIGURATION'],
    ['a syntax error (a bug)', serverError('42601'), 'INTERNAL'],
    [
      'a refused connection',
      Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
      'UNAVAILABLE',
    ],
    ['a broken pipe', Object.assign(new Error('write'), { code: 'EPIPE' }), 'UNAVAILABLE'],
    ['an unknown host', Object.assign(new Error('dns'), { code: 'ENOTFOUND' }), 'UNAVAILABLE'],
    ['a lost connection', new Error('Connection terminated unexpectedly'), 'UNAVAILABLE'],
    [
      'a broken client',
      new Error('Client has encountered a connection error and is not queryable'),
      'UNAVAILABLE',
    ],
    ['a pool timeout', new Error('timeout exceeded when trying to connect'), 'UNAVAILABLE'],
    ['an ended pool', new Error('Cannot use a pool after calling end on the pool'), 'UNAVAILABLE'],
    ['anything else', new TypeError('x is not a function'), 'INTERNAL'],
    ['a thrown string', 'boom', 'INTERNAL'],
  ])('translates %s', (_, error, code) => {
    const translated = translatePostgresError(error, 'appending');
    expect(translated).toBeInstanceOf(EventedError);
    expect(translated.code).toBe(code);
    expect(translated.message).toMatch(/^appending: /);
    expect(translated.cause).toBe(error);
  });

  it('keeps the SQLSTATE and the constraint in the details', () => {
    expect(translatePostgresError(serverError('23505', 'commands_pkey'), 'x').details).toEqual({
      postgresCode: '23505',
      constraint: 'commands_pkey',
    });
  });

  it('passes evented errors through unchanged', () => {
    const error = new EventedError('CONCURRENCY_CONFLICT', 'no');
    expect(translatePostgresError(error, 'x')).toBe(error);
  });
});

describe('isConnectionLoss', () => {
  it.each([
    ['a terminated backend', serverError('57P01'), true],
    ['a connection failure', serverError('08006'), true],
    ['a reset socket', Object.assign(new Error('read'), { code: 'ECONNRESET' }), true],
    ['a lost connection', new Error('Connection terminated unexpectedly'), true],
    ['a unique violation', serverError('23505'), false],
    ['a statement timeout', serverError('57014'), false],
    ['a pool timeout', new Error('timeout exceeded when trying to connect'), false],
    ['a thrown string', 'boom', false],
  ])('says %s is %s', (_, error, lost) => {
    expect(isConnectionLoss(error)).toBe(lost);
  });
});
