"""Every transcript in protocol/golden/, replayed through this client's own transport; every
reply the server gives is also checked against protocol/openrpc.json (a JSON Schema validator
that nobody here wrote): a result against its method's result schema, an error's `data` against
the schema of its kind."""
import glob
import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.request

import jsonschema
import pytest

from customer_sync import CustomerSync, Transport
from conftest import GOLDEN, ROOT

# jsonschema is installed by .ci/run (pip); a missing one fails the run rather than skip it.


class Spec:
    """The OpenRPC document as validators: `$ref`s resolve against the document's components."""

    def __init__(self):
        with open(os.path.join(ROOT, "protocol", "openrpc.json"), encoding="utf-8") as f:
            self.doc = json.load(f)
        self.components = self.doc["components"]
        self.results = {m["name"]: m["result"]["schema"] for m in self.doc["methods"]}
        self.codes = {e["data"]["kind"]: e["code"] for e in self.components["errors"].values()}

    def validator(self, schema):
        return jsonschema.Draft202012Validator({**schema, "components": self.components})

    def problem(self, reply, methods):
        """What is wrong with one reply object, or None. `methods` maps request ids to methods."""
        if "method" in reply:  # the server's own notification ($/progress), not a reply
            return None
        if "result" in reply:
            method = methods.get(json.dumps(reply.get("id")))
            if method is None or method not in self.results:
                return None
            errors = sorted(self.validator(self.results[method]).iter_errors(reply["result"]), key=str)
            return f"{method} result: {errors[0].message} at {list(errors[0].absolute_path)}" if errors else None
        data = reply.get("error", {}).get("data")
        if not isinstance(data, dict) or "kind" not in data:
            return "an error without data.kind"
        kind = data["kind"]
        schema = self.components["schemas"].get(f"{kind}ErrorData")
        if schema is None:
            return f"no {kind}ErrorData schema in components"
        errors = sorted(self.validator(schema).iter_errors(data), key=str)
        if errors:
            return f"{kind} data: {errors[0].message} at {list(errors[0].absolute_path)}"
        if kind in self.codes and self.codes[kind] != reply["error"]["code"]:
            return f"{kind} with code {reply['error']['code']}, documented {self.codes[kind]}"
        return None


SPEC = Spec()


def request_methods(text):
    """Request ids to method names in one sent message (a request or a batch)."""
    try:
        message = json.loads(text)
    except ValueError:
        return {}
    items = message if isinstance(message, list) else [message]
    return {json.dumps(m["id"]): m.get("method") for m in items if isinstance(m, dict) and "id" in m}


def load(path):
    args, framings, exchanges = [], ["ndjson", "content-length"], []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f.read().split("\n"), 1):
            if line.startswith("#! args:"):
                args += line[len("#! args:"):].split()
            elif line.startswith("#! fake-economic:"):
                args.append(("economic", json.loads(line[len("#! fake-economic:"):])))
            elif line.startswith("#! fake-dinero:"):
                args.append(("dinero", json.loads(line[len("#! fake-dinero:"):])))
            elif line.startswith("#! framing:"):
                framings = [line[len("#! framing:"):].strip()]
            elif line.startswith("--> "):
                exchanges.append((number, line[4:], []))
            elif line.startswith("<-- "):
                exchanges[-1][2].append((number, line[4:]))
    return args, framings, exchanges


def matches(expected, actual, path="$"):
    if expected == "<any>":
        return None
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual)):
            if key not in expected:
                return f"{path}.{key}: unexpected member"
            if key not in actual:
                return f"{path}.{key}: missing"
            problem = matches(expected[key], actual[key], f"{path}.{key}")
            if problem:
                return problem
        return None
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return f"{path}: {len(actual)} elements, expected {len(expected)}"
        for i, (e, a) in enumerate(zip(expected, actual)):
            problem = matches(e, a, f"{path}[{i}]")
            if problem:
                return problem
        return None
    if type(expected) is not type(actual) and not (isinstance(expected, (int, float)) and isinstance(actual, (int, float))):
        return f"{path}: {actual!r}, expected {expected!r}"
    return None if expected == actual else f"{path}: {actual!r}, expected {expected!r}"


CASES = [(os.path.basename(p), framing) for p in sorted(glob.glob(os.path.join(GOLDEN, "*.transcript")))
         for framing in load(p)[1]]


