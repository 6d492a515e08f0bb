import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type {
  AppendResult,
  EventStore,
  ExpectedVersion,
  Position,
  RecordedEvent,
  StreamId,
} from '@evented/core';
import { START } from '@evented/core';
import { expectCode } from '../support/expect-code.js';
import { readWholeLog } from '../support/events.js';
import type { SuiteSetup } from '../support/setup.js';
import { openEmpty } from '../support/setup.js';

const STREAMS: readonly StreamId[] = [
  { domain: 'order', aggregateId: 'o-1' },
  { domain: 'order', aggregateId: 'o-2' },
  { domain: 'invoice', aggregateId: 'o-1' },
];
const TYPES = ['Opened', 'Changed'] as const;
const EXPECTATIONS = ['current', 'behind', 'ahead', 'any', 'no-stream'] as const;

type Step =
  | {
      kind: 'append';
      stream: number;
      types: number[];
      expect: (typeof EXPECTATIONS)[number];
      command: number | null;
    }
  | {
      kind: 'readStream';
      stream: number;
      backwards: boolean;
      from: number | null;
      limit: number | null;
    }
  | { kind: 'tail'; limit: number }
  | { kind: 'readAll'; limit: number; domain: string | null; type: string | null };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      stream: fc.nat(STREAMS.length - 1),
      types: fc.array(fc.nat(TYPES.length - 1), { maxLength: 3 }),
      expect: fc.constantFrom(...EXPECTATIONS),
      command: fc.option(fc.nat(3), { nil: null }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('readStream' as const),
      stream: fc.nat(STREAMS.length - 1),
      backwards: fc.boolean(),
      from: fc.option(fc.nat(8), { nil: null }),
      limit: fc.option(fc.nat(4), { nil: null }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('tail' as const),
      limit: fc.integer({ min: 1, max: 4 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('readAll' as const),
      limit: fc.integer({ min: 1, max: 5 }),
      domain: fc.option(fc.constantFrom('order', 'invoice'), { nil: null }),
      type: fc.option(fc.constantFrom(...TYPES), { nil: null }),
    }),
  },
);

/** What the store should hold: the plain in-memory model the store is compared with. */
class Model {
  readonly streams: RecordedEvent[][] = STREAMS.map(() => []);
  readonly log: RecordedEvent[] = [];
  readonly commands = new Map<string, AppendResult>();
  /** A reader tailing the log one page at a time, across the whole run. */
  cursor: Position = START;
  readonly tailed: RecordedEvent[] = [];
  serial = 0;

  get head(): Position {
    return this.log.at(-1)?.position ?? START;
  }
}

const summary = (events: readonly RecordedEvent[]) =>
  events.map((e) => [e.id, e.domain, e.aggregateId, e.version, e.type, e.data, e.position]);

function expectedVersionOf(
  step: Extract<Step, { kind: 'append' }>,
  current: number,
): ExpectedVersion {
  switch (step.expect) {
    case 'current':
      return current;
    case 'behind':
      return current > 0 ? current - 1 : current + 2;
    case 'ahead':
      return current + 1;
    default:
      return step.expect;
  }
}

async function append(store: EventStore, model: Model, step: Extract<Step, { kind: 'append' }>) {
  const stream = STREAMS[step.stream]!;
  const current = model.streams[step.stream]!.length;
  const expectedVersion = expectedVersionOf(step, current);
  const commandId = step.command === null ? undefined : `cmd-${step.command}`;
  const events = step.types.map((t) => ({ type: TYPES[t]!, data: { serial: model.serial++ } }));
  const call = () =>
    store.appendToStream(stream, events, { expectedVersion, ...(commandId ? { commandId } : {}) });
  const first = commandId === undefined ? undefined : model.commands.get(commandId);
  const wanted =
    expectedVersion === 'any' ? current : expectedVersion === 'no-stream' ? 0 : expectedVersion;
  if (first) {
    expect(await call()).toEqual({ ...first, duplicate: true });
  } else if (wanted !== current) {
    const error = await expectCode(call(), 'CONCURRENCY_CONFLICT');
    expect(error.details).toMatchObject({ expected: expectedVersion, actual: current });
  } else {
    const result = await call();
    expect(result).toMatchObject({ ...stream, version: current + events.length, duplicate: false });
    expect(result.events.map((e) => [e.version, e.type, e.data])).toEqual(
      events.map((e, i) => [current + i + 1, e.type, e.data]),
    );
    let last = model.head;
    for (const event of result.events) {
      expect(event.position > last, 'positions grow in the order of successful appends').toBe(true);
      last = event.position;
    }
    model.streams[step.stream]!.push(...result.events);
    model.log.push(...result.events);
    if (commandId) model.commands.set(commandId, result);
  }
  expect(await store.headPosition()).toBe(model.head);
}

