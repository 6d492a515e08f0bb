"""Payloads and metadata: Python values to and from the contract's Payload and Struct.

Data travels as ``Payload.json`` (any JSON document). A protobuf message given as data is
sent as ``Payload.any``; a received Any is unpacked when its type is in the caller's
``TypeRegistry``, and otherwise handed over as the ``google.protobuf.any_pb2.Any`` itself.
"""

from __future__ import annotations

import json
from typing import Any, Iterable, Mapping, Optional

from google.protobuf import any_pb2, json_format, struct_pb2
from google.protobuf.message import Message

from evented.errors import EventedError
from evented.v1 import types_pb2

_MAX_SAFE_INTEGER = 2**53 - 1


class TypeRegistry:
    """The protobuf message classes whose ``Any`` payloads should be unpacked."""

    def __init__(self, message_classes: Iterable[type] = ()) -> None:
        self._by_name: dict[str, type] = {}
        for cls in message_classes:
            self.add(cls)

    def add(self, message_class: type) -> None:
        self._by_name[message_class.DESCRIPTOR.full_name] = message_class

    def unpack(self, packed: any_pb2.Any) -> Any:
        cls = self._by_name.get(packed.TypeName())
        if cls is None:
            return packed
        message = cls()
        packed.Unpack(message)
        return message


def to_json(value: Any, what: str = 'data') -> str:
    """The JSON text of a value; EventedError INVALID_ARGUMENT when it has none."""
    try:
        return json.dumps(value, separators=(',', ':'), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise EventedError(
            'INVALID_ARGUMENT', f'{what} is not JSON-serialisable: {error}'
        ) from error


def from_json(text: str, what: str = 'payload') -> Any:
    """The value of a JSON text; the empty text is None."""
    if text == '':
        return None
    try:
        return json.loads(text)
    except ValueError as error:
        raise EventedError('INVALID_ARGUMENT', f'{what} is not valid JSON: {error}') from error


def to_payload(data: Any) -> types_pb2.Payload:
    """A Payload: ``any`` for a protobuf message (or an Any), else ``json``."""
    if isinstance(data, any_pb2.Any):
        return types_pb2.Payload(any=data)
    if isinstance(data, Message):
        packed = any_pb2.Any()
        packed.Pack(data)
        return types_pb2.Payload(any=packed)
    return types_pb2.Payload(json=to_json(data))


def from_payload(payload: types_pb2.Payload, registry: Optional[TypeRegistry] = None) -> Any:
    """The Python value of a Payload: the decoded JSON, or the (unpacked) Any."""
    kind = payload.WhichOneof('kind')
    if kind == 'json':
        return from_json(payload.json)
    if kind == 'any':
        return registry.unpack(payload.any) if registry else payload.any
    return None


def to_struct(metadata: Optional[Mapping[str, Any]]) -> Optional[struct_pb2.Struct]:
    """A Struct of a dict of JSON values, or None for no metadata."""
    if not metadata:
        return None
    struct = struct_pb2.Struct()
    try:
        struct.update(dict(metadata))
    except (TypeError, ValueError) as error:
        raise EventedError('INVALID_ARGUMENT', f'metadata is not a JSON object: {error}') from error
    return struct


def from_struct(struct: struct_pb2.Struct) -> dict:
    """The dict of a Struct. Struct numbers are doubles: whole ones come back as int."""
    return _whole_numbers_as_int(json_format.MessageToDict(struct))


def _whole_numbers_as_int(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) <= _MAX_SAFE_INTEGER:
        return int(value)
    if isinstance(value, dict):
        return {key: _whole_numbers_as_int(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_whole_numbers_as_int(item) for item in value]
    return value
