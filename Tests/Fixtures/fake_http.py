"""What the fake accounting systems (fake_economic.py, fake_dinero.py) share: the HTTP plumbing
of a JSON API, the queue of injected faults, and the loop that serves on loopback.

Each fake's Handler derives from FakeHandler and gives `handle_any(method)`; its `state` has
`lock` and `faults` (a list of dicts queued through the fake's `/__fake/faults`).
"""
import json
import signal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    state = None  # set by the fake's main

    def log_message(self, *args):
        pass

    def reply(self, status, body=None, headers=None):
        data = b"" if body is None else json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        # Headers and body in one write: two small writes meet Nagle and the client's delayed
        # ACK, 40 ms a reply, which would be the fake's cost, not the server's.
        self._headers_buffer.append(b"\r\n")
        self._headers_buffer.append(data)
        self.flush_headers()

    def raw_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def json_body(self):
        raw = self.raw_body()
        return json.loads(raw.decode("utf-8")) if raw else None

    def fault(self, method, path):
        """The first queued fault for this request, consumed."""
        with self.state.lock:
            for fault in self.state.faults:
                if fault.get("method", method) == method and path.startswith(fault.get("path", "")):
                    if fault.get("skip", 0) > 0:
                        # Let this many matching requests through first.
                        fault["skip"] -= 1
                        return None
                    fault["times"] = fault.get("times", 1) - 1
                    if fault["times"] <= 0:
                        self.state.faults.remove(fault)
                    return dict(fault)
        return None

    def handle_any(self, method):
        raise NotImplementedError

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_DELETE(self):
        self.handle_any("DELETE")


def serve(handler, port):
    """Serves `handler` on 127.0.0.1:`port` (0: any free port), printing `port N` once it listens."""
    # Spawned from a thread that blocks signals, a process inherits the mask: unblock them,
    # so that SIGTERM and Ctrl-C end it.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, set(signal.valid_signals()))
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    print(f"port {server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
