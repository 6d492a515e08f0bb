import { afterEach, describe, it } from 'vitest';
import type { Storage } from '@evented/core';
import { projectorFixture } from '@evented/core/testing';
import { openSqliteStorage } from '@evented/sqlite';
import { balancesProjector } from './balances.js';

const stores: Storage[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((storage) => storage.close()));
});

describe('the balances read model, given events', () => {
  it('lists each opened account with the sum of its movements', async () => {
    const storage = await openSqliteStorage();
    stores.push(storage);
    const balances = balancesProjector();
    await projectorFixture(balances, { storage, domain: 'account' })
      .given(
        { aggregateId: 'ann', type: 'AccountOpened', data: { owner: 'Ann', overdraftLimit: 0 } },
        { aggregateId: 'ann', type: 'Deposited', data: { amount: 1_000 } },
        { aggregateId: 'bob', type: 'AccountOpened', data: { owner: 'Bob', overdraftLimit: 0 } },
        {
          aggregateId: 'ann',
          type: 'TransferSent',
          data: { transferId: 't', to: 'bob', amount: 300 },
        },
        {
          aggregateId: 'bob',
          type: 'TransferReceived',
          data: { transferId: 't', from: 'ann', amount: 300 },
        },
        { domain: 'card', aggregateId: 'c-1', type: 'CardFrozen', data: { reason: 'lost' } },
      )
      .thenReadModel(
        () => balances.list(),
        [
          { accountId: 'ann', owner: 'Ann', balance: 700 },
          { accountId: 'bob', owner: 'Bob', balance: 300 },
        ],
      );
  });
});
