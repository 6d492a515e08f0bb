"""Commands: what business logic receives and what a saga issues."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Union

from evented.errors import EventedError
from evented.payloads import TypeRegistry, from_payload, from_struct, to_payload, to_struct
from evented.v1 import types_pb2


@dataclass(frozen=True)
class Command:
    """A request to change one aggregate; ``data`` is the decoded JSON payload."""

    domain: str
    aggregate_id: str
    type: str
    data: Any = None
    metadata: dict = field(default_factory=dict)
    command_id: str = ''
    expected_version: Optional[int] = None
    causation_id: str = ''
    correlation_id: str = ''


CommandLike = Union[Command, Mapping[str, Any]]

_COMMAND_KEYS = frozenset(Command.__dataclass_fields__)


def command_from_proto(
    message: types_pb2.Command, registry: Optional[TypeRegistry] = None
) -> Command:
    return Command(
        domain=message.cover.domain,
        aggregate_id=message.cover.aggregate_id,
        type=message.type,
        data=from_payload(message.payload, registry),
        metadata=from_struct(message.metadata),
        command_id=message.command_id,
        expected_version=message.expected_version if message.HasField('expected_version') else None,
        causation_id=message.causation_id,
        correlation_id=message.cover.correlation_id,
    )


def as_command(item: CommandLike) -> Command:
    """A Command of a Command or of a dict with the same keys (``domain``, ``aggregate_id``,
    ``type`` and optionally the others)."""
    if isinstance(item, Command):
        return item
    if not isinstance(item, Mapping):
        raise EventedError(
            'INVALID_ARGUMENT', f'a command must be a dict or a Command, not {type(item).__name__}'
        )
    unknown = set(item) - _COMMAND_KEYS
    if unknown:
        raise EventedError('INVALID_ARGUMENT', f'a command has unknown keys: {sorted(unknown)}')
    missing = [key for key in ('domain', 'aggregate_id', 'type') if not item.get(key)]
    if missing:
        raise EventedError('INVALID_ARGUMENT', f'a command needs {", ".join(missing)}')
    return Command(**{**item, 'metadata': dict(item.get('metadata') or {})})


def command_to_proto(item: CommandLike) -> types_pb2.Command:
    command = as_command(item)
    message = types_pb2.Command(
        cover=types_pb2.Cover(
            domain=command.domain,
            aggregate_id=command.aggregate_id,
            correlation_id=command.correlation_id,
        ),
        type=command.type,
        payload=to_payload(command.data),
        metadata=to_struct(command.metadata),
        command_id=command.command_id,
        causation_id=command.causation_id,
    )
    if command.expected_version is not None:
        message.expected_version = command.expected_version
    return message
