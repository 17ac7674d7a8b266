#!/usr/bin/env python3
"""A fake e-conomic REST API (the `/customers` part), for tests and the benchmark.

Written from e-conomic's own REST documentation (restdocs.e-conomic.com; its source is the
public repository e-conomic/slate, `source/includes/_introduction.md` and `_customers.md`),
which is the spec: where this fake and the documentation disagree, the documentation wins.
Each behaviour below names the section it comes from ("Intro: …" or "Customers: …").

- Intro, "HTTP Status Codes": every request needs `X-AppSecretToken` and
  `X-AgreementGrantToken`; wrong ones, and a grant the agreement has revoked, are 401; a grant
  without the role a request needs is 403 (`--read-only GRANT`: writes are 403); a write
  without `Content-Type: application/json` is 415; an unknown route 404.
- Intro, "Pagination": `skippages`, `pagesize` (default 20, at most 1000), `pagination` with
  `results`, `firstPage`, `lastPage` and `nextPage` while there is one.
- Intro, "Filtering": `filter=prop$op:value` with `$eq $ne $gt $gte $lt $lte $like $in $nin`,
  chained by `$and:`/`$or:`, case-insensitive on strings; only the filterable properties
  (Customers, "Filterable properties"), 400 otherwise.
- Intro, "Sorting": `sort=a,-b`, only sortable properties (400 otherwise), case-insensitive on
  strings; the default order is by customer number.
- Intro, "Annotated errors": a refused write is 400 with `message`, `developerHint`,
  `httpStatusCode`, `logId` and `errors` holding, for each refused property, `{"errors":
  [{"errorCode", "message", "value", "developerHint"}]}`.
- Intro, "Implementation specifics": a false boolean is left out; null is not a value (400):
  to empty a property, leave it out.
- Intro, "HTTP Verbs": PUT replaces the whole customer (what the body leaves out is gone).
- Customers, POST/PUT: required `name`, `currency`, `customerGroup`, `paymentTerms`,
  `vatZone`; the max lengths of the properties table (name 255, address 510, zip 30, city 50,
  country 50, email 255, telephoneAndFaxNumber 255, corporateIdentificationNumber 40, ean 40,
  …); `customerNumber` 1…999999999 and unique; the referenced currency, customer group,
  payment terms and VAT zone must exist (E06000 "… does not exist."). `lastUpdated` is set on
  every write. `country` and `corporateIdentificationNumber` are free text.
- Customers, contacts: `GET/POST /customers/{n}/contacts`, `GET /customers/{n}/contacts/{c}`;
  a customer's `attention` is `{customerContactNumber, self}`.
- `GET /currencies/{code}`, `/customer-groups/{n}`, `/payment-terms/{n}`, `/vat-zones/{n}`
  (and their collections), 404 for one the agreement does not have. Every agreement has the
  VAT zones 1 Domestic, 2 EU, 3 Abroad, 4 Domestic exempt.

Test controls under `/__fake/` (no tokens needed):
- `POST /__fake/customers` seeds customers (a JSON list, stored as given, numbers kept);
- `POST /__fake/faults` queues faults: `[{"method": "POST", "path": "/customers", "status": 429,
  "times": 1}, {"method": "PUT", "kind": "lose", "times": 1}, {"kind": "slow", "seconds": 2}]`;
  `status` answers with that code (429 with `Retry-After: 0`), `lose` does the write and then
  sends nothing for `seconds` (default 5) before closing the connection, `slow` waits before
  answering, `delete` deletes customer `number` and `touch` changes customer `number` (with
  `fields`; `number` may be a list, changed in its order) just before the request is served (someone working in e-conomic during a pull);
  `path` is a prefix; `skip: N` lets the first N matching requests through;
- `GET /__fake/stats` counts requests by method and `POST`s by customer number, and the time
  spent serving the API (`serveSeconds`, the fake's own share of a benchmark);
- `GET /__fake/customers` returns every stored customer; `POST /__fake/reset` empties it all;
- `POST /__fake/touch` `{"number", "fields"}` edits a customer as a person in e-conomic would;
- `POST /__fake/references` `{"customerGroups": [..], "paymentTerms": [..], "currencies": [..]}`
  replaces what the agreement has.

Run: `fake_economic.py [--port 0] [--app-secret S] [--grant G] [--revoked G] [--read-only G]`;
prints `port N` on stdout.
"""
import argparse
import datetime
import json
import re
import threading
import time
from urllib.parse import parse_qs, urlparse

