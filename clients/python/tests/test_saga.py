"""SagaService over real loopback calls: the transfer saga's first step as a Python saga."""

import json
import unittest

import support

import grpc

from evented import Command, SagaServicer, serve_saga
from evented.v1 import saga_pb2, saga_pb2_grpc, types_pb2

SENT = types_pb2.Event(
    id='e-7',
    cover=types_pb2.Cover(domain='account', aggregate_id='acc-1', correlation_id='corr-1'),
    version=3,
    position=7,
    type='TransferSent',
    payload=types_pb2.Payload(json=json.dumps({'transferId': 't-1', 'to': 'acc-2', 'amount': 300})),
    schema_version=1,
)


def transfers(event, processor):
    """Credits the receiving account of a sent transfer."""
    if event.type != 'TransferSent':
        return None
    return [
        {
            'domain': 'account',
            'aggregate_id': event.data['to'],
            'type': 'ReceiveTransfer',
            'data': {
                'transferId': event.data['transferId'],
                'from': event.aggregate_id,
                'amount': event.data['amount'],
            },
            'metadata': {'saga': processor},
        }
    ]


class SagaTest(unittest.TestCase):
    def react(self, handlers, processor, event):
        channel, _ = support.start(SagaServicer(handlers).add_to_server, self)
        return saga_pb2_grpc.SagaServiceStub(channel).React(
            saga_pb2.ReactRequest(processor=processor, event=event), timeout=5
        )

    def test_returns_the_commands_caused_by_and_correlated_with_the_event(self):
        response = self.react(transfers, 'transfers', SENT)
        [command] = response.commands
        self.assertEqual(
            (command.cover.domain, command.cover.aggregate_id, command.type),
            ('account', 'acc-2', 'ReceiveTransfer'),
        )
        self.assertEqual(
            json.loads(command.payload.json), {'transferId': 't-1', 'from': 'acc-1', 'amount': 300}
        )
        self.assertEqual((command.causation_id, command.cover.correlation_id), ('e-7', 'corr-1'))
        self.assertEqual(dict(command.metadata), {'saga': 'transfers'})
        self.assertEqual(command.command_id, '')  # the server derives it from the event
        self.assertFalse(command.HasField('expected_version'))

    def test_no_commands(self):
        other = types_pb2.Event()
        other.CopyFrom(SENT)
        other.type = 'Deposited'
        self.assertEqual(list(self.react(transfers, 'transfers', other).commands), [])

    def test_keeps_what_the_handler_sets(self):
        def handler(event, _):
            return Command(
                'account',
                'acc-9',
                'Deposit',
                {'amount': 1},
                command_id='mine',
                expected_version=0,
                causation_id='cause',
                correlation_id='corr-9',
            )

        [command] = self.react(handler, 'x', SENT).commands
        self.assertEqual(
            (
                command.command_id,
                command.expected_version,
                command.causation_id,
                command.cover.correlation_id,
            ),
            ('mine', 0, 'cause', 'corr-9'),
        )
        self.assertTrue(command.HasField('expected_version'))

    def test_a_malformed_command_fails_the_call(self):
        with self.assertRaises(grpc.RpcError) as raised:
            self.react(lambda event, _: [{'domain': 'account', 'type': 'Deposit'}], 'x', SENT)
        self.assertEqual(raised.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn('aggregate_id', raised.exception.details())

    def test_serve_saga_with_handlers_by_processor(self):
        server, port = serve_saga({'transfers': transfers})
        self.addCleanup(lambda: server.stop(None).wait())
        with grpc.insecure_channel(f'127.0.0.1:{port}') as channel:
            react = saga_pb2_grpc.SagaServiceStub(channel).React
            self.assertEqual(
                len(
                    react(
                        saga_pb2.ReactRequest(processor='transfers', event=SENT), timeout=5
                    ).commands
                ),
                1,
            )
            with self.assertRaises(grpc.RpcError) as raised:
                react(saga_pb2.ReactRequest(processor='other', event=SENT), timeout=5)
        self.assertEqual(support.trailers(raised.exception)['evented-code'], 'NOT_FOUND')


if __name__ == '__main__':
    unittest.main()
