"""The typed client: one method per contract method, iterators over paged lists."""
from __future__ import annotations

import base64
import collections
import itertools
import threading
from typing import Any, Callable, Dict, Iterator, List, Optional, Union

from .transport import Transport
from .types import (AcceptResult, Candidate, CreateAllResult, Customer, ExportResult, HistoryEntry, ImportResult, Link,
                    Progress, Status, Suggestion, SuggestionPage)

Fields = Dict[str, Optional[str]]


def _params(**values: Any) -> Dict[str, Any]:
    """Params by name, leaving out the ones not given."""
    return {k: v for k, v in values.items() if v is not None}


class CustomerSync:
    """A spawned `customer-sync` and its methods.

    with CustomerSync.spawn(db="register.sqlite") as sync:
        sync.import_customers(side="remote", path="remote.csv")
        for customer in sync.iter_unsynced(side="local"):
            ...
    """

    def __init__(self, transport: Transport, timeout: float = 60.0):
        self.transport = transport
        self.timeout = timeout
        self._progress: Dict[str, Callable[[Progress], None]] = {}
        self._tokens = itertools.count(1)
        self._synced_handlers: List[Callable[[Dict[str, Any]], None]] = []
        # The last automatic rounds not yet taken by wait_remote_synced (bounded: a server left
        # running for days must not fill memory).
        self._synced: collections.deque = collections.deque(maxlen=100)
        self._synced_ready = threading.Condition()
        transport.on_notification(self._on_notification)

    @classmethod
    def spawn(cls, db: str = "customer-sync.sqlite", binary: Optional[str] = None, framing: str = "ndjson",
              args: Optional[List[str]] = None, timeout: float = 60.0) -> "CustomerSync":
        """Starts a server on `db`: a SQLite file (default, as the server's: `customer-sync.sqlite` in
        the working directory, so nothing is lost on exit), or ':memory:' for a throwaway register.
        The binary: `binary`, else $CUSTOMER_SYNC_BIN, else `customer-sync` on PATH."""
        return cls(Transport(db=db, binary=binary, framing=framing, args=args), timeout=timeout)

    def __enter__(self) -> "CustomerSync":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> int:
        """Sends shutdown and exit, waits, then terminates and kills after timeouts."""
        return self.transport.close()

    def call(self, method: str, params: Optional[Dict[str, Any]] = None, timeout: Optional[float] = None,
             cancel: Optional[threading.Event] = None) -> Any:
        """One request. Setting `cancel` (from another thread) sends `$/cancelRequest`: a long
        request (import, pull, push) then raises `RequestCancelled`."""
        return self.transport.request(method, params or {}, timeout=timeout if timeout is not None else self.timeout, cancel=cancel)

    def _on_notification(self, method: str, params: Any) -> None:
        if method == "$/progress" and isinstance(params, dict):
            handler = self._progress.get(str(params.get("token")))
            if handler:
                handler(params)  # type: ignore[arg-type]
        elif method == "remoteSynced" and isinstance(params, dict):
            with self._synced_ready:
                self._synced.append(params)
                self._synced_ready.notify_all()
            for callback in list(self._synced_handlers):
                callback(params)

    def on_remote_synced(self, handler: Callable[[Dict[str, Any]], None]) -> Callable[[], None]:
        """Calls `handler(params)` after every automatic round (`remoteSynced`: {at, pull, push,
        nextAt, recovered?} or {at, error, failures, nextAt}), on the client's reader thread: keep
        it short, and make no calls from it. Returns a function that removes the handler."""
        self._synced_handlers.append(handler)
        return lambda: self._synced_handlers.remove(handler) if handler in self._synced_handlers else None

    def wait_remote_synced(self, timeout: Optional[float] = None) -> Optional[Dict[str, Any]]:
        """The oldest `remoteSynced` not yet taken, waiting up to `timeout` seconds (None:
        for ever) for one; None when none came. The last 100 are kept until taken."""
        with self._synced_ready:
            if not self._synced_ready.wait_for(lambda: bool(self._synced), timeout):
                return None
            return self._synced.popleft()

    def _pages(self, method: str, params: Dict[str, Any], page_size: int) -> Iterator[Any]:
        cursor = None
        while True:
            page = self.call(method, _params(**params, limit=page_size, cursor=cursor))
            yield from page["items"]
            cursor = page["nextCursor"]
            if cursor is None:
                return

    # -- lifecycle ----------------------------------------------------------------------------
    def initialize(self, client_name: str = "customer-sync-python", client_version: str = "0.1.0") -> Dict[str, Any]:
        return self.call("initialize", {"clientInfo": {"name": client_name, "version": client_version}})

    def ping(self, timeout: Optional[float] = None) -> Dict[str, Any]:
        return self.call("ping", {}, timeout)

    def discover(self) -> Dict[str, Any]:
        return self.call("rpc.discover")

    # -- import, lists ------------------------------------------------------------------------
    def import_customers(self, side: str = "remote", path: Optional[str] = None, content: Optional[str] = None,
                         data: Optional[bytes] = None, format: Optional[str] = None, skip_invalid: Optional[bool] = None,
                         mode: Optional[str] = None, timeout: Optional[float] = None,
                         cancel: Optional[threading.Event] = None, sheet: Optional[str] = None,
                         allow_mass_delete: Optional[bool] = None, dry_run: Optional[bool] = None) -> ImportResult:
        """Imports a register from a file path, CSV text (`content`) or a file's bytes (`data`).
        Setting `cancel` stops it (`RequestCancelled`; nothing is imported). `dry_run`: a preview
        of what it would do (with `columns`, `looksLike` and, for a replace, `wouldDelete`),
        nothing changed."""
        encoded = base64.b64encode(data).decode("ascii") if data is not None else None
        return self.call("importCustomers", _params(side=side, path=path, content=content, contentBase64=encoded,
                                                     format=format, sheet=sheet, skipInvalid=skip_invalid, mode=mode,
                                                     allowMassDelete=allow_mass_delete, dryRun=dry_run), timeout, cancel)

    def status(self) -> Status:
        return self.call("status")

    def list_unsynced(self, side: Optional[str] = None, query: Optional[str] = None, limit: Optional[int] = None,
                      cursor: Optional[str] = None) -> Dict[str, Any]:
        return self.call("listUnsynced", _params(side=side, query=query, limit=limit, cursor=cursor))

    def iter_unsynced(self, side: Optional[str] = None, query: Optional[str] = None, page_size: int = 500) -> Iterator[Customer]:
        return self._pages("listUnsynced", _params(side=side, query=query), page_size)

    def list_links(self, state: Optional[str] = None, limit: Optional[int] = None, cursor: Optional[str] = None,
                   query: Optional[str] = None, order: Optional[str] = None) -> Dict[str, Any]:
        """A page of links; `order` 'descending' starts from the last page."""
        return self.call("listLinks", _params(state=state, query=query, order=order, limit=limit, cursor=cursor))

    def iter_links(self, state: Optional[str] = None, page_size: int = 500, query: Optional[str] = None) -> Iterator[Link]:
        return self._pages("listLinks", _params(state=state, query=query), page_size)

    def list_excluded(self, side: Optional[str] = None, limit: Optional[int] = None, cursor: Optional[str] = None,
                      query: Optional[str] = None, order: Optional[str] = None) -> Dict[str, Any]:
        return self.call("listExcluded", _params(side=side, query=query, order=order, limit=limit, cursor=cursor))

    def iter_excluded(self, side: Optional[str] = None, page_size: int = 500, query: Optional[str] = None) -> Iterator[Customer]:
        return self._pages("listExcluded", _params(side=side, query=query), page_size)

    def get_customer(self, id: str) -> Customer:
        return self.call("getCustomer", {"id": id})

    def get_link(self, link_id: str) -> Link:
        return self.call("getLink", {"linkId": link_id})

    # -- partners -----------------------------------------------------------------------------
    def create_partner(self, customer_id: str, number: Union[str, int, None] = None, fields: Optional[Fields] = None) -> Link:
        return self.call("createPartner", _params(customerId=customer_id, number=number, fields=fields))

    def create_all_partners(self, side: str, numbering: str = "keep", start: Union[str, int, None] = None,
                            customer_ids: Optional[List[str]] = None, dry_run: Optional[bool] = None,
                            progress: Optional[Callable[[Progress], None]] = None, timeout: Optional[float] = None) -> CreateAllResult:
        """numbering 'keep' (each source's number) or 'sequence' (from `start`); `progress(p)` gets $/progress."""
        mode: Dict[str, Any] = {"mode": numbering}
        if start is not None:
            mode["start"] = start
        token = None
        if progress is not None:
            token = f"py-{next(self._tokens)}"
            self._progress[token] = progress
        try:
            return self.call("createAllPartners", _params(side=side, numbering=mode, customerIds=customer_ids,
                                                           dryRun=dry_run, progressToken=token), timeout)
        finally:
            if token:
                self._progress.pop(token, None)

    def select_partner(self, local_id: str, remote_id: str) -> Link:
        return self.call("selectPartner", {"localId": local_id, "remoteId": remote_id})

    def resolve_conflict(self, link_id: str, choices: Optional[Dict[str, str]] = None, values: Optional[Fields] = None,
                         expected_version: Optional[int] = None) -> Link:
        return self.call("resolveConflict", _params(linkId=link_id, choices=choices or {}, values=values, expectedVersion=expected_version))

    def unlink(self, link_id: str, expected_version: Optional[int] = None) -> Dict[str, Optional[Customer]]:
        return self.call("unlink", _params(linkId=link_id, expectedVersion=expected_version))

    def disable_sync(self, customer_id: str) -> Customer:
        return self.call("disableSync", {"customerId": customer_id})

    def enable_sync(self, customer_id: str) -> Customer:
        return self.call("enableSync", {"customerId": customer_id})

    # -- suggestions --------------------------------------------------------------------------
    def suggest_partners(self, customer_id: str, limit: Optional[int] = None) -> List[Candidate]:
        return self.call("suggestPartners", _params(customerId=customer_id, limit=limit))["candidates"]

    def list_suggestions(self, min_score: Optional[float] = None, limit: Optional[int] = None, cursor: Optional[str] = None) -> SuggestionPage:
        return self.call("listSuggestions", _params(minScore=min_score, limit=limit, cursor=cursor))

    def iter_suggestions(self, min_score: Optional[float] = None, page_size: int = 500) -> Iterator[Suggestion]:
        return self._pages("listSuggestions", _params(minScore=min_score), page_size)

    def accept_suggestions(self, min_score: float, dry_run: Optional[bool] = None) -> AcceptResult:
        return self.call("acceptSuggestions", _params(minScore=min_score, dryRun=dry_run))

    # -- ongoing sync -------------------------------------------------------------------------
    def update_customer(self, id: str, fields: Fields, expected_version: Optional[int] = None) -> Customer:
        return self.call("updateCustomer", _params(id=id, fields=fields, expectedVersion=expected_version))

    def delete_customer(self, id: str, expected_version: Optional[int] = None) -> Dict[str, Any]:
        return self.call("deleteCustomer", _params(id=id, expectedVersion=expected_version))

    def resolve_deletion(self, link_id: str, action: str, expected_version: Optional[int] = None) -> Optional[Link]:
        """action: 'deletePartner', 'recreate' (returns the link) or 'unlink'."""
        result = self.call("resolveDeletion", _params(linkId=link_id, action=action, expectedVersion=expected_version))
        return result if result else None

    def export_customers(self, path: str, side: Optional[str] = None, format: Optional[str] = None,
                         only_pending: Optional[bool] = None) -> ExportResult:
        return self.call("exportCustomers", _params(path=path, side=side, format=format, onlyPending=only_pending))

    # -- the API connection to the accounting system -------------------------------------------
    def connect(self, app_secret_token: str, agreement_grant_token: str, defaults: Dict[str, Any],
                system: str = "e-conomic", base_url: Optional[str] = None, timeout_seconds: Optional[float] = None,
                timeout: Optional[float] = None) -> Dict[str, Any]:
        """Checks the tokens and stores the connection (sealed). `defaults`: currency, customerGroup,
        paymentTerms, vatZone for customers created there. Returns the connection status."""
        return self.call("connect", _params(system=system, baseUrl=base_url, appSecretToken=app_secret_token,
                                            agreementGrantToken=agreement_grant_token, defaults=defaults,
                                            timeout=timeout_seconds), timeout)

    def connect_dinero(self, client_id: str, client_secret: str, api_key: str, organization_id: str,
                       base_url: Optional[str] = None, auth_url: Optional[str] = None, requests_per_minute: Optional[int] = None,
                       timeout_seconds: Optional[float] = None, timeout: Optional[float] = None) -> Dict[str, Any]:
        """Connects to Dinero: the app's client id and secret and the organisation's API key are
        checked (a token is had with them) and stored sealed. Returns the connection status."""
        return self.call("connect", _params(system="dinero", baseUrl=base_url, authUrl=auth_url, clientId=client_id,
                                            clientSecret=client_secret, apiKey=api_key, organizationId=organization_id,
                                            requestsPerMinute=requests_per_minute, timeout=timeout_seconds), timeout)

    def disconnect(self) -> Dict[str, Any]:
        return self.call("disconnect")

    def connection_status(self) -> Dict[str, Any]:
        """system, baseUrl, connected, lastPull, lastPush, queued, lastError (never a token)."""
        return self.call("connectionStatus")

    def _with_progress(self, method: str, params: Dict[str, Any], progress: Optional[Callable[[Progress], None]],
                       timeout: Optional[float], cancel: Optional[threading.Event]) -> Any:
        token = None
        if progress is not None:
            token = f"py-{next(self._tokens)}"
            self._progress[token] = progress
            params = dict(params, progressToken=token)
        try:
            return self.call(method, params, timeout, cancel)
        finally:
            if token:
                self._progress.pop(token, None)

    def pull_remote(self, full: Optional[bool] = None, allow_mass_delete: Optional[bool] = None, progress: Optional[Callable[[Progress], None]] = None,
                    timeout: Optional[float] = None, cancel: Optional[threading.Event] = None) -> Dict[str, Any]:
        """Reads the accounting system into the remote register, nothing dropped or cut (added, updated, unchanged, deleted,
        warnings: [{customerId, number, field, message}] for values that break a local rule, pages, full)."""
        return self._with_progress("pullRemote", _params(full=full, allowMassDelete=allow_mass_delete), progress, timeout, cancel)

    def push_remote(self, progress: Optional[Callable[[Progress], None]] = None, timeout: Optional[float] = None,
                    cancel: Optional[threading.Event] = None) -> Dict[str, Any]:
        """Sends what is queued (created, updated, unchanged, conflicts, failed: [{customerId, message}]): each change lands,
        becomes a conflict (a field the system changed meanwhile), or fails with the system's reason."""
        return self._with_progress("pushRemote", {}, progress, timeout, cancel)

    def sync_remote(self, full: Optional[bool] = None, progress: Optional[Callable[[Progress], None]] = None,
                    timeout: Optional[float] = None, cancel: Optional[threading.Event] = None) -> Dict[str, Any]:
        """One round with the accounting system: a pull, then a push ({pull, push})."""
        return self._with_progress("syncRemote", _params(full=full), progress, timeout, cancel)

    def set_auto_sync(self, every_seconds: Optional[int], full_every_seconds: Optional[int] = None) -> Dict[str, Any]:
        """Runs a round on the server's own clock every `every_seconds` (at least 5), a full pull
        at least every `full_every_seconds` (default 3600); None stops it. Stored with the
        connection. Each round ends with `remoteSynced` (`on_remote_synced`, `wait_remote_synced`).
        Returns the connection status, whose `autoSync` shows the schedule."""
        params: Dict[str, Any] = {"everySeconds": every_seconds}
        if full_every_seconds is not None:
            params["fullEverySeconds"] = full_every_seconds
        return self.call("setAutoSync", params)

    def history(self, customer_id: Optional[str] = None, link_id: Optional[str] = None, limit: Optional[int] = None,
                cursor: Optional[str] = None) -> Dict[str, Any]:
        return self.call("history", _params(customerId=customer_id, linkId=link_id, limit=limit, cursor=cursor))

    def iter_history(self, customer_id: Optional[str] = None, link_id: Optional[str] = None, page_size: int = 500) -> Iterator[HistoryEntry]:
        return self._pages("history", _params(customerId=customer_id, linkId=link_id), page_size)
