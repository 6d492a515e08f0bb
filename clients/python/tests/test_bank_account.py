"""The account decider of examples/bank_account.py: folding and rejections, the same
cases as examples/bank/src/account.test.ts and a few more."""

import unittest

import support  # noqa: F401 - puts the SDK and the examples on the path

from bank_account import Account
from evented import Command, Event, EventedError, NewEvent, Rejection, fold, run_decide

account = Account()


def recorded(*events):
    """The (type, data) pairs as recorded events of acc-1."""
    return [
        Event(
            id=f'e{i}',
            domain='account',
            aggregate_id='acc-1',
            version=i,
            position=i,
            type=t,
            data=d,
        )
        for i, (t, d) in enumerate(events, start=1)
    ]


def given(*events):
    state = fold(account, recorded(*events))

    class When:
        def when(self, type, data):
            return run_decide(account, Command('account', 'acc-1', type, data), state)

    return When()


OPENED = ('AccountOpened', {'owner': 'Ann', 'overdraftLimit': 500})
DEPOSITED = ('Deposited', {'amount': 1000})


class FoldingTest(unittest.TestCase):
    def test_a_new_account_is_closed_and_empty(self):
        self.assertEqual(fold(account, []), {'open': False, 'balance': 0, 'overdraftLimit': 0})

    def test_folds_every_kind_of_event_into_the_balance(self):
        state = fold(
            account,
            recorded(
                OPENED,
                DEPOSITED,
                ('Withdrawn', {'amount': 200}),
                ('TransferSent', {'transferId': 't-1', 'to': 'acc-2', 'amount': 300}),
                ('TransferReceived', {'transferId': 't-2', 'from': 'acc-3', 'amount': 50}),
                ('TransferRefunded', {'transferId': 't-1', 'amount': 300, 'reason': 'closed'}),
                ('SomethingNew', {'amount': 999}),
            ),
        )
        self.assertEqual(state, {'open': True, 'balance': 850, 'overdraftLimit': 500})


class DecideTest(unittest.TestCase):
    def assertEvents(self, outcome, expected):
        self.assertIsInstance(outcome, list, outcome)
        self.assertEqual(outcome, [NewEvent(t, d) for t, d in expected])

    def assertRejected(self, outcome, reason, details=None):
        self.assertIsInstance(outcome, Rejection, outcome)
        self.assertEqual(outcome.reason, reason)
        if details is not None:
            self.assertEqual(outcome.details, details)

    def test_opens_an_account_once(self):
        self.assertEvents(
            given().when('OpenAccount', {'owner': 'Ann', 'overdraftLimit': 500}), [OPENED]
        )
        self.assertEvents(
            given().when('OpenAccount', {'owner': 'Bob'}),
            [('AccountOpened', {'owner': 'Bob', 'overdraftLimit': 0})],
        )
        self.assertRejected(
            given(OPENED).when('OpenAccount', {'owner': 'Ann'}), 'account is open already'
        )

    def test_needs_an_owner_and_a_whole_overdraft_limit(self):
        for data in ({}, {'owner': ''}, {'owner': 7}, None):
            self.assertRejected(given().when('OpenAccount', data), 'owner is required')
        for limit in (-1, 1.5, None, '5', True):
            self.assertRejected(
                given().when('OpenAccount', {'owner': 'Ann', 'overdraftLimit': limit}),
                'overdraftLimit must be whole cents, 0 or more',
            )

    def test_refuses_money_movements_on_an_account_that_is_not_open(self):
        self.assertRejected(
            given().when('Deposit', {'amount': 10}), 'account is not open', {'aggregateId': 'acc-1'}
        )

    def test_withdraws_within_the_overdraft_limit_and_rejects_beyond_it(self):
        self.assertEvents(
            given(OPENED, DEPOSITED).when('Withdraw', {'amount': 1500}),
            [('Withdrawn', {'amount': 1500})],
        )
        self.assertRejected(
            given(OPENED, DEPOSITED).when('Withdraw', {'amount': 1501}),
            'insufficient funds',
            {'balance': 1000, 'amount': 1501, 'overdraftLimit': 500},
        )

    def test_refuses_amounts_that_are_not_whole_positive_cents(self):
        for amount in (0, -5, 1.5, float('nan'), float('inf'), 2**53, True, '10', None):
            self.assertRejected(
                given(OPENED).when('Deposit', {'amount': amount}),
                'amount must be whole cents, more than 0',
            )
        self.assertEvents(
            given(OPENED).when('Deposit', {'amount': 10}), [('Deposited', {'amount': 10})]
        )

    def test_sends_a_transfer_only_to_another_account_within_the_limit(self):
        transfer = {'transferId': 't-1', 'to': 'acc-2', 'amount': 300}
        self.assertEvents(
            given(OPENED).when('SendTransfer', transfer), [('TransferSent', transfer)]
        )
        self.assertRejected(
            given(OPENED).when('SendTransfer', {**transfer, 'to': 'acc-1'}),
            'cannot transfer to the same account',
        )
        self.assertRejected(
            given(OPENED).when('SendTransfer', {**transfer, 'amount': 501}), 'insufficient funds'
        )

    def test_receives_and_refunds_transfers(self):
        received = {'transferId': 't-1', 'from': 'acc-2', 'amount': 300}
        refunded = {'transferId': 't-1', 'amount': 300, 'reason': 'account is not open'}
        self.assertEvents(
            given(OPENED).when('ReceiveTransfer', received), [('TransferReceived', received)]
        )
        self.assertEvents(
            given(OPENED).when('RefundTransfer', refunded), [('TransferRefunded', refunded)]
        )

    def test_an_unknown_command_is_an_invalid_argument(self):
        with self.assertRaises(EventedError) as raised:
            given(OPENED).when('Close', {'amount': 1})
        self.assertEqual(raised.exception.code, 'INVALID_ARGUMENT')


if __name__ == '__main__':
    unittest.main()
