import { describe, it } from 'vitest';
import type { AppendOptions, EventedErrorCode, NewEvent, StreamId } from '@evented/core';
import { expectCode } from '../support/expect-code.js';
import { expectRefused, newEvents, streamId, unchecked } from '../support/events.js';
import { badIds } from '../support/samples.js';
import type { SuiteSetup, TestStorage } from '../support/setup.js';
import { useStorage } from '../support/setup.js';

type IdField = 'domain' | 'aggregateId' | 'type' | 'commandId' | 'correlationId' | 'causationId';

/** An append with `value` in one id field and valid values everywhere else. */
function appendWith(t: TestStorage, field: IdField, value: unknown): Promise<unknown> {
  const stream = { ...streamId(), [field]: value } as unknown as StreamId;
  const event = { type: field === 'type' ? value : 'ItemAdded', data: {} } as NewEvent;
  const options = { expectedVersion: 'any', [field]: value } as unknown as AppendOptions;
  const target = field === 'domain' || field === 'aggregateId' ? stream : streamId();
  return t.eventStore.appendToStream(target, [event], options);
}

/** Invariant 6 for the shape of an append: ids, options and expected versions. */
export function describeBadInput(setup: SuiteSetup): void {
  const ids = badIds(setup.limits.maxIdBytes);
  const existing = streamId();

  describe('invariant 6: an append with a bad id is refused and writes nothing', () => {
    const t = useStorage(setup);
    const seed = (): Promise<unknown> =>
      t.eventStore.appendToStream(existing, newEvents(1), { expectedVersion: 0 });

    for (const field of [
      'domain',
      'aggregateId',
      'type',
      'commandId',
      'correlationId',
      'causationId',
    ] as const) {
      // The optional ids may be absent: undefined and null mean "none" there.
      const optional = field !== 'domain' && field !== 'aggregateId' && field !== 'type';
      const cases = ids.filter(([, [value]]) => !optional || value != null);
      it.each(cases)(`refuses ${field} as %s`, async (_, [value, code]) => {
        await seed();
        await expectRefused(t.eventStore, () => appendWith(t, field, value), code, [existing]);
      });
    }

    it.each<[string, unknown]>([
      ['null', null],
      ['a string', 'order/order-1'],
      ['an array', ['order', 'order-1']],
    ])('refuses a stream that is %s with INVALID_ARGUMENT', async (_, stream) => {
      await seed();
      await expectRefused(
        t.eventStore,
        () =>
          t.eventStore.appendToStream(unchecked<StreamId>(stream), newEvents(1), {
            expectedVersion: 'any',
          }),
        'INVALID_ARGUMENT',
        [existing],
      );
    });
  });

  describe('invariant 6: an append with a bad expected version or options is refused', () => {
    const t = useStorage(setup);

    it.each<[string, unknown]>([
      ['-1', -1],
      ['1.5', 1.5],
      ['NaN', Number.NaN],
      ['Infinity', Number.POSITIVE_INFINITY],
      ['beyond the safe integers', 2 ** 53],
      ["the string '1'", '1'],
      ["'none'", 'none'],
      ["'ANY'", 'ANY'],
      ['null', null],
      ['absent', undefined],
      ['a bigint', 1n],
    ])('refuses expectedVersion %s with INVALID_ARGUMENT', async (_, expectedVersion) => {
      await t.eventStore.appendToStream(existing, newEvents(1), { expectedVersion: 0 });
      await expectRefused(
        t.eventStore,
        () =>
          t.eventStore.appendToStream(
            existing,
            newEvents(1),
            unchecked<AppendOptions>({ expectedVersion }),
          ),
        'INVALID_ARGUMENT',
        [existing],
      );
    });

    it.each<[string, unknown]>([
      ['absent', undefined],
      ['null', null],
      ['a number', 1],
    ])('refuses options that are %s with INVALID_ARGUMENT', async (_, options) => {
      await expectRefused(
        t.eventStore,
        () =>
          t.eventStore.appendToStream(existing, newEvents(1), unchecked<AppendOptions>(options)),
        'INVALID_ARGUMENT',
        [existing],
      );
    });

    it.each<[string, unknown]>([
      ['absent', undefined],
      ['an object', { 0: newEvents(1)[0] }],
      ['a single event', newEvents(1)[0]],
    ])('refuses events that are %s with INVALID_ARGUMENT', async (_, events) => {
      await expectRefused(
        t.eventStore,
        () =>
          t.eventStore.appendToStream(existing, unchecked<NewEvent[]>(events), {
            expectedVersion: 'any',
          }),
        'INVALID_ARGUMENT',
        [existing],
      );
    });

    it.each<[string, unknown]>([
      ['null', null],
      ['a string', 'ItemAdded'],
      ['without a type', { data: {} }],
      ['without data', { type: 'ItemAdded' }],
      ['with schemaVersion 0', { type: 'ItemAdded', data: {}, schemaVersion: 0 }],
      ['with a fractional schemaVersion', { type: 'ItemAdded', data: {}, schemaVersion: 1.5 }],
      ['with a string schemaVersion', { type: 'ItemAdded', data: {}, schemaVersion: '2' }],
    ])('refuses an event that is %s with INVALID_ARGUMENT', async (_, event) => {
      await expectRefused(
        t.eventStore,
        () =>
          t.eventStore.appendToStream(existing, [...newEvents(1), unchecked<NewEvent>(event)], {
            expectedVersion: 'any',
          }),
        'INVALID_ARGUMENT',
        [existing],
      );
    });
  });

  describe('invariant 6: reads with a bad id are refused', () => {
    const t = useStorage(setup);
    const refusals: [string, (value: unknown) => Promise<unknown>][] = [
      [
        'readStream (domain)',
        (v) => t.eventStore.readStream(unchecked({ ...existing, domain: v })),
      ],
      [
        'streamVersion (aggregateId)',
        (v) => t.eventStore.streamVersion(unchecked({ ...existing, aggregateId: v })),
      ],
      ['findCommand', (v) => t.eventStore.findCommand(unchecked(v))],
    ];
    const cases = ids.flatMap(([name, [value, code]]) =>
      refusals.map(([call, read]) => [`${call}: ${name}`, read, value, code] as const),
    );

    it.each(cases)('%s', async (_, read, value, code: EventedErrorCode) => {
      await expectCode(read(value), code);
    });

    it('refuses waitForEvents after a position that is not a bigint', async () => {
      await expectCode(
        t.eventStore.waitForEvents(unchecked(1), { timeoutMs: 10 }),
        'INVALID_ARGUMENT',
      );
    });
  });
}
