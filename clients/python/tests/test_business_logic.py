"""BusinessLogicService over real loopback gRPC calls, with the bank's account decider;
and the example's process: its ready line and its exit on SIGTERM."""

import json
import os
import signal
import subprocess
import sys
import unittest

import support

import grpc

from bank_account import Account
from evented import Decider, serve_business_logic
from evented.v1 import business_logic_pb2, business_logic_pb2_grpc, types_pb2


def command(type, data, domain='account', aggregate_id='acc-1', command_id='c-1'):
    return types_pb2.Command(
        cover=types_pb2.Cover(domain=domain, aggregate_id=aggregate_id, correlation_id='corr-1'),
        type=type,
        payload=types_pb2.Payload(json=json.dumps(data)),
        command_id=command_id,
    )


def event(version, type, data):
    return types_pb2.Event(
        id=f'e-{version}',
        cover=types_pb2.Cover(domain='account', aggregate_id='acc-1'),
        version=version,
        position=100 + version,
        type=type,
        payload=types_pb2.Payload(json=json.dumps(data)),
        schema_version=1,
    )


OPENED = event(1, 'AccountOpened', {'owner': 'Ann', 'overdraftLimit': 500})
DEPOSITED = event(2, 'Deposited', {'amount': 1000})


class BusinessLogicServiceTest(unittest.TestCase):
    def setUp(self):
        server, port = serve_business_logic({'account': Account()}, '127.0.0.1:0')
        self.addCleanup(lambda: server.stop(None).wait())
        channel = grpc.insecure_channel(f'127.0.0.1:{port}')
        self.addCleanup(channel.close)
        self.decide = business_logic_pb2_grpc.BusinessLogicServiceStub(channel).Decide

    def test_decides_the_new_events_from_the_history(self):
        response = self.decide(
            business_logic_pb2.DecideRequest(
                command=command('Withdraw', {'amount': 1200}), events=[OPENED, DEPOSITED], version=2
            ),
            timeout=5,
        )
        self.assertEqual(response.WhichOneof('outcome'), 'decision')
        [new] = response.decision.events
        self.assertEqual(new.type, 'Withdrawn')
        self.assertEqual(json.loads(new.payload.json), {'amount': 1200})
        self.assertFalse(response.decision.HasField('snapshot'))

    def test_returns_a_rejection_as_a_response_not_an_error(self):
        response = self.decide(
            business_logic_pb2.DecideRequest(
                command=command('Withdraw', {'amount': 1501}), events=[OPENED, DEPOSITED], version=2
            ),
            timeout=5,
        )
        self.assertEqual(response.WhichOneof('outcome'), 'rejection')
        self.assertEqual(response.rejection.reason, 'insufficient funds')
        self.assertEqual(
            json.loads(response.rejection.details_json),
            {'balance': 1000, 'amount': 1501, 'overdraftLimit': 500},
        )
        response = self.decide(
            business_logic_pb2.DecideRequest(command=command('Deposit', {'amount': 5})), timeout=5
        )
        self.assertEqual(response.rejection.reason, 'account is not open')
        self.assertEqual(json.loads(response.rejection.details_json), {'aggregateId': 'acc-1'})

    def test_starts_from_the_snapshot_and_sends_the_state_after_the_new_events(self):
        snapshot = types_pb2.Snapshot(
            version=2,
            state=types_pb2.Payload(
                json=json.dumps({'open': True, 'balance': 1000, 'overdraftLimit': 500})
            ),
            schema_version=1,
        )
        response = self.decide(
            business_logic_pb2.DecideRequest(
                command=command('Deposit', {'amount': 250}),
                snapshot=snapshot,
                events=[event(3, 'Withdrawn', {'amount': 100})],
                version=3,
                snapshot_wanted=True,
            ),
            timeout=5,
        )
        decision = response.decision
        self.assertEqual([e.type for e in decision.events], ['Deposited'])
        self.assertTrue(decision.HasField('snapshot'))
        self.assertEqual(decision.snapshot.version, 4)
        self.assertEqual(decision.snapshot.schema_version, 1)
        self.assertEqual(
            json.loads(decision.snapshot.state.json),
            {'open': True, 'balance': 1150, 'overdraftLimit': 500},
        )

    def test_a_snapshot_of_a_new_aggregate_covers_its_first_event(self):
        response = self.decide(
            business_logic_pb2.DecideRequest(
                command=command('OpenAccount', {'owner': 'Ann'}), snapshot_wanted=True
            ),
            timeout=5,
        )
        self.assertEqual(response.decision.snapshot.version, 1)
        self.assertEqual(
            json.loads(response.decision.snapshot.state.json),
            {'open': True, 'balance': 0, 'overdraftLimit': 0},
        )

    def test_a_domain_it_does_not_serve_fails_with_unknown_domain(self):
        with self.assertRaises(grpc.RpcError) as raised:
            self.decide(
                business_logic_pb2.DecideRequest(command=command('Deposit', {}, domain='order')),
                timeout=5,
            )
        self.assertEqual(raised.exception.code(), grpc.StatusCode.NOT_FOUND)
        trailers = support.trailers(raised.exception)
        self.assertEqual(trailers['evented-code'], 'UNKNOWN_DOMAIN')
        self.assertEqual(json.loads(trailers['evented-details']), {'domain': 'order'})

    def test_malformed_json_fails_with_invalid_argument(self):
        bad = command('Deposit', {})
        bad.payload.json = '{"amount": '
        with self.assertRaises(grpc.RpcError) as raised:
            self.decide(
                business_logic_pb2.DecideRequest(command=bad, events=[OPENED], version=1), timeout=5
            )
        self.assertEqual(raised.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(support.trailers(raised.exception)['evented-code'], 'INVALID_ARGUMENT')

    def test_a_snapshot_of_another_schema_version_is_refused(self):
        snapshot = types_pb2.Snapshot(
            version=1, state=types_pb2.Payload(json='{}'), schema_version=2
        )
        with self.assertRaises(grpc.RpcError) as raised:
            self.decide(
                business_logic_pb2.DecideRequest(
                    command=command('Deposit', {'amount': 1}), snapshot=snapshot, version=1
                ),
                timeout=5,
            )
        self.assertEqual(support.trailers(raised.exception)['evented-code'], 'CONFIGURATION')


class Broken(Decider):
    def decide(self, command, state):
        raise KeyError('amount')


class ReturnsOneEvent(Decider):
    def decide(self, command, state):
        return {'type': 'Pinged', 'data': None, 'metadata': {'n': 1}}


class SingleDeciderTest(unittest.TestCase):
    def serve(self, decider):
        server, port = serve_business_logic(decider)
        self.addCleanup(lambda: server.stop(None).wait())
        channel = grpc.insecure_channel(f'127.0.0.1:{port}')
        self.addCleanup(channel.close)
        return business_logic_pb2_grpc.BusinessLogicServiceStub(channel).Decide

    def test_one_decider_serves_every_domain_and_may_return_one_event(self):
        decide = self.serve(ReturnsOneEvent())
        response = decide(
            business_logic_pb2.DecideRequest(command=command('Ping', None, domain='any')), timeout=5
        )
        [new] = response.decision.events
        self.assertEqual(
            (new.type, new.payload.json, dict(new.metadata)), ('Pinged', 'null', {'n': 1.0})
        )

    def test_a_bug_in_decide_fails_the_call_as_internal(self):
        decide = self.serve(Broken())
        with self.assertLogs('evented', 'ERROR'), self.assertRaises(grpc.RpcError) as raised:
            decide(business_logic_pb2.DecideRequest(command=command('Deposit', {})), timeout=5)
        self.assertEqual(raised.exception.code(), grpc.StatusCode.INTERNAL)
        self.assertEqual(support.trailers(raised.exception)['evented-code'], 'INTERNAL')
        self.assertIn('KeyError', raised.exception.details())


class ExampleProcessTest(unittest.TestCase):
    def test_prints_its_address_serves_and_exits_on_sigterm(self):
        script = os.path.join(support.EXAMPLES, 'bank_account.py')
        process = subprocess.Popen(
            [sys.executable, script, '--listen', '127.0.0.1:0'],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            line = process.stdout.readline().strip()
            self.assertRegex(line, r'^listening on 127\.0\.0\.1:\d+$')
            with grpc.insecure_channel(line.split()[-1]) as channel:
                response = business_logic_pb2_grpc.BusinessLogicServiceStub(channel).Decide(
                    business_logic_pb2.DecideRequest(
                        command=command('OpenAccount', {'owner': 'Ann'})
                    ),
                    timeout=5,
                )
            self.assertEqual([e.type for e in response.decision.events], ['AccountOpened'])
            process.send_signal(signal.SIGTERM)
            self.assertEqual(process.wait(timeout=10), 0)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            process.stdout.close()
            process.stderr.close()


if __name__ == '__main__':
    unittest.main()
