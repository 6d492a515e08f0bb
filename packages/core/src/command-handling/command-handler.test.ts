import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStorage } from '@evented/sqlite';
import type { Evented } from '../facade/evented.js';
import { Evented as EventedApp } from '../facade/evented.js';
import type { BusinessLogic } from './business-logic.js';
import { fromDecider } from './decider.js';
import { silentLogger } from '../observability/logger.js';
import { counter, LIMIT } from './counter.fixture.js';
import type { Command } from './command.js';

const opened: Evented[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((evented) => evented.close()));
});

async function app(
  logic: BusinessLogic = fromDecider(counter),
  snapshotEvery?: number,
): Promise<Evented> {
  const evented = await EventedApp.builder({
    storage: () => openSqliteStorage(),
    logger: silentLogger,
  })
    .withBusinessLogic('counter', logic, snapshotEvery ? { snapshotEvery } : {})
    .build();
  opened.push(evented);
  return evented;
}

const add = (by: number, extra: Partial<Command> = {}): Command => ({
  domain: 'counter',
  aggregateId: 'c-1',
  type: 'Add',
  data: { by },
  ...extra,
});

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code ?? 'NOT_EVENTED';
  }
}

describe('dispatch', () => {
  it('appends the decided events and returns them with the new version', async () => {
    const evented = await app();
    const first = await evented.dispatch(add(2));
    const second = await evented.dispatch({ ...add(3), type: 'AddTwice' });
    expect(first.version).toBe(1);
    expect(second.version).toBe(3);
    expect(second.events.map((e) => [e.version, e.type, e.data])).toEqual([
      [2, 'Added', { by: 3 }],
      [3, 'Added', { by: 3 }],
    ]);
    expect(
      await evented.storage.eventStore.streamVersion({ domain: 'counter', aggregateId: 'c-1' }),
    ).toBe(3);
  });

  it('reports a rejection as COMMAND_REJECTED with its reason, and writes nothing', async () => {
    const evented = await app();
    await evented.dispatch(add(LIMIT));
    const error = await evented.dispatch(add(1)).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'COMMAND_REJECTED',
      details: { reason: 'over the limit', total: LIMIT },
    });
    expect(await evented.storage.eventStore.headPosition()).toBe(1n);
  });

  it('returns the first result for a repeated commandId and appends nothing', async () => {
    const evented = await app();
    const first = await evented.dispatch(add(LIMIT, { commandId: 'cmd-1' }));
    // Run again, the logic would now reject; the command id answers first.
    const again = await evented.dispatch(add(LIMIT, { commandId: 'cmd-1' }));
    expect(again.duplicate).toBe(true);
    expect(again.events).toEqual(first.events);
    expect(again.version).toBe(first.version);
    expect(await evented.storage.eventStore.headPosition()).toBe(1n);
  });

  it('refuses bad input with a typed error before anything is written', async () => {
    const evented = await app();
    const cases: [Command, string][] = [
      [{ ...add(1), domain: 'bank' }, 'UNKNOWN_DOMAIN'],
      [{ ...add(1), aggregateId: '' }, 'INVALID_ARGUMENT'],
      [{ ...add(1), aggregateId: 'x'.repeat(300) }, 'LIMIT_EXCEEDED'],
      [{ ...add(1), data: { by: 1n } as never }, 'INVALID_ARGUMENT'],
      [{ ...add(1), data: { at: new Date() } as never }, 'INVALID_ARGUMENT'],
      [{ ...add(1), data: undefined as never }, 'INVALID_ARGUMENT'],
      [{ ...add(1), data: 'x'.repeat(2 * 1024 * 1024) }, 'LIMIT_EXCEEDED'],
      [{ ...add(1), commandId: '$reserved' }, 'INVALID_ARGUMENT'],
      [{ ...add(1), expectedVersion: -1 }, 'INVALID_ARGUMENT'],
      [{ ...add(1), metadata: [] as never }, 'INVALID_ARGUMENT'],
      [null as never, 'INVALID_ARGUMENT'],
    ];
    for (const [command, code] of cases) expect(await codeOf(evented.dispatch(command))).toBe(code);
    expect(await evented.storage.eventStore.headPosition()).toBe(0n);
  });
});

