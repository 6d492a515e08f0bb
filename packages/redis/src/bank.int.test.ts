import { afterAll, afterEach, expect, it } from 'vitest';
import type { Command, Projector, RecordedEvent } from '@evented/core';
import { Evented, EventedConfig, silentLogger } from '@evented/core';
import { describeWithService } from '@evented/conformance';
import type { AccountEvent } from '@evented/example-bank';
import { account, balanceChange, transfers } from '@evented/example-bank';
import { deleteKeys, probeRedis, TestStorages, uniquePrefix } from './redis-test.fixture.js';

interface Bank {
  readonly evented: Evented;
  readonly balances: { list(): { accountId: string; owner: string; balance: number }[] };
}

const storages = new TestStorages();
const opened: { bank: Bank; prefix: string }[] = [];

afterEach(async () => {
  for (const { bank, prefix } of opened.splice(0)) {
    await bank.evented.close();
    await deleteKeys(storages.admin, prefix);
  }
});
afterAll(() => storages.dispose());

/**
 * Balances in memory, at least once: the example's own projector keeps its read model in
 * SQLite, in the store's transaction, which Redis has not. Handling an event twice would
 * show as a wrong balance, so the projector remembers what it handled.
 */
function balancesInMemory(): Projector & Bank['balances'] {
  const rows = new Map<string, { accountId: string; owner: string; balance: number }>();
  const handled = new Set<string>();
  return {
    name: 'balances',
    filter: { domains: ['account'] },
    handle(recorded: RecordedEvent) {
      if (handled.has(recorded.id)) return;
      handled.add(recorded.id);
      const event = recorded as unknown as AccountEvent;
      if (event.type === 'AccountOpened') {
        rows.set(recorded.aggregateId, {
          accountId: recorded.aggregateId,
          owner: event.data.owner,
          balance: 0,
        });
      } else {
        rows.get(recorded.aggregateId)!.balance += balanceChange(event);
      }
    },
    list: () => [...rows.values()].sort((a, b) => a.accountId.localeCompare(b.accountId)),
  };
}

/** The example bank's domain and saga on Redis, configured as an application would. */
async function bank(): Promise<Bank> {
  const prefix = uniquePrefix('bank');
  const balances = balancesInMemory();
  const config = { ...EventedConfig.redis(storages.url, { prefix }), logger: silentLogger };
  const evented = await Evented.builder(config)
    .withBusinessLogic('account', account, { snapshotEvery: 10 })
    .withProjector(balances)
    .withSaga(transfers)
    .build();
  opened.push({ bank: { evented, balances }, prefix });
  return { evented, balances };
}

const command = (aggregateId: string, type: string, data: object): Command =>
  ({ domain: 'account', aggregateId, type, data }) as Command;

describeWithService('the bank on Redis, through EventedConfig.redis', await probeRedis(), () => {
  it('moves money through the transfer saga and projects balances from the Redis log', async () => {
    const { evented, balances } = await bank();
    expect(evented.storage.capabilities).toEqual({
      transactionalCheckpoints: false,
      sharedAcrossProcesses: true,
    });
    await evented.dispatch(command('ann', 'OpenAccount', { owner: 'Ann' }));
    await evented.dispatch(command('bob', 'OpenAccount', { owner: 'Bob' }));
    await evented.dispatch(command('ann', 'Deposit', { amount: 1_000 }));
    await evented.dispatch(
      command('ann', 'SendTransfer', { transferId: 't-1', to: 'bob', amount: 400 }),
    );
    await evented.dispatch(
      command('ann', 'SendTransfer', { transferId: 't-2', to: 'carl', amount: 100 }),
    );
    await evented.waitForProcessors();
    expect(balances.list()).toEqual([
      { accountId: 'ann', owner: 'Ann', balance: 600 },
      { accountId: 'bob', owner: 'Bob', balance: 400 },
    ]);
  });

  it('keeps balances equal to the log through snapshots and concurrent commands', async () => {
    const { evented, balances } = await bank();
    const ids = ['a', 'b', 'c', 'd'];
    for (const id of ids)
      await evented.dispatch(command(id, 'OpenAccount', { owner: id.toUpperCase() }));
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        evented.dispatch(command(ids[i % 4]!, 'Deposit', { amount: 1 + (i % 7) })),
      ),
    );
    await evented.waitForProcessors();
    const expected = new Map<string, number>();
    for (const event of (await evented.storage.eventStore.readAll({ limit: 10_000 })).events) {
      const change = balanceChange(event as never as AccountEvent);
      expected.set(event.aggregateId, (expected.get(event.aggregateId) ?? 0) + change);
    }
    expect(balances.list().map((row) => [row.accountId, row.balance])).toEqual(
      [...expected.entries()].sort(),
    );
    const snapshot = await evented.storage.snapshotStore.latestSnapshot({
      domain: 'account',
      aggregateId: 'a',
    });
    expect(snapshot?.version).toBeGreaterThanOrEqual(10);
  });
});
