import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Decider, RecordedEvent, Upcaster } from '@evented/core';
import { Evented, reject, silentLogger } from '@evented/core';
import { EventedClient, startGrpcServer } from '@evented/grpc';
import { openSqliteStorage } from '@evented/sqlite';
import { cli, killServers, serve } from './cli-process.fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'evented-upcasting-'));
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await killServers();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The upcasters, as a module `evented serve --upcasters` loads (and this test too):
 * `Deposited` v1 `{ amount }` -> v2 adds `currency` -> v3 `{ money: { cents, currency } }`.
 */
const upcastersModule = `
export const upcasters = [
  { type: 'Deposited', fromVersion: 1, upcast: ({ data }) => ({ data: { ...data, currency: 'EUR' } }) },
  {
    type: 'Deposited',
    fromVersion: 2,
    upcast: ({ data }) => ({ data: { money: { cents: data.amount, currency: data.currency } } }),
  },
];
`;

type WalletEvent =
  | { type: 'Deposited'; data: { money: { cents: number; currency: string } } }
  | { type: 'Withdrawn'; data: { cents: number } };
type WalletCommand = { type: 'Withdraw'; data: { cents: number } };

/** A wallet written for `Deposited` version 3 only: an older shape would throw. */
const wallet: Decider<{ balance: number }, WalletCommand, WalletEvent> = {
  initialState: () => ({ balance: 0 }),
  evolve(state, event) {
    if (event.type === 'Withdrawn') return { balance: state.balance - event.data.cents };
    if (typeof event.data.money?.cents !== 'number') {
      throw new Error(`Deposited is not at version 3: ${JSON.stringify(event.data)}`);
    }
    return { balance: state.balance + event.data.money.cents };
  },
  decide: (command, state) =>
    command.data.cents > state.balance
      ? reject('insufficient funds', { balance: state.balance })
      : { type: 'Withdrawn', data: { cents: command.data.cents } },
};

const ann = { domain: 'wallet', aggregateId: 'ann' };
const withdraw = (cents: number) => ({ ...ann, type: 'Withdraw', data: { cents } });

/** The v3 shape of the two deposits stored at version 1. */
const depositsV3 = [
  { type: 'Deposited', schemaVersion: 3, data: { money: { cents: 500, currency: 'EUR' } } },
  { type: 'Deposited', schemaVersion: 3, data: { money: { cents: 250, currency: 'EUR' } } },
];

interface EventRow {
  type: string;
  schema_version: number;
  data: string;
}

/** The events table as stored, read with SQLite alone. */
async function storedRows(path: string): Promise<EventRow[]> {
  const storage = await openSqliteStorage(path);
  try {
    return storage.database
      .prepare('SELECT type, schema_version, data FROM events ORDER BY position')
      .all() as EventRow[];
  } finally {
    await storage.close();
  }
}