describe('commands on one aggregate in one process', () => {
  it('run one after the other, without conflicts or retries', async () => {
    const calls = { count: 0 };
    const inner = fromDecider(counter);
    const counting: BusinessLogic = {
      handle(command, history, options) {
        calls.count += 1;
        return inner.handle(command, history, options);
      },
    };
    const evented = await app(counting);
    const results = await Promise.all(Array.from({ length: 50 }, () => evented.dispatch(add(1))));
    expect(calls.count).toBe(50);
    expect(results.map((r) => r.version).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
  });

  it('with the same commandId at once, record it once and both get the first result', async () => {
    const evented = await app();
    const [one, two] = await Promise.all([
      evented.dispatch(add(LIMIT, { commandId: 'same' })),
      evented.dispatch(add(LIMIT, { commandId: 'same' })),
    ]);
    expect([one.duplicate, two.duplicate]).toEqual([false, true]);
    expect(two.events).toEqual(one.events);
    expect(await evented.storage.eventStore.headPosition()).toBe(1n);
  });
});

describe('retry on conflict', () => {
  /** Business logic that lets another writer slip in before it decides, `times` times. */
  function racing(
    times: number,
    calls: { count: number },
    evented: () => Evented | undefined,
  ): BusinessLogic {
    const inner = fromDecider(counter);
    return {
      async handle(command, history, options) {
        calls.count += 1;
        if (calls.count <= times) {
          await evented()!.storage.eventStore.appendToStream(
            { domain: 'counter', aggregateId: command.aggregateId },
            [{ type: 'Added', data: { by: 1 } }],
            { expectedVersion: 'any' },
          );
        }
        return inner.handle(command, history, options);
      },
    };
  }

  it('reloads and retries, and the retry sees the other writer', async () => {
    const calls = { count: 0 };
    const holder: { evented?: Evented } = {};
    const evented = (holder.evented = await app(racing(2, calls, () => holder.evented)));
    const result = await evented.dispatch(add(5));
    expect(calls.count).toBe(3);
    expect(result.version).toBe(3);
    expect(result.events.map((e) => e.version)).toEqual([3]);
  });

  it('gives up after the configured number of retries', async () => {
    const calls = { count: 0 };
    const holder: { evented?: Evented } = {};
    const evented = (holder.evented = await app(racing(100, calls, () => holder.evented)));
    expect(await codeOf(evented.dispatch(add(1)))).toBe('CONCURRENCY_CONFLICT');
    expect(calls.count).toBe(6);
  });

  it('never retries a command that names its expected version', async () => {
    const calls = { count: 0 };
    const holder: { evented?: Evented } = {};
    const evented = (holder.evented = await app(racing(1, calls, () => holder.evented)));
    const error = await evented.dispatch(add(1, { expectedVersion: 0 })).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'CONCURRENCY_CONFLICT',
      details: { expected: 0, actual: 1 },
    });
    expect(calls.count).toBe(1);
  });
});

describe('snapshots every N events', () => {
  it('saves a snapshot and loads from it, replaying only later events', async () => {
    const seen: { snapshotVersion: number | undefined; replayed: number }[] = [];
    const inner = fromDecider(counter);
    const spy: BusinessLogic = {
      snapshotSchemaVersion: inner.snapshotSchemaVersion,
      handle(command, history, options) {
        seen.push({ snapshotVersion: history.snapshot?.version, replayed: history.events.length });
        return inner.handle(command, history, options);
      },
    };
    const evented = await app(spy, 5);
    for (let i = 0; i < 7; i++) await evented.dispatch(add(1));
    const snapshot = await evented.storage.snapshotStore.latestSnapshot({
      domain: 'counter',
      aggregateId: 'c-1',
    });
    expect(snapshot).toMatchObject({ version: 5, state: { total: 5 }, schemaVersion: 1 });
    expect(seen.at(-1)).toEqual({ snapshotVersion: 5, replayed: 1 });
    expect(seen[4]).toEqual({ snapshotVersion: undefined, replayed: 4 });
  });
});