FAKES = {
    # name: (script, arguments, the seed's control path, the placeholder in sent messages)
    "economic": ("fake_economic.py", ["--app-secret", "test-app-secret", "--grant", "test-grant"], "/__fake/customers", "$ECONOMIC"),
    "dinero": ("fake_dinero.py", ["--client-id", "isv_test", "--client-secret", "test-client-secret", "--api-key", "test-api-key",
                                  "--organization", "4711"], "/__fake/contacts", "$DINERO"),
}


class Fake:
    """`#! fake-economic: [customers]` / `#! fake-dinero: [contacts]`: the fake of Tests/Fixtures/, seeded."""

    def __init__(self, kind, seed):
        script, arguments, control, self.placeholder = FAKES[kind]
        self.process = subprocess.Popen([sys.executable, os.path.join(ROOT, "Tests", "Fixtures", script), "--port", "0"] + arguments,
                                        stdout=subprocess.PIPE, text=True)
        self.base = f"http://127.0.0.1:{int(self.process.stdout.readline().split()[1])}"
        request = urllib.request.Request(self.base + control, data=json.dumps(seed).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request).read()

    def stop(self):
        self.process.kill()
        self.process.wait()


@pytest.mark.parametrize("name,framing", CASES)
def test_replay(binary, name, framing, tmp_path):
    args, _, exchanges = load(os.path.join(GOLDEN, name))
    fakes = [Fake(kind, seed) for kind, seed in (a for a in args if isinstance(a, tuple))]
    args = [a for a in args if not isinstance(a, tuple)] + (["--key-file", str(tmp_path / "key")] if fakes else [])
    try:
        replay(binary, name, framing, args, exchanges, {f.placeholder: f.base for f in fakes})
    finally:
        for f in fakes:
            f.stop()


def replay(binary, name, framing, args, exchanges, urls):
    transport = Transport(db=":memory:", binary=binary, framing=framing, args=args)
    transport.raw_mode()
    methods = {}
    for _, text, replies in exchanges:
        for placeholder, url in urls.items():
            text = text.replace(placeholder, url)
        methods.update(request_methods(text))
        transport.send_raw(text)
        for number, expected in replies:
            actual = transport.receive_raw(timeout=30)
            assert actual is not None, f"{name}:{number}: the server ended"
            problem = matches(json.loads(expected), actual)
            assert problem is None, f"{name}:{number}: {problem}\n  got: {json.dumps(actual, ensure_ascii=False)[:500]}"
            for reply in actual if isinstance(actual, list) else [actual]:
                problem = SPEC.problem(reply, methods)
                assert problem is None, f"{name}:{number}: against openrpc.json: {problem}"
    transport.process.stdin.close()
    assert transport.process.wait(timeout=30) == 0
    assert transport.receive_raw(timeout=10) is None, "no output after the last reply"


def test_an_estimated_search_total_meets_the_spec(binary, tmp_path):
    """A page whose total is estimated (a query with more candidates than are counted at once,
    on a side large enough for the search index) carries `totalEstimated: true`, and the page
    still validates against listUnsynced's result schema; an exact one has no such member."""
    db = str(tmp_path / "search.sqlite")
    rows = "\n".join(f"{i};Kunde {i} Vestervej;By {i % 7}" for i in range(1, 6001))
    with CustomerSync.spawn(db=db, binary=binary) as sync:
        sync.call("importCustomers", {"side": "local", "content": "Kundenr.;Navn;By\n" + rows + "\n"})
        validator = SPEC.validator(SPEC.results["listUnsynced"])
        # The indexer indexes the 6,000 after the reply (counted by their keys meanwhile:
        # exactly); an estimate needs the index.
        deadline = time.monotonic() + 60
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as file:
            while file.execute("SELECT upTo < (SELECT max(id) FROM customer) FROM search_index").fetchone()[0]:
                assert time.monotonic() < deadline, "the search index did not catch up"
                time.sleep(0.05)
        common = sync.call("listUnsynced", {"side": "local", "query": "vestervej", "limit": 5})
        assert common["totalEstimated"] is True and common["total"] >= 5 and len(common["items"]) == 5
        assert not list(validator.iter_errors(common))
        rare = sync.call("listUnsynced", {"side": "local", "query": "kunde 5999 ", "limit": 5})
        assert "totalEstimated" not in rare and rare["total"] == 1
        assert not list(validator.iter_errors(rare))
