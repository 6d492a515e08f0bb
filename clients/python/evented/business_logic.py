"""Business logic in Python, served as evented's ``BusinessLogicService``.

Write a decider, three functions over plain Python values (the same shape as the
TypeScript ``Decider``)::

    class Counter(Decider):
        def initial_state(self):
            return {'count': 0}

        def evolve(self, state, event):          # event: evented.Event
            return {'count': state['count'] + event.data['by']}

        def decide(self, command, state):        # command: evented.Command
            if command.data['by'] <= 0:
                raise Rejection('by must be positive', {'by': command.data['by']})
            return [{'type': 'Incremented', 'data': {'by': command.data['by']}}]

    server, port = serve_business_logic({'counter': Counter()}, '127.0.0.1:50061')

For each command the server sends the latest snapshot (if any) and the events after it; the
helper folds them with ``evolve`` from ``from_snapshot(snapshot)`` or ``initial_state()``,
calls ``decide``, and answers with the new events, or with the rejection (returned or
raised), which the server turns into ``COMMAND_REJECTED`` for its caller. When the server's
snapshot policy asks for it, the helper also sends ``to_snapshot`` of the state after the
new events.
"""

from __future__ import annotations

from typing import Any, Iterable, List, Mapping, Optional, Tuple, Union

import grpc

from evented.commands import Command, command_from_proto
from evented.errors import EventedError
from evented.events import Event, NewEvent, as_new_event, event_from_proto, new_event_to_proto
from evented.payloads import TypeRegistry, from_payload, to_json, to_payload
from evented.serving import guarded, start_server
from evented.v1 import business_logic_pb2, business_logic_pb2_grpc, types_pb2


class Rejection(Exception):
    """The business logic refuses a command: a ``reason`` for the caller and a dict of
    ``details``. ``decide`` may return it or raise it; nothing is written either way."""

    def __init__(self, reason: str, details: Optional[Mapping[str, Any]] = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = dict(details or {})

    def __repr__(self) -> str:
        return f'Rejection({self.reason!r}, {self.details!r})'

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Rejection):
            return NotImplemented
        return (self.reason, self.details) == (other.reason, other.details)

    __hash__ = None  # type: ignore[assignment]


class Decider:
    """Business logic as three functions; override ``decide``, usually ``initial_state`` and
    ``evolve``, and ``to_snapshot``/``from_snapshot`` when the state is not plain JSON."""

    #: Version of the snapshot format; bump it when the state's shape changes.
    snapshot_schema_version: int = 1

    def initial_state(self) -> Any:
        """The state of an aggregate without events."""
        return None

    def evolve(self, state: Any, event: Event) -> Any:
        """The state after an event; must not raise for events it does not know."""
        return state

    def decide(self, command: Command, state: Any) -> Any:
        """The new events (a list of ``{'type', 'data'}`` dicts or NewEvents, one of them, or
        None for none), or a Rejection (returned or raised)."""
        raise NotImplementedError

    def to_snapshot(self, state: Any) -> Any:
        """The state as JSON for a snapshot; default the state itself."""
        return state

    def from_snapshot(self, data: Any) -> Any:
        """The state from a snapshot's JSON; default the JSON itself."""
        return data


Outcome = Union[Rejection, List[NewEvent]]


def fold(
    decider: Decider, events: Iterable[Event], state: Any = None, *, start: bool = True
) -> Any:
    """The state after the events, from ``initial_state()`` (or from ``state`` when
    ``start`` is False)."""
    current = decider.initial_state() if start else state
    for event in events:
        current = decider.evolve(current, event)
    return current


def run_decide(decider: Decider, command: Command, state: Any) -> Outcome:
    """Calls ``decide`` and normalises what it gives: a Rejection or a list of NewEvents."""
    try:
        outcome = decider.decide(command, state)
    except Rejection as rejection:
        return rejection
    if isinstance(outcome, Rejection):
        return outcome
    if outcome is None:
        return []
    if isinstance(outcome, (NewEvent, Mapping)):
        return [as_new_event(outcome)]
    if isinstance(outcome, (list, tuple)):
        return [as_new_event(item) for item in outcome]
    raise EventedError(
        'INTERNAL',
        f'decide returned {type(outcome).__name__}; expected events, None or a Rejection',
    )


