"""The client against small fake servers in this test: requests, decoding of events, the
bearer token, and the decoding of errors from the `evented-code` / `evented-details`
trailers."""

import datetime
import json
import threading
import unittest

import support

import grpc

from evented import CaughtUp, Client, EventedError
from evented.v1 import (
    command_gateway_pb2,
    command_gateway_pb2_grpc,
    event_query_pb2,
    event_query_pb2_grpc,
    types_pb2,
)


def recorded(position, type='Deposited', data=None, version=None):
    message = types_pb2.Event(
        id=f'e-{position}',
        cover=types_pb2.Cover(domain='account', aggregate_id='acc-1', correlation_id='corr-1'),
        version=version or position,
        position=position,
        type=type,
        payload=types_pb2.Payload(
            json=json.dumps(data if data is not None else {'amount': position})
        ),
        schema_version=1,
        causation_id='c-1',
    )
    message.metadata.update({'user': 'ann', 'attempt': 2})
    message.recorded_at.FromDatetime(datetime.datetime(2024, 5, 1, 12, 0, 0))
    return message


def fail(context, status, message, code=None, details=None):
    trailers = []
    if code is not None:
        trailers.append(('evented-code', code))
    if details is not None:
        trailers.append(('evented-details', details))
    context.set_trailing_metadata(trailers)
    context.abort(status, message)


class FakeGateway(command_gateway_pb2_grpc.CommandGatewayServiceServicer):
    def __init__(self):
        self.requests = []
        self.metadata = []

    def Dispatch(self, request, context):  # noqa: N802
        self.requests.append(request)
        self.metadata.append(dict(context.invocation_metadata()))
        kind = request.command.type
        if kind == 'Withdraw':
            fail(
                context,
                grpc.StatusCode.FAILED_PRECONDITION,
                'command rejected: insufficient funds',
                'COMMAND_REJECTED',
                json.dumps({'reason': 'insufficient funds', 'balance': 10, 'amount': 20}),
            )
        if kind == 'Conflict':
            fail(
                context,
                grpc.StatusCode.ABORTED,
                'expected version 1, found 2',
                'CONCURRENCY_CONFLICT',
                '{"expected":1,"actual":2}',
            )
        if kind == 'Bare':
            fail(context, grpc.StatusCode.UNAVAILABLE, 'store is down')
        if kind == 'Garbled':
            fail(context, grpc.StatusCode.INVALID_ARGUMENT, 'bad', 'INVALID_ARGUMENT', 'not json')
        event = recorded(5, 'Deposited', json.loads(request.command.payload.json), version=3)
        return command_gateway_pb2.DispatchResponse(
            events=[event],
            version=3,
            duplicate=False,
            command_id=request.command.command_id or 'generated',
        )


class FakeQueries(event_query_pb2_grpc.EventQueryServiceServicer):
    def __init__(self):
        self.requests = []
        self.metadata = []
        self.subscriber_left = threading.Event()

    def ReadStream(self, request, context):  # noqa: N802
        self.requests.append(request)
        return event_query_pb2.ReadStreamResponse(events=[recorded(1), recorded(2)])

    def ReadAll(self, request, context):  # noqa: N802
        self.requests.append(request)
        return event_query_pb2.ReadAllResponse(
            events=[recorded(request.after + 1)], position=request.after + 1, is_end=True
        )

    def Subscribe(self, request, context):  # noqa: N802
        self.requests.append(request)
        self.metadata.append(dict(context.invocation_metadata()))
        context.add_callback(self.subscriber_left.set)
        if request.after == 99:
            fail(
                context,
                grpc.StatusCode.INVALID_ARGUMENT,
                'after is beyond the log',
                'INVALID_ARGUMENT',
                '{"after":99}',
            )
        yield event_query_pb2.SubscribeResponse(event=recorded(request.after + 1))
        yield event_query_pb2.SubscribeResponse(event=recorded(request.after + 2))
        yield event_query_pb2.SubscribeResponse(
            caught_up=event_query_pb2.CaughtUp(position=request.after + 2)
        )
        yield event_query_pb2.SubscribeResponse(event=recorded(request.after + 3))
        self.subscriber_left.wait(10)  # live: nothing more until the client leaves


