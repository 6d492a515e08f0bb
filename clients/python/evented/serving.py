"""What the SDK's gRPC services share: starting a server and failing a call cleanly."""

from __future__ import annotations

import functools
import logging
from concurrent import futures
from typing import Callable, Iterable, Optional, Tuple

import grpc

from evented.errors import EventedError, abort_with

log = logging.getLogger('evented')


def guarded(method: Callable) -> Callable:
    """Wraps a servicer method: an EventedError fails the call with its code and details,
    any other exception is logged and fails it as INTERNAL."""

    @functools.wraps(method)
    def wrapper(self, request, context):
        try:
            return method(self, request, context)
        except EventedError as raised:
            error = raised
        except Exception as raised:  # noqa: BLE001 - a handler's bug must not kill the server
            log.exception('%s failed', method.__qualname__)
            error = EventedError('INTERNAL', f'{type(raised).__name__}: {raised}')
        abort_with(context, error)

    return wrapper


def start_server(
    register: Iterable[Callable[[grpc.Server], None]],
    address: str = '127.0.0.1:0',
    *,
    max_workers: int = 8,
    credentials: Optional[grpc.ServerCredentials] = None,
) -> Tuple[grpc.Server, int]:
    """Starts a gRPC server with the given servicers; returns it and the port it listens on
    (the real one when ``address`` ends in ``:0``)."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=max_workers))
    for add in register:
        add(server)
    try:
        if credentials is None:
            port = server.add_insecure_port(address)
        else:
            port = server.add_secure_port(address, credentials)
    except RuntimeError as error:
        raise EventedError('UNAVAILABLE', f'cannot listen on {address}: {error}') from error
    if not port:
        raise EventedError('UNAVAILABLE', f'cannot listen on {address}')
    server.start()
    return server, port
