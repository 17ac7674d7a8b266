#!/usr/bin/env python3
"""A fake Dinero API (authentication and contacts), for tests and the benchmark.

Written from Dinero's own documentation, which is the spec (where this fake and the docs
disagree, the docs win). Each behaviour names where it comes from:

- [auth] https://api.dinero.dk/docs, "Authentication": a token is had from
  `https://authz.dinero.dk/dineroapi/oauth/token` by an HTTP POST with `Authorization: Basic
  base64(client_id:client_secret)`, `Content-Type: application/x-www-form-urlencoded` and the
  body `grant_type=password&scope=read write&username=API_KEY&password=API_KEY`; the answer is
  JSON with `access_token` (and, as OAuth2 has it, `token_type` and `expires_in` seconds).
  Every API request then carries `Authorization: Bearer TOKEN`; an expired or unknown token
  is 401. Here the token endpoint is served at `/dineroapi/oauth/token` of this same server.
- [pro] https://api.dinero.dk/docs: an organisation without Dinero Pro is refused with 403
  and errorcode 48 (`--no-pro`).
- [rate] https://developer.dinero.dk/news/lots-of-updates/, "Rate limit in effect": 100
  requests a minute per organisation; past it, 429 ("wait a minute and continue"). Here
  `--rate N/SECONDS` (default 100/60); the 429 carries `Retry-After` in seconds.
- [list] https://api.dinero.dk/v1/docs, Contacts: `GET v1/{organizationId}/contacts?fields=
  &queryFilter=&changesSince=&deletedOnly=&page=&pageSize=`, "order by UpdatedAt"; the answer
  is `{Collection, Pagination: {MaxPageSizeAllowed, PageSize, Result, ResultWithoutFilter,
  Page}}` (the shape public clients read: LasseRafn/php-dinero, Hexio.DineroClient); `page`
  starts at 0, `pageSize` 100 by default, at most 1000; `fields` is a comma list of the
  properties to return (default `Name,ContactGuid`); `queryFilter` is `Property eq 'value'` or
  `Property contains 'value'`, several joined by `;`, on Name, Email, ExternalReference,
  VatNumber, EanNumber, IsPerson; `changesSince` (yyyy-MM-ddTHH:mm:ssZ) keeps the contacts
  changed since then; `deletedOnly=true` lists the deleted ones instead.
- [contact] https://api.dinero.dk/v1/docs/api/GET-v1-organizationId-contacts-guid: a contact's
  properties (ContactGuid, ExternalReference up to 128 characters, Name, Street, ZipCode,
  City, CountryKey two letters, Phone, Email, Webpage, AttPerson, VatNumber, EanNumber,
  PaymentConditionType, PaymentConditionNumberOfDays, IsPerson, CreatedAt, UpdatedAt,
  DeletedAt, IsDebitor, IsCreditor, UseCvr…). `GET …/contacts/{guid}`, 404 for none.
- [write] the same index: `POST …/contacts` adds a contact and answers its `ContactGuid`;
  `PUT …/contacts/{guid}` updates it from the body, which is the whole writable contact (what
  it leaves out is emptied); `DELETE …/contacts/{guid}` deletes it (it stays listed with
  `deletedOnly`, and can be restored: `POST …/contacts/{guid}/restore`). A refused write is
  400 with `message` and `validationErrors` {property: message}, as public clients read it.

Test controls under `/__fake/` (no token needed): `POST /__fake/contacts` seeds contacts
(a JSON list; a missing ContactGuid is made), `GET /__fake/contacts` lists them all (deleted
ones too); `POST /__fake/faults` queues faults as the fake e-conomic does (`status`, `lose`,
`slow`; `method`, `path` prefix, `times`, `skip`); `POST /__fake/touch` `{guid, fields}` edits
a contact as a person in Dinero would; `POST /__fake/delete` `{guid}`; `POST /__fake/expire`
ends every token now; `GET /__fake/redirect` answers 302 to another place; `GET /__fake/stats`: requests by method, POSTs by ExternalReference,
tokens issued, 429s answered.

Run: `fake_dinero.py [--port 0] [--client-id C] [--client-secret S] [--api-key K]
[--organization O] [--token-seconds 3600] [--rate 100/60] [--no-pro]`; prints `port N`.
"""
import argparse
import base64
import collections
import datetime
import json
import re
import threading
import time
import uuid
from urllib.parse import parse_qs, urlparse

