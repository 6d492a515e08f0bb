import type { Decider } from '@evented/core';
import { reject } from '@evented/core';

/** The commands of the `account` domain. Amounts are whole cents. */
export type AccountCommand =
  | { type: 'OpenAccount'; data: { owner: string; overdraftLimit?: number } }
  | { type: 'Deposit'; data: { amount: number } }
  | { type: 'Withdraw'; data: { amount: number } }
  | { type: 'SendTransfer'; data: { transferId: string; to: string; amount: number } }
  | { type: 'ReceiveTransfer'; data: { transferId: string; from: string; amount: number } }
  | { type: 'RefundTransfer'; data: { transferId: string; amount: number; reason: string } };

/** The events of the `account` domain. */
export type AccountEvent =
  | { type: 'AccountOpened'; data: { owner: string; overdraftLimit: number } }
  | { type: 'Deposited'; data: { amount: number } }
  | { type: 'Withdrawn'; data: { amount: number } }
  | { type: 'TransferSent'; data: { transferId: string; to: string; amount: number } }
  | { type: 'TransferReceived'; data: { transferId: string; from: string; amount: number } }
  | { type: 'TransferRefunded'; data: { transferId: string; amount: number; reason: string } };

/** What the business logic needs to know about an account. */
export interface AccountState {
  readonly open: boolean;
  readonly balance: number;
  readonly overdraftLimit: number;
}

/** The effect of an event on the balance, in cents; shared by the decider and the projector. */
export function balanceChange(event: AccountEvent): number {
  switch (event.type) {
    case 'Deposited':
    case 'TransferReceived':
    case 'TransferRefunded':
      return event.data.amount;
    case 'Withdrawn':
    case 'TransferSent':
      return -event.data.amount;
    case 'AccountOpened':
      return 0;
  }
}

/**
 * The account's business logic as a decider: open, deposit, withdraw within the overdraft
 * limit, and the three steps of a transfer that the `transfers` saga drives.
 */
export const account: Decider<AccountState, AccountCommand, AccountEvent> = {
  initialState: () => ({ open: false, balance: 0, overdraftLimit: 0 }),

  evolve(state, event) {
    if (event.type === 'AccountOpened') {
      return { open: true, balance: 0, overdraftLimit: event.data.overdraftLimit };
    }
    return { ...state, balance: state.balance + balanceChange(event) };
  },

  decide(command, state) {
    if (command.type === 'OpenAccount') {
      if (state.open) return reject('account is open already');
      const { owner, overdraftLimit = 0 } = command.data;
      if (typeof owner !== 'string' || owner.length === 0) return reject('owner is required');
      if (!isCents(overdraftLimit, true))
        return reject('overdraftLimit must be whole cents, 0 or more');
      return { type: 'AccountOpened', data: { owner, overdraftLimit } };
    }
    if (!state.open) return reject('account is not open', { aggregateId: command.aggregateId });
    if (!isCents(command.data.amount)) return reject('amount must be whole cents, more than 0');
    switch (command.type) {
      case 'Deposit':
        return { type: 'Deposited', data: { amount: command.data.amount } };
      case 'Withdraw':
        return (
          withinOverdraft(state, command.data.amount) ?? { type: 'Withdrawn', data: command.data }
        );
      case 'SendTransfer':
        if (command.data.to === command.aggregateId)
          return reject('cannot transfer to the same account');
        return (
          withinOverdraft(state, command.data.amount) ?? {
            type: 'TransferSent',
            data: command.data,
          }
        );
      case 'ReceiveTransfer':
        return { type: 'TransferReceived', data: command.data };
      case 'RefundTransfer':
        return { type: 'TransferRefunded', data: command.data };
    }
  },
};

function withinOverdraft(
  state: AccountState,
  amount: number,
): ReturnType<typeof reject> | undefined {
  if (state.balance - amount >= -state.overdraftLimit) return undefined;
  return reject('insufficient funds', {
    balance: state.balance,
    amount,
    overdraftLimit: state.overdraftLimit,
  });
}

function isCents(value: unknown, zeroAllowed = false): value is number {
  return (
    typeof value === 'number' &&
    Number.isSafeInteger(value) &&
    (zeroAllowed ? value >= 0 : value > 0)
  );
}
