"""evented's Python SDK: a client of an evented server, and helpers to implement business
logic, projectors and sagas as the gRPC services the server calls.

The contract's generated modules (``generate.sh`` writes them into ``_gen/v1``) are
importable as ``evented.v1``, e.g. ``from evented.v1 import types_pb2``.
"""

import os as _os

_GEN = _os.path.join(_os.path.dirname(__file__), '_gen')
if not _os.path.isfile(_os.path.join(_GEN, 'v1', 'types_pb2.py')):
    raise ImportError(
        'evented: the generated gRPC modules are missing; run clients/python/generate.sh '
        '(needs the Debian packages protobuf-compiler, protobuf-compiler-grpc, libprotobuf-dev)'
    )
# protoc's modules import each other as `evented.v1.<name>`: let `evented.v1` be _gen/v1.
__path__.append(_GEN)  # noqa: F821 - the package's own __path__

from evented.errors import EventedError  # noqa: E402
from evented.payloads import TypeRegistry  # noqa: E402
from evented.events import Event, NewEvent  # noqa: E402
from evented.commands import Command  # noqa: E402
from evented.client import CaughtUp, Client, DispatchResult, ReadAllPage, Subscription  # noqa: E402
from evented.business_logic import (  # noqa: E402
    BusinessLogicServicer,
    Decider,
    Rejection,
    decide_request,
    fold,
    run_decide,
    serve_business_logic,
)
from evented.projector import (
    MemoryPositions,
    Positions,
    ProjectorServicer,
    serve_projector,
)  # noqa: E402
from evented.saga import SagaServicer, serve_saga  # noqa: E402

__all__ = [
    'BusinessLogicServicer',
    'CaughtUp',
    'Client',
    'Command',
    'Decider',
    'DispatchResult',
    'Event',
    'EventedError',
    'MemoryPositions',
    'NewEvent',
    'Positions',
    'ProjectorServicer',
    'ReadAllPage',
    'Rejection',
    'SagaServicer',
    'Subscription',
    'TypeRegistry',
    'decide_request',
    'fold',
    'run_decide',
    'serve_business_logic',
    'serve_projector',
    'serve_saga',
]
