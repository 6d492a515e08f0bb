import { describe, it } from 'vitest';
import { aggregateFixture } from '@evented/core/testing';
import type { AccountEvent } from './account.js';
import { account } from './account.js';

const accounts = aggregateFixture(account, { domain: 'account', aggregateId: 'acc-1' });

const opened: AccountEvent = { type: 'AccountOpened', data: { owner: 'Ann', overdraftLimit: 500 } };

describe('the account decider', () => {
  it('opens an account once', async () => {
    await accounts
      .given()
      .when({ type: 'OpenAccount', data: { owner: 'Ann', overdraftLimit: 500 } })
      .thenEvents(opened);
    await accounts
      .given(opened)
      .when({ type: 'OpenAccount', data: { owner: 'Ann' } })
      .thenRejected('account is open already');
  });

  it('refuses money movements on an account that is not open', async () => {
    await accounts
      .given()
      .when({ type: 'Deposit', data: { amount: 10 } })
      .thenRejected('account is not open', { aggregateId: 'acc-1' });
  });

  it('withdraws within the overdraft limit and rejects beyond it', async () => {
    const deposited: AccountEvent = { type: 'Deposited', data: { amount: 1_000 } };
    await accounts
      .given(opened, deposited)
      .when({ type: 'Withdraw', data: { amount: 1_500 } })
      .thenEvents({ type: 'Withdrawn', data: { amount: 1_500 } });
    await accounts
      .given(opened, deposited)
      .when({ type: 'Withdraw', data: { amount: 1_501 } })
      .thenRejected('insufficient funds', { balance: 1_000, amount: 1_501, overdraftLimit: 500 });
  });

  it('refuses amounts that are not whole positive cents', async () => {
    for (const amount of [0, -5, 1.5, Number.NaN]) {
      await accounts
        .given(opened)
        .when({ type: 'Deposit', data: { amount } })
        .thenRejected('amount must be whole cents, more than 0');
    }
  });

  it('sends a transfer only to another account, within the limit', async () => {
    const transfer = { transferId: 't-1', to: 'acc-2', amount: 300 };
    await accounts
      .given(opened)
      .when({ type: 'SendTransfer', data: transfer })
      .thenEvents({ type: 'TransferSent', data: transfer });
    await accounts
      .given(opened)
      .when({ type: 'SendTransfer', data: { ...transfer, to: 'acc-1' } })
      .thenRejected('cannot transfer to the same account');
  });
});
