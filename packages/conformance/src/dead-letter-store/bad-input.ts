import { describe, expect, it } from 'vitest';
import type {
  DeadLetterQuery,
  DeadLetterStore,
  EventedErrorCode,
  NewDeadLetter,
  RecordedEvent,
} from '@evented/core';
import { expectCode } from '../support/expect-code.js';
import { streamId, unchecked } from '../support/events.js';
import { badIds, nonJsonValues } from '../support/samples.js';
import type { Sample } from '../support/samples.js';
import type { SuiteSetup } from '../support/setup.js';
import { letter, recorded, useDeadLetterStore } from './support.js';

type BadLetter = (event: RecordedEvent) => unknown;

/** Letters every store refuses with INVALID_ARGUMENT. */
function badLetters(): Sample<BadLetter>[] {
  const withEvent = (change: Record<string, unknown>): BadLetter => {
    return (event) => letter(unchecked<RecordedEvent>({ ...event, ...change }));
  };
  const without =
    (field: keyof NewDeadLetter): BadLetter =>
    (event) => {
      const copy: Record<string, unknown> = { ...letter(event) };
      delete copy[field];
      return copy;
    };
  return [
    ['null', () => null],
    ['a string', () => 'letter'],
    ['without a processor', without('processor')],
    ['with an unknown reason', (e) => letter(e, unchecked({ reason: 'poison' }))],
    ['without a reason', without('reason')],
    ['with a message that is a number', (e) => letter(e, unchecked({ message: 42 }))],
    ['with a message that is null', (e) => letter(e, unchecked({ message: null }))],
    ['without a message', without('message')],
    ['with a code that is a number', (e) => letter(e, unchecked({ code: 13 }))],
    ['with a code that is null', (e) => letter(e, unchecked({ code: null }))],
    ['with negative attempts', (e) => letter(e, { attempts: -1 })],
    ['with fractional attempts', (e) => letter(e, { attempts: 1.5 })],
    ['with NaN attempts', (e) => letter(e, { attempts: NaN })],
    ['with attempts as a string', (e) => letter(e, unchecked({ attempts: '3' }))],
    ['with attempts past 2^31-1', (e) => letter(e, { attempts: 2 ** 31 })],
    ['without attempts', without('attempts')],
    ['without an event', without('event')],
    ['with an event that is a string', (e) => letter(e, unchecked({ event: 'event' }))],
    ['with an event id that is not a UUID', withEvent({ id: 'event-1' })],
    ['with an event without a position', withEvent({ position: undefined })],
    ['with an event position that is a number', withEvent({ position: 5 })],
    ['with an event position of 0', withEvent({ position: 0n })],
    ['with a negative event position', withEvent({ position: -5n })],
    ['with an event position past 2^64-1', withEvent({ position: 2n ** 64n })],
    ['with an event version of 0', withEvent({ version: 0 })],
    ['with an event domain that is reserved', withEvent({ domain: '$all' })],
    ['with an event aggregate id with a newline', withEvent({ aggregateId: 'a\nb' })],
    ['with an event type that is empty', withEvent({ type: '' })],
    ['with event data that is undefined', withEvent({ data: undefined })],
    ['with event data that is a bigint', withEvent({ data: { n: 1n } })],
    ['with event metadata that is an array', withEvent({ metadata: [1] })],
    ['with an event schema version of 0', withEvent({ schemaVersion: 0 })],
    ['with an event recordedAt that is a string', withEvent({ recordedAt: '2024-01-01' })],
    ['with an event recordedAt that is an invalid Date', withEvent({ recordedAt: new Date(NaN) })],
    ['with an event correlation id that is a number', withEvent({ correlationId: 7 })],
    ['with an event causation id that is reserved', withEvent({ causationId: '$x' })],
    ...nonJsonValues()
      .slice(0, 6)
      .map(([name, value]): Sample<BadLetter> => [
        `with event data ${name}`,
        withEvent({ data: value }),
      ]),
  ];
}

/** What a refused call must leave as it was: every processor's letters and aggregates. */
async function observe(store: DeadLetterStore, processors: readonly string[]): Promise<unknown> {
  return Promise.all(
    processors.map(async (p) => [await store.list(p), await store.parkedAggregates(p)]),
  );
}

