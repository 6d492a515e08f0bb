"""ProjectorService over real loopback calls: events in, the skip of applied positions,
and failures."""

import json
import unittest

import support

import grpc

from evented import EventedError, MemoryPositions, ProjectorServicer
from evented.v1 import projector_pb2, projector_pb2_grpc, types_pb2


def event(position, amount):
    return types_pb2.Event(
        id=f'e-{position}',
        cover=types_pb2.Cover(domain='account', aggregate_id='acc-1', correlation_id='corr'),
        version=position,
        position=position,
        type='Deposited',
        payload=types_pb2.Payload(json=json.dumps({'amount': amount})),
        schema_version=1,
    )


class ProjectorTest(unittest.TestCase):
    def serve(self, handlers, **options):
        servicer = ProjectorServicer(handlers, **options)
        channel, _ = support.start(servicer.add_to_server, self)
        stub = projector_pb2_grpc.ProjectorServiceStub(channel)
        return servicer, lambda processor, *events: stub.Project(
            projector_pb2.ProjectRequest(processor=processor, events=events), timeout=5
        )

    def test_hands_the_events_of_each_call_to_the_handler(self):
        calls = []
        _, project = self.serve(lambda events, processor: calls.append((processor, events)))
        project('balances', event(1, 10), event(2, 20))
        [(processor, events)] = calls
        self.assertEqual(processor, 'balances')
        self.assertEqual(
            [(e.position, e.type, e.data) for e in events],
            [(1, 'Deposited', {'amount': 10}), (2, 'Deposited', {'amount': 20})],
        )
        self.assertEqual(
            (events[0].domain, events[0].aggregate_id, events[0].correlation_id),
            ('account', 'acc-1', 'corr'),
        )

    def test_without_skipping_a_redelivered_page_is_handled_again(self):
        seen = []
        _, project = self.serve(lambda events, _: seen.extend(e.position for e in events))
        project('balances', event(1, 10))
        project('balances', event(1, 10))
        self.assertEqual(seen, [1, 1])

    def test_skips_events_at_or_below_the_last_applied_position_per_processor(self):
        seen = []
        servicer, project = self.serve(
            lambda events, processor: seen.extend((processor, e.position) for e in events),
            skip_applied=True,
        )
        project('balances', event(1, 10), event(2, 20))
        project('balances', event(2, 20), event(3, 30))  # redelivered 2
        project('balances', event(1, 10))  # nothing new: the handler is not called
        project('audit', event(1, 10))  # another processor has its own position
        self.assertEqual(seen, [('balances', 1), ('balances', 2), ('balances', 3), ('audit', 1)])
        self.assertEqual(
            (servicer.positions.get('balances'), servicer.positions.get('audit')), (3, 1)
        )

    def test_a_failed_call_does_not_move_the_position(self):
        attempts = []

        def handler(events, _):
            attempts.append([e.position for e in events])
            if len(attempts) == 1:
                raise EventedError('UNAVAILABLE', 'read model down', {'retry': True})

        positions = MemoryPositions()
        _, project = self.serve(handler, skip_applied=True, positions=positions)
        with self.assertRaises(grpc.RpcError) as raised:
            project('balances', event(1, 10))
        self.assertEqual(raised.exception.code(), grpc.StatusCode.UNAVAILABLE)
        trailers = support.trailers(raised.exception)
        self.assertEqual(
            (trailers['evented-code'], json.loads(trailers['evented-details'])),
            ('UNAVAILABLE', {'retry': True}),
        )
        self.assertEqual(positions.get('balances'), 0)
        project('balances', event(1, 10))
        self.assertEqual(attempts, [[1], [1]])
        self.assertEqual(positions.get('balances'), 1)

    def test_a_bug_in_the_handler_fails_as_internal(self):
        _, project = self.serve(lambda events, _: 1 / 0)
        with self.assertLogs('evented', 'ERROR'), self.assertRaises(grpc.RpcError) as raised:
            project('balances', event(1, 10))
        self.assertEqual(raised.exception.code(), grpc.StatusCode.INTERNAL)
        self.assertIn('ZeroDivisionError', raised.exception.details())

    def test_handlers_by_processor_name(self):
        seen = []
        _, project = self.serve({'balances': lambda events, processor: seen.append(processor)})
        project('balances', event(1, 10))
        with self.assertRaises(grpc.RpcError) as raised:
            project('other', event(1, 10))
        self.assertEqual(seen, ['balances'])
        self.assertEqual(raised.exception.code(), grpc.StatusCode.NOT_FOUND)
        self.assertEqual(support.trailers(raised.exception)['evented-code'], 'NOT_FOUND')


if __name__ == '__main__':
    unittest.main()
