"""Python client for customer-sync: spawn the server and drive it over JSON-RPC 2.0."""
from .client import CustomerSync
from .errors import (AlreadyLinked, Busy, CustomerSyncError, DomainError, Excluded, ImportRejected, InternalError,
                     InvalidNumber, InvalidParams, InvalidRequest, MessageTooLarge, BatchTooLarge, BatchReplyTooLarge, MethodNotFound, NotFound,
                     NotInConflict, NumberTaken, ParseError, ProtocolError, RequestCancelled, RequestTimeout, ServerCrashed, ShutDown,
                     StaleVersion, WriteFailed, WrongSide, NotConnected, Unauthorized, RemoteUnavailable, RemoteRejected, MassDelete,
                     error_from_reply)
from .transport import Transport, find_binary

__all__ = [
    "CustomerSync", "Transport", "find_binary", "error_from_reply",
    "CustomerSyncError", "ProtocolError", "DomainError", "ServerCrashed", "RequestTimeout",
    "ParseError", "InvalidRequest", "MessageTooLarge", "BatchTooLarge", "BatchReplyTooLarge", "ShutDown", "MethodNotFound", "InvalidParams", "InternalError",
    "RequestCancelled",
    "NotFound", "AlreadyLinked", "Excluded", "NumberTaken", "InvalidNumber", "ImportRejected", "StaleVersion",
    "NotInConflict", "WrongSide", "Busy", "WriteFailed",
    "NotConnected", "Unauthorized", "RemoteUnavailable", "RemoteRejected", "MassDelete",
]