from fake_http import FakeHandler, serve

FILTERABLE = {"Name", "Email", "ExternalReference", "VatNumber", "EanNumber", "IsPerson"}
READ_ONLY = {"ContactGuid", "CreatedAt", "UpdatedAt", "DeletedAt", "IsDebitor", "IsCreditor"}
WRITABLE = ["ExternalReference", "Name", "Street", "ZipCode", "City", "CountryKey", "Phone", "Email", "Webpage", "AttPerson",
            "VatNumber", "EanNumber", "PaymentConditionType", "PaymentConditionNumberOfDays", "IsPerson", "IsMember", "MemberNumber",
            "UseCvr", "CompanyTypeKey"]


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_stamp(text):
    text = text.strip().replace("Z", "+00:00")
    return datetime.datetime.fromisoformat(text)


class State:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.args = args
        limit, seconds = args.rate.split("/")
        self.rate = (int(limit), float(seconds))
        self.reset()

    def reset(self):
        self.contacts = collections.OrderedDict()  # guid -> contact
        self.tokens = {}  # token -> expiry (epoch seconds)
        self.faults = []
        self.requests = {}
        self.posts = {}
        self.issued = 0
        self.limited = 0
        self.window = collections.deque()
        self.last = now()

    def tick(self):
        """A strictly increasing UpdatedAt, so changesSince is exact."""
        moment = max(now(), self.last + datetime.timedelta(milliseconds=1))
        self.last = moment
        return stamp(moment)


