"""Result shapes, as TypedDicts (protocol/openrpc.json is the full schema)."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

try:
    from typing import Literal, TypedDict
except ImportError:  # pragma: no cover - Python < 3.8
    from typing_extensions import Literal, TypedDict  # type: ignore

Side = Literal["local", "remote"]
CustomerState = Literal["unsynced", "synced", "conflict", "excluded", "deleted"]
LinkState = Literal["synced", "conflict", "deleted"]


class FieldWarning(TypedDict):
    """A value that breaks a rule of the local register (kept as the accounting system holds it)."""
    field: str
    message: str


class _CustomerWarnings(TypedDict, total=False):
    # Present only when the customer has some.
    warnings: List[FieldWarning]


class Customer(_CustomerWarnings):
    id: str
    side: Side
    number: Optional[str]
    name: Optional[str]
    address: Optional[str]
    zip: Optional[str]
    city: Optional[str]
    country: Optional[str]
    email: Optional[str]
    phone: Optional[str]
    cvr: Optional[str]
    ean: Optional[str]
    contact: Optional[str]
    state: CustomerState
    linkId: Optional[str]
    version: int
    extra: Dict[str, str]


class Conflict(TypedDict):
    field: str
    base: Optional[str]
    local: Optional[str]
    remote: Optional[str]


class Link(TypedDict):
    id: str
    state: LinkState
    local: Optional[Customer]
    remote: Optional[Customer]
    conflicts: List[Conflict]
    version: int


class RowError(TypedDict):
    line: int
    field: str
    message: str


class ImportResult(TypedDict, total=False):
    added: int
    updated: int
    unchanged: int
    deleted: int
    rejected: List[RowError]
    warnings: List[str]
    # A dry run's preview only:
    dryRun: bool
    columns: List[Dict[str, Any]]  # {header, field}
    looksLike: Optional[Dict[str, str]]  # {side, reason}, or None
    wouldDelete: List[Dict[str, Any]]  # {id, number, name}


class SideCounts(TypedDict):
    unsynced: int
    synced: int
    conflict: int
    excluded: int
    deleted: int
    total: int


class LinkCounts(TypedDict):
    synced: int
    conflict: int
    deleted: int


class Status(TypedDict):
    local: SideCounts
    remote: SideCounts
    links: LinkCounts


class Skipped(TypedDict):
    customerId: str
    reason: str


class CreateAllResult(TypedDict, total=False):
    created: int
    skipped: List[Skipped]
    dryRun: bool
    planned: List[Dict[str, Any]]  # dry run only: {customerId, sourceNumber, name, number}


class MatchReason(TypedDict, total=False):
    field: str
    verdict: str
    level: str  # the level of agreement in words ("one name shared"; protocol/scoring.md)
    similarity: float
    weight: float


class Rivals(TypedDict):
    count: int  # other pairs of either customer that score 0.2 or more alone
    weight: float  # the bits they take from this pair's log-odds (<= 0)


class _Candidate(TypedDict):
    customer: Customer
    score: float
    reasons: List[MatchReason]


class Candidate(_Candidate, total=False):
    rivals: Rivals  # only when there are any


class _Suggestion(TypedDict):
    localId: str
    remoteId: str
    score: float
    reasons: List[MatchReason]


class Suggestion(_Suggestion, total=False):
    rivals: Rivals  # only when there are any


class SuggestionModel(TypedDict):
    """The model a pairing was scored with (listSuggestions' `model`, scoring.md §3)."""
    fit: Literal["estimated", "constrained", "prior"]
    fallback: Optional[str]  # why the fits before this one failed, in words; None when the first was used
    matchShare: float  # the share of compared pairs taken to be partners
    placesShared: bool  # whether the registers hold several customers at one address


class SuggestionPage(TypedDict):
    items: List[Suggestion]
    nextCursor: Optional[str]
    total: int
    model: SuggestionModel


class AcceptResult(TypedDict):
    linked: int
    synced: int
    conflict: int
    dryRun: bool


class HistoryEntry(TypedDict):
    at: str
    operation: str
    source: str
    customerId: Optional[str]
    linkId: Optional[str]
    field: Optional[str]
    old: Optional[str]
    new: Optional[str]


class ExportResult(TypedDict):
    written: int
    path: str


class Progress(TypedDict):
    token: str
    done: int
    total: int
