#!/usr/bin/env python3
"""The sync window in a browser: a reference frontend for customer-sync.

Spawns one `customer-sync` on a database file (through the project's Python client), serves the
page under `static/`, and forwards the page's JSON-RPC calls to it. `$/progress` notifications
reach the page as server-sent events. Python's standard library only, besides the client.

    python3 clients/web/server.py --db demo.sqlite        # prints the URL to open

Safety, since a register is at stake and any web page can make a browser send requests:
- it listens on 127.0.0.1 only;
- a request whose Host is not this server's own (127.0.0.1:PORT or localhost:PORT) is refused,
  which stops DNS rebinding;
- an API request must carry the random token printed in the URL (header X-Token, or `token` in
  the query for the event stream, which EventSource cannot give headers), compared in constant
  time;
- an API request that comes with an Origin must come from this server's own origin, and a POST
  must have one and a JSON body (a form on another site can send neither);
- only the methods the window uses are forwarded (not shutdown, exit or initialize).
"""
import argparse
import hmac
import json
import mimetypes
import os
import queue
import secrets
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
STATIC = os.path.join(HERE, "static")
sys.path.insert(0, os.path.join(ROOT, "clients", "python"))  # the client, when not installed

from customer_sync import CustomerSync  # noqa: E402
from customer_sync.errors import CustomerSyncError  # noqa: E402

# What the window calls. Everything else (shutdown, exit, initialize, rpc.discover…) stays with
# this server.
METHODS = frozenset({
    "status", "importCustomers", "listUnsynced", "listLinks", "listExcluded", "getCustomer", "getLink",
    "createPartner", "createAllPartners", "selectPartner", "resolveConflict", "unlink", "disableSync",
    "enableSync", "suggestPartners", "listSuggestions", "acceptSuggestions", "updateCustomer",
    "deleteCustomer", "resolveDeletion", "history", "connect", "disconnect", "connectionStatus",
    "pullRemote", "pushRemote", "syncRemote", "setAutoSync",
})
# A call that may run long (a large import, a pull or push of a whole register).
LONG_TIMEOUT = 3600.0
MAX_BODY = 128 * 1024 * 1024  # a 64 MiB workbook, base64 and JSON around it


class Events:
    """The page's event streams: every `$/progress` and `remoteSynced` notification goes to each of them."""

    def __init__(self):
        self._lock = threading.Lock()
        self._queues = []

    def subscribe(self):
        q = queue.Queue(maxsize=10_000)
        with self._lock:
            self._queues.append(q)
        return q

    def unsubscribe(self, q):
        with self._lock:
            if q in self._queues:
                self._queues.remove(q)

    def publish(self, event, data):
        with self._lock:
            targets = list(self._queues)
        for q in targets:
            try:
                q.put_nowait((event, data))
            except queue.Full:  # a page that stopped reading loses progress, never the server
                pass


class App:
    def __init__(self, sync, token, port=None):
        self.sync = sync
        self.token = token
        self.port = port
        self.events = Events()
        sync.transport.on_notification(self._notification)

    def _notification(self, method, params):
        if method == "$/progress":
            self.events.publish("progress", params)
        elif method == "remoteSynced":
            # An automatic round ended: every open page refreshes its lists.
            self.events.publish("remoteSynced", params)

    def hosts(self):
        return {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}

    def origins(self):
        return {"http://" + host for host in self.hosts()}

    def call(self, method, params):
        """The reply as the page gets it: {result} or {error: {code, message, data}}."""
        try:
            return {"result": self.sync.call(method, params, timeout=LONG_TIMEOUT)}
        except CustomerSyncError as error:
            # A server that crashed or a call that timed out is an error too, never an
            # unanswered page.
            return {"error": {"code": error.code, "message": error.message, "data": error.data}}


