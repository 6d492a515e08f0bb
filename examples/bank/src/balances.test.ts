import { afterEach, describe, expect, it } from 'vitest';
import type { Command, RecordedEvent } from '@evented/core';
import { Evented, silentLogger } from '@evented/core';
import { openSqliteStorage } from '@evented/sqlite';
import type { AccountEvent } from './account.js';
import { account, balanceChange } from './account.js';
import { balancesProjector, foldBalances } from './balances.js';

const apps: Evented[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

const recorded = (aggregateId: string, type: string, data: object) =>
  ({ domain: 'account', aggregateId, type, data }) as unknown as RecordedEvent;

const command = (aggregateId: string, type: string, data: object): Command =>
  ({ domain: 'account', aggregateId, type, data }) as Command;

describe('foldBalances', () => {
  it('gives each account a page touches one entry: who opened it, and the change', () => {
    const page = [
      recorded('ann', 'Deposited', { amount: 50 }),
      recorded('bob', 'AccountOpened', { owner: 'Bob', overdraftLimit: 0 }),
      recorded('ann', 'Withdrawn', { amount: 20 }),
      recorded('bob', 'TransferReceived', { transferId: 't', from: 'ann', amount: 7 }),
      recorded('ann', 'TransferSent', { transferId: 't', to: 'bob', amount: 7 }),
    ];
    expect([...foldBalances(page)]).toEqual([
      ['ann', { owner: undefined, change: 23 }],
      ['bob', { owner: 'Bob', change: 7 }],
    ]);
  });
});

describe('balancesProjector, in pages', () => {
  it('catches up on a log page by page to the balances of the whole log', async () => {
    const storage = await openSqliteStorage();
    const writer = await Evented.builder({ storage: async () => storage, logger: silentLogger })
      .withBusinessLogic('account', account)
      .build();
    const ids = ['a', 'b', 'c', 'd'];
    for (const id of ids) await writer.dispatch(command(id, 'OpenAccount', { owner: id }));
    for (let i = 0; i < 50; i++) {
      const [type, amount] = i >= 4 && i % 3 === 2 ? ['Withdraw', 1 + (i % 7)] : ['Deposit', 100];
      await writer.dispatch(command(ids[i % 4]!, type, { amount }));
    }

    // Pages of 7: some open accounts and move them, others only move them.
    const balances = balancesProjector();
    const app = await Evented.builder({
      storage: async () => storage,
      logger: silentLogger,
      processors: { batchSize: 7 },
    })
      .withProjector(balances)
      .build();
    apps.push(app);
    await app.waitForProcessors();

    const log = (await storage.eventStore.readAll({ limit: 1_000 })).events;
    const expected = new Map<string, number>();
    for (const event of log) {
      const change = balanceChange(event as unknown as AccountEvent);
      expected.set(event.aggregateId, (expected.get(event.aggregateId) ?? 0) + change);
    }
    expect(balances.list()).toEqual(
      ids.map((id) => ({ accountId: id, owner: id, balance: expected.get(id) })),
    );
  });
});
