"""Errors: one base class, one subclass per `error.data.kind` (see protocol/errors.md)."""
from __future__ import annotations

from typing import Any, Dict, Optional, Type


class CustomerSyncError(Exception):
    """A JSON-RPC error reply: `code`, `message` and `data` as the server sent them."""

    kind: str = ""

    def __init__(self, code: int, message: str, data: Optional[Dict[str, Any]] = None):
        super().__init__(f"{message} ({code}{', ' + str(data.get('detail')) if data and data.get('detail') else ''})")
        self.code = code
        self.message = message
        self.data = data or {}

    @property
    def path(self) -> Optional[str]:
        """For InvalidParams: the offending params field."""
        return self.data.get("path")


class ProtocolError(CustomerSyncError):
    """The reserved JSON-RPC codes."""


class ParseError(ProtocolError): kind = "ParseError"
class InvalidRequest(ProtocolError): kind = "InvalidRequest"
class MessageTooLarge(InvalidRequest): kind = "MessageTooLarge"
class BatchTooLarge(InvalidRequest): kind = "BatchTooLarge"
class BatchReplyTooLarge(InvalidRequest): kind = "BatchReplyTooLarge"
class ShutDown(InvalidRequest): kind = "ShutDown"
class MethodNotFound(ProtocolError): kind = "MethodNotFound"
class InvalidParams(ProtocolError): kind = "InvalidParams"
class InternalError(ProtocolError): kind = "InternalError"


class RequestCancelled(ProtocolError):
    """The request was cancelled with `$/cancelRequest` (-32800)."""
    kind = "RequestCancelled"


class DomainError(CustomerSyncError):
    """A rule of the sync workflow said no."""


class NotFound(DomainError): kind = "NotFound"
class AlreadyLinked(DomainError): kind = "AlreadyLinked"
class Excluded(DomainError): kind = "Excluded"
class NumberTaken(DomainError): kind = "NumberTaken"
class InvalidNumber(DomainError): kind = "InvalidNumber"
class ImportRejected(DomainError): kind = "ImportRejected"
class StaleVersion(DomainError): kind = "StaleVersion"
class NotInConflict(DomainError): kind = "NotInConflict"
class WrongSide(DomainError): kind = "WrongSide"
class Busy(DomainError): kind = "Busy"


class NotConnected(DomainError): kind = "NotConnected"
class Unauthorized(DomainError): kind = "Unauthorized"
class RemoteUnavailable(DomainError): kind = "RemoteUnavailable"
class RemoteRejected(DomainError): kind = "RemoteRejected"
class MassDelete(DomainError): kind = "MassDelete"


class WriteFailed(DomainError):
    """A file could not be written (an export): `path`, `errno` (ENOSPC, EACCES, EISDIR…), `reason`."""
    kind = "WriteFailed"


class ServerCrashed(CustomerSyncError):
    """The server process ended while a call was waiting (or before it was made)."""

    def __init__(self, message: str, returncode: Optional[int] = None, stderr_tail: str = ""):
        super().__init__(-32000, message, {"kind": "ServerCrashed", "returncode": returncode, "stderr": stderr_tail})
        self.returncode = returncode
        self.stderr_tail = stderr_tail


class RequestTimeout(CustomerSyncError, TimeoutError):
    """No reply within the call's timeout."""

    def __init__(self, method: str, timeout: float):
        super().__init__(-32001, f"no reply to {method} within {timeout} s", {"kind": "RequestTimeout"})


_BY_KIND: Dict[str, Type[CustomerSyncError]] = {
    cls.kind: cls
    for cls in [ParseError, InvalidRequest, MessageTooLarge, BatchTooLarge, BatchReplyTooLarge, ShutDown, MethodNotFound, InvalidParams, InternalError, RequestCancelled,
                NotFound, AlreadyLinked, Excluded, NumberTaken, InvalidNumber, ImportRejected, StaleVersion,
                NotInConflict, WrongSide, Busy, WriteFailed, NotConnected, Unauthorized, RemoteUnavailable, RemoteRejected, MassDelete]
}
_BY_CODE: Dict[int, Type[CustomerSyncError]] = {
    -32700: ParseError, -32600: InvalidRequest, -32601: MethodNotFound, -32602: InvalidParams, -32603: InternalError, -32800: RequestCancelled,
}


def error_from_reply(error: Dict[str, Any]) -> CustomerSyncError:
    """The exception for a reply's `error` object: by `data.kind`, else by code."""
    code = int(error.get("code", -32603))
    data = error.get("data") if isinstance(error.get("data"), dict) else {}
    cls = _BY_KIND.get(str(data.get("kind", ""))) or _BY_CODE.get(code) or (DomainError if code > 0 else CustomerSyncError)
    return cls(code, str(error.get("message", "")), data)
