#!/usr/bin/env python3
"""A fake e-conomic REST API (the `/customers` part), for tests and the benchmark.

Faithful to what e-conomic documents and what customer-sync relies on:
- every request needs `X-AppSecretToken` and `X-AgreementGrantToken` (401 otherwise; 403 for
  a revoked grant); writes need `Content-Type: application/json` (415 otherwise);
- `GET /customers?skippages=N&pagesize=M[&filter=lastUpdated$gte:ISO]` answers `collection`
  and `pagination` (`results`, `nextPage` while there is one, at most 1000 a page: 400 above);
- `GET /customers/{n}`; `POST /customers` (number assigned when absent; 400 naming every
  missing required field, or a number in use); `PUT /customers/{n}` replaces the whole
  customer (what the body leaves out is gone); `DELETE /customers/{n}`;
- contacts: `GET/POST /customers/{n}/contacts`, `GET /customers/{n}/contacts/{c}`; a
  customer's `attention` is `{customerContactNumber, self}`;
- `lastUpdated` set on every write.

Test controls under `/__fake/` (no tokens needed):
- `POST /__fake/customers` seeds customers (a JSON list, stored as given, numbers kept);
- `POST /__fake/faults` queues faults: `[{"method": "POST", "path": "/customers", "status": 429,
  "times": 1}, {"method": "PUT", "kind": "lose", "times": 1}, {"kind": "slow", "seconds": 2}]`;
  `status` answers with that code (429 with `Retry-After: 0`), `lose` does the write and then
  sends nothing for `seconds` (default 5) before closing the connection, `slow` waits before answering; `path` is a prefix;
  `skip: N` lets the first N matching requests through;
- `GET /__fake/stats` counts requests by method and `POST`s by customer number, and the time
  spent serving the API (`serveSeconds`, the fake's own share of a benchmark);
- `GET /__fake/customers` returns every stored customer; `POST /__fake/reset` empties it all.

Run: `fake_economic.py [--port 0] [--app-secret S] [--grant G]`; prints `port N` on stdout.
"""
import argparse
import datetime
import json
import re
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

BASE = "https://restapi.e-conomic.com"
REQUIRED = ["name", "currency", "customerGroup", "paymentTerms", "vatZone"]
REF_NUMBER = {"customerGroup": "customerGroupNumber", "paymentTerms": "paymentTermsNumber", "vatZone": "vatZoneNumber"}


class State:
    def __init__(self, app_secret, grant, revoked):
        self.lock = threading.Lock()
        self.app_secret = app_secret
        self.grant = grant
        self.revoked = revoked
        self.reset()

    def reset(self):
        self.customers = {}  # number -> customer dict
        self.contacts = {}  # number -> {contactNumber: contact}
        self.faults = []
        self.requests = {}
        self.posts = {}
        self.clock = 0
        self.serve_seconds = 0.0

    def now(self):
        # Strictly increasing timestamps, so `lastUpdated$gte` is exact in tests.
        self.clock += 1
        moment = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(seconds=self.clock)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def validation_error(fields):
    errors = {}
    for field in fields:
        errors[field] = {"errors": [{"propertyName": field, "errorMessage": f"Property \"{field}\" is required.",
                                     "errorCode": "E06000", "inputValue": None, "developerHint": "Find a list of required properties in the schema."}]}
    return {"message": "Validation exception.", "errorCode": "E04300",
            "developerHint": "Inspect validation errors and correct your request.", "errors": errors, "httpStatusCode": 400}


