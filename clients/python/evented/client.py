"""The client of an evented server: dispatch commands, read streams and the log, subscribe.

::

    with Client('127.0.0.1:50051', token='s3cret') as client:
        result = client.dispatch('account', 'acc-1', 'OpenAccount', {'owner': 'Ann'})
        for event in client.read_stream('account', 'acc-1'):
            print(event.version, event.type, event.data)

Every failure raises ``EventedError`` with the server's stable code (``COMMAND_REJECTED``,
``CONCURRENCY_CONFLICT``, ...) or, when the server sent none, the gRPC status name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, List, Mapping, Optional, Sequence, Union

import grpc

from evented.commands import Command, command_to_proto
from evented.errors import EventedError, error_from_rpc
from evented.events import Event, event_from_proto
from evented.payloads import TypeRegistry
from evented.v1 import (
    command_gateway_pb2,
    command_gateway_pb2_grpc,
    event_query_pb2,
    event_query_pb2_grpc,
    types_pb2,
)


@dataclass(frozen=True)
class DispatchResult:
    """What a command recorded: its events, the aggregate's version after it, and whether
    the command id had been handled before (then this is the first result again)."""

    events: List[Event]
    version: int
    duplicate: bool
    command_id: str


@dataclass(frozen=True)
class ReadAllPage:
    """One page of the global log; continue with ``read_all(after=page.position)``."""

    events: List[Event]
    position: int
    is_end: bool


@dataclass(frozen=True)
class CaughtUp:
    """Every event up to ``position`` has been delivered; what follows is live."""

    position: int


class Subscription:
    """The global log after a position, as an iterator of events: first the events there
    are, then new ones as they are appended, until ``cancel()`` (or leaving ``with``).

    The server marks the end of the catch-up. ``caught_up`` turns True and
    ``caught_up_position`` is set when the marker arrives, which is while the iterator
    waits for the next event, so by itself it is seen only with the first live event. To
    act at the moment itself, pass ``on_caught_up`` (called with the position) or
    ``yield_caught_up=True`` (the iterator then also yields a ``CaughtUp``). Iterating
    raises ``EventedError`` when the stream fails; after ``cancel()`` it just ends.
    """

    def __init__(
        self,
        call: Any,
        registry: Optional[TypeRegistry],
        yield_caught_up: bool,
        on_caught_up: Optional[Callable[[int], None]] = None,
    ) -> None:
        self._call = call
        self._registry = registry
        self._yield_caught_up = yield_caught_up
        self._on_caught_up = on_caught_up
        self._cancelled = False
        self.caught_up = False
        self.caught_up_position: Optional[int] = None
        #: The position of the last event delivered; resume with ``subscribe(after=...)``.
        self.position: Optional[int] = None

    def __iter__(self) -> Iterator[Union[Event, CaughtUp]]:
        return self

    def __next__(self) -> Union[Event, CaughtUp]:
        while True:
            try:
                message = next(self._call)
            except grpc.RpcError as error:
                if self._cancelled:
                    raise StopIteration from None
                raise error_from_rpc(error) from None
            kind = message.WhichOneof('message')
            if kind == 'event':
                event = event_from_proto(message.event, self._registry)
                self.position = event.position
                return event
            if kind == 'caught_up':
                self.caught_up = True
                self.caught_up_position = message.caught_up.position
                if self._on_caught_up is not None:
                    self._on_caught_up(message.caught_up.position)
                if self._yield_caught_up:
                    return CaughtUp(message.caught_up.position)

    def cancel(self) -> None:
        """Ends the subscription; iteration then stops."""
        self._cancelled = True
        self._call.cancel()

    def __enter__(self) -> 'Subscription':
        return self

    def __exit__(self, *exc: object) -> None:
        self.cancel()


class Client:
    """A connection to an evented server.

    ``token`` is sent as ``authorization: Bearer <token>`` on every call. ``tls`` is None or
    False for plain text, True for TLS with the system's roots, the PEM bytes of root
    certificates, or a ``grpc.ChannelCredentials``. ``registry`` unpacks ``Any`` payloads
    of the listed message types (JSON payloads need none).
    """

    def __init__(
        self,
        address: str = '127.0.0.1:50051',
        token: Optional[str] = None,
        tls: Union[None, bool, bytes, grpc.ChannelCredentials] = None,
        *,
        registry: Optional[TypeRegistry] = None,
        options: Sequence[tuple] = (),
    ) -> None:
        self.address = address
        self._registry = registry
        self._metadata = (('authorization', f'Bearer {token}'),) if token else ()
        credentials = _channel_credentials(tls)
        if credentials is None:
            self._channel = grpc.insecure_channel(address, options=list(options))
        else:
            self._channel = grpc.secure_channel(address, credentials, options=list(options))
        self._commands = command_gateway_pb2_grpc.CommandGatewayServiceStub(self._channel)
        self._queries = event_query_pb2_grpc.EventQueryServiceStub(self._channel)

    def dispatch(
        self,
        domain: str,
        aggregate_id: str,
        type: str,  # noqa: A002 - the contract's name
        data: Any = None,
        command_id: Optional[str] = None,
        expected_version: Optional[int] = None,
        metadata: Optional[Mapping[str, Any]] = None,
        wait_for: Iterable[str] = (),
        timeout: Optional[float] = None,
        *,
        wait_timeout: Optional[float] = None,
        correlation_id: str = '',
        causation_id: str = '',
    ) -> DispatchResult:
        """Sends a command to its domain's business logic and returns what was recorded.

        ``data`` is any JSON-serialisable value (sent as JSON) or a protobuf message (sent
        as ``Any``). ``command_id`` is the idempotency key; without one the server assigns
        it. ``wait_for`` names processors that must have handled the events before the
        reply, for at most ``wait_timeout`` seconds (the server's default, 5 s, when None).
        ``timeout`` is the call's deadline in seconds (none when None).
        """
        command = Command(
            domain=domain,
            aggregate_id=aggregate_id,
            type=type,
            data=data,
            metadata=dict(metadata or {}),
            command_id=command_id or '',
            expected_version=expected_version,
            causation_id=causation_id,
            correlation_id=correlation_id,
        )
        request = _build(
            lambda: command_gateway_pb2.DispatchRequest(
                command=command_to_proto(command),
                wait_for=list(wait_for),
                wait_timeout_ms=0 if wait_timeout is None else max(1, round(wait_timeout * 1000)),
                json_payloads=self._registry is None,
            )
        )
        response = self._unary(self._commands.Dispatch, request, timeout)
        return DispatchResult(
            events=self._events(response.events),
            version=response.version,
            duplicate=response.duplicate,
            command_id=response.command_id,
        )

    def read_stream(
        self,
        domain: str,
        aggregate_id: str,
        from_version: int = 0,
        limit: int = 0,
        backwards: bool = False,
        timeout: Optional[float] = None,
    ) -> List[Event]:
        """One stream's events in version order (newest first when ``backwards``), from
        ``from_version`` (0: the start, or the end backwards), at most ``limit`` (0: all)."""
        request = _build(
            lambda: event_query_pb2.ReadStreamRequest(
                domain=domain,
                aggregate_id=aggregate_id,
                direction=event_query_pb2.DIRECTION_BACKWARDS
                if backwards
                else event_query_pb2.DIRECTION_FORWARDS,
                from_version=from_version,
                limit=limit,
            )
        )
        return self._events(self._unary(self._queries.ReadStream, request, timeout).events)

    def read_all(
        self,
        after: int = 0,
        limit: int = 1000,
        domains: Iterable[str] = (),
        types: Iterable[str] = (),
        timeout: Optional[float] = None,
    ) -> ReadAllPage:
        """One page of the global log after a position, optionally only some domains and
        event types."""
        request = _build(
            lambda: event_query_pb2.ReadAllRequest(
                after=after, limit=limit, filter=_filter(domains, types)
            )
        )
        response = self._unary(self._queries.ReadAll, request, timeout)
        return ReadAllPage(self._events(response.events), response.position, response.is_end)

    def subscribe(
        self,
        after: int = 0,
        domains: Iterable[str] = (),
        types: Iterable[str] = (),
        *,
        yield_caught_up: bool = False,
        on_caught_up: Optional[Callable[[int], None]] = None,
        timeout: Optional[float] = None,
    ) -> Subscription:
        """The global log after ``after``: the events there are, then live ones (see
        ``Subscription``). Iterate it; ``cancel()`` it or use it in ``with`` to stop."""
        request = _build(
            lambda: event_query_pb2.SubscribeRequest(after=after, filter=_filter(domains, types))
        )
        call = self._queries.Subscribe(request, metadata=self._metadata, timeout=timeout)
        return Subscription(call, self._registry, yield_caught_up, on_caught_up)

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> 'Client':
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _unary(self, method: Any, request: Any, timeout: Optional[float]) -> Any:
        try:
            return method(request, metadata=self._metadata, timeout=timeout)
        except grpc.RpcError as error:
            raise error_from_rpc(error) from None

    def _events(self, messages: Iterable[types_pb2.Event]) -> List[Event]:
        return [event_from_proto(message, self._registry) for message in messages]


def _filter(domains: Iterable[str], types: Iterable[str]) -> types_pb2.EventFilter:
    if isinstance(domains, str) or isinstance(types, str):
        raise EventedError(
            'INVALID_ARGUMENT', 'domains and types are lists of names, not one string'
        )
    return types_pb2.EventFilter(domains=list(domains), types=list(types))


def _build(make: Any) -> Any:
    """A request message; a value of the wrong type or range raises INVALID_ARGUMENT."""
    try:
        return make()
    except (TypeError, ValueError) as error:
        raise EventedError('INVALID_ARGUMENT', str(error)) from error


def _channel_credentials(
    tls: Union[None, bool, bytes, grpc.ChannelCredentials],
) -> Optional[grpc.ChannelCredentials]:
    if tls is None or tls is False:
        return None
    if tls is True:
        return grpc.ssl_channel_credentials()
    if isinstance(tls, bytes):
        return grpc.ssl_channel_credentials(root_certificates=tls)
    if isinstance(tls, grpc.ChannelCredentials):
        return tls
    raise EventedError(
        'INVALID_ARGUMENT',
        f'tls must be None, a bool, PEM bytes or ChannelCredentials, not {tls!r}',
    )