from fake_http import FakeHandler, serve

BASE = "https://restapi.e-conomic.com"
# Customers, POST /customers: required properties.
REQUIRED = ["name", "currency", "customerGroup", "paymentTerms", "vatZone"]
REF_NUMBER = {"customerGroup": "customerGroupNumber", "paymentTerms": "paymentTermsNumber", "vatZone": "vatZoneNumber"}
# Customers, properties table: max lengths of the writable text properties.
MAX_LENGTH = {"address": 510, "city": 50, "corporateIdentificationNumber": 40, "country": 50, "currency": 3, "ean": 40,
              "email": 255, "mobilePhone": 50, "name": 255, "pNumber": 10, "publicEntryNumber": 50,
              "telephoneAndFaxNumber": 255, "vatNumber": 50, "website": 255, "zip": 30}
# Customers, GET /customers: filterable and sortable properties.
FILTERABLE = {"address", "balance", "barred", "city", "corporateIdentificationNumber", "country", "creditLimit", "currency",
              "customerNumber", "ean", "email", "lastUpdated", "name", "publicEntryNumber", "telephoneAndFaxNumber", "vatNumber",
              "website", "zip"}
SORTABLE = FILTERABLE - {"barred"}
# GET /vat-zones: what every agreement has.
VAT_ZONES = {1: "Domestic", 2: "EU", 3: "Abroad", 4: "Domestic exempt"}


class State:
    def __init__(self, app_secret, grant, revoked, read_only):
        self.lock = threading.Lock()
        self.app_secret = app_secret
        self.grant = grant
        self.revoked = revoked
        self.read_only = read_only
        self.reset()

    def reset(self):
        self.customers = {}  # number -> customer dict
        self.contacts = {}  # number -> {contactNumber: contact}
        self.faults = []
        self.requests = {}
        self.posts = {}
        self.clock = 0
        self.serve_seconds = 0.0
        self.currencies = {"DKK", "EUR", "SEK", "NOK", "USD", "GBP"}
        self.customer_groups = {1: "Domestic customers", 2: "Foreign customers"}
        self.payment_terms = {1: "Net 8 days", 2: "Net 14 days", 3: "Net 30 days"}

    def now(self):
        # Strictly increasing timestamps, so `lastUpdated$gte` is exact in tests.
        self.clock += 1
        moment = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(seconds=self.clock)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def annotated(errors):
    """Intro, "Annotated errors": {property: [(errorCode, message, value)]} as e-conomic answers it."""
    return {"message": "Validation error.", "developerHint": "Inspect validation errors and correct your request.",
            "logId": "00000000-0000-0000-0000-000000000000", "httpStatusCode": 400,
            "errors": {prop: {"errors": [{"errorCode": code, "message": message, "value": value,
                                          "developerHint": "Please check your request data."} for code, message, value in items]}
                       for prop, items in errors.items()},
            "logTime": "2026-01-01T00:00:00"}


def validation_error(fields):
    return annotated({field: [("E06000", f"Property \"{field}\" is required.", None)] for field in fields})


def with_self(customer):
    out = dict(customer)
    out["self"] = f"{BASE}/customers/{customer['customerNumber']}"
    return out


