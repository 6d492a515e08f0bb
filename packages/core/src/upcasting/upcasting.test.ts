import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStorage } from '@evented/sqlite';
import type { Decider } from '../command-handling/decider.js';
import { reject } from '../command-handling/rejection.js';
import type { RecordedEvent } from '../event-store/types.js';
import { Evented } from '../facade/evented.js';
import { silentLogger } from '../observability/logger.js';
import type { Projector } from '../processors/projector.js';
import type { Storage } from '../storage/storage.js';
import type { UpcasterCheckReport } from './check-upcasters.js';
import type { Upcaster } from './upcaster.js';
import { UpcastingEventStore, upcastingEventStore } from './upcasting-event-store.js';

/** `Added` v1 `{ by }` -> v2 adds `unit` -> v3 renames `by` to `amount`. */
const upcasters: Upcaster[] = [
  {
    type: 'Added',
    fromVersion: 1,
    upcast: ({ data }) => ({ data: { ...(data as object), unit: 'item' } }),
  },
  {
    type: 'Added',
    fromVersion: 2,
    upcast: ({ data }) => {
      const { by, ...rest } = data as { by: number };
      return { data: { ...rest, amount: by } };
    },
  },
];

/** A counter written against version 3 only: it cannot read `by`. */
const counter: Decider<{ total: number }, { type: 'Add'; data: { amount: number } }> = {
  initialState: () => ({ total: 0 }),
  evolve(state, event) {
    const { amount } = event.data as { amount?: unknown };
    if (typeof amount !== 'number') throw new Error(`not version 3: ${JSON.stringify(event)}`);
    return { total: state.total + amount };
  },
  decide: (command, state) =>
    state.total + command.data.amount > 1_000
      ? reject('over the limit')
      : { type: 'Added', data: { amount: command.data.amount, unit: 'item' } },
};

/** What `SqliteStorage` adds: its better-sqlite3 connection. */
interface SqliteExtras {
  readonly database: { prepare(sql: string): { raw(): { all(): unknown[] } } };
}

const stream = { domain: 'counter', aggregateId: 'c-1' };
const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const item of opened.splice(0).reverse()) await item.close();
});

/** A storage holding three `Added` events stored under schema version 1. */
async function storageWithVersion1(): Promise<Storage> {
  const storage = await openSqliteStorage();
  await storage.eventStore.appendToStream(
    stream,
    [1, 2, 3].map((by) => ({ type: 'Added', data: { by }, schemaVersion: 1 })),
    { expectedVersion: 0 },
  );
  return storage;
}

function projector(seen: RecordedEvent[]): Projector {
  return { name: 'seen', handle: (event) => void seen.push(event) };
}

async function app(storage: Storage, seen: RecordedEvent[] = [], extra: Upcaster[] = []) {
  const evented = await Evented.builder({ storage: async () => storage, logger: silentLogger })
    .withBusinessLogic('counter', counter)
    .withProjector(projector(seen))
    .withUpcasters(...upcasters, ...extra)
    .build();
  opened.push(evented);
  return evented;
}

