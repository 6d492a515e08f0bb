"""Events: the recorded ``Event`` and the ``NewEvent`` that business logic decides."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Union

from evented.errors import EventedError
from evented.payloads import TypeRegistry, from_payload, from_struct, to_payload, to_struct
from evented.v1 import types_pb2


@dataclass(frozen=True)
class Event:
    """An event as recorded: ``data`` is the decoded JSON payload (see ``payloads``)."""

    id: str
    domain: str
    aggregate_id: str
    version: int
    position: int
    type: str
    data: Any
    metadata: dict = field(default_factory=dict)
    schema_version: int = 1
    recorded_at: Optional[_dt.datetime] = None
    causation_id: str = ''
    correlation_id: str = ''


@dataclass(frozen=True)
class NewEvent:
    """An event to append. ``decide`` may return these or dicts with the same keys."""

    type: str
    data: Any = None
    metadata: Optional[dict] = None
    id: str = ''
    schema_version: int = 0


NewEventLike = Union[NewEvent, Mapping[str, Any]]


def event_from_proto(message: types_pb2.Event, registry: Optional[TypeRegistry] = None) -> Event:
    recorded_at = None
    if message.HasField('recorded_at'):
        recorded_at = message.recorded_at.ToDatetime(tzinfo=_dt.timezone.utc)
    return Event(
        id=message.id,
        domain=message.cover.domain,
        aggregate_id=message.cover.aggregate_id,
        version=message.version,
        position=message.position,
        type=message.type,
        data=from_payload(message.payload, registry),
        metadata=from_struct(message.metadata),
        schema_version=message.schema_version or 1,
        recorded_at=recorded_at,
        causation_id=message.causation_id,
        correlation_id=message.cover.correlation_id,
    )


def event_to_proto(event: Event) -> types_pb2.Event:
    message = types_pb2.Event(
        id=event.id,
        cover=types_pb2.Cover(
            domain=event.domain,
            aggregate_id=event.aggregate_id,
            correlation_id=event.correlation_id,
        ),
        version=event.version,
        position=event.position,
        type=event.type,
        payload=to_payload(event.data),
        metadata=to_struct(event.metadata),
        schema_version=event.schema_version,
        causation_id=event.causation_id,
    )
    if event.recorded_at is not None:
        message.recorded_at.FromDatetime(event.recorded_at)
    return message


def as_new_event(item: NewEventLike) -> NewEvent:
    """A NewEvent of a NewEvent or of a dict ``{'type': ..., 'data': ..., 'metadata': ...}``."""
    if isinstance(item, NewEvent):
        value = item
    elif isinstance(item, Mapping):
        unknown = set(item) - {'type', 'data', 'metadata', 'id', 'schema_version'}
        if unknown:
            raise EventedError(
                'INVALID_ARGUMENT', f'a new event has unknown keys: {sorted(unknown)}'
            )
        value = NewEvent(
            type=item.get('type', ''),
            data=item.get('data'),
            metadata=item.get('metadata'),
            id=item.get('id') or '',
            schema_version=item.get('schema_version') or 0,
        )
    else:
        raise EventedError(
            'INVALID_ARGUMENT',
            f'a new event must be a dict or a NewEvent, not {type(item).__name__}',
        )
    if not isinstance(value.type, str) or not value.type:
        raise EventedError('INVALID_ARGUMENT', 'a new event needs a non-empty string type')
    return value


def new_event_to_proto(item: NewEventLike) -> types_pb2.NewEvent:
    value = as_new_event(item)
    return types_pb2.NewEvent(
        type=value.type,
        payload=to_payload(value.data),
        metadata=to_struct(value.metadata),
        id=value.id,
        schema_version=value.schema_version,
    )
