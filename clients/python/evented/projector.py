"""Read models in Python, served as evented's ``ProjectorService``.

The server pushes each processor's events in order, a page per ``Project`` call, and moves
the processor's checkpoint only when the call succeeds. Delivery is therefore **at least
once**: after a failure, a timeout or a restart of the server the same events come again.
A handler either applies events idempotently, or asks the helper to skip what it has
applied already (``skip_applied=True``): the helper then remembers, per processor, the
highest position it applied, and hands the handler only the events above it. The default
``MemoryPositions`` forgets on restart; for a read model in a database, pass a
``Positions`` that keeps the position in that database (ideally written in the same
transaction as the read model, which makes the effect exactly once)::

    def project(events, processor):
        for event in events:
            balances[event.aggregate_id] = balances.get(event.aggregate_id, 0) + change(event)

    server, port = serve_projector(project, '127.0.0.1:50062', skip_applied=True)

A handler that raises fails the call (``INTERNAL``, or the code of an ``EventedError``);
the server retries or stops the processor, and the checkpoint does not move.
"""

from __future__ import annotations

import threading
from typing import Callable, Dict, List, Mapping, Optional, Tuple, Union

import grpc

from evented.errors import EventedError
from evented.events import Event, event_from_proto
from evented.payloads import TypeRegistry
from evented.serving import guarded, start_server
from evented.v1 import projector_pb2, projector_pb2_grpc

#: Called with the events of one call, in order, and the processor's name.
ProjectHandler = Callable[[List[Event], str], None]


class Positions:
    """Where the helper keeps the last position applied per processor."""

    def get(self, processor: str) -> int:
        """The highest position applied, 0 when none."""
        raise NotImplementedError

    def set(self, processor: str, position: int) -> None:
        raise NotImplementedError


class MemoryPositions(Positions):
    """Positions in this process's memory: lost on restart."""

    def __init__(self) -> None:
        self._positions: Dict[str, int] = {}

    def get(self, processor: str) -> int:
        return self._positions.get(processor, 0)

    def set(self, processor: str, position: int) -> None:
        self._positions[processor] = position


class ProjectorServicer(projector_pb2_grpc.ProjectorServiceServicer):
    """``ProjectorService`` over one handler for every processor, or one per processor
    name (another name fails with ``NOT_FOUND``). Calls for one processor run one at a time."""

    def __init__(
        self,
        handlers: Union[ProjectHandler, Mapping[str, ProjectHandler]],
        *,
        skip_applied: bool = False,
        positions: Optional[Positions] = None,
        registry: Optional[TypeRegistry] = None,
    ) -> None:
        self._single = None if isinstance(handlers, Mapping) else handlers
        self._by_processor = dict(handlers) if isinstance(handlers, Mapping) else {}
        self._skip_applied = skip_applied
        self.positions = positions if positions is not None else MemoryPositions()
        self._registry = registry
        self._locks: Dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()

    def handler_for(self, processor: str) -> ProjectHandler:
        if self._single is not None:
            return self._single
        handler = self._by_processor.get(processor)
        if handler is None:
            raise EventedError(
                'NOT_FOUND',
                f'no projector {processor!r} here; this service has {sorted(self._by_processor)}',
                {'processor': processor},
            )
        return handler

    def project(self, processor: str, events: List[Event]) -> None:
        """Hands the events to the processor's handler (without those applied already,
        when skipping) and records the last position applied."""
        handler = self.handler_for(processor)
        with self._lock_for(processor):
            if self._skip_applied:
                applied = self.positions.get(processor)
                events = [event for event in events if event.position > applied]
                if not events:
                    return
            handler(events, processor)
            if self._skip_applied:
                self.positions.set(processor, max(event.position for event in events))

    @guarded
    def Project(self, request, context):  # noqa: N802 - the gRPC method's name
        events = [event_from_proto(event, self._registry) for event in request.events]
        self.project(request.processor, events)
        return projector_pb2.ProjectResponse()

    def add_to_server(self, server: grpc.Server) -> None:
        projector_pb2_grpc.add_ProjectorServiceServicer_to_server(self, server)

    def _lock_for(self, processor: str) -> threading.Lock:
        with self._locks_lock:
            return self._locks.setdefault(processor, threading.Lock())


def serve_projector(
    handlers: Union[ProjectHandler, Mapping[str, ProjectHandler]],
    address: str = '127.0.0.1:0',
    *,
    skip_applied: bool = False,
    positions: Optional[Positions] = None,
    registry: Optional[TypeRegistry] = None,
    max_workers: int = 8,
    credentials: Optional[grpc.ServerCredentials] = None,
) -> Tuple[grpc.Server, int]:
    """Starts a gRPC server answering ``ProjectorService.Project``; returns the server and
    its port."""
    servicer = ProjectorServicer(
        handlers, skip_applied=skip_applied, positions=positions, registry=registry
    )
    return start_server(
        [servicer.add_to_server], address, max_workers=max_workers, credentials=credentials
    )
