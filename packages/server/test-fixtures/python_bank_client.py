"""A child of python-interop.e2e.test.ts: a client of an evented server written with the
Python SDK. argv: <server host:port> <events to wait for>.

It subscribes to the global log from the start (in a thread, waiting for the caught-up
marker so that what follows arrives live), then dispatches the bank commands below, one of
them an overdraft that the account's business logic rejects, and one a resend of a command
id already handled. It prints one JSON line per dispatch (`dispatched` or `rejected`), then
one per event its subscription saw (`event`), and exits 0; on any surprise it exits 1.
"""

import datetime
import json
import sys
import threading

from evented import Client, EventedError

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def out(line):
    print(json.dumps(line, sort_keys=True), flush=True)


def event_line(event):
    return {
        'kind': 'event',
        'id': event.id,
        'position': event.position,
        'domain': event.domain,
        'aggregateId': event.aggregate_id,
        'version': event.version,
        'type': event.type,
        'data': event.data,
        'metadata': event.metadata,
        'correlationId': event.correlation_id,
        'causationId': event.causation_id,
        'recordedAtMs': (event.recorded_at - EPOCH) // datetime.timedelta(milliseconds=1),
    }


def main():
    address, expected = sys.argv[1], int(sys.argv[2])
    with Client(address) as client:
        caught_up = threading.Event()
        seen = []
        failures = []
        subscription = client.subscribe(after=0, on_caught_up=lambda _position: caught_up.set())

        def follow():
            try:
                for event in subscription:
                    seen.append(event)
                    if len(seen) == expected:
                        return
            except EventedError as error:
                failures.append(error)

        follower = threading.Thread(target=follow, daemon=True)
        follower.start()
        if not caught_up.wait(10):
            raise SystemExit('the subscription sent no caught-up marker within 10 s')

        def dispatch(aggregate_id, type_, data, command_id=None):
            try:
                result = client.dispatch(
                    'account',
                    aggregate_id,
                    type_,
                    data,
                    command_id=command_id,
                    timeout=10,
                )
            except EventedError as error:
                out(
                    {
                        'kind': 'rejected',
                        'aggregateId': aggregate_id,
                        'type': type_,
                        'code': error.code,
                        'message': error.message,
                        'details': error.details,
                    }
                )
                return
            out(
                {
                    'kind': 'dispatched',
                    'aggregateId': aggregate_id,
                    'type': type_,
                    'commandId': result.command_id,
                    'version': result.version,
                    'duplicate': result.duplicate,
                    'positions': [event.position for event in result.events],
                }
            )

        dispatch('py-ann', 'OpenAccount', {'owner': 'Ann'}, command_id='py-open-ann')
        dispatch('py-bo', 'OpenAccount', {'owner': 'Bo', 'overdraftLimit': 100})
        dispatch('py-ann', 'Deposit', {'amount': 500})
        dispatch('py-bo', 'Deposit', {'amount': 70})
        dispatch('py-bo', 'Withdraw', {'amount': 900})  # 70 - 900 is below -100
        dispatch('py-ann', 'Withdraw', {'amount': 200})
        dispatch('py-ann', 'OpenAccount', {'owner': 'Ann'}, command_id='py-open-ann')

        follower.join(10)
        subscription.cancel()
        if failures:
            raise SystemExit(f'the subscription failed: {failures[0]}')
        if len(seen) != expected:
            raise SystemExit(f'the subscription saw {len(seen)} events, expected {expected}')
        for event in seen:
            out(event_line(event))
    return 0


if __name__ == '__main__':
    sys.exit(main())
