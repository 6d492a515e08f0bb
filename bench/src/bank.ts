import { isRejection } from '@evented/core';
import { account } from '@evented/example-bank';
import type { AccountCommand, AccountEvent, AccountState } from '@evented/example-bank';

/** A command of the bank example's `account` domain, addressed to one account. */
export type BankCommand = AccountCommand & {
  readonly domain: 'account';
  readonly aggregateId: string;
};

/** The n-th command (0-based) W5 sends to an account: open, then deposits and withdrawals. */
export function nthCommand(aggregateId: string, n: number): BankCommand {
  const address = { domain: 'account', aggregateId } as const;
  if (n === 0) return { ...address, type: 'OpenAccount', data: { owner: aggregateId } };
  return n % 2 === 1
    ? { ...address, type: 'Deposit', data: { amount: 100 } }
    : { ...address, type: 'Withdraw', data: { amount: 30 } };
}

/** The balance after the first `count` commands of {@link nthCommand}. */
export function expectedBalance(count: number): number {
  let balance = 0;
  for (let n = 1; n < count; n++) balance += n % 2 === 1 ? 100 : -30;
  return balance;
}

/** Folds an account's events with the example's decider. */
export const foldAccount = (events: readonly AccountEvent[]): AccountState =>
  events.reduce(account.evolve, account.initialState());

/**
 * Runs the example's `decide` outside evented (raw SQL, Emmett): the events it decides,
 * or a thrown error for a rejection, as evented's facade does.
 */
export function decideAccount(command: BankCommand, state: AccountState): AccountEvent[] {
  const outcome = account.decide(command, state);
  if (isRejection(outcome)) throw new Error(`command rejected: ${outcome.reason}`);
  return Array.isArray(outcome) ? [...outcome] : [outcome as AccountEvent];
}