/** Invariant 6 for dead letters: bad input is refused with a stable code and writes nothing. */
export function describeDeadLetterBadInput(setup: SuiteSetup): void {
  describe('invariant 6: a bad dead letter refuses the whole batch and writes nothing', () => {
    const t = useDeadLetterStore(setup);

    it.each(badLetters())('refuses a letter %s with INVALID_ARGUMENT', async (_, make) => {
      const [parked, good, other] = await recorded(t.eventStore, streamId(), 3);
      await t.deadLetterStore.park([letter(parked!)]);
      const before = await observe(t.deadLetterStore, ['projector', 'other']);
      const batch = [letter(good!), letter(other!, { processor: 'other' }), make(other!)];
      await expectCode(
        t.deadLetterStore.park(unchecked<NewDeadLetter[]>(batch)),
        'INVALID_ARGUMENT',
      );
      expect(await observe(t.deadLetterStore, ['projector', 'other'])).toEqual(before);
    });

    it.each(badIds(setup.limits.maxIdBytes))(
      'refuses a processor name that is %s',
      async (_, [value, code]) => {
        const [first, second] = await recorded(t.eventStore, streamId(), 2);
        await expectCode(
          t.deadLetterStore.park([
            letter(first!),
            letter(second!, { processor: unchecked<string>(value) }),
          ]),
          code,
        );
        expect(await t.deadLetterStore.list('projector')).toEqual([]);
      },
    );

    it.each<[string, unknown]>([
      ['undefined', undefined],
      ['null', null],
      ['a letter, not a list', {}],
    ])('refuses a batch that is %s', async (_, value) => {
      await expectCode(
        t.deadLetterStore.park(unchecked<NewDeadLetter[]>(value)),
        'INVALID_ARGUMENT',
      );
    });
  });

  describe('invariant 6: bad list, parkedAggregates and remove arguments are refused', () => {
    const t = useDeadLetterStore(setup);

    it.each<[string, unknown]>([
      ['a domain without an aggregate id', { domain: 'order' }],
      ['an aggregate id without a domain', { aggregateId: 'order-1' }],
      ['a reserved domain', { domain: '$all', aggregateId: 'a' }],
      ['an aggregate id with a control character', { domain: 'order', aggregateId: 'a\u0000' }],
      ['an after that is a number', { after: 5 }],
      ['a negative after', { after: -1n }],
      ['a limit of 0', { limit: 0 }],
      ['a negative limit', { limit: -1 }],
      ['a fractional limit', { limit: 1.5 }],
      ['a limit that is a string', { limit: '5' }],
      ['a limit over 10,000', { limit: 10_001 }],
      ['a query that is a string', 'order'],
      ['a query that is null', null],
    ])('refuses a list query with %s', async (_, query) => {
      await expectCode(
        t.deadLetterStore.list('projector', unchecked<DeadLetterQuery>(query)),
        'INVALID_ARGUMENT',
      );
    });

    it.each<[string, unknown]>([
      ['not a list', 'a-b'],
      ['null', null],
      ['an id that is not a UUID', ['event-1']],
      ['an id that is a number', [1]],
      ['a UUID with extra text', ['00000000-0000-4000-8000-000000000000; DROP']],
    ])('refuses event ids that are %s and removes nothing', async (_, ids) => {
      const [event] = await recorded(t.eventStore, streamId());
      await t.deadLetterStore.park([letter(event!)]);
      await expectCode(
        t.deadLetterStore.remove('projector', unchecked<string[]>([event!.id, ...[ids].flat()])),
        'INVALID_ARGUMENT',
      );
      if (!Array.isArray(ids)) {
        await expectCode(
          t.deadLetterStore.remove('projector', unchecked<string[]>(ids)),
          'INVALID_ARGUMENT',
        );
      }
      expect(await t.deadLetterStore.list('projector')).toHaveLength(1);
    });

    const calls = [
      ['list', (store: DeadLetterStore, name: string) => store.list(name)],
      ['parkedAggregates', (store: DeadLetterStore, name: string) => store.parkedAggregates(name)],
      ['remove', (store: DeadLetterStore, name: string) => store.remove(name, [])],
    ] as const;
    const cases = badIds(setup.limits.maxIdBytes).flatMap(([name, [value, code]]) =>
      calls.map(
        ([call, run]) =>
          [`${call} of a processor name that is ${name}`, run, value, code] as readonly [
            string,
            (store: DeadLetterStore, name: string) => Promise<unknown>,
            unknown,
            EventedErrorCode,
          ],
      ),
    );
    it.each(cases)('refuses %s', async (_, run, value, code) => {
      await expectCode(run(t.deadLetterStore, unchecked<string>(value)), code);
    });
  });
}