describe('upcasters 1 -> 2 -> 3 on every read path', () => {
  it('show the aggregate, a projector, gRPC reads and the CLI version 3; the stored rows stay at 1', async () => {
    const store = join(dir, 'wallet.db');
    const module = join(dir, 'upcasters.mjs');
    writeFileSync(module, upcastersModule);
    const { upcasters } = (await import(pathToFileURL(module).href)) as { upcasters: Upcaster[] };

    // Two deposits stored under schema version 1, before any upcaster existed.
    const seeding = await openSqliteStorage(store);
    await seeding.eventStore.appendToStream(
      ann,
      [500, 250].map((amount) => ({ type: 'Deposited', data: { amount }, schemaVersion: 1 })),
      { expectedVersion: 0 },
    );
    await seeding.close();
    const before = await storedRows(store);
    expect(before).toEqual([
      { type: 'Deposited', schema_version: 1, data: '{"amount":500}' },
      { type: 'Deposited', schema_version: 1, data: '{"amount":250}' },
    ]);

    // In-process: the aggregate folds version 3, and so does a projector.
    const projected: RecordedEvent[] = [];
    const evented = await Evented.builder({
      ...{ storage: { kind: 'sqlite', path: store } as const },
      logger: silentLogger,
    })
      .withBusinessLogic('wallet', wallet)
      .withProjector({ name: 'ledger', handle: (event) => void projected.push(event) })
      .withUpcasters(...upcasters)
      .build();
    cleanups.push(() => evented.close());
    expect(await evented.dispatch(withdraw(700), { waitFor: ['ledger'] })).toMatchObject({
      version: 3,
      events: [{ type: 'Withdrawn', data: { cents: 700 } }],
    });
    await expect(evented.dispatch(withdraw(100))).rejects.toMatchObject({
      code: 'COMMAND_REJECTED',
      details: { balance: 50 },
    });
    expect(projected.slice(0, 2)).toMatchObject(depositsV3);

    // Over gRPC: ReadStream and ReadAll.
    const grpc = await startGrpcServer(evented, { address: '127.0.0.1:0' });
    cleanups.push(() => grpc.close(1000));
    const client = new EventedClient(grpc.address);
    cleanups.push(() => client.close());
    expect((await client.readStream(ann)).slice(0, 2)).toMatchObject(depositsV3);
    expect((await client.readAll()).events.slice(0, 2)).toMatchObject(depositsV3);
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();

    // The CLI, against `evented serve --upcasters` on the same store.
    const server = await serve([
      '--listen',
      '127.0.0.1:0',
      '--http',
      'off',
      '--store',
      `sqlite:${store}`,
      '--example',
      'none',
      '--upcasters',
      module,
    ]);
    const at = ['--server', server.grpc];
    const events = await cli(['events', 'wallet', 'ann', '--json', ...at]);
    expect(events).toMatchObject({ code: 0, stderr: '' });
    const printed = events.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as object);
    expect(printed).toMatchObject([...depositsV3, { type: 'Withdrawn', version: 3 }]);
    const text = await cli(['events', ...at]);
    expect(text.stdout).toContain(
      '1 wallet/ann v1 Deposited {"money":{"cents":500,"currency":"EUR"}}',
    );
    const check = await cli(['events', 'check-upcasters', ...at]);
    expect(check).toMatchObject({ code: 0, stdout: 'checked 3 events: every one upcasts\n' });

    // Stored: the deposits exactly as they were; the new event as written.
    expect(await storedRows(store)).toEqual([
      ...before,
      { type: 'Withdrawn', schema_version: 1, data: '{"cents":700}' },
    ]);
  });

  it('report a broken chain: reads fail with UPCAST_FAILED, check-upcasters lists the event and exits 1', async () => {
    const store = join(dir, 'broken.db');
    const module = join(dir, 'upcasters.mjs');
    writeFileSync(module, upcastersModule);
    const seeding = await openSqliteStorage(store);
    await seeding.eventStore.appendToStream(
      ann,
      [
        { type: 'Deposited', data: { amount: 5 }, schemaVersion: 1 },
        { type: 'Deposited', data: { amount: 5 }, schemaVersion: 4 },
      ],
      { expectedVersion: 0 },
    );
    await seeding.close();
    const server = await serve([
      ...['--listen', '127.0.0.1:0', '--http', 'off', '--store', `sqlite:${store}`],
      ...['--example', 'none', '--upcasters', module],
    ]);
    const at = ['--server', server.grpc];

    const events = await cli(['events', ...at]);
    expect(events.code).toBe(1);
    expect(events.stderr).toMatch(
      /^error UPCAST_FAILED: event [0-9a-f-]+ \(Deposited schema version 4/,
    );

    const check = await cli(['events', 'check-upcasters', '--page-size', '1', ...at]);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(
      /^2 wallet\/ann v2 Deposited schema v4: event [0-9a-f-]+ .* is newer than its current version 3\n/,
    );
    expect(check.stdout).toMatch(/checked 2 events: 1 cannot be upcast\n$/);
    expect(check.stderr).toContain(
      'checked 1 events, up to position 1 of 2 (50%); 0 cannot be upcast',
    );
  });

  it('refuses to start with a module that holds no upcasters', async () => {
    const module = join(dir, 'empty.mjs');
    writeFileSync(module, 'export const upcasters = 3;\n');
    const started = await cli([
      ...['serve', '--listen', '127.0.0.1:0', '--http', 'off', '--store', 'memory'],
      ...['--upcasters', module],
    ]);
    expect(started.code).toBe(2);
    expect(started.stdout).toMatch(/"code":"CONFIGURATION"/);
    expect(started.stdout).toMatch(/upcasters: [^ ]*empty\.mjs must export an array/);
  });
});