async function readStream(
  store: EventStore,
  model: Model,
  step: Extract<Step, { kind: 'readStream' }>,
) {
  const all = model.streams[step.stream]!;
  const from = step.from ?? (step.backwards ? all.length : 1);
  const selected = step.backwards
    ? all.filter((e) => e.version <= from).reverse()
    : all.filter((e) => e.version >= from);
  const read = await store.readStream(STREAMS[step.stream]!, {
    direction: step.backwards ? 'backwards' : 'forwards',
    ...(step.from === null ? {} : { fromVersion: step.from }),
    ...(step.limit === null ? {} : { limit: step.limit }),
  });
  expect(summary(read)).toEqual(summary(selected.slice(0, step.limit ?? undefined)));
}

async function tail(store: EventStore, model: Model, limit: number) {
  const after = model.cursor;
  const page = await store.readAll({ after, limit });
  const unseen = model.log.filter((e) => e.position > after);
  expect(summary(page.events)).toEqual(summary(unseen.slice(0, page.events.length)));
  expect(page.events.length).toBeLessThanOrEqual(limit);
  if (unseen.length > 0)
    expect(page.events.length, 'a page after unseen events is not empty').toBeGreaterThan(0);
  expect(page.position >= after && page.position >= (page.events.at(-1)?.position ?? START)).toBe(
    true,
  );
  const skipped = unseen.slice(page.events.length).filter((e) => e.position <= page.position);
  expect(summary(skipped), 'events the reader would never see').toEqual([]);
  if (page.isEnd) expect(page.events.length).toBe(unseen.length);
  model.cursor = page.position;
  model.tailed.push(...page.events);
}

async function checkAll(store: EventStore, model: Model) {
  for (const [i, stream] of STREAMS.entries()) {
    expect(summary(await store.readStream(stream))).toEqual(summary(model.streams[i]!));
    expect(await store.streamVersion(stream)).toBe(model.streams[i]!.length);
  }
  expect(await store.headPosition()).toBe(model.head);
  expect(summary(await readWholeLog(store))).toEqual(summary(model.log));
  for (let guard = 0; guard <= model.log.length; guard++) await tail(store, model, 5);
  expect(summary(model.tailed), 'the tailing reader saw every event once, in order').toEqual(
    summary(model.log),
  );
}

/** Random interleavings of appends and reads compared with a simple in-memory model. */
export function describeProperties(setup: SuiteSetup): void {
  describe('invariants 1, 2 and 5 under random interleavings (fast-check)', () => {
    it('behaves like the model: successful appends visible, conflicts write nothing, order kept', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(stepArbitrary, { minLength: 1, maxLength: 30 }),
          async (steps) => {
            const storage = await openEmpty(setup.factory);
            const store = storage.eventStore;
            const model = new Model();
            try {
              for (const step of steps) {
                if (step.kind === 'append') await append(store, model, step);
                else if (step.kind === 'readStream') await readStream(store, model, step);
                else if (step.kind === 'tail') await tail(store, model, step.limit);
                else {
                  const filter = {
                    ...(step.domain ? { domains: [step.domain] } : {}),
                    ...(step.type ? { types: [step.type] } : {}),
                  };
                  const wanted = model.log.filter(
                    (e) =>
                      (!step.domain || e.domain === step.domain) &&
                      (!step.type || e.type === step.type),
                  );
                  expect(summary(await readWholeLog(store, filter, step.limit))).toEqual(
                    summary(wanted),
                  );
                }
              }
              await checkAll(store, model);
            } finally {
              await storage.close();
            }
          },
        ),
        { numRuns: setup.propertyRuns, ...(setup.seed === undefined ? {} : { seed: setup.seed }) },
      );
    }, 120_000);
  });
}
