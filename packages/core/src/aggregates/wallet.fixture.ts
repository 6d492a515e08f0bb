import { reject } from '../command-handling/rejection.js';
import type { StandardSchemaV1 } from '../validation/standard-schema.js';
import { aggregate, command, event } from './decorators.js';

/**
 * A Standard Schema from a check, as a validation library would make one: core's tests
 * cannot depend on zod, and this proves any implementation of the interface is enough.
 */
export function schemaOf<T>(
  check: (value: Record<string, unknown>) => string[],
): StandardSchemaV1<T> {
  return {
    '~standard': {
      version: 1,
      vendor: 'evented-test',
      validate(value) {
        if (typeof value !== 'object' || value === null)
          return { issues: [{ message: 'expected an object' }] };
        const problems = check(value as Record<string, unknown>);
        if (problems.length === 0) return { value: value as T };
        return {
          issues: problems.map((problem) => {
            const [key, message] = problem.split(': ');
            return { message: message!, path: [key!] };
          }),
        };
      },
    },
  };
}

const positive = (value: unknown) =>
  typeof value === 'number' && Number.isSafeInteger(value) && value > 0;

export const OpenWallet = schemaOf<{ owner: string }>((data) =>
  typeof data['owner'] === 'string' && data['owner'] !== '' ? [] : ['owner: a name is required'],
);
export const Amount = schemaOf<{ amount: number }>((data) =>
  positive(data['amount']) ? [] : ['amount: must be a whole number above 0'],
);

/** A tiny aggregate for core's tests: a wallet that is opened, credited, debited and closed. */
@aggregate('wallet')
export class Wallet {
  owner = '';
  balance = 0;

  @command('OpenWallet', { schema: OpenWallet, creates: true })
  open({ owner }: { owner: string }) {
    return { type: 'WalletOpened', data: { owner } };
  }

  @command('Credit', { schema: Amount })
  credit({ amount }: { amount: number }) {
    return { type: 'Credited', data: { amount } };
  }

  @command('Debit', { schema: Amount })
  async debit({ amount }: { amount: number }) {
    await Promise.resolve();
    if (amount > this.balance) return reject('insufficient funds', { balance: this.balance });
    return [{ type: 'Debited', data: { amount } }];
  }

  /** Has no schema: its data is whatever the method declares, unchecked. */
  @command('Touch', { creates: 'if-missing' })
  touch() {
    return [];
  }

  @command('CloseWallet')
  close() {
    if (this.balance !== 0) return reject('the balance is not zero', { balance: this.balance });
    return { type: 'WalletClosed', data: {} };
  }

  @event('WalletOpened')
  onOpened({ owner }: { owner: string }) {
    this.owner = owner;
  }

  @event('Credited', { schema: Amount })
  onCredited({ amount }: { amount: number }) {
    this.balance += amount;
  }

  @event('Debited', { schema: Amount })
  onDebited({ amount }: { amount: number }) {
    this.balance -= amount;
  }

  @event('WalletClosed', { closes: true })
  onClosed() {}
}