def decide_request(
    decider: Decider,
    request: business_logic_pb2.DecideRequest,
    registry: Optional[TypeRegistry] = None,
) -> business_logic_pb2.DecideResponse:
    """The answer to one DecideRequest, without gRPC: fold, decide, and build the response."""
    command = command_from_proto(request.command, registry)
    if request.HasField('snapshot'):
        schema_version = request.snapshot.schema_version or 1
        if schema_version != decider.snapshot_schema_version:
            raise EventedError(
                'CONFIGURATION',
                f'the snapshot of {command.domain} {command.aggregate_id} has schema version '
                f'{schema_version}, the decider reads {decider.snapshot_schema_version}',
                {'expected': decider.snapshot_schema_version, 'found': schema_version},
            )
        start = decider.from_snapshot(from_payload(request.snapshot.state, registry))
        state = fold(
            decider, (event_from_proto(e, registry) for e in request.events), start, start=False
        )
    else:
        state = fold(decider, (event_from_proto(e, registry) for e in request.events))

    outcome = run_decide(decider, command, state)
    if isinstance(outcome, Rejection):
        return business_logic_pb2.DecideResponse(
            rejection=business_logic_pb2.Rejection(
                reason=outcome.reason, details_json=to_json(outcome.details, 'rejection details')
            )
        )

    decision = business_logic_pb2.Decision(events=[new_event_to_proto(e) for e in outcome])
    if request.snapshot_wanted:
        after = fold(decider, _recorded(command, request.version, outcome), state, start=False)
        decision.snapshot.CopyFrom(
            types_pb2.Snapshot(
                version=request.version + len(outcome),
                state=to_payload(decider.to_snapshot(after)),
                schema_version=decider.snapshot_schema_version,
            )
        )
    return business_logic_pb2.DecideResponse(decision=decision)


def _recorded(command: Command, version: int, events: List[NewEvent]) -> List[Event]:
    """The new events as ``evolve`` sees them: versions follow the aggregate's; positions
    and recording times are not known yet (0 and None)."""
    return [
        Event(
            id=event.id,
            domain=command.domain,
            aggregate_id=command.aggregate_id,
            version=version + index + 1,
            position=0,
            type=event.type,
            data=event.data,
            metadata=dict(event.metadata or {}),
            schema_version=event.schema_version or 1,
            causation_id=command.command_id,
            correlation_id=command.correlation_id,
        )
        for index, event in enumerate(events)
    ]


DeciderOrDomains = Union[Decider, Mapping[str, Decider]]


class BusinessLogicServicer(business_logic_pb2_grpc.BusinessLogicServiceServicer):
    """``BusinessLogicService`` over one decider for every domain, or a decider per domain
    (a command for another domain fails with ``UNKNOWN_DOMAIN``)."""

    def __init__(self, deciders: DeciderOrDomains, registry: Optional[TypeRegistry] = None) -> None:
        self._single = None if isinstance(deciders, Mapping) else deciders
        self._by_domain = dict(deciders) if isinstance(deciders, Mapping) else {}
        self._registry = registry

    def decider_for(self, domain: str) -> Decider:
        if self._single is not None:
            return self._single
        decider = self._by_domain.get(domain)
        if decider is None:
            raise EventedError(
                'UNKNOWN_DOMAIN',
                f'no business logic for domain {domain!r} here; this service has '
                f'{sorted(self._by_domain)}',
                {'domain': domain},
            )
        return decider

    @guarded
    def Decide(self, request, context):  # noqa: N802 - the gRPC method's name
        return decide_request(
            self.decider_for(request.command.cover.domain), request, self._registry
        )

    def add_to_server(self, server: grpc.Server) -> None:
        business_logic_pb2_grpc.add_BusinessLogicServiceServicer_to_server(self, server)


def serve_business_logic(
    deciders: DeciderOrDomains,
    address: str = '127.0.0.1:0',
    *,
    registry: Optional[TypeRegistry] = None,
    max_workers: int = 8,
    credentials: Optional[grpc.ServerCredentials] = None,
) -> Tuple[grpc.Server, int]:
    """Starts a gRPC server answering ``BusinessLogicService.Decide``; returns the server
    (stop it with ``server.stop(grace)``) and the port it listens on."""
    servicer = BusinessLogicServicer(deciders, registry)
    return start_server(
        [servicer.add_to_server], address, max_workers=max_workers, credentials=credentials
    )
