import { AssertionError } from 'node:assert';
import { describe, expect, it } from 'vitest';
import { Wallet } from '../aggregates/wallet.fixture.js';
import { counter, LIMIT } from '../command-handling/counter.fixture.js';
import type { Decider } from '../command-handling/decider.js';
import { aggregateFixture } from './aggregate-fixture.js';

const wallet = aggregateFixture(Wallet);
const opened = { type: 'WalletOpened', data: { owner: 'Ann' } };
const credited = (amount: number) => ({ type: 'Credited', data: { amount } });

/** The message of the assertion a failing expectation throws. */
async function failure(expectation: Promise<unknown>): Promise<string> {
  const error = await expectation.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(AssertionError);
  return (error as AssertionError).message;
}

describe('aggregateFixture with an aggregate class', () => {
  it('given events, when a command, then events', async () => {
    await wallet
      .given()
      .when({ type: 'OpenWallet', data: { owner: 'Ann' } })
      .thenEvents(opened);
    await wallet
      .given(opened, credited(50))
      .when({ type: 'Debit', data: { amount: 20 } })
      .thenEvents({ type: 'Debited', data: { amount: 20 } });
    await wallet.given(opened).when({ type: 'Touch' }).thenNothing();
  });

  it('then a rejection, with its reason and details, or an error code', async () => {
    await wallet
      .given(opened, credited(5))
      .when({ type: 'Debit', data: { amount: 6 } })
      .thenRejected('insufficient funds', { balance: 5 });
    const closed = await wallet
      .given(opened, { type: 'WalletClosed', data: {} })
      .when({ type: 'Credit', data: { amount: 1 } })
      .thenRejected();
    expect(closed.details['lifecycle']).toBe('closed');
    await wallet
      .given(opened)
      .when({ type: 'Credit', data: { amount: 0 } })
      .thenError('INVALID_ARGUMENT');
  });

  it('fails with a diff of expected and actual events', async () => {
    const message = await failure(
      wallet
        .given(opened)
        .when({ type: 'Credit', data: { amount: 5 } })
        .thenEvents(credited(6), { type: 'Audited', data: {} }),
    );
    expect(message).toBe(
      [
        'command Credit decided other events',
        "- { data: { amount: 6 }, type: 'Credited' }",
        "- { data: {}, type: 'Audited' }",
        "+ { data: { amount: 5 }, type: 'Credited' }",
        '(- expected, + actual)',
      ].join('\n'),
    );
  });

  it('fails readably when the outcome is of another kind', async () => {
    expect(
      await failure(
        wallet
          .given()
          .when({ type: 'Credit', data: { amount: 5 } })
          .thenEvents(),
      ),
    ).toContain('command Credit failed, expected it to decide events: COMMAND_REJECTED');
    expect(
      await failure(
        wallet
          .given(opened)
          .when({ type: 'Credit', data: { amount: 5 } })
          .thenRejected(),
      ),
    ).toContain(
      "command Credit decided [ { data: { amount: 5 }, type: 'Credited' } ], expected it to fail with COMMAND_REJECTED",
    );
    expect(
      await failure(
        wallet
          .given(opened, credited(5))
          .when({ type: 'Debit', data: { amount: 6 } })
          .thenRejected('account is frozen'),
      ),
    ).toContain("- 'account is frozen'\n+ 'insufficient funds'");
  });

  it('compares metadata only where the expected event states it', async () => {
    const traced = aggregateFixture({
      handle: () => ({ events: [{ type: 'Ping', data: {}, metadata: { by: 'test' } }] }),
    });
    await traced.given().when({ type: 'Ping' }).thenEvents({ type: 'Ping', data: {} });
    await traced
      .given()
      .when({ type: 'Ping' })
      .thenEvents({ type: 'Ping', data: {}, metadata: { by: 'test' } });
  });
});

describe('aggregateFixture with a decider', () => {
  const fixture = aggregateFixture(counter, { domain: 'counter' });

  it('runs the same given/when/then', async () => {
    await fixture
      .given({ type: 'Added', data: { by: 2 } })
      .when({ type: 'AddTwice', data: { by: 3 } })
      .thenEvents({ type: 'Added', data: { by: 3 } }, { type: 'Added', data: { by: 3 } });
    await fixture
      .given({ type: 'Added', data: { by: LIMIT } })
      .when({ type: 'Add', data: { by: 1 } })
      .thenRejected('over the limit', { total: LIMIT });
  });

  it('fails when the state would not survive a snapshot', async () => {
    const dated: Decider<{ at: Date | null }> = {
      initialState: () => ({ at: null }),
      evolve: () => ({ at: new Date(0) }),
      decide: () => [{ type: 'Stamped', data: {} }],
    };
    expect(
      await failure(
        aggregateFixture(dated)
          .given()
          .when({ type: 'Stamp' })
          .thenEvents({ type: 'Stamped', data: {} }),
      ),
    ).toContain('the snapshot after command Stamp does not survive JSON');
  });
});
