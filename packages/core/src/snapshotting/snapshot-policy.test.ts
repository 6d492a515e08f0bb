import { afterEach, describe, expect, it, vi } from 'vitest';
import { openSqliteStorage } from '@evented/sqlite';
import type { BusinessLogic } from '../command-handling/business-logic.js';
import { counter } from '../command-handling/counter.fixture.js';
import { fromDecider } from '../command-handling/decider.js';
import { Evented } from '../facade/evented.js';
import { silentLogger } from '../observability/logger.js';
import type { Storage } from '../storage/storage.js';
import type { SnapshotPolicy } from './snapshot-policy.js';
import { assertSnapshotPolicy, snapshotDue } from './snapshot-policy.js';

const stream = { domain: 'counter', aggregateId: 'c-1' };
const add = { ...stream, type: 'Add', data: { by: 1 } };
const opened: Evented[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(opened.splice(0).map((evented) => evented.close()));
});

/** Business logic that records the snapshot version and events each command was given. */
function recording(logic: BusinessLogic) {
  const loads: { snapshot: number | undefined; replayed: number }[] = [];
  const spy: BusinessLogic = {
    snapshotSchemaVersion: logic.snapshotSchemaVersion ?? 1,
    handle(command, history, options) {
      loads.push({ snapshot: history.snapshot?.version, replayed: history.events.length });
      return logic.handle(command, history, options);
    },
  };
  return { spy, loads };
}

async function app(storage: Storage, logic: BusinessLogic, snapshots: SnapshotPolicy) {
  const evented = await Evented.builder({ storage: async () => storage, logger: silentLogger })
    .withBusinessLogic('counter', logic, { snapshots })
    .build();
  opened.push(evented);
  return evented;
}

describe('snapshotDue', () => {
  const at = (ms: number) => new Date(ms);
  it.each<[string, SnapshotPolicy, number, Date | undefined, boolean]>([
    ['N events reached', { everyEvents: 3 }, 3, at(0), true],
    ['fewer than N events', { everyEvents: 3 }, 2, at(0), false],
    ['the last snapshot older than T', { olderThanMs: 100 }, 1, at(0), true],
    ['the last snapshot younger than T', { olderThanMs: 100 }, 1, at(50), false],
    ['no snapshot nor event to date', { olderThanMs: 100 }, 1, undefined, false],
    ['both: the count alone', { everyEvents: 3, olderThanMs: 100 }, 3, at(50), true],
    ['both: the age alone', { everyEvents: 3, olderThanMs: 100 }, 1, at(0), true],
    ['both: neither', { everyEvents: 3, olderThanMs: 100 }, 2, at(50), false],
    ['nothing new since the snapshot', { everyEvents: 1, olderThanMs: 1 }, 0, at(0), false],
  ])('%s', (_, policy, sinceSnapshot, since, due) => {
    expect(snapshotDue(policy, { sinceSnapshot, since, now: 100 })).toBe(due);
  });

  it.each<[string, unknown]>([
    ['no trigger', { keep: 2 }],
    ['everyEvents 0', { everyEvents: 0 }],
    ['olderThanMs 1.5', { olderThanMs: 1.5 }],
    ['keep 0', { everyEvents: 1, keep: 0 }],
    ['null', null],
  ])('refuses a policy with %s (CONFIGURATION)', (_, policy) => {
    expect(() => assertSnapshotPolicy(policy as SnapshotPolicy)).toThrow(
      expect.objectContaining({ code: 'CONFIGURATION' }),
    );
  });
});

describe('snapshot policies on the command path', () => {
  it('snapshots when the last snapshot is older than T, counting from the first event without one', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    const storage = await openSqliteStorage();
    const evented = await app(storage, fromDecider(counter), { olderThanMs: 60_000 });
    await evented.dispatch(add);
    vi.setSystemTime(new Date('2026-01-01T00:00:59Z'));
    await evented.dispatch(add);
    expect(await storage.snapshotStore.latestSnapshot(stream)).toBeUndefined();
    vi.setSystemTime(new Date('2026-01-01T00:01:00Z'));
    await evented.dispatch(add);
    await evented.dispatch(add);
    expect(await storage.snapshotStore.latestSnapshot(stream)).toMatchObject({
      version: 3,
      state: { total: 3 },
    });
    vi.setSystemTime(new Date('2026-01-01T00:02:00Z'));
    await evented.dispatch(add);
    expect((await storage.snapshotStore.latestSnapshot(stream))!.version).toBe(5);
  });

  it('ignores a snapshot of an older schema version and rebuilds it from the events', async () => {
    const storage = await openSqliteStorage();
    await storage.eventStore.appendToStream(
      stream,
      [1, 2, 3].map(() => ({ type: 'Added', data: { by: 1 } })),
      { expectedVersion: 0 },
    );
    // Used, this state would put the counter over its limit of 100 and reject the command.
    await storage.snapshotStore.saveSnapshot({ ...stream, version: 3, state: { total: 999 } });
    const { spy, loads } = recording(fromDecider({ ...counter, snapshotSchemaVersion: 2 }));
    const evented = await app(storage, spy, { everyEvents: 3 });

    const result = await evented.dispatch(add);
    expect(result.version).toBe(4);
    expect(loads[0]).toEqual({ snapshot: undefined, replayed: 3 });
    expect(await storage.snapshotStore.latestSnapshot(stream)).toMatchObject({
      version: 4,
      state: { total: 4 },
      schemaVersion: 2,
    });
    await evented.dispatch(add);
    expect(loads[1]).toEqual({ snapshot: 4, replayed: 0 });
  });

  it('prunes to the last `keep` snapshots of the aggregate', async () => {
    const storage = await openSqliteStorage();
    const evented = await app(storage, fromDecider(counter), { everyEvents: 1, keep: 2 });
    for (let i = 0; i < 5; i++) await evented.dispatch(add);
    await vi.waitFor(() =>
      expect(evented.snapshotStatus()).toMatchObject({ saved: 5, pruned: 3, dropped: 0 }),
    );
    // Versions 4 and 5 are left: keeping 2 removes nothing, keeping 1 removes one.
    expect(await storage.snapshotStore.pruneSnapshots(stream, 2)).toBe(0);
    expect(await storage.snapshotStore.pruneSnapshots(stream, 1)).toBe(1);
    expect((await storage.snapshotStore.latestSnapshot(stream))!.version).toBe(5);
  });
});
