import { afterEach, describe, expect, it } from 'vitest';
import type { Command } from '@evented/core';
import { EventedConfig, silentLogger } from '@evented/core';
import type { AccountEvent } from './account.js';
import { balanceChange } from './account.js';
import type { Bank } from './app.js';
import { buildBank } from './app.js';

const banks: Bank[] = [];
afterEach(async () => {
  await Promise.all(banks.splice(0).map((bank) => bank.evented.close()));
});

async function bank(): Promise<Bank> {
  const opened = await buildBank(
    { ...EventedConfig.inMemory(), logger: silentLogger },
    { snapshotEvery: 10 },
  );
  banks.push(opened);
  return opened;
}

const command = (aggregateId: string, type: string, data: object): Command =>
  ({ domain: 'account', aggregateId, type, data }) as Command;

describe('the bank, embedded', () => {
  it('moves money between accounts through the transfer saga, and projects balances', async () => {
    const { evented, balances } = await bank();
    await evented.dispatch(command('ann', 'OpenAccount', { owner: 'Ann' }));
    await evented.dispatch(command('bob', 'OpenAccount', { owner: 'Bob' }));
    await evented.dispatch(command('ann', 'Deposit', { amount: 1_000 }));
    await evented.dispatch(
      command('ann', 'SendTransfer', { transferId: 't-1', to: 'bob', amount: 400 }),
    );
    await evented.dispatch(
      command('ann', 'SendTransfer', { transferId: 't-2', to: 'carl', amount: 100 }),
    );
    await evented.waitForProcessors({ names: ['transfers'] });
    await evented.waitForProcessors({ names: ['balances'] });

    expect(balances.list()).toEqual([
      { accountId: 'ann', owner: 'Ann', balance: 600 },
      { accountId: 'bob', owner: 'Bob', balance: 400 },
    ]);
    const ann = await evented.storage.eventStore.readStream({
      domain: 'account',
      aggregateId: 'ann',
    });
    expect(ann.map((e) => e.type)).toEqual([
      'AccountOpened',
      'Deposited',
      'TransferSent',
      'TransferSent',
      'TransferRefunded',
    ]);
  });

  it('rejects an overdraft and records nothing for it', async () => {
    const { evented } = await bank();
    await evented.dispatch(command('ann', 'OpenAccount', { owner: 'Ann', overdraftLimit: 50 }));
    const error = await evented
      .dispatch(command('ann', 'Withdraw', { amount: 51 }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'COMMAND_REJECTED',
      details: { reason: 'insufficient funds' },
    });
    expect(
      await evented.storage.eventStore.streamVersion({ domain: 'account', aggregateId: 'ann' }),
    ).toBe(1);
  });

  it('keeps the projected balances equal to the log, through snapshots and concurrent commands', async () => {
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
      expected.set(
        event.aggregateId,
        (expected.get(event.aggregateId) ?? 0) + balanceChange(event as never as AccountEvent),
      );
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
