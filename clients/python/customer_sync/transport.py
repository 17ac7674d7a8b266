"""The wire: a spawned server, framing, id matching, a reader thread and a stderr drain."""
from __future__ import annotations

import collections
import io
import itertools
import json
import os
import queue
import shutil
import subprocess
import threading
import time
from typing import Any, Callable, Deque, Dict, List, Optional

from .errors import RequestTimeout, ServerCrashed, error_from_reply

FRAMINGS = ("ndjson", "content-length")


def find_binary(binary: Optional[str] = None) -> str:
    """`binary`, else $CUSTOMER_SYNC_BIN, else `customer-sync` on PATH, else the newest build of the
    repository: the one this package lies in (an editable install), or the working directory's
    (a `pip install`ed client run from the repository root), as the Node client looks."""
    if binary:
        return binary
    if os.environ.get("CUSTOMER_SYNC_BIN"):
        return os.environ["CUSTOMER_SYNC_BIN"]
    found = shutil.which("customer-sync")
    if found:
        return found
    here = os.path.dirname(os.path.abspath(__file__))
    roots = [os.path.normpath(os.path.join(here, "..", "..", "..")), os.getcwd()]
    builds = [os.path.join(root, ".build", b, "customer-sync") for root in roots for b in ("release", "debug")]
    builds = sorted((b for b in builds if os.access(b, os.X_OK)), key=os.path.getmtime, reverse=True)
    if builds:
        return builds[0]
    raise FileNotFoundError("customer-sync not found: pass binary= (its path), set $CUSTOMER_SYNC_BIN, or put it on PATH "
                            "(for example `swift build -c release` and add .build/release to PATH)")


def frame(body: bytes, framing: str) -> bytes:
    if framing == "ndjson":
        return body + b"\n"
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class FrameReader:
    """Reads framed messages from a binary stream (ndjson lines or Content-Length bodies)."""

    def __init__(self, stream, framing: str):
        self.stream = stream
        self.framing = framing

    def read(self) -> Optional[bytes]:
        if self.framing == "ndjson":
            while True:
                line = self.stream.readline()
                if not line:
                    return None
                line = line.rstrip(b"\r\n")
                if line:
                    return line
        length = None
        while True:
            header = self.stream.readline()
            if not header:
                return None
            header = header.rstrip(b"\r\n")
            if not header:
                if length is None:
                    continue
                break
            name, _, value = header.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        # A pipe hands over at most its buffer at a time: read until the body is whole.
        body = b""
        while len(body) < length:
            chunk = self.stream.read(length - len(body))
            if not chunk:
                return None
            body += chunk
        return body


