import { describe, expect, it } from 'vitest';
import { isEventedError } from '../errors/evented-error.js';
import type { JsonObject, NewEvent, RecordedEvent } from '../event-store/types.js';
import type { Upcaster } from './upcaster.js';
import { UpcasterRegistry } from './upcaster-registry.js';

const stored = (type: string, schemaVersion: number, data: object = {}): RecordedEvent => ({
  id: '0b9d2a52-7c39-4c1e-9a55-2f1d3c6b8e01',
  domain: 'account',
  aggregateId: 'ann',
  version: 3,
  position: 7n,
  type,
  data: data as JsonObject,
  metadata: { source: 'test' },
  schemaVersion,
  recordedAt: new Date(0),
  correlationId: null,
  causationId: null,
});

/** Deposited v1 `{ amount }` -> v2 adds `currency` -> v3 renames `amount` to `cents`. */
const deposited: Upcaster[] = [
  {
    type: 'Deposited',
    fromVersion: 1,
    upcast: ({ data }) => ({ data: { ...(data as object), currency: 'EUR' } }),
  },
  {
    type: 'Deposited',
    fromVersion: 2,
    upcast: ({ data, metadata }) => {
      const { amount, ...rest } = data as { amount: number };
      return { data: { ...rest, cents: amount }, metadata: { ...metadata, upcast: true } };
    },
  },
];

function upcastError(registry: UpcasterRegistry, event: RecordedEvent) {
  try {
    registry.upcast(event);
  } catch (error) {
    if (isEventedError(error, 'UPCAST_FAILED')) return error;
    throw error;
  }
  return expect.fail('expected UPCAST_FAILED');
}

describe('UpcasterRegistry', () => {
  it('chains upcasters 1 -> 2 -> 3 and leaves the stored event as it was', () => {
    const registry = new UpcasterRegistry(deposited);
    const event = stored('Deposited', 1, { amount: 500 });
    const upcast = registry.upcast(event);
    expect(upcast).toEqual({
      ...event,
      schemaVersion: 3,
      data: { currency: 'EUR', cents: 500 },
      metadata: { source: 'test', upcast: true },
    });
    expect(event).toMatchObject({ schemaVersion: 1, data: { amount: 500 } });
    expect(registry.upcast(stored('Deposited', 2, { amount: 1, currency: 'USD' })).data).toEqual({
      currency: 'USD',
      cents: 1,
    });
  });

  it('returns the same object for an event at its current version or of a type without upcasters', () => {
    const registry = new UpcasterRegistry(deposited);
    const current = stored('Deposited', 3, { cents: 1 });
    const other = stored('Withdrawn', 1);
    const otherLater = stored('Withdrawn', 4);
    expect(registry.upcast(current)).toBe(current);
    expect(registry.upcast(other)).toBe(other);
    expect(registry.upcast(otherLater)).toBe(otherLater);
    const events = [current, other];
    expect(registry.upcastAll(events)).toBe(events);
  });

  it('renames a type and continues the chain under the new name', () => {
    const registry = new UpcasterRegistry([
      {
        type: 'MoneyIn',
        fromVersion: 1,
        toType: 'Deposited',
        // Straight to Deposited's version 2, which has a currency.
        upcast: ({ data }) => ({
          data: { amount: (data as { sum: number }).sum, currency: 'EUR' },
        }),
      },
      ...deposited,
    ]);
    expect(registry.currentVersion('Deposited')).toBe(3);
    expect(registry.currentVersion('MoneyIn')).toBeUndefined();
    expect(registry.upcast(stored('MoneyIn', 1, { sum: 7 }))).toMatchObject({
      type: 'Deposited',
      schemaVersion: 3,
      data: { currency: 'EUR', cents: 7 },
    });
  });

  it('fails with UPCAST_FAILED naming the event, its type and version when a link is missing', () => {
    const registry = new UpcasterRegistry([deposited[1]!]);
    const error = upcastError(registry, stored('Deposited', 1));
    expect(error.details).toMatchObject({
      eventId: '0b9d2a52-7c39-4c1e-9a55-2f1d3c6b8e01',
      type: 'Deposited',
      schemaVersion: 1,
      domain: 'account',
      aggregateId: 'ann',
      version: 3,
      position: '7',
      reachedVersion: 1,
      currentVersion: 3,
    });
    expect(error.message).toContain('0b9d2a52-7c39-4c1e-9a55-2f1d3c6b8e01');
  });

  it('fails for an event newer than its type current version, and for a retired type', () => {
    const registry = new UpcasterRegistry([
      ...deposited,
      { type: 'Old', fromVersion: 1, toType: 'New', upcast: ({ data }) => ({ data }) },
    ]);
    expect(upcastError(registry, stored('Deposited', 4)).details).toMatchObject({
      schemaVersion: 4,
      currentVersion: 3,
    });
    expect(upcastError(registry, stored('Old', 2)).details).toMatchObject({
      type: 'Old',
      reachedType: 'Old',
      reachedVersion: 2,
    });
  });

  it('fails with UPCAST_FAILED, the cause attached, when an upcaster throws or returns no data', () => {
    const boom = new Error('no currency for this account');
    const throwing = new UpcasterRegistry([
      {
        type: 'Deposited',
        fromVersion: 1,
        upcast: () => {
          throw boom;
        },
      },
    ]);
    const error = upcastError(throwing, stored('Deposited', 1));
    expect(error.cause).toBe(boom);
    expect(error.details).toMatchObject({ type: 'Deposited', schemaVersion: 1 });
    const empty = new UpcasterRegistry([
      { type: 'Deposited', fromVersion: 1, upcast: () => ({}) as never },
    ]);
    expect(upcastError(empty, stored('Deposited', 1)).details).toMatchObject({
      reachedVersion: 1,
    });
  });

  it('stamps new events with their type current version unless they name one', () => {
    const registry = new UpcasterRegistry(deposited);
    const events: NewEvent[] = [
      { type: 'Deposited', data: { cents: 1, currency: 'EUR' } },
      { type: 'Deposited', data: { amount: 1 }, schemaVersion: 1 },
      { type: 'Withdrawn', data: { amount: 1 } },
    ];
    expect(registry.stamp(events)).toEqual([
      { ...events[0], schemaVersion: 3 },
      events[1],
      events[2],
    ]);
    const none = new UpcasterRegistry([]);
    expect(none.stamp(events)).toBe(events);
    expect(none.size).toBe(0);
  });

  it.each<[string, unknown]>([
    ['a duplicate (type, fromVersion)', [deposited[0], deposited[0]]],
    ['a fromVersion of 0', [{ ...deposited[0], fromVersion: 0 }]],
    ['an empty type', [{ ...deposited[0], type: '' }]],
    ['a reserved toType', [{ ...deposited[0], toType: '$x' }]],
    ['no upcast function', [{ type: 'Deposited', fromVersion: 1 }]],
    ['null', [null]],
  ])('refuses %s with CONFIGURATION', (_, upcasters) => {
    expect(() => new UpcasterRegistry(upcasters as Upcaster[])).toThrow(
      expect.objectContaining({ code: 'CONFIGURATION' }),
    );
  });
});