class Handler(FakeHandler):
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
        if fault and fault.get("kind") in ("delete", "touch"):
            # Someone works in e-conomic while we read: the change lands just before this request.
            with self.state.lock:
                numbers = fault["number"] if isinstance(fault["number"], list) else [fault["number"]]
                for number in map(int, numbers):
                    if fault["kind"] == "delete":
                        self.state.customers.pop(number, None)
                    elif number in self.state.customers:
                        self.state.customers[number].update(fault.get("fields", {}))
                        self.state.customers[number]["lastUpdated"] = self.state.now()
            fault = None
        if fault and "status" in fault:
            self.raw_body()
            headers = {"Retry-After": "0"} if fault["status"] == 429 else {}
            return self.reply(fault["status"], {"message": f"injected {fault['status']}", "httpStatusCode": fault["status"]}, headers)
        secret = self.headers.get("X-AppSecretToken")
        grant = self.headers.get("X-AgreementGrantToken")
        # Intro, "HTTP Status Codes", 401: wrong credentials, or a grant the agreement revoked.
        if not secret or not grant or secret != self.state.app_secret or (grant != self.state.grant and grant not in self.state.read_only):
            self.raw_body()
            revoked = grant in self.state.revoked
            return self.reply(401, {"message": "The agreement has revoked the grant." if revoked else "Unauthorized: the tokens are not valid.",
                                    "errorCode": "E00500", "developerHint": "Provide valid X-AppSecretToken and X-AgreementGrantToken headers.",
                                    "httpStatusCode": 401})
        # 403: authorised, but the grant's roles do not allow this.
        if method in ("POST", "PUT", "DELETE") and grant in self.state.read_only:
            self.raw_body()
            return self.reply(403, {"message": "The app does not have the role needed to write customers.", "errorCode": "E00510",
                                    "developerHint": "The grant was issued for roles that only read.", "httpStatusCode": 403})
        if method in ("POST", "PUT") and not (self.headers.get("Content-Type") or "").startswith("application/json"):
            self.raw_body()
            return self.reply(415, {"message": "Content-Type must be application/json", "httpStatusCode": 415})
        status, body = self.route(method, path, parse_qs(url.query))
        if fault and fault.get("kind") == "lose":
            # The write happened; the reply never arrives (the client times out waiting).
            time.sleep(float(fault.get("seconds", 5)))
            self.close_connection = True
            return
        self.reply(status, body)





    # -- the API ----------------------------------------------------------------------------------
    def route(self, method, path, query):
        s = self.state
        m = re.fullmatch(r"/customers/?", path)
        if m and method == "GET":
            return self.collection(query)
        if m and method == "POST":
            return self.create(self.json_body() or {})
        m = re.fullmatch(r"/customers/(\d+)", path)
        if m:
            number = int(m.group(1))
            if method == "GET":
                with s.lock:
                    customer = s.customers.get(number)
                return (200, with_self(customer)) if customer else (404, {"message": f"Customer {number} not found.", "httpStatusCode": 404})
            if method == "PUT":
                return self.replace(number, self.json_body() or {})
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
                    body = self.json_body() or {}
                    if not body.get("name"):
                        return 400, validation_error(["name"])
                    if len(body["name"]) > 255:
                        return 400, annotated({"name": [("E04100", "name cannot be longer than 255 characters.", body["name"])]})
                    contact_number = max(contacts.keys(), default=0) + 1
                    contact = {"customerContactNumber": contact_number, "name": body["name"],
                               "self": f"{BASE}/customers/{number}/contacts/{contact_number}"}
                    contacts[contact_number] = contact
                    return 201, contact
        reference = self.reference(method, path)
        if reference:
            return reference
        m = re.fullmatch(r"/customers/(\d+)/contacts/(\d+)", path)
        if m and method == "GET":
            with s.lock:
                contact = s.contacts.get(int(m.group(1)), {}).get(int(m.group(2)))
            return (200, contact) if contact else (404, {"message": "contact not found", "httpStatusCode": 404})
        return 404, {"message": f"no route {method} {path}", "httpStatusCode": 404}

    def reference(self, method, path):
        """GET /currencies/{code}, /customer-groups/{n}, /payment-terms/{n}, /vat-zones/{n}, and their collections."""
        if method != "GET":
            return None
        s = self.state
        with s.lock:
            tables = {
                "currencies": {c: {"code": c, "name": c, "self": f"{BASE}/currencies/{c}"} for c in s.currencies},
                "customer-groups": {str(n): {"customerGroupNumber": n, "name": name, "self": f"{BASE}/customer-groups/{n}"}
                                    for n, name in s.customer_groups.items()},
                "payment-terms": {str(n): {"paymentTermsNumber": n, "name": name, "self": f"{BASE}/payment-terms/{n}"}
                                  for n, name in s.payment_terms.items()},
                "vat-zones": {str(n): {"vatZoneNumber": n, "name": name, "self": f"{BASE}/vat-zones/{n}"} for n, name in VAT_ZONES.items()},
            }
        m = re.fullmatch(r"/(currencies|customer-groups|payment-terms|vat-zones)/?([^/]*)", path)
        if not m:
            return None
        table = tables[m.group(1)]
        if not m.group(2):
            return 200, {"collection": list(table.values()), "pagination": {"results": len(table)}}
        item = table.get(m.group(2).upper() if m.group(1) == "currencies" else m.group(2))
        return (200, item) if item else (404, {"message": f"{m.group(1)} {m.group(2)} not found.", "httpStatusCode": 404})

    @staticmethod
    def predicate(expression):
        """Intro, "Filtering": one `prop$op:value` predicate as a test, or an error message."""
        m = re.fullmatch(r"([A-Za-z]+)\$(eq|ne|gt|gte|lt|lte|like|in|nin):(.*)", expression, re.S)
        if not m:
            return None, f"the filter '{expression}' is not of the form property$operator:value"
        prop, op, raw = m.groups()
        if prop not in FILTERABLE:
            return None, f"'{prop}' is not filterable"
        value = raw.replace("$$", "$").replace("$(", "(").replace("$)", ")").replace("$*", "*").replace("$,", ",")

        def key(v):
            if isinstance(v, bool) or v is None:
                return v
            if isinstance(v, (int, float)):
                return v
            return str(v).lower()

        def typed(text, sample):
            if isinstance(sample, (int, float)) and not isinstance(sample, bool):
                try:
                    return float(text)
                except ValueError:
                    return text
            return text.lower()

        def test(customer):
            have = customer.get(prop)
            if op in ("in", "nin"):
                items = [v.strip() for v in value.strip("[]").split(",") if v.strip()]
                found = any(str(have) == v for v in items)
                return found if op == "in" else not found
            if value == "$null:":
                return (have is None) == (op == "eq")
            if have is None:
                return op == "ne"
            if op == "like":
                pattern = re.escape(value.lower()).replace("\\*", ".*")
                return re.fullmatch(pattern if "*" in value else f".*{pattern}.*", str(have).lower(), re.S) is not None
            a, b = key(have), typed(value, have)
            try:
                return {"eq": a == b, "ne": a != b, "gt": a > b, "gte": a >= b, "lt": a < b, "lte": a <= b}[op]
            except TypeError:
                return False
        return test, None

    def collection(self, query):
        try:
            skip = int(query.get("skippages", ["0"])[0])
            size = int(query.get("pagesize", ["20"])[0])
        except ValueError:
            return 400, {"message": "skippages and pagesize must be whole numbers", "httpStatusCode": 400}
        if size < 1 or size > 1000:
            return 400, {"message": "pagesize must be between 1 and 1000", "errorCode": "E07000", "httpStatusCode": 400}
        with self.state.lock:
            customers = [dict(c) for c in self.state.customers.values()]
        total = len(customers)
        for expression in query.get("filter", []):
            # `$and:` binds tighter than `$or:` here; parentheses are not needed by any client of ours.
            alternatives = []
            for alternative in expression.split("$or:"):
                tests = []
                for part in alternative.split("$and:"):
                    test, error = self.predicate(part)
                    if error:
                        return 400, {"message": f"Invalid filter: {error}.", "errorCode": "E07010", "httpStatusCode": 400}
                    tests.append(test)
                alternatives.append(tests)
            customers = [c for c in customers if any(all(t(c) for t in tests) for tests in alternatives)]
        # Intro, "Sorting": by customer number unless told otherwise; strings case-insensitive.
        customers.sort(key=lambda c: c["customerNumber"])
        for spec in reversed(",".join(query.get("sort", [])).split(",") if query.get("sort") else []):
            descending = spec.startswith("-")
            prop = spec.lstrip("-~")
            if prop not in SORTABLE:
                return 400, {"message": f"'{prop}' is not sortable.", "errorCode": "E07020", "httpStatusCode": 400}
            present = [c for c in customers if c.get(prop) is not None]
            missing = [c for c in customers if c.get(prop) is None]
            present.sort(key=lambda c: c[prop].lower() if isinstance(c[prop], str) else c[prop], reverse=descending)
            customers = present + missing
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
        """The annotated errors of a customer document (Customers, POST/PUT), or {}."""
        errors = {}
        for field in REQUIRED:
            if body.get(field) in (None, ""):
                errors.setdefault(field, []).append(("E06000", f"Property \"{field}\" is required.", None))
        for field, key in REF_NUMBER.items():
            value = body.get(field)
            if field not in errors and (not isinstance(value, dict) or key not in value):
                errors.setdefault(field, []).append(("E04500", f"No identifiers present on {field}. Please include either a self link or a {key}.", None))
        for field, value in body.items():
            # Intro, "Implementation specifics": null is not a value.
            if value is None:
                errors.setdefault(field, []).append(("E04200", f"{field} cannot be null; leave the property out to empty it.", None))
            elif field in MAX_LENGTH and isinstance(value, str) and len(value) > MAX_LENGTH[field]:
                errors.setdefault(field, []).append(("E04100", f"{field} cannot be longer than {MAX_LENGTH[field]} characters.", value))
        s = self.state
        with s.lock:
            currency = body.get("currency")
            if isinstance(currency, str) and "currency" not in errors and currency.upper() not in s.currencies:
                errors["currency"] = [("E06000", "currency does not exist.", currency)]
            for field, table in (("customerGroup", s.customer_groups), ("paymentTerms", s.payment_terms), ("vatZone", VAT_ZONES)):
                value = body.get(field)
                if field not in errors and isinstance(value, dict) and value.get(REF_NUMBER[field]) not in table:
                    errors[field] = [("E06000", f"{field} does not exist.", value.get(REF_NUMBER[field]))]
        return errors

    def create(self, body):
        s = self.state
        errors = self.checked(body)
        if errors:
            return 400, annotated(errors)
        with s.lock:
            number = body.get("customerNumber")
            if number is None:
                number = max(s.customers.keys(), default=0) + 1
            if not isinstance(number, int) or not 1 <= number <= 999999999:
                return 400, annotated({"customerNumber": [("E06010", "customerNumber must be between 1 and 999999999.", number)]})
            if number in s.customers:
                return 400, annotated({"customerNumber": [("E06020", "Customer number already in use.", number)]})
            customer = dict(body)
            customer.pop("self", None)
            customer["customerNumber"] = number
            customer["lastUpdated"] = s.now()
            # Intro, "Implementation specifics": a false boolean is left out.
            customer.setdefault("balance", 0.0)
            s.customers[number] = customer
            s.posts[str(number)] = s.posts.get(str(number), 0) + 1
        return 201, with_self(customer)

    def replace(self, number, body):
        s = self.state
        with s.lock:
            if number not in s.customers:
                return 404, {"message": f"Customer {number} not found.", "httpStatusCode": 404}
        errors = self.checked(body)
        if errors:
            return 400, annotated(errors)
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
            items = self.json_body() or []
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
                s.faults.extend(self.json_body() or [])
            return self.reply(200, {"queued": len(s.faults)})
        if path == "/__fake/stats" and method == "GET":
            with s.lock:
                return self.reply(200, {"requests": s.requests, "posts": s.posts, "faults": len(s.faults),
                                        "serveSeconds": round(s.serve_seconds, 6)})
        if path == "/__fake/reset" and method == "POST":
            self.raw_body()
            with s.lock:
                s.reset()
            return self.reply(200, {})
        if path == "/__fake/references" and method == "POST":
            body = self.json_body() or {}
            with s.lock:
                if "currencies" in body:
                    s.currencies = set(body["currencies"])
                if "customerGroups" in body:
                    s.customer_groups = {int(n): f"group {n}" for n in body["customerGroups"]}
                if "paymentTerms" in body:
                    s.payment_terms = {int(n): f"terms {n}" for n in body["paymentTerms"]}
            return self.reply(200, {})
        if path == "/__fake/touch" and method == "POST":
            # Someone edits customers in e-conomic: {"number": n, "fields": {...}}.
            body = self.json_body() or {}
            with s.lock:
                customer = s.customers.get(int(body["number"]))
                if customer is None:
                    return self.reply(404, {})
                customer.update(body.get("fields", {}))
                customer["lastUpdated"] = s.now()
            return self.reply(200, with_self(customer))
        return self.reply(404, {"message": "no such control"})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--app-secret", default="demo-app-secret")
    parser.add_argument("--grant", default="demo-grant")
    parser.add_argument("--revoked", action="append", default=[])
    parser.add_argument("--read-only", action="append", default=[])
    args = parser.parse_args()
    Handler.state = State(args.app_secret, args.grant, set(args.revoked), set(args.read_only))
    serve(Handler, args.port)


if __name__ == "__main__":
    main()
