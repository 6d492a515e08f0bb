"""The one error class of the SDK, and its translation to and from gRPC.

The evented server fails a call with a gRPC status and two trailing metadata entries:
``evented-code``, the stable code (``COMMAND_REJECTED``, ``CONCURRENCY_CONFLICT``, ...),
and ``evented-details``, a JSON object of facts about the error. Callers branch on
``EventedError.code``, never on the message.
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Optional

import grpc

CODE_KEY = 'evented-code'
DETAILS_KEY = 'evented-details'

#: The gRPC status of each evented code, as the SDK's servers use it when a handler raises
#: an EventedError: the same table as the TypeScript server's (packages/grpc/src/status.ts).
#: Codes not listed fail with UNKNOWN.
STATUS_BY_CODE: Mapping[str, grpc.StatusCode] = {
    'INVALID_ARGUMENT': grpc.StatusCode.INVALID_ARGUMENT,
    'LIMIT_EXCEEDED': grpc.StatusCode.RESOURCE_EXHAUSTED,
    'UNKNOWN_DOMAIN': grpc.StatusCode.NOT_FOUND,
    'NOT_FOUND': grpc.StatusCode.NOT_FOUND,
    'ALREADY_EXISTS': grpc.StatusCode.ALREADY_EXISTS,
    'CONCURRENCY_CONFLICT': grpc.StatusCode.ABORTED,
    'COMMAND_REJECTED': grpc.StatusCode.FAILED_PRECONDITION,
    'TIMEOUT': grpc.StatusCode.DEADLINE_EXCEEDED,
    'PROCESSOR_FAILED': grpc.StatusCode.INTERNAL,
    'UNAVAILABLE': grpc.StatusCode.UNAVAILABLE,
    'FENCED': grpc.StatusCode.FAILED_PRECONDITION,
    'UPCAST_FAILED': grpc.StatusCode.INTERNAL,
    'CLOSED': grpc.StatusCode.UNAVAILABLE,
    'UNAUTHENTICATED': grpc.StatusCode.UNAUTHENTICATED,
    'CONFIGURATION': grpc.StatusCode.INTERNAL,
    'INTERNAL': grpc.StatusCode.INTERNAL,
}


class EventedError(Exception):
    """An error with a stable ``code``, a ``message`` and a dict of ``details``.

    ``status`` is the gRPC status code when the error came from a call (else None).
    """

    def __init__(
        self,
        code: str,
        message: str,
        details: Optional[Mapping[str, Any]] = None,
        status: Optional[grpc.StatusCode] = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = dict(details or {})
        self.status = status

    def __str__(self) -> str:
        return f'{self.code}: {self.message}'

    def __repr__(self) -> str:
        return f'EventedError({self.code!r}, {self.message!r}, {self.details!r})'


def error_from_rpc(error: grpc.RpcError) -> EventedError:
    """The EventedError of a failed call: its code and details from the trailing metadata,
    or the gRPC status name (``UNAVAILABLE``, ``DEADLINE_EXCEEDED``, ...) without them."""
    status = _call(error, 'code')
    message = _call(error, 'details') or str(error)
    trailers = {}
    for key, value in _call(error, 'trailing_metadata') or ():
        trailers[key.lower()] = (
            value.decode('utf-8', 'replace') if isinstance(value, bytes) else value
        )
    code = trailers.get(CODE_KEY) or (
        status.name if isinstance(status, grpc.StatusCode) else 'UNKNOWN'
    )
    return EventedError(code, message, _parse_details(trailers.get(DETAILS_KEY)), status)


def abort_with(context: grpc.ServicerContext, error: EventedError) -> None:
    """Fails the current call with the error's status, code and details (never returns)."""
    details = json.dumps(error.details, separators=(',', ':'), default=str, ensure_ascii=True)
    context.set_trailing_metadata(((CODE_KEY, error.code), (DETAILS_KEY, details)))
    context.abort(STATUS_BY_CODE.get(error.code, grpc.StatusCode.UNKNOWN), error.message)


def _parse_details(raw: Optional[str]) -> dict:
    if not raw:
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:
        return {'raw': raw}
    return parsed if isinstance(parsed, dict) else {'value': parsed}


def _call(error: grpc.RpcError, name: str) -> Any:
    method = getattr(error, name, None)
    return method() if callable(method) else None
