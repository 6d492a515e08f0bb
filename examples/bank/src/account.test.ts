import { describe, expect, it } from 'vitest';
import { isRejection } from '@evented/core';
import type { AccountCommand, AccountEvent } from './account.js';
import { account } from './account.js';

/** Given these events, when this command, then the decider's outcome. */
function given(...events: AccountEvent[]) {
  const state = events.reduce(account.evolve, account.initialState());
  return {
    when(command: AccountCommand) {
      const outcome = account.decide(
        { ...command, domain: 'account', aggregateId: 'acc-1' } as never,
        state,
      );
      return {
        then: (expected: AccountEvent[]) =>
          expect(Array.isArray(outcome) ? outcome : [outcome]).toEqual(expected),
        thenRejected: (reason: string) =>
          expect(isRejection(outcome) && outcome.reason).toBe(reason),
      };
    },
  };
}

const opened: AccountEvent = { type: 'AccountOpened', data: { owner: 'Ann', overdraftLimit: 500 } };

describe('the account decider', () => {
  it('opens an account once', () => {
    given()
      .when({ type: 'OpenAccount', data: { owner: 'Ann', overdraftLimit: 500 } })
      .then([opened]);
    given(opened)
      .when({ type: 'OpenAccount', data: { owner: 'Ann' } })
      .thenRejected('account is open already');
  });

  it('refuses money movements on an account that is not open', () => {
    given()
      .when({ type: 'Deposit', data: { amount: 10 } })
      .thenRejected('account is not open');
  });

  it('withdraws within the overdraft limit and rejects beyond it', () => {
    const deposited: AccountEvent = { type: 'Deposited', data: { amount: 1_000 } };
    given(opened, deposited)
      .when({ type: 'Withdraw', data: { amount: 1_500 } })
      .then([{ type: 'Withdrawn', data: { amount: 1_500 } }]);
    given(opened, deposited)
      .when({ type: 'Withdraw', data: { amount: 1_501 } })
      .thenRejected('insufficient funds');
  });

  it('refuses amounts that are not whole positive cents', () => {
    for (const amount of [0, -5, 1.5, Number.NaN]) {
      given(opened)
        .when({ type: 'Deposit', data: { amount } })
        .thenRejected('amount must be whole cents, more than 0');
    }
  });

  it('sends a transfer only to another account, within the limit', () => {
    const transfer = { transferId: 't-1', to: 'acc-2', amount: 300 };
    given(opened)
      .when({ type: 'SendTransfer', data: transfer })
      .then([{ type: 'TransferSent', data: transfer }]);
    given(opened)
      .when({ type: 'SendTransfer', data: { ...transfer, to: 'acc-1' } })
      .thenRejected('cannot transfer to the same account');
  });
});