class Handler(BaseHTTPRequestHandler):
    server_version = "customer-sync-web"
    app = None  # set by serve()

    def log_message(self, format, *args):  # quiet: the terminal shows the URL, not every request
        pass

    # -- checks -------------------------------------------------------------------------------

    def _refuse(self, status, message):
        body = json.dumps({"refused": message}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _host_ok(self):
        return self.headers.get("Host", "") in self.app.hosts()

    def _api_ok(self, query):
        """The token, and an Origin (if any) that is our own. Refuses and returns False otherwise."""
        origin = self.headers.get("Origin")
        if origin is not None and origin not in self.app.origins():
            self._refuse(HTTPStatus.FORBIDDEN, "another origin")
            return False
        given = self.headers.get("X-Token") or (query.get("token") or [""])[0]
        if not hmac.compare_digest(given.encode(), self.app.token.encode()):
            self._refuse(HTTPStatus.FORBIDDEN, "no token, or the wrong one")
            return False
        return True

    # -- routes -------------------------------------------------------------------------------

    def do_GET(self):
        if not self._host_ok():
            return self._refuse(HTTPStatus.FORBIDDEN, "another host")
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        if url.path == "/api/events":
            if self._api_ok(query):
                self._events()
            return
        if url.path.startswith("/api/"):
            return self._refuse(HTTPStatus.NOT_FOUND, "no such API")
        self._static(url.path)

    def do_POST(self):
        if not self._host_ok():
            return self._refuse(HTTPStatus.FORBIDDEN, "another host")
        url = urlsplit(self.path)
        if url.path != "/api/rpc":
            return self._refuse(HTTPStatus.NOT_FOUND, "no such API")
        # A POST needs its Origin: a browser always sends one with fetch, a form elsewhere
        # would send its own.
        if self.headers.get("Origin") is None:
            return self._refuse(HTTPStatus.FORBIDDEN, "no origin")
        if not self._api_ok(parse_qs(url.query)):
            return
        if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            return self._refuse(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "JSON only")
        try:
            length = int(self.headers.get("Content-Length", "-1"))
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            return self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "body too large or of no length")
        try:
            request = json.loads(self.rfile.read(length))
            method, params = request["method"], request.get("params", {})
        except (ValueError, KeyError, TypeError):
            return self._refuse(HTTPStatus.BAD_REQUEST, "expected {method, params}")
        if method not in METHODS or not isinstance(params, dict):
            return self._refuse(HTTPStatus.BAD_REQUEST, f"not a method of the window: {method}")
        reply = json.dumps(self.app.call(method, params)).encode()
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(reply)

    def _events(self):
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        q = self.app.events.subscribe()
        try:
            self.wfile.write(b": connected\n\n")
            self.wfile.flush()
            while True:
                try:
                    event, data = q.get(timeout=15)
                    self.wfile.write(f"event: {event}\ndata: {json.dumps(data)}\n\n".encode())
                except queue.Empty:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            self.app.events.unsubscribe(q)

    def _static(self, path):
        name = "index.html" if path in ("/", "/index.html") else path.lstrip("/")
        full = os.path.normpath(os.path.join(STATIC, name))
        if not full.startswith(STATIC + os.sep) or not os.path.isfile(full):
            return self._refuse(HTTPStatus.NOT_FOUND, "no such file")
        with open(full, "rb") as f:
            body = f.read()
        kind = mimetypes.guess_type(full)[0] or "application/octet-stream"
        if full.endswith(".js"):
            kind = "text/javascript"
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", kind + ("; charset=utf-8" if kind.startswith("text/") else ""))
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        # Nothing from elsewhere: scripts, styles, images and connections from this server only.
        self.send_header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)


def serve(db, port=0, binary=None, args=None, token=None, ready=None):
    """Runs until interrupted. `ready(url, server)` is called once it listens (for tests)."""
    sync = CustomerSync.spawn(db=db, binary=binary, args=args or [])
    app = App(sync, token or secrets.token_urlsafe(24))
    handler = type("BoundHandler", (Handler,), {"app": app})
    httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
    httpd.daemon_threads = True
    app.port = httpd.server_address[1]
    url = f"http://127.0.0.1:{app.port}/?token={app.token}"
    try:
        if ready:
            ready(url, httpd)
        else:
            print(f"customer-sync window: {url}", flush=True)
        httpd.serve_forever()
    finally:
        httpd.server_close()
        sync.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="customer-sync.sqlite", help="the SQLite file (default: customer-sync.sqlite)")
    parser.add_argument("--port", type=int, default=0, help="the port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--binary", help="the customer-sync binary (default: $CUSTOMER_SYNC_BIN, .build, PATH)")
    parser.add_argument("server_args", nargs="*", help="after --: more flags for customer-sync (--key-file …)")
    options = parser.parse_args()
    binary = options.binary or os.environ.get("CUSTOMER_SYNC_BIN")
    if not binary:
        for build in ("release", "debug"):
            candidate = os.path.join(ROOT, ".build", build, "customer-sync")
            if os.access(candidate, os.X_OK):
                binary = candidate
                break
    try:
        serve(options.db, options.port, binary, options.server_args)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