def with_self(customer):
    out = dict(customer)
    out["self"] = f"{BASE}/customers/{customer['customerNumber']}"
    return out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    state: State = None  # set by main

    def log_message(self, *args):
        pass

    # -- plumbing ---------------------------------------------------------------------------------
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

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
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
        url = urlparse(self.path)
        if url.path.startswith("/__fake/"):
            return self.control(method, url.path)
        started = time.perf_counter()
        try:
            self.handle_api(method, url)
        finally:
            with self.state.lock:
                self.state.serve_seconds += time.perf_counter() - started

    def handle_api(self, method, url):
        path = url.path
        with self.state.lock:
            self.state.requests[method] = self.state.requests.get(method, 0) + 1
        fault = self.fault(method, path)
        if fault and fault.get("kind") == "slow":
            time.sleep(float(fault.get("seconds", 1)))
            fault = None
        if fault and "status" in fault:
            self.body()
            headers = {"Retry-After": "0"} if fault["status"] == 429 else {}
            return self.reply(fault["status"], {"message": f"injected {fault['status']}", "httpStatusCode": fault["status"]}, headers)
        secret = self.headers.get("X-AppSecretToken")
        grant = self.headers.get("X-AgreementGrantToken")
        if not secret or not grant or secret != self.state.app_secret or (grant != self.state.grant and grant not in self.state.revoked):
            self.body()
            return self.reply(401, {"message": "Unauthorized", "errorCode": "E00500",
                                    "developerHint": "Provide valid X-AppSecretToken and X-AgreementGrantToken headers.", "httpStatusCode": 401})
        if grant in self.state.revoked:
            self.body()
            return self.reply(403, {"message": "Forbidden: the agreement grant was revoked", "errorCode": "E00501", "httpStatusCode": 403})
        if method in ("POST", "PUT") and not (self.headers.get("Content-Type") or "").startswith("application/json"):
            self.body()
            return self.reply(415, {"message": "Content-Type must be application/json", "httpStatusCode": 415})
        status, body = self.route(method, path, parse_qs(url.query))
        if fault and fault.get("kind") == "lose":
            # The write happened; the reply never arrives (the client times out waiting).
            time.sleep(float(fault.get("seconds", 5)))
            self.close_connection = True
            return
        self.reply(status, body)

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_DELETE(self):
        self.handle_any("DELETE")

    # -- the API ----------------------------------------------------------------------------------
    def route(self, method, path, query):
        s = self.state
        m = re.fullmatch(r"/customers/?", path)
        if m and method == "GET":
            return self.collection(query)
        if m and method == "POST":
            return self.create(self.body() or {})
        m = re.fullmatch(r"/customers/(\d+)", path)
        if m:
            number = int(m.group(1))
            if method == "GET":
                with s.lock:
                    customer = s.customers.get(number)
                return (200, with_self(customer)) if customer else (404, {"message": f"Customer {number} not found.", "httpStatusCode": 404})
            if method == "PUT":
                return self.replace(number, self.body() or {})
            if method == "DELETE":
                with s.lock:
                    found = s.customers.pop(number, None)
                return (204, None) if found else (404, {"message": "not found", "httpStatusCode": 404})
        m = re.fullmatch(r"/customers/(\d+)/contacts/?", path)
        if m:
            number = int(m.group(1))
            with s.lock:
                if number not in s.customers:
                    return 404, {"message": "customer not found", "httpStatusCode": 404}
                contacts = s.contacts.setdefault(number, {})
                if method == "GET":
                    return 200, {"collection": list(contacts.values()), "pagination": {"results": len(contacts)}}
                if method == "POST":
                    body = self.body() or {}
                    if not body.get("name"):
                        return 400, validation_error(["name"])
                    contact_number = max(contacts.keys(), default=0) + 1
                    contact = {"customerContactNumber": contact_number, "name": body["name"],
                               "self": f"{BASE}/customers/{number}/contacts/{contact_number}"}
                    contacts[contact_number] = contact
                    return 201, contact
        m = re.fullmatch(r"/customers/(\d+)/contacts/(\d+)", path)
        if m and method == "GET":
            with s.lock:
                contact = s.contacts.get(int(m.group(1)), {}).get(int(m.group(2)))
            return (200, contact) if contact else (404, {"message": "contact not found", "httpStatusCode": 404})
        return 404, {"message": f"no route {method} {path}", "httpStatusCode": 404}

    def collection(self, query):
        try:
            skip = int(query.get("skippages", ["0"])[0])
            size = int(query.get("pagesize", ["20"])[0])
        except ValueError:
            return 400, {"message": "skippages and pagesize must be whole numbers", "httpStatusCode": 400}
        if size < 1 or size > 1000:
            return 400, {"message": "pagesize must be between 1 and 1000", "errorCode": "E07000", "httpStatusCode": 400}
        with self.state.lock:
            customers = sorted(self.state.customers.values(), key=lambda c: c["customerNumber"])
        total = len(customers)
        for expression in query.get("filter", []):
            m = re.fullmatch(r"lastUpdated\$gte:(.+)", expression)
            if not m:
                return 400, {"message": f"unsupported filter {expression}", "httpStatusCode": 400}
            customers = [c for c in customers if c.get("lastUpdated", "") >= m.group(1)]
        page = customers[skip * size:(skip + 1) * size]
        last = max(0, (len(customers) - 1) // size)
        pagination = {"maxPageSizeAllowed": 1000, "skipPages": skip, "pageSize": size, "results": len(customers),
                      "resultsWithoutFilter": total,
                      "firstPage": f"{BASE}/customers?skippages=0&pagesize={size}",
                      "lastPage": f"{BASE}/customers?skippages={last}&pagesize={size}"}
        if (skip + 1) * size < len(customers):
            pagination["nextPage"] = f"{BASE}/customers?skippages={skip + 1}&pagesize={size}"
        return 200, {"collection": [with_self(c) for c in page], "pagination": pagination,
                     "self": f"{BASE}/customers?skippages={skip}&pagesize={size}"}

    def checked(self, body):
        missing = [field for field in REQUIRED if body.get(field) in (None, "")]
        for field, key in REF_NUMBER.items():
            value = body.get(field)
            if field not in missing and (not isinstance(value, dict) or key not in value):
                missing.append(field)
        return missing

    def create(self, body):
        s = self.state
        missing = self.checked(body)
        if missing:
            return 400, validation_error(missing)
        with s.lock:
            number = body.get("customerNumber")
            if number is None:
                number = max(s.customers.keys(), default=0) + 1
            if not isinstance(number, int) or not 1 <= number <= 999999999:
                return 400, {"message": "Validation exception.", "errorCode": "E04300", "httpStatusCode": 400,
                             "errors": {"customerNumber": {"errors": [{"propertyName": "customerNumber", "errorMessage": "Must be between 1 and 999999999.", "errorCode": "E06010"}]}}}
            if number in s.customers:
                return 400, {"message": "Validation exception.", "errorCode": "E04300", "httpStatusCode": 400,
                             "errors": {"customerNumber": {"errors": [{"propertyName": "customerNumber", "errorMessage": "Customer number already in use.", "errorCode": "E06020"}]}}}
            customer = dict(body)
            customer.pop("self", None)
            customer["customerNumber"] = number
            customer["lastUpdated"] = s.now()
            customer.setdefault("balance", 0.0)
            customer.setdefault("barred", False)
            s.customers[number] = customer
            s.posts[str(number)] = s.posts.get(str(number), 0) + 1
        return 201, with_self(customer)

    def replace(self, number, body):
        s = self.state
        with s.lock:
            if number not in s.customers:
                return 404, {"message": f"Customer {number} not found.", "httpStatusCode": 404}
        missing = self.checked(body)
        if missing:
            return 400, validation_error(missing)
        with s.lock:
            customer = dict(body)  # a full overwrite: what the body leaves out is gone
            customer.pop("self", None)
            customer["customerNumber"] = number
            customer["lastUpdated"] = s.now()
            s.customers[number] = customer
        return 200, with_self(customer)

    # -- test controls ----------------------------------------------------------------------------
    def control(self, method, path):
        s = self.state
        if path == "/__fake/customers" and method == "POST":
            items = self.body() or []
            with s.lock:
                for item in items:
                    customer = dict(item)
                    customer.setdefault("lastUpdated", s.now())
                    s.customers[int(customer["customerNumber"])] = customer
                    for contact in customer.pop("__contacts", []):
                        s.contacts.setdefault(int(customer["customerNumber"]), {})[contact["customerContactNumber"]] = contact
            return self.reply(200, {"stored": len(items)})
        if path == "/__fake/customers" and method == "GET":
            with s.lock:
                return self.reply(200, [s.customers[n] for n in sorted(s.customers)])
        if path == "/__fake/faults" and method == "POST":
            with s.lock:
                s.faults.extend(self.body() or [])
            return self.reply(200, {"queued": len(s.faults)})
        if path == "/__fake/stats" and method == "GET":
            with s.lock:
                return self.reply(200, {"requests": s.requests, "posts": s.posts, "faults": len(s.faults),
                                        "serveSeconds": round(s.serve_seconds, 6)})
        if path == "/__fake/reset" and method == "POST":
            self.body()
            with s.lock:
                s.reset()
            return self.reply(200, {})
        if path == "/__fake/touch" and method == "POST":
            # Someone edits customers in e-conomic: {"number": n, "fields": {...}}.
            body = self.body() or {}
            with s.lock:
                customer = s.customers.get(int(body["number"]))
                if customer is None:
                    return self.reply(404, {})
                customer.update(body.get("fields", {}))
                customer["lastUpdated"] = s.now()
            return self.reply(200, with_self(customer))
        return self.reply(404, {"message": "no such control"})


def main():
    # Spawned from a thread that blocks signals, a process inherits the mask: unblock them,
    # so that SIGTERM and Ctrl-C end it.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, set(signal.valid_signals()))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--app-secret", default="demo-app-secret")
    parser.add_argument("--grant", default="demo-grant")
    parser.add_argument("--revoked", action="append", default=[])
    args = parser.parse_args()
    Handler.state = State(args.app_secret, args.grant, set(args.revoked))
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"port {server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
