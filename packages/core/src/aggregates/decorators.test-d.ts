import { reject } from '../command-handling/rejection.js';
import { aggregate, command, event } from './decorators.js';
import { Amount } from './wallet.fixture.js';

// Type-level tests, checked by `tsc -p tsconfig.check.json` (npm run lint): each
// `@ts-expect-error` proves the decorators refuse a mistake at compile time.

@aggregate('typed')
export class Typed {
  balance = 0;

  @command('Credit', { schema: Amount, creates: true })
  credit({ amount }: { amount: number }) {
    return amount > 0 ? { type: 'Credited', data: { amount } } : reject('nothing to credit');
  }

  // @ts-expect-error -- the handler's data must accept the schema's output
  @command('Debit', { schema: Amount })
  debit(data: { amount: string }) {
    return { type: 'Debited', data };
  }

  // @ts-expect-error -- a command handler returns events or a rejection, not nothing
  @command('Nothing')
  nothing() {}

  @command('Async')
  async later() {
    return [];
  }

  // @ts-expect-error -- static methods have no aggregate to work on
  @command('Static')
  static make() {
    return [];
  }

  @event('Credited', { schema: Amount })
  onCredited({ amount }: { amount: number }) {
    this.balance += amount;
  }

  // @ts-expect-error -- the event handler's data must accept the schema's output
  @event('Debited', { schema: Amount })
  onDebited({ amount }: { amount: boolean }) {
    this.balance -= Number(amount);
  }
}

// @ts-expect-error -- a new aggregate is `new Class()`: the constructor takes no arguments
@aggregate('needs-args')
export class NeedsArgs {
  constructor(readonly id: string) {}

  @command('A')
  a() {
    return [];
  }
}