class Transport:
    """One spawned server. Calls from several threads are fine; replies are matched by id."""

    def __init__(self, db: str = "customer-sync.sqlite", binary: Optional[str] = None, framing: str = "ndjson",
                 args: Optional[List[str]] = None, env: Optional[Dict[str, str]] = None):
        if framing not in FRAMINGS:
            raise ValueError(f"framing must be one of {FRAMINGS}")
        self.framing = framing
        self.process = subprocess.Popen(
            [find_binary(binary), "--db", db, "--framing", framing, *(args or [])],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, bufsize=0)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._pending: Dict[Any, "queue.Queue[Dict[str, Any]]"] = {}
        self._notification_handlers: List[Callable[[str, Any], None]] = []
        self._raw: Optional["queue.Queue[Any]"] = None
        self._stderr: Deque[str] = collections.deque(maxlen=200)
        self._closed = False
        self._reader = threading.Thread(target=self._read_loop, name="customer-sync-reader", daemon=True)
        self._reader.start()
        # The server's stderr is read all the time: a chatty server never blocks on a full pipe.
        self._stderr_reader = threading.Thread(target=self._drain_stderr, name="customer-sync-stderr", daemon=True)
        self._stderr_reader.start()

    # -- reading -----------------------------------------------------------------------------

    def _read_loop(self) -> None:
        # Buffered: readline on the raw pipe would read a byte a call.
        reader = FrameReader(io.BufferedReader(self.process.stdout, 1 << 16), self.framing)
        while True:
            body = reader.read()
            if body is None:
                break
            try:
                message = json.loads(body)
            except ValueError:
                continue
            if self._raw is not None:
                self._raw.put(message)
                continue
            if isinstance(message, dict) and "method" in message and "id" not in message:
                for handler in list(self._notification_handlers):
                    handler(message["method"], message.get("params"))
                continue
            if isinstance(message, dict):
                with self._lock:
                    waiter = self._pending.pop(_key(message.get("id")), None)
                if waiter is not None:
                    waiter.put(message)
        # End of output: every waiting call learns the server is gone.
        self.process.wait()
        crash = ServerCrashed(f"customer-sync exited with status {self.process.returncode}",
                              self.process.returncode, self.stderr_tail())
        with self._lock:
            waiters = list(self._pending.values())
            self._pending.clear()
        for waiter in waiters:
            waiter.put({"__crash__": crash})
        if self._raw is not None:
            self._raw.put(None)

    def _drain_stderr(self) -> None:
        for line in iter(self.process.stderr.readline, b""):
            self._stderr.append(line.decode("utf-8", "replace").rstrip())

    def stderr_tail(self) -> str:
        return "\n".join(self._stderr)

    def on_notification(self, handler: Callable[[str, Any], None]) -> None:
        self._notification_handlers.append(handler)

    # -- writing -----------------------------------------------------------------------------

    def _write(self, data: bytes) -> None:
        with self._write_lock:
            self.process.stdin.write(data)
            self.process.stdin.flush()

    def request(self, method: str, params: Optional[Dict[str, Any]] = None, timeout: Optional[float] = 60.0,
                cancel: Optional[threading.Event] = None) -> Any:
        """Sends a request and waits for its reply; raises the error class of `error.data.kind`.

        When `cancel` is set while the reply is awaited, `$/cancelRequest` is sent: a long request
        (import, pull, push) then ends with `RequestCancelled`. A timeout sends it too, so the
        server does not go on with work nobody waits for."""
        request_id = next(self._ids)
        waiter: "queue.Queue[Dict[str, Any]]" = queue.Queue(maxsize=1)
        with self._lock:
            if self.process.poll() is not None and not self._reader.is_alive():
                raise ServerCrashed(f"customer-sync exited with status {self.process.returncode}", self.process.returncode, self.stderr_tail())
            self._pending[_key(request_id)] = waiter
        message = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params or {}}
        try:
            self._write(frame(json.dumps(message, ensure_ascii=False).encode("utf-8"), self.framing))
        except (BrokenPipeError, OSError):
            with self._lock:
                self._pending.pop(_key(request_id), None)
            self.process.wait()
            raise ServerCrashed(f"customer-sync exited with status {self.process.returncode}", self.process.returncode, self.stderr_tail())
        deadline = None if timeout is None else time.monotonic() + timeout
        cancelled = False
        while True:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            if cancel is not None and not cancelled:
                wait = 0.02 if wait is None else min(wait, 0.02)
            try:
                reply = waiter.get(timeout=wait)
                break
            except queue.Empty:
                if cancel is not None and not cancelled and cancel.is_set():
                    cancelled = True
                    self._send_cancel(request_id)
                    continue
                if deadline is not None and time.monotonic() >= deadline:
                    with self._lock:
                        self._pending.pop(_key(request_id), None)
                    self._send_cancel(request_id)
                    raise RequestTimeout(method, timeout or 0) from None
        if "__crash__" in reply:
            raise reply["__crash__"]
        if "error" in reply:
            raise error_from_reply(reply["error"])
        return reply.get("result")

    def _send_cancel(self, request_id: Any) -> None:
        try:
            self.notify("$/cancelRequest", {"id": request_id})
        except (BrokenPipeError, OSError):
            pass

    def notify(self, method: str, params: Optional[Dict[str, Any]] = None) -> None:
        message = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        self._write(frame(json.dumps(message).encode("utf-8"), self.framing))

    # -- raw access (golden transcripts) ------------------------------------------------------

    def raw_mode(self) -> None:
        """From now on every message read goes to `receive_raw`, unmatched."""
        self._raw = queue.Queue()

    def send_raw(self, text: str) -> None:
        self._write(frame(text.encode("utf-8"), self.framing))

    def receive_raw(self, timeout: float = 20.0) -> Any:
        assert self._raw is not None, "call raw_mode() first"
        try:
            return self._raw.get(timeout=timeout)
        except queue.Empty:
            raise RequestTimeout("a raw reply", timeout) from None

    # -- closing -----------------------------------------------------------------------------

    def close(self, timeout: float = 5.0) -> int:
        """`shutdown` and `exit`, then waits; terminates and then kills after the timeout."""
        if self._closed:
            return self.process.returncode if self.process.returncode is not None else 0
        self._closed = True
        if self.process.poll() is None:
            try:
                if self._raw is None:
                    self.request("shutdown", {}, timeout=timeout)
                self.notify("exit")
                self.process.stdin.close()
            except Exception:
                pass
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.terminate()
                try:
                    self.process.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        return self.process.returncode


def _key(request_id: Any) -> str:
    # "1" and 1 are different ids.
    return json.dumps(request_id)