describe('upcasting on every read path of the facade', () => {
  it('shows commands, projectors and readers version 3, and stores new events at 3', async () => {
    const storage = await storageWithVersion1();
    const seen: RecordedEvent[] = [];
    const evented = await app(storage, seen);

    const result = await evented.dispatch({ ...stream, type: 'Add', data: { amount: 4 } });
    expect(result.events[0]).toMatchObject({ schemaVersion: 3, data: { amount: 4 } });
    await expect(
      evented.dispatch({ ...stream, type: 'Add', data: { amount: 995 } }),
    ).rejects.toMatchObject({ code: 'COMMAND_REJECTED' });

    await evented.waitForProcessors();
    const upcast = [1, 2, 3, 4].map((amount) => ({
      schemaVersion: 3,
      data: { amount, unit: 'item' },
    }));
    expect(seen).toMatchObject(upcast);
    expect(await evented.storage.eventStore.readStream(stream)).toMatchObject(upcast);
    expect((await evented.storage.eventStore.readAll()).events).toMatchObject(upcast);

    // Stored: the three old events untouched, the new one at version 3.
    const rows = (evented.storage as unknown as SqliteExtras).database
      .prepare('SELECT schema_version, data FROM events ORDER BY version')
      .raw()
      .all();
    expect(rows).toEqual([
      [1, '{"by":1}'],
      [1, '{"by":2}'],
      [1, '{"by":3}'],
      [3, '{"amount":4,"unit":"item"}'],
    ]);
    const events = evented.storage.eventStore as UpcastingEventStore;
    expect((await events.stored.readStream(stream)).map((e) => e.schemaVersion)).toEqual([
      1, 1, 1, 3,
    ]);
  });

  it('upcasts the events a repeated command returns', async () => {
    const evented = await app(await storageWithVersion1());
    const command = { ...stream, type: 'Add', data: { amount: 1 }, commandId: 'add-once' };
    await evented.dispatch(command);
    const again = await evented.dispatch(command);
    expect(again).toMatchObject({ duplicate: true, events: [{ schemaVersion: 3 }] });
  });

  it('fails a command and stops a projector with UPCAST_FAILED on a broken chain', async () => {
    const storage = await storageWithVersion1();
    await storage.eventStore.appendToStream(
      stream,
      [{ type: 'Added', data: { by: 9 }, schemaVersion: 7 }],
      { expectedVersion: 3 },
    );
    const evented = await app(storage);
    await expect(
      evented.dispatch({ ...stream, type: 'Add', data: { amount: 1 } }),
    ).rejects.toMatchObject({
      code: 'UPCAST_FAILED',
      details: { type: 'Added', schemaVersion: 7, version: 4 },
    });
    await expect(evented.waitForProcessors({ timeoutMs: 2_000 })).rejects.toThrow();
    expect(evented.processors()[0]).toMatchObject({
      state: 'error',
      failure: { code: 'UPCAST_FAILED' },
    });
  });

  it('keeps the adapter extras of the storage and closes the real one', async () => {
    const storage = await storageWithVersion1();
    const evented = await app(storage);
    expect(evented.storage.eventStore).toBeInstanceOf(UpcastingEventStore);
    expect((evented.storage as unknown as { database: unknown }).database).toBe(
      (storage as unknown as { database: unknown }).database,
    );
    expect(evented.storage.capabilities).toBe(storage.capabilities);
    await evented.close();
    await expect(storage.eventStore.headPosition()).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('leaves the storage as it is without upcasters', async () => {
    const storage = await openSqliteStorage();
    const evented = await Evented.builder({ storage: async () => storage, logger: silentLogger })
      .withBusinessLogic('counter', counter)
      .build();
    opened.push(evented);
    expect(evented.storage).toBe(storage);
  });
});

describe('checkUpcasters', () => {
  it('reports each event that would fail, progress per page, and a summary', async () => {
    const storage = await storageWithVersion1();
    const other = { domain: 'counter', aggregateId: 'c-2' };
    await storage.eventStore.appendToStream(
      other,
      [
        { type: 'Added', data: { by: 1 }, schemaVersion: 5 },
        { type: 'Removed', data: { by: 1 } },
      ],
      { expectedVersion: 0 },
    );
    const evented = await app(storage);
    const reports: UpcasterCheckReport[] = [];
    for await (const report of evented.checkUpcasters({ pageSize: 2 })) reports.push(report);
    expect(reports.map((r) => r.kind)).toEqual(['progress', 'failure', 'progress', 'done']);
    expect(reports[1]).toMatchObject({
      kind: 'failure',
      event: { aggregateId: 'c-2', schemaVersion: 5 },
      error: { code: 'UPCAST_FAILED' },
    });
    expect(reports.at(-1)).toEqual({
      kind: 'done',
      checked: 5,
      failed: 1,
      position: 5n,
      head: 5n,
    });
  });

  it('walks a store without upcasters and finds nothing', async () => {
    const storage = await storageWithVersion1();
    opened.push(storage);
    const events = upcastingEventStore(storage.eventStore, []);
    expect(await events.readStream(stream)).toMatchObject([{ data: { by: 1 } }, {}, {}]);
    const evented = await Evented.builder({ storage: async () => storage, logger: silentLogger })
      .withBusinessLogic('counter', counter)
      .build();
    const reports: UpcasterCheckReport[] = [];
    for await (const report of evented.checkUpcasters()) reports.push(report);
    await evented.close();
    expect(reports).toEqual([{ kind: 'done', checked: 3, failed: 0, position: 3n, head: 3n }]);
  });
});
