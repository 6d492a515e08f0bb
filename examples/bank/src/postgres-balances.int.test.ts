import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, expect, it } from 'vitest';
import type { Command, EventStore, Position, RecordedEvent } from '@evented/core';
import { Evented, EventedConfig, START, silentLogger } from '@evented/core';
import { describeWithService, probeService } from '@evented/conformance';
import type { AccountEvent } from './account.js';
import { account, balanceChange } from './account.js';
import { postgresBalances } from './postgres-balances.js';

const url = process.env['EVENTED_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const admin = new pg.Pool({ connectionString: url, max: 2, allowExitOnIdle: true });
admin.on('error', () => undefined);
const postgres = await probeService('PostgreSQL', async () => void (await admin.query('SELECT 1')));

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => admin.end());

/** The bank's account domain on a fresh schema, with the PostgreSQL balances projector or none. */
async function bank(schema: string, withBalances: boolean, batchSize = 500) {
  const balances = postgresBalances();
  const builder = Evented.builder({
    ...EventedConfig.postgres(url, { schema }),
    logger: silentLogger,
    processors: { batchSize },
  }).withBusinessLogic('account', account);
  const evented = await (withBalances ? builder.withProjector(balances) : builder).build();
  cleanups.push(() => evented.close());
  return { evented, balances };
}

const command = (aggregateId: string, type: string, data: object): Command =>
  ({ domain: 'account', aggregateId, type, data }) as Command;

/** Each account's balance from the whole log, in one pass. */
async function balancesOfLog(eventStore: EventStore) {
  const balances = new Map<string, number>();
  let log: RecordedEvent[] = [];
  for (let after: Position = START; ;) {
    const page = await eventStore.readAll({ after, limit: 1000 });
    log = log.concat(page.events);
    if (page.isEnd) break;
    after = page.position;
  }
  for (const event of log) {
    const change = balanceChange(event as unknown as AccountEvent);
    balances.set(event.aggregateId, (balances.get(event.aggregateId) ?? 0) + change);
  }
  return [...balances].sort(([a], [b]) => (a < b ? -1 : 1));
}

describeWithService('the bank on PostgreSQL: postgresBalances', postgres, () => {
  it('catches up on a log in pages, follows live and rebuilds, equal to the log each time', async () => {
    const schema = `evented_test_balances_${randomBytes(5).toString('hex')}`;
    cleanups.push(() => admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
    const ids = Array.from({ length: 6 }, (_, i) => `acc-${i}`);
    const writer = await bank(schema, false);
    for (const id of ids) await writer.evented.dispatch(command(id, 'OpenAccount', { owner: id }));
    for (let i = 0; i < 60; i++) {
      const [type, amount] = i >= 6 && i % 3 === 2 ? ['Withdraw', 1 + (i % 7)] : ['Deposit', 100];
      await writer.evented.dispatch(command(ids[i % 6]!, type, { amount }));
    }

    // Pages of 7 events: accounts opened and moved in one page, moved only, or both.
    const { evented, balances } = await bank(schema, true, 7);
    await evented.waitForProcessors({ timeoutMs: 10_000 });
    const expected = await balancesOfLog(evented.storage.eventStore);
    expect(expected).toHaveLength(6);
    expect((await balances.list()).map((b) => [b.accountId, b.balance])).toEqual(expected);
    expect((await balances.list())[0]).toEqual({
      accountId: 'acc-0',
      owner: 'acc-0',
      balance: 1000,
    });

    await evented.dispatch(command('acc-6', 'OpenAccount', { owner: 'Gus' }));
    await Promise.all(ids.map((id) => evented.dispatch(command(id, 'Deposit', { amount: 1_000 }))));
    await evented.dispatch(command('acc-6', 'Deposit', { amount: 5 }), { waitFor: ['balances'] });
    await evented.waitForProcessors({ names: ['balances'] });
    expect((await balances.list()).map((b) => [b.accountId, b.balance])).toEqual(
      await balancesOfLog(evented.storage.eventStore),
    );
    expect((await balances.list()).at(-1)).toEqual({
      accountId: 'acc-6',
      owner: 'Gus',
      balance: 5,
    });

    // A rebuild clears the table with the checkpoint, then replays the log into it.
    await evented.rebuildProjector('balances');
    await evented.waitForProcessors({ names: ['balances'], timeoutMs: 10_000 });
    expect((await balances.list()).map((b) => [b.accountId, b.balance])).toEqual(
      await balancesOfLog(evented.storage.eventStore),
    );
  });

  it('needs evented’s PostgreSQL storage', async () => {
    const error = await Evented.builder({ ...EventedConfig.inMemory(), logger: silentLogger })
      .withProjector(postgresBalances())
      .build()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONFIGURATION' });
  });
});
