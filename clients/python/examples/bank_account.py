#!/usr/bin/env python3
"""The bank's ``account`` business logic in Python, served as a gRPC BusinessLogicService.

The same rules, event shapes and rejection reasons as examples/bank/src/account.ts, and
the same state as JSON, so snapshots are interchangeable. Amounts are whole cents.

    /usr/bin/python3 clients/python/examples/bank_account.py --listen 127.0.0.1:50061

prints ``listening on 127.0.0.1:<port>`` once it serves (``:0`` picks a free port), and
stops cleanly on SIGTERM or Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from typing import Any, Optional

if __name__ == '__main__':  # run from a checkout: find the SDK beside this folder
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from evented import (
    Command,
    Decider,
    Event,
    EventedError,
    Rejection,
    serve_business_logic,
)  # noqa: E402

_MAX_SAFE_INTEGER = 2**53 - 1


def balance_change(event: Event) -> int:
    """The effect of an event on the balance, in cents."""
    if event.type in ('Deposited', 'TransferReceived', 'TransferRefunded'):
        return event.data['amount']
    if event.type in ('Withdrawn', 'TransferSent'):
        return -event.data['amount']
    return 0


def is_cents(value: Any, zero_allowed: bool = False) -> bool:
    """A whole number of cents that JavaScript represents exactly (and more than 0)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(value, float) and not value.is_integer():
        return False
    if abs(value) > _MAX_SAFE_INTEGER:
        return False
    return value >= 0 if zero_allowed else value > 0


class Account(Decider):
    """Open, deposit, withdraw within the overdraft limit, and the three steps of a
    transfer that the ``transfers`` saga drives."""

    def initial_state(self) -> dict:
        return {'open': False, 'balance': 0, 'overdraftLimit': 0}

    def evolve(self, state: dict, event: Event) -> dict:
        if event.type == 'AccountOpened':
            return {'open': True, 'balance': 0, 'overdraftLimit': event.data['overdraftLimit']}
        return {**state, 'balance': state['balance'] + balance_change(event)}

    def decide(self, command: Command, state: dict) -> Any:
        data = command.data if isinstance(command.data, dict) else {}
        if command.type == 'OpenAccount':
            if state['open']:
                return Rejection('account is open already')
            owner = data.get('owner')
            overdraft_limit = data.get('overdraftLimit', 0)
            if not isinstance(owner, str) or owner == '':
                return Rejection('owner is required')
            if not is_cents(overdraft_limit, zero_allowed=True):
                return Rejection('overdraftLimit must be whole cents, 0 or more')
            return {
                'type': 'AccountOpened',
                'data': {'owner': owner, 'overdraftLimit': overdraft_limit},
            }
        if not state['open']:
            return Rejection('account is not open', {'aggregateId': command.aggregate_id})
        amount = data.get('amount')
        if not is_cents(amount):
            return Rejection('amount must be whole cents, more than 0')
        if command.type == 'Deposit':
            return {'type': 'Deposited', 'data': {'amount': amount}}
        if command.type == 'Withdraw':
            return within_overdraft(state, amount) or {'type': 'Withdrawn', 'data': data}
        if command.type == 'SendTransfer':
            if data.get('to') == command.aggregate_id:
                return Rejection('cannot transfer to the same account')
            return within_overdraft(state, amount) or {'type': 'TransferSent', 'data': data}
        if command.type == 'ReceiveTransfer':
            return {'type': 'TransferReceived', 'data': data}
        if command.type == 'RefundTransfer':
            return {'type': 'TransferRefunded', 'data': data}
        raise EventedError(
            'INVALID_ARGUMENT',
            f'the account domain has no command {command.type!r}',
            {'type': command.type},
        )


def within_overdraft(state: dict, amount: int) -> Optional[Rejection]:
    if state['balance'] - amount >= -state['overdraftLimit']:
        return None
    return Rejection(
        'insufficient funds',
        {'balance': state['balance'], 'amount': amount, 'overdraftLimit': state['overdraftLimit']},
    )


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument(
        '--listen', default='127.0.0.1:50061', help='host:port (port 0: any free one)'
    )
    args = parser.parse_args(argv)

    try:
        server, port = serve_business_logic({'account': Account()}, args.listen)
    except EventedError as error:
        print(f'bank_account: {error}', file=sys.stderr)
        return 1
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f'listening on {args.listen.rsplit(":", 1)[0]}:{port}', flush=True)
    stop.wait()
    server.stop(grace=5).wait()
    return 0


if __name__ == '__main__':
    sys.exit(main())
