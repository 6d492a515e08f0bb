"""Workflows in Python, served as evented's ``SagaService``.

For each event of its subscription the server asks the saga which commands follow, and
dispatches them with command ids derived from the event, so a redelivered event issues no
second effect. The handler receives the event and the processor's name and returns the
commands: a list of ``Command``s or of dicts with the same keys, one of them, or None::

    def react(event, processor):
        if event.type == 'TransferSent':
            return [{'domain': 'account', 'aggregate_id': event.data['to'],
                     'type': 'ReceiveTransfer', 'data': {...}}]

    server, port = serve_saga(react, '127.0.0.1:50063')

A command without ``causation_id`` gets the event's id, and one without
``correlation_id`` the event's. A handler that raises fails the call (``INTERNAL``, or the
code of an ``EventedError``), and the server tries the event again.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, List, Mapping, Optional, Tuple, Union

import grpc

from evented.commands import Command, CommandLike, as_command, command_to_proto
from evented.errors import EventedError
from evented.events import Event, event_from_proto
from evented.payloads import TypeRegistry
from evented.serving import guarded, start_server
from evented.v1 import saga_pb2, saga_pb2_grpc

#: Called with one event and the processor's name; returns the commands that follow.
ReactHandler = Callable[[Event, str], Any]


def commands_for(event: Event, outcome: Any) -> List[Command]:
    """The commands of a handler's result, caused by and correlated with the event."""
    if outcome is None:
        items: List[CommandLike] = []
    elif isinstance(outcome, (Command, Mapping)):
        items = [outcome]
    elif isinstance(outcome, (list, tuple)):
        items = list(outcome)
    else:
        raise EventedError(
            'INTERNAL',
            f'a saga returned {type(outcome).__name__}; expected commands or None',
        )
    commands = []
    for item in items:
        command = as_command(item)
        commands.append(
            dataclasses.replace(
                command,
                causation_id=command.causation_id or event.id,
                correlation_id=command.correlation_id or event.correlation_id,
            )
        )
    return commands


class SagaServicer(saga_pb2_grpc.SagaServiceServicer):
    """``SagaService`` over one handler for every processor, or one per processor name
    (another name fails with ``NOT_FOUND``)."""

    def __init__(
        self,
        handlers: Union[ReactHandler, Mapping[str, ReactHandler]],
        *,
        registry: Optional[TypeRegistry] = None,
    ) -> None:
        self._single = None if isinstance(handlers, Mapping) else handlers
        self._by_processor = dict(handlers) if isinstance(handlers, Mapping) else {}
        self._registry = registry

    def handler_for(self, processor: str) -> ReactHandler:
        if self._single is not None:
            return self._single
        handler = self._by_processor.get(processor)
        if handler is None:
            raise EventedError(
                'NOT_FOUND',
                f'no saga {processor!r} here; this service has {sorted(self._by_processor)}',
                {'processor': processor},
            )
        return handler

    @guarded
    def React(self, request, context):  # noqa: N802 - the gRPC method's name
        handler = self.handler_for(request.processor)
        event = event_from_proto(request.event, self._registry)
        commands = commands_for(event, handler(event, request.processor))
        return saga_pb2.ReactResponse(commands=[command_to_proto(c) for c in commands])

    def add_to_server(self, server: grpc.Server) -> None:
        saga_pb2_grpc.add_SagaServiceServicer_to_server(self, server)


def serve_saga(
    handlers: Union[ReactHandler, Mapping[str, ReactHandler]],
    address: str = '127.0.0.1:0',
    *,
    registry: Optional[TypeRegistry] = None,
    max_workers: int = 8,
    credentials: Optional[grpc.ServerCredentials] = None,
) -> Tuple[grpc.Server, int]:
    """Starts a gRPC server answering ``SagaService.React``; returns the server and its port."""
    servicer = SagaServicer(handlers, registry=registry)
    return start_server(
        [servicer.add_to_server], address, max_workers=max_workers, credentials=credentials
    )