class ClientTest(unittest.TestCase):
    def setUp(self):
        self.gateway = FakeGateway()
        self.queries = FakeQueries()

        def register(server):
            command_gateway_pb2_grpc.add_CommandGatewayServiceServicer_to_server(
                self.gateway, server
            )
            event_query_pb2_grpc.add_EventQueryServiceServicer_to_server(self.queries, server)

        _, port = support.start(register, self)
        self.client = Client(f'127.0.0.1:{port}', token='s3cret')
        self.addCleanup(self.client.close)

    def test_dispatch_sends_the_command_and_decodes_the_recorded_events(self):
        result = self.client.dispatch(
            'account',
            'acc-1',
            'Deposit',
            {'amount': 250, 'note': 'café'},
            command_id='c-1',
            expected_version=2,
            metadata={'user': 'ann'},
            wait_for=['balances'],
            wait_timeout=1.5,
            timeout=5,
        )
        [request] = self.gateway.requests
        command = request.command
        self.assertEqual(
            (command.cover.domain, command.cover.aggregate_id, command.type),
            ('account', 'acc-1', 'Deposit'),
        )
        self.assertEqual(json.loads(command.payload.json), {'amount': 250, 'note': 'café'})
        self.assertEqual((command.command_id, command.expected_version), ('c-1', 2))
        self.assertEqual(dict(command.metadata), {'user': 'ann'})
        self.assertEqual(
            (list(request.wait_for), request.wait_timeout_ms, request.json_payloads),
            (['balances'], 1500, True),
        )
        self.assertEqual(self.gateway.metadata[0]['authorization'], 'Bearer s3cret')

        self.assertEqual((result.version, result.duplicate, result.command_id), (3, False, 'c-1'))
        [event] = result.events
        self.assertEqual(
            (event.id, event.domain, event.aggregate_id, event.version, event.position, event.type),
            ('e-5', 'account', 'acc-1', 3, 5, 'Deposited'),
        )
        self.assertEqual(event.data, {'amount': 250, 'note': 'café'})
        self.assertEqual(event.metadata, {'user': 'ann', 'attempt': 2})
        self.assertEqual(
            (event.schema_version, event.causation_id, event.correlation_id), (1, 'c-1', 'corr-1')
        )
        self.assertEqual(
            event.recorded_at, datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.timezone.utc)
        )

    def test_dispatch_leaves_optional_fields_unset(self):
        result = self.client.dispatch('account', 'acc-1', 'Deposit', {'amount': 1})
        command = self.gateway.requests[0].command
        self.assertFalse(command.HasField('expected_version'))
        self.assertEqual((command.command_id, self.gateway.requests[0].wait_timeout_ms), ('', 0))
        self.assertEqual(result.command_id, 'generated')

    def test_a_rejection_raises_its_code_and_details(self):
        with self.assertRaises(EventedError) as raised:
            self.client.dispatch('account', 'acc-1', 'Withdraw', {'amount': 20})
        error = raised.exception
        self.assertEqual(error.code, 'COMMAND_REJECTED')
        self.assertEqual(error.message, 'command rejected: insufficient funds')
        self.assertEqual(
            error.details, {'reason': 'insufficient funds', 'balance': 10, 'amount': 20}
        )
        self.assertEqual(error.status, grpc.StatusCode.FAILED_PRECONDITION)

    def test_a_conflict_raises_concurrency_conflict(self):
        with self.assertRaises(EventedError) as raised:
            self.client.dispatch('account', 'acc-1', 'Conflict', {}, expected_version=1)
        self.assertEqual(
            (raised.exception.code, raised.exception.details),
            ('CONCURRENCY_CONFLICT', {'expected': 1, 'actual': 2}),
        )

    def test_without_the_trailer_the_code_is_the_grpc_status_name(self):
        with self.assertRaises(EventedError) as raised:
            self.client.dispatch('account', 'acc-1', 'Bare', {})
        self.assertEqual(
            (raised.exception.code, raised.exception.message, raised.exception.details),
            ('UNAVAILABLE', 'store is down', {}),
        )

    def test_details_that_are_not_json_are_kept_raw(self):
        with self.assertRaises(EventedError) as raised:
            self.client.dispatch('account', 'acc-1', 'Garbled', {})
        self.assertEqual(
            (raised.exception.code, raised.exception.details),
            ('INVALID_ARGUMENT', {'raw': 'not json'}),
        )

    def test_data_that_is_not_json_is_refused_before_sending(self):
        for data in ({'amount': float('nan')}, {'when': datetime.date.today()}):
            with self.assertRaises(EventedError) as raised:
                self.client.dispatch('account', 'acc-1', 'Deposit', data)
            self.assertEqual(raised.exception.code, 'INVALID_ARGUMENT')
        with self.assertRaises(EventedError):
            self.client.read_all(after=-1)
        self.assertEqual(self.gateway.requests, [])

    def test_read_stream_and_read_all(self):
        events = self.client.read_stream(
            'account', 'acc-1', from_version=5, limit=2, backwards=True
        )
        self.assertEqual([e.version for e in events], [1, 2])
        page = self.client.read_all(after=7, limit=10, domains=['account'], types=['Deposited'])
        self.assertEqual(
            ([e.position for e in page.events], page.position, page.is_end), ([8], 8, True)
        )
        stream_request, all_request = self.queries.requests
        self.assertEqual(
            (stream_request.direction, stream_request.from_version, stream_request.limit),
            (event_query_pb2.DIRECTION_BACKWARDS, 5, 2),
        )
        self.assertEqual((all_request.after, all_request.limit), (7, 10))
        self.assertEqual(
            (list(all_request.filter.domains), list(all_request.filter.types)),
            (['account'], ['Deposited']),
        )

    def test_subscribe_yields_events_and_says_when_it_caught_up(self):
        subscription = self.client.subscribe(after=10, domains=['account'])
        with subscription:
            first = next(subscription)
            self.assertFalse(subscription.caught_up)
            second = next(subscription)
            live = next(subscription)
            self.assertTrue(subscription.caught_up)
            self.assertEqual(subscription.caught_up_position, 12)
            self.assertEqual([first.position, second.position, live.position], [11, 12, 13])
            self.assertEqual(subscription.position, 13)
        self.assertEqual(list(subscription), [])  # cancelled: iteration ends
        self.assertTrue(self.queries.subscriber_left.wait(5))
        self.assertEqual(self.queries.metadata[0]['authorization'], 'Bearer s3cret')
        self.assertEqual(list(self.queries.requests[0].filter.domains), ['account'])

    def test_subscribe_can_yield_the_caught_up_marker(self):
        with self.client.subscribe(after=0, yield_caught_up=True) as subscription:
            items = [next(subscription) for _ in range(4)]
        self.assertEqual([type(i).__name__ for i in items], ['Event', 'Event', 'CaughtUp', 'Event'])
        self.assertEqual(items[2], CaughtUp(2))

    def test_subscribe_calls_back_when_it_caught_up(self):
        seen = []
        with self.client.subscribe(
            after=0, on_caught_up=lambda p: seen.append(('caught up', p))
        ) as s:
            for _ in range(3):
                seen.append(next(s).position)
        self.assertEqual(seen, [1, 2, ('caught up', 2), 3])

    def test_a_failed_subscription_raises_evented_error(self):
        with self.assertRaises(EventedError) as raised:
            list(self.client.subscribe(after=99))
        self.assertEqual(
            (raised.exception.code, raised.exception.details), ('INVALID_ARGUMENT', {'after': 99})
        )


class UnreachableTest(unittest.TestCase):
    def test_no_server_is_unavailable(self):
        with Client('127.0.0.1:1') as client:
            with self.assertRaises(EventedError) as raised:
                client.read_all(timeout=5)
        self.assertIn(raised.exception.code, ('UNAVAILABLE', 'DEADLINE_EXCEEDED'))


if __name__ == '__main__':
    unittest.main()