class Handler(FakeHandler):
    def handle_any(self, method):
        url = urlparse(self.path)
        if url.path.startswith("/__fake/"):
            return self.control(method, url.path)
        with self.state.lock:
            self.state.requests[method] = self.state.requests.get(method, 0) + 1
        if url.path == "/dineroapi/oauth/token":
            return self.token(method)
        fault = self.fault(method, url.path)
        if fault and fault.get("kind") == "slow":
            time.sleep(float(fault.get("seconds", 1)))
            fault = None
        if fault and "status" in fault:
            self.raw_body()
            headers = {"Retry-After": "0"} if fault["status"] == 429 else {}
            return self.reply(fault["status"], {"code": 0, "message": f"injected {fault['status']}"}, headers)
        # [auth] a valid, unexpired bearer token.
        auth = self.headers.get("Authorization") or ""
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else None
        with self.state.lock:
            expiry = self.state.tokens.get(token)
        if expiry is None or expiry <= time.time():
            self.raw_body()
            return self.reply(401, {"code": 0, "message": "Authorization has been denied for this request."})
        # [rate] at most N requests a window per organisation.
        with self.state.lock:
            limit, seconds = self.state.rate
            moment = time.monotonic()
            while self.state.window and moment - self.state.window[0] >= seconds:
                self.state.window.popleft()
            if len(self.state.window) >= limit:
                self.state.limited += 1
                wait = seconds - (moment - self.state.window[0])
                self.raw_body()
                return self.reply(429, {"code": 0, "message": "Too many requests: wait a minute and continue."},
                                  {"Retry-After": str(max(1, int(wait + 0.999)))})
            self.state.window.append(moment)
        m = re.fullmatch(r"/v1/([^/]+)/contacts(?:/([^/]+))?(/restore)?/?", url.path)
        if not m or m.group(1) != self.state.args.organization:
            self.raw_body()
            return self.reply(404, {"code": 0, "message": f"no route {method} {url.path}"})
        if self.state.args.no_pro:
            self.raw_body()
            return self.reply(403, {"code": 48, "message": "The organization does not have an active Dinero Pro subscription."})
        guid, restore = m.group(2), m.group(3)
        if method in ("POST", "PUT") and not (self.headers.get("Content-Type") or "").startswith("application/json"):
            self.raw_body()
            return self.reply(415, {"code": 0, "message": "Content-Type must be application/json"})
        status, body = self.route(method, guid, restore, parse_qs(url.query))
        if fault and fault.get("kind") == "lose":
            time.sleep(float(fault.get("seconds", 5)))
            self.close_connection = True
            return
        self.reply(status, body)

    def token(self, method):
        """[auth] the password grant with the organisation's API key."""
        raw = self.raw_body().decode("utf-8")
        args = self.state.args
        expected = "Basic " + base64.b64encode(f"{args.client_id}:{args.client_secret}".encode()).decode()
        if method != "POST" or self.headers.get("Authorization") != expected:
            return self.reply(401, {"error": "invalid_client"})
        form = {k: v[0] for k, v in parse_qs(raw).items()}
        if form.get("grant_type") != "password" or form.get("username") != args.api_key or form.get("password") != args.api_key:
            return self.reply(400, {"error": "invalid_grant", "error_description": "the API key is not valid"})
        token = uuid.uuid4().hex
        with self.state.lock:
            self.state.tokens[token] = time.time() + args.token_seconds
            self.state.issued += 1
        return self.reply(200, {"access_token": token, "token_type": "Bearer", "expires_in": args.token_seconds})

    @staticmethod
    def project(contact, fields):
        return {f: contact.get(f) for f in fields}

    def route(self, method, guid, restore, query):
        s = self.state
        if guid is None and method == "GET":
            return self.listing(query)
        if guid is None and method == "POST":
            return self.create(self.json_body() or {})
        if restore and method == "POST":
            with s.lock:
                contact = s.contacts.get(guid)
                if not contact:
                    return 404, {"code": 0, "message": "Contact not found"}
                contact["DeletedAt"] = None
                contact["UpdatedAt"] = s.tick()
            return 200, None
        with s.lock:
            contact = s.contacts.get(guid)
        if contact is None:
            self.raw_body()
            return 404, {"code": 0, "message": "Contact not found"}
        if method == "GET":
            return 200, dict(contact)
        if method == "PUT":
            return self.replace(guid, self.json_body() or {})
        if method == "DELETE":
            with s.lock:
                contact["DeletedAt"] = s.tick()
                contact["UpdatedAt"] = contact["DeletedAt"]
            return 200, None
        return 405, {"code": 0, "message": "method not allowed"}

    def listing(self, query):
        try:
            page = int(query.get("page", ["0"])[0])
            size = int(query.get("pageSize", ["100"])[0])
        except ValueError:
            return 400, {"code": 0, "message": "page and pageSize must be whole numbers"}
        if size < 1 or size > 1000 or page < 0:
            return 400, {"code": 0, "message": "pageSize must be between 1 and 1000"}
        fields = [f for f in (query.get("fields", ["Name,ContactGuid"])[0]).split(",") if f]
        deleted_only = query.get("deletedOnly", ["false"])[0].lower() == "true"
        with self.state.lock:
            contacts = [dict(c) for c in self.state.contacts.values()]
        total = len([c for c in contacts if not c.get("DeletedAt")])
        contacts = [c for c in contacts if bool(c.get("DeletedAt")) == deleted_only]
        if "changesSince" in query:
            try:
                since = parse_stamp(query["changesSince"][0])
            except ValueError:
                return 400, {"code": 0, "message": "changesSince must be a date and time (yyyy-MM-ddTHH:mm:ssZ)"}
            contacts = [c for c in contacts if parse_stamp(c["UpdatedAt"]) >= since]
        for predicate in filter(None, query.get("queryFilter", [""])[0].split(";")):
            m = re.fullmatch(r"\s*(\w+)\s+(eq|contains)\s+'(.*)'\s*", predicate)
            if not m or m.group(1) not in FILTERABLE:
                return 400, {"code": 0, "message": f"queryFilter '{predicate}' is not supported"}
            prop, op, value = m.groups()
            contacts = [c for c in contacts if (str(c.get(prop) or "").lower() == value.lower() if op == "eq"
                                                else value.lower() in str(c.get(prop) or "").lower())]
        # [list] "order by UpdatedAt".
        contacts.sort(key=lambda c: c["UpdatedAt"])
        chunk = contacts[page * size:(page + 1) * size]
        return 200, {"Collection": [self.project(c, fields) for c in chunk],
                     "Pagination": {"MaxPageSizeAllowed": 1000, "PageSize": size, "Result": len(contacts),
                                    "ResultWithoutFilter": total, "Page": page}}

    def checked(self, body):
        errors = {}
        if not body.get("Name"):
            errors["Name"] = "Name is required."
        country = body.get("CountryKey")
        if not isinstance(country, str) or not re.fullmatch(r"[A-Z]{2}", country):
            errors["CountryKey"] = "CountryKey must be a two-letter country key such as DK."
        if len(body.get("ExternalReference") or "") > 128:
            errors["ExternalReference"] = "ExternalReference can be at most 128 characters."
        return errors

    def create(self, body):
        errors = self.checked(body)
        if errors:
            return 400, {"code": 0, "message": "Validation failed.", "validationErrors": errors,
                         "languageSpecificMessages": [{"property": k, "message": v} for k, v in errors.items()]}
        s = self.state
        with s.lock:
            guid = str(uuid.uuid4())
            contact = {k: body.get(k) for k in WRITABLE}
            contact.update({"ContactGuid": guid, "CreatedAt": s.tick(), "DeletedAt": None, "IsDebitor": True, "IsCreditor": False})
            contact["UpdatedAt"] = contact["CreatedAt"]
            s.contacts[guid] = contact
            reference = body.get("ExternalReference") or ""
            s.posts[reference] = s.posts.get(reference, 0) + 1
        return 201, {"ContactGuid": guid}

    def replace(self, guid, body):
        errors = self.checked(body)
        if errors:
            return 400, {"code": 0, "message": "Validation failed.", "validationErrors": errors}
        s = self.state
        with s.lock:
            contact = s.contacts[guid]
            for key in WRITABLE:  # [write] the body is the whole writable contact
                contact[key] = body.get(key)
            contact["UpdatedAt"] = s.tick()
        return 200, None

    def control(self, method, path):
        s = self.state
        body = self.json_body() if method == "POST" else None
        if path == "/__fake/contacts" and method == "POST":
            with s.lock:
                for item in body or []:
                    contact = {k: None for k in WRITABLE}
                    contact.update(item)
                    contact.setdefault("ContactGuid", str(uuid.uuid4()))
                    contact.setdefault("CountryKey", "DK")
                    contact.setdefault("CreatedAt", s.tick())
                    contact.setdefault("UpdatedAt", contact["CreatedAt"])
                    contact.setdefault("DeletedAt", None)
                    s.contacts[contact["ContactGuid"]] = contact
            return self.reply(200, {"stored": len(body or [])})
        if path == "/__fake/contacts" and method == "GET":
            with s.lock:
                return self.reply(200, list(s.contacts.values()))
        if path == "/__fake/faults" and method == "POST":
            with s.lock:
                s.faults.extend(body or [])
            return self.reply(200, {"queued": len(s.faults)})
        if path == "/__fake/touch" and method == "POST":
            with s.lock:
                contact = s.contacts.get(body["guid"])
                if contact is None:
                    return self.reply(404, {})
                contact.update(body.get("fields", {}))
                contact["UpdatedAt"] = s.tick()
            return self.reply(200, contact)
        if path == "/__fake/delete" and method == "POST":
            with s.lock:
                contact = s.contacts.get(body["guid"])
                if contact is None:
                    return self.reply(404, {})
                contact["DeletedAt"] = s.tick()
                contact["UpdatedAt"] = contact["DeletedAt"]
            return self.reply(200, {})
        if path == "/__fake/expire" and method == "POST":
            with s.lock:
                for token in s.tokens:
                    s.tokens[token] = 0
            return self.reply(200, {})
        if path == "/__fake/stats" and method == "GET":
            with s.lock:
                return self.reply(200, {"requests": s.requests, "posts": s.posts, "tokens": s.issued, "limited": s.limited})
        if path == "/__fake/redirect" and method == "GET":
            # Somewhere else, for a client that must not follow (and so not carry its token there).
            return self.reply(302, {}, {"Location": "http://127.0.0.1:9/elsewhere"})
        if path == "/__fake/reset" and method == "POST":
            with s.lock:
                s.reset()
            return self.reply(200, {})
        return self.reply(404, {"message": "no such control"})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--client-id", default="isv_demo")
    parser.add_argument("--client-secret", default="demo-client-secret")
    parser.add_argument("--api-key", default="demo-api-key")
    parser.add_argument("--organization", default="12345")
    parser.add_argument("--token-seconds", type=int, default=3600)
    parser.add_argument("--rate", default="100/60")
    parser.add_argument("--no-pro", action="store_true")
    args = parser.parse_args()
    Handler.state = State(args)
    serve(Handler, args.port)


if __name__ == "__main__":
    main()
